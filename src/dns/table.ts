// Pure: what the per-worker DNS resolver answers, built from the node's network view. A name
// resolves only for a client on one of the service's networks (the ingress network does not
// count, as in Swarm):
//   SERVICE        → its VIP on each shared network (endpoint mode vip), or its running
//                    tasks' addresses there (dnsrr)
//   tasks.SERVICE  → every running task's address on the shared networks
//   ALIAS, tasks.ALIAS → the same answers for a service with that network alias
//                    (Spec.TaskTemplate.Networks[].Aliases), from the networks the client
//                    shares with the service on which the alias is set, and those only
// Names are case-insensitive. A service's own name wins over an alias: if the client can see
// a service of that name, aliases of that name are not consulted. Aliases of one name set by
// several services answer together (as Docker's resolver does).
// Anything else is NXDOMAIN here; the server forwards names with several labels (not
// tasks.*) to the host's resolvers when it has any (see docs/design/network-agent.md).
import type { NetworkState__Output } from '../generated/tsswarm/dispatcher/v1/NetworkState.js';
import { TASKS_PREFIX } from './names.js';

export type DnsRcode = 'NOERROR' | 'NXDOMAIN' | 'REFUSED';

export interface DnsAnswer {
  rcode: DnsRcode;
  /** IPv4 addresses (A records); empty with NOERROR for a known name asked for another type. */
  addrs: string[];
}

interface ServiceRecord {
  dnsrr: boolean;
  /** network id → VIP */
  vips: Map<string, string>;
  /** network id → running task addresses, sorted */
  tasks: Map<string, string[]>;
}

/** One service answering to an alias on some of its networks. */
interface AliasRecord {
  service: ServiceRecord;
  /** networks on which the alias is set */
  networks: Set<string>;
}

export interface DnsTable {
  /** lower-case service name → record */
  services: Map<string, ServiceRecord>;
  /** lower-case alias → the services answering to it, with where */
  aliases: Map<string, AliasRecord[]>;
  /** client address (docker bridge or overlay) → networks its task is on */
  clients: Map<string, Set<string>>;
}

export function emptyTable(): DnsTable {
  return { services: new Map(), aliases: new Map(), clients: new Map() };
}

/**
 * @param clientAddrs this node's running tasks → the addresses their DNS queries come from
 *   (the container's docker-bridge address; overlay addresses are added from the view).
 */
export function buildTable(view: NetworkState__Output, clientAddrs: ReadonlyMap<string, readonly string[]>): DnsTable {
  const ingress = new Set(view.networks.filter((n) => n.ingress).map((n) => n.id));
  const services = new Map<string, ServiceRecord>();
  const aliases = new Map<string, AliasRecord[]>();
  const byId = new Map<string, ServiceRecord>();
  for (const s of view.services) {
    const rec: ServiceRecord = { dnsrr: s.endpoint_mode === 'dnsrr', vips: new Map(), tasks: new Map() };
    for (const v of s.vips) if (v.ip && !ingress.has(v.network_id)) rec.vips.set(v.network_id, v.ip);
    services.set(s.name.toLowerCase(), rec);
    byId.set(s.service_id, rec);
    addAliases(aliases, rec, s.aliases, ingress);
  }
  const taskNets = new Map<string, Set<string>>();
  for (const e of view.endpoints) {
    if (ingress.has(e.network_id)) continue;
    let nets = taskNets.get(e.task_id);
    if (!nets) taskNets.set(e.task_id, (nets = new Set()));
    nets.add(e.network_id);
    const rec = byId.get(e.service_id);
    if (!rec || !e.running) continue;
    const list = rec.tasks.get(e.network_id) ?? [];
    list.push(e.ip);
    rec.tasks.set(e.network_id, list);
  }
  for (const rec of services.values()) for (const list of rec.tasks.values()) list.sort();
  const clients = new Map<string, Set<string>>();
  for (const e of view.endpoints) {
    const nets = taskNets.get(e.task_id);
    if (nets && !ingress.has(e.network_id)) clients.set(e.ip, nets);
  }
  // A local task on no network is still a client: it resolves outside names (forwarded).
  for (const [taskId, addrs] of clientAddrs) {
    const nets = taskNets.get(taskId) ?? new Set<string>();
    for (const a of addrs) clients.set(a, nets);
  }
  return { services, aliases, clients };
}

/** Indexes one service's aliases by lower-case name; ingress aliases never answer. */
function addAliases(
  into: Map<string, AliasRecord[]>,
  rec: ServiceRecord,
  sets: NetworkState__Output['services'][number]['aliases'],
  ingress: ReadonlySet<string>,
): void {
  const mine = new Map<string, AliasRecord>();
  for (const set of sets) {
    if (ingress.has(set.network_id)) continue;
    for (const raw of set.names) {
      const alias = raw.toLowerCase();
      let entry = mine.get(alias);
      if (!entry) {
        mine.set(alias, (entry = { service: rec, networks: new Set() }));
        const list = into.get(alias) ?? [];
        list.push(entry);
        into.set(alias, list);
      }
      entry.networks.add(set.network_id);
    }
  }
}

/** Answers one question from `client`. Unknown clients are REFUSED (not one of our tasks). */
export function resolve(table: DnsTable, client: string, qname: string, qtype: string): DnsAnswer {
  const nets = table.clients.get(client);
  if (!nets) return { rcode: 'REFUSED', addrs: [] };
  const name = qname.toLowerCase().replace(/\.$/, '');
  const tasksOnly = name.startsWith(TASKS_PREFIX);
  const key = tasksOnly ? name.slice(TASKS_PREFIX.length) : name;
  const own = table.services.get(key);
  let addrs = own ? answerOn(own, nets, tasksOnly) : undefined;
  if (!addrs) {
    for (const a of table.aliases.get(key) ?? []) {
      const found = answerOn(a.service, [...nets].filter((n) => a.networks.has(n)), tasksOnly);
      if (found) (addrs ??= []).push(...found);
    }
  }
  // A service (or alias) on none of the client's networks does not exist for it.
  if (!addrs) return { rcode: 'NXDOMAIN', addrs: [] };
  return { rcode: 'NOERROR', addrs: qtype === 'A' || qtype === 'ANY' ? [...new Set(addrs)] : [] };
}

/**
 * What `rec` answers on `nets`: its VIPs (vip mode, not tasks.*) or its running tasks'
 * addresses; undefined if the service is on none of them.
 */
function answerOn(rec: ServiceRecord, nets: Iterable<string>, tasksOnly: boolean): string[] | undefined {
  let addrs: string[] | undefined;
  for (const net of nets) {
    const vip = rec.vips.get(net);
    const tasks = rec.tasks.get(net);
    if (vip === undefined && tasks === undefined) continue;
    addrs ??= [];
    if (!tasksOnly && !rec.dnsrr) {
      if (vip !== undefined) addrs.push(vip);
    } else {
      addrs.push(...(tasks ?? []));
    }
  }
  return addrs;
}
