// The allocator loop: gives new tasks their overlay addresses (then hands them to the
// scheduler as `pending`), gives services their virtual IPs and auto-assigned published
// ports. What is in use is derived from the store on every pass, so nothing leaks.
import type { Logger } from 'pino';
import type { NetworkAttachment, PortConfig, Service, Task } from '../../store/objects.js';
import type { Store, WriteTx } from '../../store/store.js';
import type { StoreEvent } from '../../store/state.js';
import { ControlLoop } from '../control-loop.js';
import { allocateAddress, intToIp, ipToInt, IpamError, parseCidr } from './ipam.js';
import { findNetwork, publishesIngress, serviceNetworks } from './networks.js';

const DEBOUNCE_MS = 2;
/** Docker's range for published ports chosen by the manager. */
export const DYNAMIC_PORT_MIN = 30000;
export const DYNAMIC_PORT_MAX = 32767;

export class Allocator extends ControlLoop {
  private dirty = true;

  constructor(store: Store, log: Logger) {
    super(store, log, DEBOUNCE_MS);
  }

  protected observe(events: StoreEvent[]): void {
    for (const e of events) {
      if (e.table === 'services' || e.table === 'networks') this.dirty = true;
      else if (e.table === 'nodes' && e.kind === 'create') this.dirty = true;
      else if (e.table === 'tasks' && e.kind !== 'delete' && (e.object as Task).Status.State === 'new') this.dirty = true;
    }
  }

  protected hasWork(): boolean {
    return this.dirty;
  }

  protected onPassFailed(): void {
    this.dirty = true;
  }

  protected async pass(): Promise<void> {
    this.dirty = false;
    await this.store.update((tx) => allocate(tx));
  }
}

/** One allocation pass inside a transaction. Exported for tests. */
export function allocate(tx: WriteTx): void {
  const used = addressesInUse(tx);
  const usedPorts = new Set<string>();
  for (const s of tx.all('services')) for (const p of s.Endpoint.Ports ?? []) if (p.PublishedPort) usedPorts.add(portKey(p));

  for (const s of tx.all('services')) {
    const vips = wantedVips(tx, s, used);
    const ports = wantedPorts(s, usedPorts);
    const curVips = JSON.stringify(s.Endpoint.VirtualIPs ?? []);
    const curPorts = JSON.stringify(s.Endpoint.Ports ?? []);
    if (JSON.stringify(vips) !== curVips || JSON.stringify(ports) !== curPorts) {
      tx.update('services', s.ID, (d) => {
        d.Endpoint = { ...d.Endpoint, Spec: d.Spec.EndpointSpec ?? {}, Ports: ports, VirtualIPs: vips };
      });
    }
  }

  for (const t of tx.all('tasks')) {
    if (t.Status.State !== 'new') continue;
    const attachments: NetworkAttachment[] = [];
    let error: string | undefined;
    const service = tx.get('services', t.ServiceID);
    for (const want of t.Spec.Networks ?? []) {
      if (!findNetwork(tx, want.Target)) error = `network ${want.Target} not found`;
    }
    for (const net of error || !service ? [] : serviceNetworks(tx, service)) {
      const subnet = parseCidr(net.IPAM.Config[0]?.Subnet ?? '');
      const set = usedSet(used, net.ID, net.IPAM.Config[0]?.Gateway);
      let ip: number;
      try {
        ip = allocateAddress(subnet, set);
      } catch (err) {
        if (!(err instanceof IpamError)) throw err;
        error = `network ${net.Name}: ${err.message}`;
        break;
      }
      set.add(ip);
      attachments.push({ Network: { ID: net.ID, Spec: { Name: net.Name } }, Addresses: [`${intToIp(ip)}/${subnet.prefix}`] });
    }
    const now = new Date().toISOString();
    tx.update('tasks', t.ID, (d) => {
      if (error) {
        d.Status = { Timestamp: now, State: 'rejected', Message: 'allocation failed', Err: error };
      } else {
        d.NetworksAttachments = attachments;
        d.Status = { Timestamp: now, State: 'pending', Message: 'pending task scheduling' };
      }
    });
  }

  if (tx.all('services').some(publishesIngress)) allocateNodeIngress(tx, used);
}

