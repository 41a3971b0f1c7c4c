// The Join RPC: a joining node presents its token; a worker learns it is a worker, a
// manager is added to the Raft group (one member at a time) and recorded in the store.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { JoinRequest__Output } from '../../generated/tsswarm/dispatcher/v1/JoinRequest.js';
import type { JoinResponse } from '../../generated/tsswarm/dispatcher/v1/JoinResponse.js';
import type { Store } from '../../store/store.js';
import { checkJoinToken, InvalidTokenError } from '../tokens.js';
import { ConfChangePendingError } from '../../raft/index.js';
import { managerNodes } from './managers.js';
import { isPendingPromotion } from './promotion.js';

export interface JoinServiceDeps {
  store: Store;
  log: Logger;
  isLeader(): boolean;
  /** Cluster address of the leader, for redirecting a joiner that reached a follower. */
  leaderClusterAddr(): string | undefined;
  raftSecret: string;
  addRaftMember(nodeId: string, raftAddr: string): Promise<void>;
  /** Resolves if a Raft endpoint answers (a promoted worker's replica listens before it asks to join). */
  probeRaft?(raftAddr: string): Promise<void>;
}

/** A membership change under way (another join or promotion) is waited out this many times. */
const PENDING_CHANGE_RETRIES = 25;
const PENDING_CHANGE_WAIT_MS = 200;

type JoinCall = grpc.ServerUnaryCall<JoinRequest__Output, JoinResponse>;

export function joinHandler(deps: JoinServiceDeps) {
  return (call: JoinCall, callback: grpc.sendUnaryData<JoinResponse>): void => {
    handleJoin(deps, call.request, call.getPeer()).then(
      (res) => callback(null, res),
      (err: { code?: number; details?: string; metadata?: grpc.Metadata; message?: string }) =>
        callback({ code: err.code ?? grpc.status.INTERNAL, details: err.details ?? err.message ?? 'join failed', metadata: err.metadata ?? new grpc.Metadata() }),
    );
  };
}

async function handleJoin(deps: JoinServiceDeps, req: JoinRequest__Output, peer: string): Promise<JoinResponse> {
  if (!deps.isLeader()) {
    const leader = deps.leaderClusterAddr();
    const metadata = new grpc.Metadata();
    if (leader) metadata.set('leader-addr', leader);
    throw { code: grpc.status.FAILED_PRECONDITION, details: `not the leader${leader ? `; leader is ${leader}` : ''}`, metadata };
  }
  const cluster = deps.store.get('clusters', 'cluster');
  if (!cluster) throw { code: grpc.status.UNAVAILABLE, details: 'cluster is not initialized yet' };
  let role: 'worker' | 'manager';
  try {
    role = checkJoinToken(req.token, cluster.JoinTokens);
  } catch (err) {
    const details = err instanceof InvalidTokenError ? err.message : 'invalid join token';
    deps.log.warn({ peer, hostname: req.hostname }, `refused join: ${details}`);
    throw { code: grpc.status.UNAUTHENTICATED, details };
  }
  const managers = managerNodes(deps.store).map((n) => n.ManagerStatus?.Addr ?? '');
  // A worker, or a manager only asking what its token makes it (no Raft address yet).
  if (role === 'worker' || !req.raft_addr) return { role, raft_peers: {}, managers };
  if (!/^[0-9a-z]{25}$/.test(req.node_id) || !req.raft_addr || !req.cluster_addr) {
    throw { code: grpc.status.INVALID_ARGUMENT, details: 'a joining manager must send its node id, cluster address and Raft address' };
  }
  const hostAddr = req.cluster_addr.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  // A promoted worker starts its replica first: it becomes a voter only once the leader can
  // reach it, so a promotion that cannot work never counts against the quorum.
  const pending = deps.store.get('nodes', req.node_id);
  if (pending && isPendingPromotion(pending) && deps.probeRaft) {
    await deps.probeRaft(req.raft_addr).catch((err: Error) => {
      throw { code: grpc.status.FAILED_PRECONDITION, details: `the leader cannot reach the Raft address ${req.raft_addr}: ${err.message}` };
    });
  }
  await deps.store.update((tx) => {
    const managerStatus = { Leader: false, Reachability: 'reachable' as const, Addr: req.cluster_addr, RaftAddr: req.raft_addr, ApiAddr: req.api_addr };
    if (tx.get('nodes', req.node_id)) {
      tx.update('nodes', req.node_id, (n) => {
        n.Spec.Role = 'manager';
        n.ManagerStatus = managerStatus;
      });
    } else {
      tx.create('nodes', {
        ID: req.node_id,
        Spec: { Labels: {}, Role: 'manager', Availability: req.availability === 'drain' ? 'drain' : 'active' },
        Description: {
          Hostname: req.hostname,
          Platform: { OS: 'linux', Architecture: 'x86_64' },
          Resources: { NanoCPUs: 0, MemoryBytes: 0 },
          Engine: { EngineVersion: '', Labels: {} },
        },
        Status: { State: 'unknown', Addr: hostAddr },
        ManagerStatus: managerStatus,
      });
    }
  });
  try {
    await addWhenNoChangePending(deps, req.node_id, req.raft_addr);
  } catch (err) {
    // A promotion stays pending (and retried by the worker) rather than look joined.
    if (pending && isPendingPromotion(pending)) {
      await deps.store.update((tx) => {
        if (tx.get('nodes', req.node_id)) tx.update('nodes', req.node_id, (n) => void delete n.ManagerStatus);
      });
    }
    throw { code: grpc.status.ABORTED, details: `could not add ${req.hostname || req.node_id} to the Raft group: ${(err as Error).message}` };
  }
  const peers: Record<string, string> = {};
  for (const n of managerNodes(deps.store)) if (n.ManagerStatus?.RaftAddr) peers[n.ID] = n.ManagerStatus.RaftAddr;
  deps.log.info({ node: req.node_id, hostname: req.hostname, raft: req.raft_addr }, 'manager joined');
  return { role, raft_secret: deps.raftSecret, raft_peers: peers, managers: managerNodes(deps.store).map((n) => n.ManagerStatus?.Addr ?? '') };
}

/** Single-server changes go one at a time: two promotions in a row wait for each other. */
async function addWhenNoChangePending(deps: JoinServiceDeps, nodeId: string, raftAddr: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await deps.addRaftMember(nodeId, raftAddr);
    } catch (err) {
      if (!(err instanceof ConfChangePendingError) || attempt >= PENDING_CHANGE_RETRIES) throw err;
      await new Promise((r) => setTimeout(r, PENDING_CHANGE_WAIT_MS));
    }
  }
}
