// What one node must know of the cluster's networks: derived from the store (never kept),
// so a reconnecting worker or a new leader always gets the same answer.
import type { Endpoint } from '../../generated/tsswarm/dispatcher/v1/Endpoint.js';
import type { LbService } from '../../generated/tsswarm/dispatcher/v1/LbService.js';
import type { NetworkAliases } from '../../generated/tsswarm/dispatcher/v1/NetworkAliases.js';
import type { NetworkState } from '../../generated/tsswarm/dispatcher/v1/NetworkState.js';
import type { OverlayNetwork } from '../../generated/tsswarm/dispatcher/v1/OverlayNetwork.js';
import { isTerminal, type Network, type NetworkAttachmentConfig, type Task } from '../../store/objects.js';
import type { ReadTx } from '../../store/store.js';
import { macForIp } from '../allocator/ipam.js';
import { publishesIngress, vniOf } from '../allocator/networks.js';

function splitCidr(cidr: string): { ip: string; prefix: number } {
  const [ip = '', prefix = '32'] = cidr.split('/');
  return { ip, prefix: Number(prefix) };
}

function toOverlay(n: Network): OverlayNetwork {
  return {
    id: n.ID,
    name: n.Name,
    vni: vniOf(n),
    subnet: n.IPAM.Config[0]?.Subnet ?? '',
    gateway: n.IPAM.Config[0]?.Gateway ?? '',
    ingress: n.Ingress,
  };
}

/** A task's endpoints count while it is placed and not finished. */
function endpointsOf(tx: ReadTx, t: Task, networks: Set<string>): Endpoint[] {
  if (!t.NodeID || isTerminal(t.Status.State) || !t.NetworksAttachments) return [];
  const hostAddr = tx.get('nodes', t.NodeID)?.Status.Addr ?? '';
  const running = t.Status.State === 'running' && t.DesiredState === 'running';
  const out: Endpoint[] = [];
  for (const a of t.NetworksAttachments) {
    if (!networks.has(a.Network.ID)) continue;
    for (const addr of a.Addresses) {
      const { ip, prefix } = splitCidr(addr);
      out.push({
        task_id: t.ID,
        network_id: a.Network.ID,
        ip,
        prefix_len: prefix,
        mac: macForIp(ip),
        node_id: t.NodeID,
        host_addr: hostAddr,
        service_id: t.ServiceID,
        running,
      });
    }
  }
  return out;
}

export function networkViewForNode(tx: ReadTx, nodeId: string): NetworkState {
  const all = tx.all('networks');
  const ingress = all.find((n) => n.Ingress);
  const services = tx.all('services');
  const mesh = !!ingress && services.some(publishesIngress);
  const mine = new Set<string>();
  if (mesh && ingress) mine.add(ingress.ID);
  for (const t of tx.tasksOfNode(nodeId)) {
    if (isTerminal(t.Status.State)) continue;
    for (const a of t.NetworksAttachments ?? []) mine.add(a.Network.ID);
  }
  if (mine.size === 0) return { networks: [], endpoints: [], services: [] };

  const endpoints: Endpoint[] = [];
  const lb: LbService[] = [];
  for (const s of services) {
    const vips = (s.Endpoint.VirtualIPs ?? []).filter((v) => mine.has(v.NetworkID));
    const ingressPorts = (s.Endpoint.Ports ?? []).filter((p) => p.PublishMode === 'ingress' && p.PublishedPort);
    const onMine = serviceOnNetworks(s.Spec.TaskTemplate.Networks ?? [], all, mine) || (mesh && ingressPorts.length > 0);
    if (!onMine) continue;
    for (const t of tx.tasksOfService(s.ID)) endpoints.push(...endpointsOf(tx, t, mine));
    lb.push({
      service_id: s.ID,
      name: s.Spec.Name,
      endpoint_mode: s.Spec.EndpointSpec?.Mode ?? 'vip',
      vips: vips.map((v) => ({ network_id: v.NetworkID, ip: splitCidr(v.Addr).ip })),
      ports: ingressPorts.map((p) => ({
        protocol: p.Protocol,
        target_port: p.TargetPort,
        published_port: p.PublishedPort ?? 0,
        publish_mode: p.PublishMode,
      })),
      network_ids: [...new Set([...(ingressPorts.length > 0 && ingress ? [ingress.ID] : []), ...vips.map((v) => v.NetworkID)])],
      aliases: aliasesOn(s.Spec.TaskTemplate.Networks ?? [], all, mine),
    });
  }
  // Every node's own ingress address is reachable over the mesh (replies to SNATed traffic).
  if (mesh && ingress) {
    for (const n of tx.all('nodes')) {
      if (n.ID === nodeId || n.Status.State !== 'ready') continue;
      const addr = n.Attachments?.find((a) => a.Network.ID === ingress.ID)?.Addresses[0];
      if (!addr) continue;
      const { ip, prefix } = splitCidr(addr);
      endpoints.push({
        task_id: `node:${n.ID}`,
        network_id: ingress.ID,
        ip,
        prefix_len: prefix,
        mac: macForIp(ip),
        node_id: n.ID,
        host_addr: n.Status.Addr,
        service_id: '',
        running: false,
      });
    }
  }
  const node = tx.get('nodes', nodeId);
  const hostAttachment = node?.Attachments?.find((a) => a.Network.ID === ingress?.ID);
  const hostAddr = hostAttachment?.Addresses[0];
  const view: NetworkState = {
    networks: all.filter((n) => mine.has(n.ID)).map(toOverlay),
    endpoints: endpoints.sort((a, b) => byKey(`${a.task_id}/${a.network_id}`, `${b.task_id}/${b.network_id}`)),
    services: lb.sort((a, b) => byKey(a.service_id ?? '', b.service_id ?? '')),
  };
  if (hostAddr && ingress && mesh) {
    const { ip, prefix } = splitCidr(hostAddr);
    view.host_ingress = {
      task_id: '',
      network_id: ingress.ID,
      ip,
      prefix_len: prefix,
      mac: macForIp(ip),
      node_id: nodeId,
      host_addr: node?.Status.Addr ?? '',
      service_id: '',
      running: true,
    };
  }
  return view;
}

function serviceOnNetworks(targets: Array<{ Target: string }>, all: Network[], mine: Set<string>): boolean {
  return targets.some((t) => {
    const net = all.find((n) => n.ID === t.Target || n.Name === t.Target);
    return !!net && mine.has(net.ID);
  });
}

/** The spec's network aliases on this node's networks (targets resolved to IDs; never ingress). */
function aliasesOn(targets: NetworkAttachmentConfig[], all: Network[], mine: Set<string>): NetworkAliases[] {
  const out: NetworkAliases[] = [];
  for (const t of targets) {
    const net = all.find((n) => n.ID === t.Target || n.Name === t.Target);
    if (!net || net.Ingress || !mine.has(net.ID) || !t.Aliases?.length) continue;
    out.push({ network_id: net.ID, names: [...t.Aliases] });
  }
  return out;
}

function byKey(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
