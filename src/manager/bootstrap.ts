// First start of a cluster: the cluster object (settings, join tokens) and the manager's
// own node. Later starts only refresh the manager node's address.
import os from 'node:os';
import type { Cluster } from '../store/objects.js';
import type { Store } from '../store/store.js';
import { newClusterDigest, newJoinToken } from './tokens.js';
import { createNetwork } from './allocator/networks.js';

/**
 * The routing-mesh network. Every node takes an address on it, so it is a /16 (Docker's
 * /24 stops at about 250 nodes); it sits at the top of the pool, away from carved /24s.
 */
export const INGRESS_NETWORK = 'ingress';
export const INGRESS_SUBNET = '10.255.0.0/16';

export interface BootstrapOptions {
  nodeId: string;
  hostname: string;
  clusterAddr: string;
  availability: 'active' | 'drain';
  heartbeatPeriodMs: number;
}

const DEFAULT_TASK_HISTORY = 5;

export async function ensureCluster(store: Store, o: BootstrapOptions): Promise<Cluster> {
  return store.update((tx) => {
    let cluster = tx.get('clusters', 'cluster');
    if (!cluster) {
      const digest = newClusterDigest();
      cluster = tx.create('clusters', {
        ID: 'cluster',
        Spec: {
          Name: 'default',
          Dispatcher: { HeartbeatPeriod: o.heartbeatPeriodMs * 1e6 },
          Orchestration: { TaskHistoryRetentionLimit: DEFAULT_TASK_HISTORY },
        },
        JoinTokens: { Worker: newJoinToken(digest), Manager: newJoinToken(digest) },
      });
      createNetwork(tx, { Name: INGRESS_NETWORK, Ingress: true, IPAM: { Config: [{ Subnet: INGRESS_SUBNET }] } });
    }
    const managerStatus = { Leader: true, Reachability: 'reachable' as const, Addr: o.clusterAddr };
    if (!tx.get('nodes', o.nodeId)) {
      tx.create('nodes', {
        ID: o.nodeId,
        Spec: { Labels: {}, Role: 'manager', Availability: o.availability },
        Description: {
          Hostname: o.hostname,
          Platform: { OS: os.platform(), Architecture: os.arch() === 'x64' ? 'x86_64' : os.arch() },
          Resources: { NanoCPUs: os.cpus().length * 1e9, MemoryBytes: os.totalmem() },
          Engine: { EngineVersion: '', Labels: {} },
        },
        Status: { State: 'ready', Addr: o.clusterAddr.replace(/:\d+$/, '') },
        ManagerStatus: managerStatus,
      });
    } else {
      tx.update('nodes', o.nodeId, (n) => {
        n.ManagerStatus = managerStatus;
      });
    }
    return cluster;
  });
}
