// A manager process: a Raft replica of the cluster state (a new cluster, a joining member,
// or a restart from its data), the dispatcher (gRPC) and control API (HTTP), the leader's
// control loops while it leads, and a worker agent of its own so the manager node can
// take tasks (unless drained).
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { createLogger } from '../common/log.js';
import { dispatcherProto } from '../common/proto.js';
import { parseHostPort, formatHostPort } from '../common/addr.js';
import { loadOrCreateNodeId } from '../common/node-identity.js';
import { promises as fs } from 'node:fs';
import { RaftBackend } from '../store/backend-raft.js';
import type { StateSnapshot } from '../store/state.js';
import { Store } from '../store/store.js';
import { joinHandler } from './membership/join-service.js';
import { requestJoin } from './membership/join-client.js';
import { managerNodes } from './membership/managers.js';
import { probeTcp } from './membership/probe.js';
import { roleChangeFor } from './membership/role-change.js';
import { Leadership } from './membership/leadership.js';
import { loadOrCreateRaftSecret, recoverCommittedState } from './membership/raft-files.js';
import { buildApiServer, startApiServer } from '../api/server.js';
import { loadTlsFiles, type TlsFiles, type TlsMaterial } from '../common/tls-files.js';
import { Dispatcher } from './dispatcher/dispatcher.js';
import { LeaderDuties } from './leader-duties.js';
import { ensureCluster } from './bootstrap.js';
import { startLocalWorker } from '../worker/daemon.js';
import { TSSWARM_VERSION } from '../common/version.js';
import { timingsFromEnv, type AutoscalerTimings } from '../autoscale/options.js';
import { UsageBook } from '../autoscale/usage-book.js';

export interface ManagerOptions {
  /** gRPC cluster address, default 0.0.0.0:2377. */
  listenAddr: string;
  /** HTTP control API, default 127.0.0.1:2375. */
  apiAddr: string;
  dataDir: string;
  hostname?: string;
  availability: 'active' | 'drain';
  allowRemoteApi: boolean;
  /** Serve the API over mutual TLS (dockerd's --tlsverify); then any address may be used. */
  apiTls?: TlsFiles;
  forceNewCluster: boolean;
  advertiseAddr?: string;
  /** Raft replication address; default: the cluster port + 1 on the same host. */
  raftAddr?: string;
  joinToken?: string;
  joinAddr?: string;
  /** Heartbeat period for workers; down after 3 missed. Default 1000 ms. */
  heartbeatPeriodMs?: number;
  /** Run a worker agent in this process (default true). */
  runAgent?: boolean;
  /**
   * This running worker was promoted (node promote): start the Raft replica first, then
   * ask a manager to add it (Join with the manager token), so it becomes a voter only once
   * its endpoint listens. Ignored when the data dir already holds a replica.
   */
  promotion?: PromotionJoin;
  /** Autoscaler timings; default: docs/design/autoscale.md, or TSSWARM_AUTOSCALE_*_MS. */
  autoscale?: Partial<AutoscalerTimings>;
  log?: Logger;
}

export interface PromotionJoin {
  raftSecret: string;
  raftPeers: Record<string, string>;
  managerToken: string;
  /** Managers to send the Join to (it is redirected to the leader). */
  joinAddrs: string[];
}

export interface RunningManager {
  stop(): Promise<void>;
  nodeId: string;
  workerToken: string;
  managerToken: string;
  workerJoinCommand: string;
  managerJoinCommand: string;
  apiAddr: string;
  clusterAddr: string;
}

export class ManagerStartError extends Error {
  /** A promotion failed before this node was added to the Raft group: its data can go. */
  notAdded = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ManagerStartError';
  }
}

