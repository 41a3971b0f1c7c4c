// Published ports of services: the endpoint a service is stored with, and the cluster-wide
// rule that an ingress published port belongs to one service only.
import type { EndpointSpec, PortConfig, Service } from '../store/objects.js';
import type { ReadTx } from '../store/store.js';
import { conflict } from './errors.js';

function samePort(a: PortConfig, b: PortConfig): boolean {
  return a.TargetPort === b.TargetPort && a.Protocol === b.Protocol && a.PublishMode === b.PublishMode;
}

/**
 * The `Endpoint` for a spec. Ports keep a PublishedPort only if the spec gives one, or, on
 * update, if the same port (target, protocol, mode) had one assigned before; the rest are
 * left for the port allocator.
 */
export function endpointFor(spec: EndpointSpec | undefined, previous?: Service['Endpoint']): Service['Endpoint'] {
  const epSpec: EndpointSpec = spec ?? { Mode: 'vip' };
  const endpoint: Service['Endpoint'] = { Spec: epSpec };
  if (previous?.VirtualIPs) endpoint.VirtualIPs = previous.VirtualIPs;
  if (!epSpec.Ports || epSpec.Ports.length === 0) return endpoint;
  const used = new Set<PortConfig>();
  endpoint.Ports = epSpec.Ports.map((p) => {
    const port: PortConfig = { ...p };
    if (!port.PublishedPort) {
      const before = previous?.Ports?.find((q) => !used.has(q) && samePort(q, p) && q.PublishedPort);
      if (before) {
        used.add(before);
        port.PublishedPort = before.PublishedPort;
      }
    }
    return port;
  });
  return endpoint;
}

function ingressPorts(s: Service): PortConfig[] {
  const ports = [...(s.Endpoint.Ports ?? []), ...(s.Spec.EndpointSpec?.Ports ?? [])];
  return ports.filter((p) => p.PublishMode === 'ingress' && p.PublishedPort);
}

/** Refuses (409) ingress published ports that another service already publishes. */
export function checkIngressPortsFree(tx: Pick<ReadTx, 'all'>, ports: PortConfig[] | undefined, selfId?: string): void {
  for (const p of ports ?? []) {
    if (p.PublishMode !== 'ingress' || !p.PublishedPort) continue;
    for (const other of tx.all('services')) {
      if (other.ID === selfId) continue;
      const clash = ingressPorts(other).some((q) => q.PublishedPort === p.PublishedPort && q.Protocol === p.Protocol);
      if (clash) {
        throw conflict(
          `port '${p.PublishedPort}/${p.Protocol}' is already in use by service '${other.Spec.Name}' (${other.ID}) as an ingress port`,
        );
      }
    }
  }
}
