// Overlay network objects: validation of create requests, allocation of subnet, gateway
// and VNI, and the rules for removal. Runs inside a store transaction, so two concurrent
// creates can never get the same subnet or VNI.
import { newId } from '../../common/ids.js';
import { VXLAN_ID_OPTION, type Network, type Service } from '../../store/objects.js';
import type { ReadTx, WriteTx } from '../../store/store.js';
import {
  allocateVni,
  carveSubnet,
  contains,
  formatCidr,
  intToIp,
  ipToInt,
  IpamError,
  overlaps,
  parseCidr,
  size,
  type Cidr,
} from './ipam.js';

/** Thrown for a network request that cannot be honoured; `status` is the HTTP status to use. */
export class NetworkError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 403 | 404 | 409,
  ) {
    super(message);
    this.name = 'NetworkError';
  }
}

export interface NetworkCreateRequest {
  Name: string;
  Driver?: string;
  Attachable?: boolean;
  Internal?: boolean;
  Ingress?: boolean;
  Labels?: Record<string, string>;
  IPAM?: { Driver?: string; Config?: Array<{ Subnet?: string; Gateway?: string; IPRange?: string }> };
  CheckDuplicate?: boolean;
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;

export function vniOf(n: Network): number {
  return Number(n.Options[VXLAN_ID_OPTION]);
}

export function findNetwork(tx: ReadTx, idOrName: string): Network | undefined {
  const all = tx.all('networks');
  return (
    all.find((n) => n.ID === idOrName) ??
    all.find((n) => n.Name === idOrName) ??
    (idOrName.length >= 3 ? uniquePrefix(all, idOrName) : undefined)
  );
}

function uniquePrefix(all: Network[], prefix: string): Network | undefined {
  const hits = all.filter((n) => n.ID.startsWith(prefix));
  return hits.length === 1 ? hits[0] : undefined;
}

export function createNetwork(tx: WriteTx, req: NetworkCreateRequest): Network {
  if (typeof req.Name !== 'string' || !NAME_RE.test(req.Name)) {
    throw new NetworkError(`invalid network name "${String(req.Name)}": use letters, digits, '_', '.', '-' (at most 63)`, 400);
  }
  const driver = req.Driver ?? 'overlay';
  if (req.Ingress && tx.all('networks').some((n) => n.Ingress)) throw new NetworkError('an ingress network already exists', 409);
  if (driver !== 'overlay') throw new NetworkError(`network driver "${driver}" is not supported: tsswarm networks use -d overlay`, 400);
  if (findNetwork(tx, req.Name)?.Name === req.Name) throw new NetworkError(`network with name ${req.Name} already exists`, 409);
  const configs = req.IPAM?.Config ?? [];
  if (configs.length > 1) throw new NetworkError('only one IPAM config (subnet) per network is supported', 400);
  const taken = tx.all('networks').map((n) => parseCidr(n.IPAM.Config[0]?.Subnet ?? '0.0.0.0/32'));
  let subnet: Cidr;
  let gateway: number;
  try {
    const want = configs[0];
    if (want?.Subnet) {
      subnet = parseCidr(want.Subnet);
      const clash = tx.all('networks').find((n) => overlaps(parseCidr(n.IPAM.Config[0]?.Subnet ?? '0.0.0.0/32'), subnet));
      if (clash) throw new NetworkError(`subnet ${want.Subnet} overlaps network ${clash.Name} (${clash.IPAM.Config[0]?.Subnet})`, 409);
    } else {
      if (want?.Gateway) throw new NetworkError('--gateway needs --subnet', 400);
      subnet = carveSubnet(taken);
    }
    gateway = want?.Gateway ? ipToInt(want.Gateway) : subnet.base + 1;
    if (!contains(subnet, gateway) || gateway === subnet.base || gateway === subnet.base + size(subnet) - 1) {
      throw new NetworkError(`gateway ${intToIp(gateway)} is not a usable address of subnet ${formatCidr(subnet)}`, 400);
    }
  } catch (err) {
    if (err instanceof IpamError) throw new NetworkError(err.message, 400);
    throw err;
  }
  const vni = allocateVni(new Set(tx.all('networks').map(vniOf)));
  return tx.create('networks', {
    ID: newId(),
    Name: req.Name,
    Scope: 'swarm',
    Driver: 'overlay',
    IPAM: { Driver: 'default', Config: [{ Subnet: formatCidr(subnet), Gateway: intToIp(gateway) }] },
    Attachable: req.Attachable ?? false,
    Ingress: req.Ingress ?? false,
    Internal: req.Internal ?? false,
    Labels: req.Labels ?? {},
    Options: { [VXLAN_ID_OPTION]: String(vni) },
  });
}

/** Whether the service publishes ports through the routing mesh (and so joins ingress). */
export function publishesIngress(s: Service): boolean {
  return (s.Spec.EndpointSpec?.Ports ?? []).some((p) => (p.PublishMode ?? 'ingress') === 'ingress');
}

/** Services on the network: named in their task template, or publishing through it if it is ingress. */
export function servicesUsing(tx: ReadTx, net: Network): Service[] {
  return tx
    .all('services')
    .filter((s) => (net.Ingress && publishesIngress(s)) || (s.Spec.TaskTemplate.Networks ?? []).some((a) => a.Target === net.ID || a.Target === net.Name));
}

/** The networks a service's tasks attach to, ingress first when it publishes ports. */
export function serviceNetworks(tx: ReadTx, s: Service): Network[] {
  const out: Network[] = [];
  if (publishesIngress(s)) {
    const ingress = tx.all('networks').find((n) => n.Ingress);
    if (ingress) out.push(ingress);
  }
  for (const want of s.Spec.TaskTemplate.Networks ?? []) {
    const net = findNetwork(tx, want.Target);
    if (net && !out.includes(net)) out.push(net);
  }
  return out;
}

export function removeNetwork(tx: WriteTx, idOrName: string): Network {
  const net = findNetwork(tx, idOrName);
  if (!net) throw new NetworkError(`network ${idOrName} not found`, 404);
  const users = servicesUsing(tx, net);
  if (users.length > 0) {
    throw new NetworkError(
      `network ${net.Name} is in use by service${users.length > 1 ? 's' : ''} ${users.map((s) => s.Spec.Name).join(', ')}`,
      409,
    );
  }
  if (tx.all('tasks').some((t) => t.NetworksAttachments?.some((a) => a.Network.ID === net.ID))) {
    throw new NetworkError(`network ${net.Name} still has task endpoints; retry once the tasks have stopped`, 409);
  }
  tx.delete('networks', net.ID);
  return net;
}
