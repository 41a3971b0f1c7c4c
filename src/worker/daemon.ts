// A worker process: a node identity kept in the data dir, the Docker executor, and the
// agent that keeps the session to a manager.
import os from 'node:os';
import type { Logger } from 'pino';
import { createLogger } from '../common/log.js';
import { loadOrCreateNodeId } from '../common/node-identity.js';
import { DockerExecutor } from '../engine/docker/executor.js';
import { DockerUsageSource } from '../engine/docker/usage.js';
import { usageSampleMsFromEnv } from '../autoscale/options.js';
import { UsageSampler } from './usage-sampler.js';
import type { NetworkState__Output } from '../generated/tsswarm/dispatcher/v1/NetworkState.js';
import type { ManagerEndpoints } from '../generated/tsswarm/dispatcher/v1/ManagerEndpoints.js';
import type { RoleChange__Output } from '../generated/tsswarm/dispatcher/v1/RoleChange.js';
import { workerEndpoints } from '../manager/membership/promotion.js';
import { PromotedNode, type StartManager } from '../manager/membership/promoted-node.js';
import { Agent } from './agent.js';
import { NetworkAgent } from './network/index.js';
import type { Executor } from './types.js';

export interface WorkerOptions {
  managerAddrs: string[];
  token: string;
  dataDir: string;
  hostname?: string;
  /** Address other nodes reach this one at; the manager uses the session's peer address if unset. */
  listenAddr?: string;
  advertiseAddr?: string;
  labels?: Record<string, string>;
  /** How long to wait for the first session before giving up (default 15 s). */
  joinTimeoutMs?: number;
  /** Where this node serves Raft and the API if promoted (default: listen port + 1, 127.0.0.1:2375). */
  raftAddr?: string;
  apiAddr?: string;
  /** Starts the manager component on `node promote` (the CLI passes runManager); none: promotion is ignored. */
  startManager?: StartManager;
  log?: Logger;
}

export interface RunningWorker {
  stop(): Promise<void>;
  nodeId: string;
  /** Managers the agent fails over to, as last told. */
  knownManagers?(): string[];
  /** The in-process manager component of a promoted worker (undefined until promoted). */
  promoted?: PromotedNode;
}

export async function runWorker(opts: WorkerOptions): Promise<RunningWorker> {
  const log = opts.log ?? createLogger({ name: 'tsswarm-worker' });
  if (opts.managerAddrs.length === 0) throw new Error('no manager address given');
  const nodeId = await loadOrCreateNodeId(opts.dataDir);
  const advertise = opts.advertiseAddr ?? hostOf(opts.listenAddr);
  const started: { worker?: RunningWorker } = {};
  const promoted = opts.startManager
    ? new PromotedNode({
        dataDir: opts.dataDir,
        ...(opts.hostname ? { hostname: opts.hostname } : {}),
        ...(opts.listenAddr ? { listenAddr: opts.listenAddr } : {}),
        ...(opts.raftAddr ? { raftAddr: opts.raftAddr } : {}),
        ...(opts.apiAddr ? { apiAddr: opts.apiAddr } : {}),
        ...(opts.advertiseAddr ? { advertiseAddr: opts.advertiseAddr } : {}),
        start: opts.startManager,
        knownManagers: () => started.worker?.knownManagers?.() ?? opts.managerAddrs,
        log: log.child({ c: 'promotion' }),
      })
    : undefined;
  const e = workerEndpoints({
    ...(opts.listenAddr ? { listenAddr: opts.listenAddr } : {}),
    ...(opts.raftAddr ? { raftAddr: opts.raftAddr } : {}),
    ...(opts.apiAddr ? { apiAddr: opts.apiAddr } : {}),
    ...(advertise ? { advertiseHost: advertise } : {}),
  });
  const worker = await startLocalWorker({
    nodeId,
    token: opts.token,
    managerAddrs: opts.managerAddrs,
    ...(promoted
      ? {
          managerEndpoints: { cluster_addr: e.Addr, raft_addr: e.RaftAddr, api_addr: e.ApiAddr },
          onRoleChange: (m: RoleChange__Output) => promoted.onRoleChange(m),
        }
      : {}),
    ...(opts.hostname ? { hostname: opts.hostname } : {}),
    ...(advertise ? { advertiseAddr: advertise } : {}),
    ...(opts.labels ? { labels: opts.labels } : {}),
    joinTimeoutMs: opts.joinTimeoutMs ?? (Number(process.env.TSSWARM_JOIN_TIMEOUT_MS) || undefined),
    log,
  });
  started.worker = worker;
  if (!promoted) return worker;
  const agent = worker;
  return {
    ...agent,
    promoted,
    stop: async () => {
      // The manager component first: its agent-less dispatcher may serve this node's session.
      await promoted.stop();
      await agent.stop();
    },
  };
}

