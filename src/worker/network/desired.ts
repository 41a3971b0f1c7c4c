// Pure: the node's network view (pushed by the manager) + what runs locally → the desired
// states of the overlay driver, the routing-mesh load balancer and the per-container VIP
// tables. No I/O, so every rule here is unit-tested on hand-made views.
import type { NetworkState__Output } from '../../generated/tsswarm/dispatcher/v1/NetworkState.js';
import type { IngressRule, LbDesiredState, LbProtocol } from '../../lb/index.js';
import type { LocalEndpoint, OverlayDesiredState, RemoteEndpoint } from '../../overlay/index.js';

export type NetworkView = NetworkState__Output;

/** Interface name of the host's own endpoint on the ingress network (routing mesh). */
export const HOST_INGRESS_IFNAME = 'tsingress0';

/** A task container running on this node, as the executor reported it. */
export interface LocalContainer {
  taskId: string;
  pid: number;
}

export interface OverlayInputs {
  view: NetworkView;
  nodeId: string;
  /** Running local task containers by task id. */
  running: ReadonlyMap<string, LocalContainer>;
  /** A PID in the host's netns (the worker's own): where the ingress host endpoint goes. */
  hostPid: number;
}

/** Task id given to the host's ingress endpoint. */
export function hostEndpointId(nodeId: string): string {
  return `host:${nodeId}`;
}

export function overlayState(i: OverlayInputs): OverlayDesiredState {
  const { view, nodeId } = i;
  const networks = view.networks.map((n) => ({ id: n.id, name: n.name, vni: n.vni, subnet: n.subnet, gateway: n.gateway }));
  const local: LocalEndpoint[] = [];
  const remote: RemoteEndpoint[] = [];
  for (const ep of view.endpoints) {
    if (ep.node_id === nodeId) {
      const c = i.running.get(ep.task_id);
      if (!c) continue; // not started yet (or gone): no netns to plug into
      local.push({ taskId: ep.task_id, networkId: ep.network_id, containerPid: c.pid, ip: ep.ip, prefixLen: ep.prefix_len, mac: ep.mac });
    } else {
      remote.push({ taskId: ep.task_id, networkId: ep.network_id, ip: ep.ip, mac: ep.mac, hostAddr: ep.host_addr });
    }
  }
  const h = view.host_ingress;
  if (h && h.ip && view.networks.some((n) => n.id === h.network_id)) {
    local.push({
      taskId: hostEndpointId(nodeId),
      networkId: h.network_id,
      containerPid: i.hostPid,
      ip: h.ip,
      prefixLen: h.prefix_len,
      mac: h.mac,
      ifName: HOST_INGRESS_IFNAME,
    });
  }
  return { networks, local, remote };
}

/** This node's underlay address as the manager knows it (the VXLAN local address). */
export function underlayAddrOf(view: NetworkView, nodeId: string): string | undefined {
  if (view.host_ingress?.host_addr) return view.host_ingress.host_addr;
  return view.endpoints.find((e) => e.node_id === nodeId && e.host_addr)?.host_addr;
}

function protocolOf(p: string): LbProtocol | undefined {
  return p === 'tcp' || p === 'udp' ? p : undefined;
}

/** Running endpoints of a service on a network, by IP (a stable round-robin order). */
function backendsOf(view: NetworkView, serviceId: string, networkId: string): Array<{ taskId: string; ip: string }> {
  return view.endpoints
    .filter((e) => e.service_id === serviceId && e.network_id === networkId && e.running)
    .map((e) => ({ taskId: e.task_id, ip: e.ip }))
    .sort((a, b) => ipOrder(a.ip, b.ip));
}

/**
 * Routing mesh on this host: every published (ingress) port → the service's running tasks'
 * ingress-network addresses and target port, wherever they run.
 */
export function lbState(view: NetworkView): LbDesiredState {
  const ingressNet = view.networks.find((n) => n.ingress);
  const ingress: IngressRule[] = [];
  if (ingressNet) {
    for (const s of view.services) {
      for (const p of s.ports) {
        const protocol = protocolOf(p.protocol);
        if (!protocol || p.publish_mode !== 'ingress' || !p.published_port) continue;
        const backends = backendsOf(view, s.service_id, ingressNet.id).map((b) => ({ ...b, port: p.target_port }));
        ingress.push({ serviceId: s.service_id, protocol, publishedPort: p.published_port, backends });
      }
    }
  }
  return { ingress, vips: [] };
}

/** One service VIP as seen from inside a container: every port goes to one of the backends. */
export interface VipTarget {
  serviceId: string;
  networkId: string;
  vip: string;
  backends: string[];
}

/**
 * The VIPs a local container must balance: those of services with endpoint mode "vip" on
 * every network the container is attached to (Swarm balances VIPs in the client's netns).
 */
export function vipTargetsFor(view: NetworkView, taskId: string): VipTarget[] {
  const mine = new Set(view.endpoints.filter((e) => e.task_id === taskId).map((e) => e.network_id));
  const ingressId = view.networks.find((n) => n.ingress)?.id;
  const out: VipTarget[] = [];
  for (const s of view.services) {
    if (s.endpoint_mode === 'dnsrr') continue;
    for (const v of s.vips) {
      if (!mine.has(v.network_id) || v.network_id === ingressId || !v.ip) continue;
      out.push({ serviceId: s.service_id, networkId: v.network_id, vip: v.ip, backends: backendsOf(view, s.service_id, v.network_id).map((b) => b.ip) });
    }
  }
  return out.sort((a, b) => ipOrder(a.vip, b.vip));
}

export function ipOrder(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let k = 0; k < 4; k++) {
    const d = (pa[k] ?? 0) - (pb[k] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
