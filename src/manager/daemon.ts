// A manager process: opens the durable store, creates the cluster on first start, serves
// the dispatcher (gRPC) and the control API (HTTP), runs the leader's control loops, and
// runs a worker agent of its own so the manager node can take tasks (unless drained).
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { createLogger } from '../common/log.js';
import { dispatcherProto } from '../common/proto.js';
import { parseHostPort, formatHostPort } from '../common/addr.js';
import { loadOrCreateNodeId } from '../common/node-identity.js';
import { FileBackend } from '../store/backend-file.js';
import { Store } from '../store/store.js';
import { buildApiServer, startApiServer } from '../api/server.js';
import { Dispatcher } from './dispatcher/dispatcher.js';
import { LeaderDuties } from './leader-duties.js';
import { ensureCluster } from './bootstrap.js';
import { startLocalWorker } from '../worker/daemon.js';
import { TSSWARM_VERSION } from '../common/version.js';

export interface ManagerOptions {
  /** gRPC cluster address, default 0.0.0.0:2377. */
  listenAddr: string;
  /** HTTP control API, default 127.0.0.1:2375. */
  apiAddr: string;
  dataDir: string;
  hostname?: string;
  availability: 'active' | 'drain';
  allowRemoteApi: boolean;
  forceNewCluster: boolean;
  advertiseAddr?: string;
  joinToken?: string;
  joinAddr?: string;
  /** Heartbeat period for workers; down after 3 missed. Default 1000 ms. */
  heartbeatPeriodMs?: number;
  /** Run a worker agent in this process (default true). */
  runAgent?: boolean;
  log?: Logger;
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
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ManagerStartError';
  }
}

export async function runManager(opts: ManagerOptions): Promise<RunningManager> {
  const log = opts.log ?? createLogger({ name: 'tsswarm-manager' });
  if (opts.joinToken || opts.joinAddr) {
    throw new ManagerStartError('joining an existing cluster as a manager needs the Raft backend (not available yet)');
  }
  const listen = parseHostPort(opts.listenAddr, 2377, '--listen-addr');
  const api = parseHostPort(opts.apiAddr, 2375, '--api-addr');
  if (!isLoopback(api.host) && !opts.allowRemoteApi) {
    throw new ManagerStartError(
      `--api-addr ${opts.apiAddr} is not a loopback address; the API has no authentication yet, pass --allow-remote-api to expose it anyway`,
    );
  }
  const hostname = opts.hostname ?? os.hostname();
  const nodeId = await loadOrCreateNodeId(opts.dataDir);
  const store = new Store(new FileBackend(path.join(opts.dataDir, 'manager', 'state'), log.child({ c: 'store' })));
  await store.open();

  const grpcServer = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  const port = await new Promise<number>((resolve, reject) =>
    grpcServer.bindAsync(formatHostPort(listen.host, listen.port), grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(new ManagerStartError(`cannot listen on ${opts.listenAddr}: ${err.message}`, { cause: err })) : resolve(p),
    ),
  ).catch(async (err) => {
    await store.close();
    throw err;
  });
  const advertiseHost = opts.advertiseAddr ?? (isUnspecified(listen.host) ? '127.0.0.1' : listen.host);
  const clusterAddr = formatHostPort(advertiseHost, port);

  const cluster = await ensureCluster(store, {
    nodeId,
    hostname,
    clusterAddr,
    availability: opts.availability,
    heartbeatPeriodMs: opts.heartbeatPeriodMs ?? (Number(process.env.TSSWARM_HEARTBEAT_MS) || 1000),
  });

  const dispatcher = new Dispatcher(
    store,
    {
      heartbeatPeriodMs: cluster.Spec.Dispatcher.HeartbeatPeriod / 1e6,
      graceMultiplier: 3,
      managerAddrs: () => [clusterAddr],
    },
    log.child({ c: 'dispatcher' }),
  );
  grpcServer.addService(dispatcherProto().tsswarm.dispatcher.v1.Dispatcher.service, dispatcher.handlers());
  const duties = new LeaderDuties(store, dispatcher, log);
  // Single manager: always the leader. The Raft backend will start/stop these on leadership changes.
  duties.start();

  const app = buildApiServer({
    store,
    log: log.child({ c: 'api' }),
    info: {
      nodeId,
      hostname,
      clusterAddr,
      version: TSSWARM_VERSION,
      isLeader: () => true,
      joinTokens: () => store.get('clusters', 'cluster')?.JoinTokens ?? cluster.JoinTokens,
    },
  });
  let apiAddr: string;
  try {
    apiAddr = await startApiServer(app, api.host, api.port);
  } catch (err) {
    duties.stop();
    grpcServer.forceShutdown();
    await store.close();
    throw new ManagerStartError(`cannot serve the API on ${opts.apiAddr}: ${(err as Error).message}`, { cause: err });
  }

  const agent =
    opts.runAgent === false
      ? undefined
      : await startLocalWorker({
          nodeId,
          token: cluster.JoinTokens.Worker,
          managerAddrs: [clusterAddr],
          hostname,
          log: log.child({ c: 'agent' }),
        });

  log.info({ nodeId, clusterAddr, apiAddr }, 'manager started');
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
        duties.stop();
        await app.close();
        grpcServer.forceShutdown();
        await store.close();
        log.info('manager stopped');
      })()),
  };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host.startsWith('127.') || host === '::1';
}

function isUnspecified(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}