export interface LocalWorkerOptions {
  nodeId: string;
  token: string;
  managerAddrs: string[];
  hostname?: string;
  advertiseAddr?: string;
  labels?: Record<string, string>;
  executor?: Executor;
  joinTimeoutMs?: number;
  managerEndpoints?: ManagerEndpoints;
  onRoleChange?: (role: RoleChange__Output) => void;
  log: Logger;
}

/** Starts an agent for a node whose identity is already known (a manager's own, or a worker's). */
export async function startLocalWorker(o: LocalWorkerOptions): Promise<RunningWorker> {
  const docker = o.executor ?? new DockerExecutor({ nodeId: o.nodeId, log: o.log.child({ c: 'executor' }) });
  const description = await docker.describe();
  // The data path (overlay, load balancing, DNS) needs the real engine; TSSWARM_NETWORK_AGENT=off turns it off.
  let network: NetworkAgent | undefined;
  if (!o.executor && process.env.TSSWARM_NETWORK_AGENT !== 'off') {
    const prefix = process.env.TSSWARM_SANDBOX_PREFIX; // hosts simulated on one machine (test bed)
    const candidate = new NetworkAgent({
      nodeId: o.nodeId,
      log: o.log,
      ...(o.advertiseAddr ? { advertiseAddr: o.advertiseAddr } : {}),
      ...(prefix ? { sandboxPrefix: prefix } : {}),
    });
    if (await candidate.start()) network = candidate;
  }
  // With the network agent, a task is reported running once its overlay endpoints are plugged.
  const executor = network ? network.wrapExecutor(docker) : docker;
  // Several nodes share one machine in tests and demos: the node's name is its own.
  description.hostname = o.hostname ?? description.hostname ?? os.hostname();
  const agent = new Agent({
    nodeId: o.nodeId,
    token: o.token,
    managerAddrs: o.managerAddrs,
    description,
    ...(o.labels ? { nodeLabels: o.labels } : {}),
    ...(o.advertiseAddr ? { advertiseAddr: o.advertiseAddr } : {}),
    ...(network?.lbMode ? { lbMode: network.lbMode.mode } : {}),
    executor,
    log: o.log,
    ...(o.joinTimeoutMs ? { firstConnectTimeoutMs: o.joinTimeoutMs } : {}),
    ...(network ? { onNetworkState: (s: NetworkState__Output) => network.onNetworkState(s) } : {}),
    ...(o.managerEndpoints ? { managerEndpoints: o.managerEndpoints } : {}),
    ...(o.onRoleChange ? { onRoleChange: o.onRoleChange } : {}),
  });
  try {
    await agent.start();
  } catch (err) {
    await network?.stop();
    throw err;
  }
  // CPU samples of the task containers, for the autoscaler (real engine only; TSSWARM_USAGE_SAMPLE_MS=0: off).
  const samplePeriodMs = o.executor ? 0 : usageSampleMsFromEnv();
  const source = samplePeriodMs > 0 ? new DockerUsageSource(o.nodeId) : undefined;
  const sampler = source
    ? new UsageSampler({ sample: () => source.sample(), send: (s) => agent.sendUsage(s), periodMs: samplePeriodMs, log: o.log.child({ c: 'usage' }) })
    : undefined;
  sampler?.start();
  return {
    nodeId: o.nodeId,
    knownManagers: () => agent.knownManagers(),
    stop: async () => {
      sampler?.stop();
      await agent.stop();
      await network?.stop();
    },
  };
}

function hostOf(addr: string | undefined): string | undefined {
  if (!addr) return undefined;
  const host = addr.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return host === '0.0.0.0' || host === '::' || host === '' ? undefined : host;
}