/** Every node gets an address on the ingress network: the routing mesh's way in. */
function allocateNodeIngress(tx: WriteTx, used: Map<string, Set<number>>): void {
  const ingress = tx.all('networks').find((n) => n.Ingress);
  for (const node of tx.all('nodes')) {
    const has = node.Attachments?.some((a) => a.Network.ID === ingress?.ID);
    const stale = node.Attachments?.some((a) => a.Network.ID !== ingress?.ID);
    if ((has || !ingress) && !stale) continue;
    const keep = (node.Attachments ?? []).filter((a) => a.Network.ID === ingress?.ID);
    if (ingress && keep.length === 0) {
      const subnet = parseCidr(ingress.IPAM.Config[0]?.Subnet ?? '');
      const set = usedSet(used, ingress.ID, ingress.IPAM.Config[0]?.Gateway);
      let ip: number;
      try {
        ip = allocateAddress(subnet, set);
      } catch (err) {
        // Out of ingress addresses: this node stays off the mesh; the others are unaffected.
        if (err instanceof IpamError) continue;
        throw err;
      }
      set.add(ip);
      keep.push({ Network: { ID: ingress.ID, Spec: { Name: ingress.Name } }, Addresses: [`${intToIp(ip)}/${subnet.prefix}`] });
    }
    tx.update('nodes', node.ID, (d) => void (d.Attachments = keep));
  }
}

function addressesInUse(tx: WriteTx): Map<string, Set<number>> {
  const used = new Map<string, Set<number>>();
  const add = (netId: string, cidr: string) => {
    const ip = cidr.split('/')[0];
    if (!ip) return;
    let set = used.get(netId);
    if (!set) used.set(netId, (set = new Set()));
    set.add(ipToInt(ip));
  };
  for (const t of tx.all('tasks')) for (const a of t.NetworksAttachments ?? []) for (const addr of a.Addresses) add(a.Network.ID, addr);
  for (const s of tx.all('services')) for (const v of s.Endpoint.VirtualIPs ?? []) add(v.NetworkID, v.Addr);
  for (const n of tx.all('nodes')) for (const a of n.Attachments ?? []) for (const addr of a.Addresses) add(a.Network.ID, addr);
  return used;
}

function usedSet(used: Map<string, Set<number>>, netId: string, gateway: string | undefined): Set<number> {
  let set = used.get(netId);
  if (!set) used.set(netId, (set = new Set()));
  if (gateway) set.add(ipToInt(gateway));
  return set;
}

/** One VIP per attached network (ingress included), kept stable across passes; none in dnsrr mode. */
function wantedVips(tx: WriteTx, s: Service, used: Map<string, Set<number>>): Array<{ NetworkID: string; Addr: string }> {
  if (s.Spec.EndpointSpec?.Mode === 'dnsrr') return [];
  const out: Array<{ NetworkID: string; Addr: string }> = [];
  for (const net of serviceNetworks(tx, s)) {
    const existing = s.Endpoint.VirtualIPs?.find((v) => v.NetworkID === net.ID);
    if (existing) {
      out.push(existing);
      continue;
    }
    const subnet = parseCidr(net.IPAM.Config[0]?.Subnet ?? '');
    const set = usedSet(used, net.ID, net.IPAM.Config[0]?.Gateway);
    let ip: number;
    try {
      ip = allocateAddress(subnet, set);
    } catch (err) {
      if (err instanceof IpamError) continue; // no VIP while the subnet is full; tasks still get DNS by name
      throw err;
    }
    set.add(ip);
    out.push({ NetworkID: net.ID, Addr: `${intToIp(ip)}/${subnet.prefix}` });
  }
  return out;
}

/** The spec's ports with every ingress port given a published port (kept once chosen). */
function wantedPorts(s: Service, usedPorts: Set<string>): PortConfig[] {
  const out: PortConfig[] = [];
  for (const p of s.Spec.EndpointSpec?.Ports ?? []) {
    const mode = p.PublishMode ?? 'ingress';
    const protocol = p.Protocol ?? 'tcp';
    let published = p.PublishedPort ?? 0;
    if (!published && mode === 'ingress') {
      const prev = s.Endpoint.Ports?.find((x) => x.TargetPort === p.TargetPort && x.Protocol === protocol && x.PublishedPort);
      published = prev?.PublishedPort ?? pickPort(protocol, usedPorts);
    }
    const port: PortConfig = { Protocol: protocol, TargetPort: p.TargetPort, PublishMode: mode };
    if (p.Name) port.Name = p.Name;
    if (published) port.PublishedPort = published;
    out.push(port);
  }
  return out;
}

function pickPort(protocol: string, usedPorts: Set<string>): number {
  for (let port = DYNAMIC_PORT_MIN; port <= DYNAMIC_PORT_MAX; port++) {
    const key = `${protocol}/${port}`;
    if (!usedPorts.has(key)) {
      usedPorts.add(key);
      return port;
    }
  }
  return 0; // range exhausted: left unpublished; the API refuses new ones before this
}

function portKey(p: PortConfig): string {
  return `${p.Protocol ?? 'tcp'}/${p.PublishedPort}`;
}
