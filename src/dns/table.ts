// Pure: what the per-worker DNS resolver answers, built from the node's network view. A name
// resolves only for a client on one of the service's networks (the ingress network does not
// count, as in Swarm):
//   SERVICE        → its VIP on each shared network (endpoint mode vip), or its running
//                    tasks' addresses there (dnsrr)
//   tasks.SERVICE  → every running task's address on the shared networks
// Anything else is NXDOMAIN here; the server forwards names with several labels (not
// tasks.*) to the host's resolvers when it has any (see docs/design/network-agent.md).
import type { NetworkState__Output } from '../generated/tsswarm/dispatcher/v1/NetworkState.js';

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

export interface DnsTable {
  /** lower-case service name → record */
  services: Map<string, ServiceRecord>;
  /** client address (docker bridge or overlay) → networks its task is on */
  clients: Map<string, Set<string>>;
}

export function emptyTable(): DnsTable {
  return { services: new Map(), clients: new Map() };
}

/**
 * @param clientAddrs this node's running tasks → the addresses their DNS queries come from
 *   (the container's docker-bridge address; overlay addresses are added from the view).
 */
export function buildTable(view: NetworkState__Output, clientAddrs: ReadonlyMap<string, readonly string[]>): DnsTable {
  const ingress = new Set(view.networks.filter((n) => n.ingress).map((n) => n.id));
  const services = new Map<string, ServiceRecord>();
  const byId = new Map<string, ServiceRecord>();
  for (const s of view.services) {
    const rec: ServiceRecord = { dnsrr: s.endpoint_mode === 'dnsrr', vips: new Map(), tasks: new Map() };
    for (const v of s.vips) if (v.ip && !ingress.has(v.network_id)) rec.vips.set(v.network_id, v.ip);
    services.set(s.name.toLowerCase(), rec);
    byId.set(s.service_id, rec);
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
  return { services, clients };
}

/** Answers one question from `client`. Unknown clients are REFUSED (not one of our tasks). */
export function resolve(table: DnsTable, client: string, qname: string, qtype: string): DnsAnswer {
  const nets = table.clients.get(client);
  if (!nets) return { rcode: 'REFUSED', addrs: [] };
  const name = qname.toLowerCase().replace(/\.$/, '');
  const tasksOnly = name.startsWith('tasks.');
  const rec = table.services.get(tasksOnly ? name.slice('tasks.'.length) : name);
  if (!rec) return { rcode: 'NXDOMAIN', addrs: [] };
  const addrs: string[] = [];
  let shared = false;
  for (const net of nets) {
    const vip = rec.vips.get(net);
    const tasks = rec.tasks.get(net);
    if (vip === undefined && tasks === undefined) continue;
    shared = true;
    if (!tasksOnly && !rec.dnsrr) {
      if (vip !== undefined) addrs.push(vip);
    } else {
      addrs.push(...(tasks ?? []));
    }
  }
  // A service on none of the client's networks does not exist for it.
  if (!shared) return { rcode: 'NXDOMAIN', addrs: [] };
  return { rcode: 'NOERROR', addrs: qtype === 'A' || qtype === 'ANY' ? [...new Set(addrs)] : [] };
}