export async function runManager(opts: ManagerOptions): Promise<RunningManager> {
  const log = opts.log ?? createLogger({ name: 'tsswarm-manager' });
  const listen = parseHostPort(opts.listenAddr, 2377, '--listen-addr');
  const api = parseHostPort(opts.apiAddr, 2375, '--api-addr');
  let apiTls: TlsMaterial | undefined;
  try {
    apiTls = opts.apiTls !== undefined ? loadTlsFiles(opts.apiTls) : undefined;
  } catch (err) {
    throw new ManagerStartError(`API TLS: ${(err as Error).message}`, { cause: err });
  }
  if (!isLoopback(api.host) && !opts.allowRemoteApi && apiTls === undefined) {
    throw new ManagerStartError(
      `--api-addr ${opts.apiAddr} is not a loopback address; without TLS the API has no authentication: use --tlsverify, or pass --allow-remote-api to expose it anyway`,
    );
  }
  const hostname = opts.hostname ?? os.hostname();
  const nodeId = await loadOrCreateNodeId(opts.dataDir);
  const managerDir = path.join(opts.dataDir, 'manager');
  const raftDir = path.join(managerDir, 'raft');
  const hasState = await exists(path.join(raftDir, 'wal'));
  const cleanups: Array<() => Promise<void> | void> = [];
  let addedByPromotion = false;
  const fail = async (err: unknown): Promise<never> => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
    if (!opts.promotion || hasState) throw err;
    const e = err instanceof ManagerStartError ? err : new ManagerStartError((err as Error).message ?? String(err), { cause: err });
    e.notAdded = !addedByPromotion;
    throw e;
  };

  // The cluster (dispatcher) port first: it names this manager to everyone else.
  const grpcServer = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  const port = await new Promise<number>((resolve, reject) =>
    grpcServer.bindAsync(formatHostPort(listen.host, listen.port), grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(new ManagerStartError(`cannot listen on ${opts.listenAddr}: ${err.message}`, { cause: err })) : resolve(p),
    ),
  );
  cleanups.push(() => grpcServer.forceShutdown());
  const advertiseHost = opts.advertiseAddr ?? (isUnspecified(listen.host) ? '127.0.0.1' : listen.host);
  const clusterAddr = formatHostPort(advertiseHost, port);
  const raftListen = opts.raftAddr ? parseHostPort(opts.raftAddr, port + 1, '--raft-addr') : { host: listen.host, port: port + 1 };
  const raftAddr = formatHostPort(advertiseHost, raftListen.port);
  const apiAdvertise = formatHostPort(isUnspecified(api.host) ? advertiseHost : api.host, api.port);

  const promoting = opts.promotion && !hasState ? opts.promotion : undefined;
  const joinRequest = {
    node_id: nodeId,
    hostname,
    cluster_addr: clusterAddr,
    raft_addr: raftAddr,
    api_addr: apiAdvertise,
    availability: opts.availability,
  };
  let joined: Awaited<ReturnType<typeof requestJoin>> | undefined;
  if (opts.joinToken && !hasState && !promoting) {
    if (!opts.joinAddr) return fail(new ManagerStartError('joining as a manager needs the address of a manager'));
    joined = await requestJoin(opts.joinAddr.split(','), { token: opts.joinToken, ...joinRequest }).catch((err: Error) => fail(new ManagerStartError(err.message, { cause: err })));
    if (joined.role !== 'manager') return fail(new ManagerStartError('the token is a worker token: run the node as a worker'));
  }
  const secret = await loadOrCreateRaftSecret(managerDir, joined?.raft_secret ?? promoting?.raftSecret);

  let recovered: StateSnapshot | undefined;
  if (opts.forceNewCluster) {
    if (!hasState) return fail(new ManagerStartError(`--force-new-cluster needs an existing manager's data in ${opts.dataDir}`));
    recovered = await recoverCommittedState(raftDir, nodeId, secret, log).catch((err: Error) =>
      fail(new ManagerStartError(`cannot recover the state in ${raftDir}: ${err.message}`, { cause: err })),
    );
  }

  const backend = new RaftBackend({
    id: nodeId,
    dataDir: raftDir,
    peers: joined || promoting ? { ...(joined?.raft_peers ?? promoting?.raftPeers), [nodeId]: raftAddr } : { [nodeId]: raftAddr },
    join: !!joined || !!promoting,
    secret,
    listen: formatHostPort(raftListen.host, raftListen.port),
    log: log.child({ c: 'raft' }),
  });
  const store = new Store(backend);
  await store.open().catch((err: Error) => fail(new ManagerStartError(`cannot start the Raft replica on ${raftAddr}: ${err.message}`, { cause: err })));
  cleanups.push(() => store.close());
  const raft = backend.raft;

  if (promoting) {
    const res = await requestJoin(promoting.joinAddrs, { token: promoting.managerToken, ...joinRequest }).catch((err: Error) => {
      // A Join that timed out may have been applied: keep the replica's data (a restart
      // runs it as a manager) rather than leave the group a member with no data.
      if ((err as { code?: number }).code === grpc.status.DEADLINE_EXCEEDED) addedByPromotion = true;
      return fail(new ManagerStartError(`the promotion was not accepted: ${err.message}`, { cause: err }));
    });
    if (res.role !== 'manager') return fail(new ManagerStartError('the promotion was not accepted: the token is not a manager token'));
    addedByPromotion = true;
  }
  const member = !!joined || !!promoting;
  if (!member && (!hasState || recovered)) {
    await waitUntil(() => raft.isLeader, 15_000).catch(() => fail(new ManagerStartError('this manager did not become leader of its new cluster')));
    if (recovered) await backend.commitRestore(recovered);
  }
  if (!member && !hasState) {
    await ensureCluster(store, {
      nodeId,
      hostname,
      clusterAddr,
      availability: opts.availability,
      heartbeatPeriodMs: opts.heartbeatPeriodMs ?? (Number(process.env.TSSWARM_HEARTBEAT_MS) || 1000),
    });
  }
  const cluster = await waitUntil(() => store.get('clusters', 'cluster'), 20_000).catch(() =>
    fail(new ManagerStartError('the replicated state did not arrive from the leader in time')),
  );

  const managerAddrs = (): string[] => {
    const addrs = managerNodes(store).map((n) => n.ManagerStatus?.Addr ?? '').filter(Boolean);
    return [...new Set([clusterAddr, ...addrs])];
  };
  const leaderNode = () => (raft.leaderId ? store.get('nodes', raft.leaderId) : undefined);
  // Workers' CPU samples: in the leader's memory only (never in Raft), for the autoscaler.
  const usage = new UsageBook();
  const dispatcher = new Dispatcher(
    store,
    {
      heartbeatPeriodMs: () => (store.get('clusters', 'cluster') ?? cluster).Spec.Dispatcher.HeartbeatPeriod / 1e6,
      graceMultiplier: 3,
      managerAddrs,
      selfNodeId: nodeId,
      usage,
      roleChange: (node) =>
        roleChangeFor(node, store.all('nodes'), {
          raftSecret: secret,
          managerToken: (store.get('clusters', 'cluster') ?? cluster).JoinTokens.Manager,
        }),
    },
    log.child({ c: 'dispatcher' }),
  );
  const join = joinHandler({
    store,
    log: log.child({ c: 'join' }),
    isLeader: () => raft.isLeader,
    leaderClusterAddr: () => leaderNode()?.ManagerStatus?.Addr,
    raftSecret: secret,
    addRaftMember: (id, addr) => raft.addMember(id, addr),
    probeRaft: (addr) => probeTcp(addr),
  });
  grpcServer.addService(dispatcherProto().tsswarm.dispatcher.v1.Dispatcher.service, dispatcher.handlers(join));
  const duties = new LeaderDuties(store, dispatcher, log, { book: usage, timings: { ...timingsFromEnv(), ...opts.autoscale } });
  cleanups.push(() => duties.stop());
  const leadership = new Leadership({
    raft,
    store,
    duties,
    self: { nodeId, hostname, clusterAddr, raftAddr, apiAddr: apiAdvertise, availability: opts.availability },
    log: log.child({ c: 'leadership' }),
  });
  cleanups.push(() => leadership.stop());
  leadership.start();

  const app = buildApiServer({
    store,
    log: log.child({ c: 'api' }),
    ...(apiTls !== undefined ? { tls: apiTls } : {}),
    info: {
      nodeId,
      hostname,
      clusterAddr,
      version: TSSWARM_VERSION,
      isLeader: () => raft.isLeader,
      leaderApiAddr: () => leaderNode()?.ManagerStatus?.ApiAddr,
      linearizableRead: () => raft.readIndex(),
      removeManager: async (id) => {
        // A leader demoting itself hands leadership over first.
        if (id === nodeId) {
          const next = managerNodes(store).find((n) => n.ID !== nodeId && n.ManagerStatus?.Reachability === 'reachable');
          if (next) await raft.transferLeadership(next.ID);
          throw new Error('leadership moved: send the demotion again (it now reaches the new leader)');
        }
        await raft.removeMember(id);
      },
      joinTokens: () => store.get('clusters', 'cluster')?.JoinTokens ?? cluster.JoinTokens,
    },
  });
  let apiAddr: string;
  try {
    apiAddr = await startApiServer(app, api.host, api.port);
  } catch (err) {
    return fail(new ManagerStartError(`cannot serve the API on ${opts.apiAddr}: ${(err as Error).message}`, { cause: err }));
  }
  cleanups.push(() => app.close());

  const agent =
    opts.runAgent === false
      ? undefined
      : await startLocalWorker({
          nodeId,
          token: cluster.JoinTokens.Worker,
          managerAddrs: managerAddrs(),
          hostname,
          log: log.child({ c: 'agent' }),
        }).catch((err: unknown) => fail(err));

  log.info({ nodeId, clusterAddr, raftAddr, apiAddr, apiTls: apiTls ? { subject: apiTls.subject, validTo: apiTls.validTo } : false, joined: !!joined, promoted: !!promoting }, 'manager started');
  let stopping: Promise<void> | undefined;
  return {
    nodeId,
    workerToken: cluster.JoinTokens.Worker,
    managerToken: cluster.JoinTokens.Manager,
    workerJoinCommand: `tsswarm join --token ${cluster.JoinTokens.Worker} ${clusterAddr}`,
    managerJoinCommand: `tsswarm join --token ${cluster.JoinTokens.Manager} ${clusterAddr}`,
    apiAddr,
    clusterAddr,
    stop: () =>
      (stopping ??= (async () => {
        await agent?.stop();
        leadership.stop();
        duties.stop();
        await app.close();
        grpcServer.forceShutdown();
        await store.close();
        log.info('manager stopped');
      })()),
  };
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil<T>(fn: () => T | undefined | false, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host.startsWith('127.') || host === '::1';
}

function isUnspecified(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}
