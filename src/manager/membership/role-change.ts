// What the leader's dispatcher tells a node about its role. A worker whose desired role
// became manager (node promote) gets what it needs to start a Raft replica and ask to be
// added: the group's secret, its members, the manager token for the Join RPC and the
// addresses the leader accepted. A node demoted back gets "worker".
import type { RoleChange } from '../../generated/tsswarm/dispatcher/v1/RoleChange.js';
import type { Node } from '../../store/objects.js';
import { isPendingPromotion, resolveEndpoints } from './promotion.js';

export interface RoleSecrets {
  raftSecret: string;
  managerToken: string;
}

export function roleChangeFor(node: Node, nodes: readonly Node[], secrets: RoleSecrets): RoleChange {
  if (node.Spec.Role !== 'manager') return { role: 'worker' };
  const endpoints = node.ManagerEndpoints && resolveEndpoints(node.ManagerEndpoints, node.Status.Addr);
  if (!isPendingPromotion(node) || !endpoints) return { role: 'manager' };
  const raft_peers: Record<string, string> = {};
  for (const m of nodes) if (m.Spec.Role === 'manager' && m.ManagerStatus?.RaftAddr) raft_peers[m.ID] = m.ManagerStatus.RaftAddr;
  return {
    role: 'manager',
    raft_secret: secrets.raftSecret,
    raft_peers,
    manager_token: secrets.managerToken,
    cluster_addr: endpoints.Addr,
    raft_addr: endpoints.RaftAddr,
    api_addr: endpoints.ApiAddr,
  };
}
