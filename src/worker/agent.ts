// The worker agent: keeps one Session stream to a manager, hands the assignment sets it
// receives to the executor, streams heartbeats and task status back, and fails over to
// another manager (from the list the session gave it) when the stream breaks.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { dispatcherProto } from '../common/proto.js';
import type { ManagerMessage__Output } from '../generated/tsswarm/dispatcher/v1/ManagerMessage.js';
import type { Task__Output } from '../generated/tsswarm/dispatcher/v1/Task.js';
import type { NetworkState__Output } from '../generated/tsswarm/dispatcher/v1/NetworkState.js';
import type { ManagerEndpoints } from '../generated/tsswarm/dispatcher/v1/ManagerEndpoints.js';
import type { RoleChange__Output } from '../generated/tsswarm/dispatcher/v1/RoleChange.js';
import type { TaskStatus } from '../generated/tsswarm/dispatcher/v1/TaskStatus.js';
import type { WorkerMessage } from '../generated/tsswarm/dispatcher/v1/WorkerMessage.js';
import type { TaskState } from '../store/objects.js';
import type { AssignedTask, EngineDescription, Executor, TaskStatusReport } from './types.js';

/** Thrown when the manager refuses the node (bad token): retrying cannot help. */
export class JoinRefusedError extends Error {
  constructor(
    readonly managerAddr: string,
    readonly reason: string,
  ) {
    super(`manager ${managerAddr} refused this node: ${reason}`);
    this.name = 'JoinRefusedError';
  }
}

/** Thrown when no manager answered before the first session could open. */
export class ManagerUnreachableError extends Error {
  constructor(readonly addrs: string[], options?: { cause?: unknown }) {
    super(`cannot reach any manager at ${addrs.join(', ')}`, options);
    this.name = 'ManagerUnreachableError';
  }
}

export interface AgentOptions {
  nodeId: string;
  token: string;
  managerAddrs: string[];
  description: EngineDescription;
  nodeLabels?: Record<string, string>;
  advertiseAddr?: string;
  /** The routing mesh's data path on this node ("nftables" | "userspace"), sent in Register. */
  lbMode?: string;
  executor: Executor;
  log: Logger;
  /** How long the first session may take to open before start() fails. */
  firstConnectTimeoutMs?: number;
  /** Gets every task status report too (e.g. container pids for the network data path). */
  onStatus?: (status: TaskStatusReport) => void;
  /** Gets the node's network view (overlay, load balancing, DNS) whenever the manager sends it. */
  onNetworkState?: (state: NetworkState__Output) => void;
  /** Gets every assignment set after the executor does. */
  onAssignments?: (tasks: AssignedTask[]) => void;
  /** Where this node would serve as a manager; sent after Register (for `node promote`). */
  managerEndpoints?: ManagerEndpoints;
  /** Gets the node's desired role (promotion / demotion) whenever the manager sends it. */
  onRoleChange?: (role: RoleChange__Output) => void;
}

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 2_000;
const STATUS_FLUSH_MS = 10;
/** Heartbeat periods without any answer before the worker gives up on a manager. */
const MANAGER_SILENCE_PERIODS = 3;

type SessionStream = grpc.ClientDuplexStream<WorkerMessage, ManagerMessage__Output>;

export class Agent {
  private managers: string[];
  private next = 0;
  private stream?: SessionStream;
  private client?: grpc.Client;
  private sessionId = '';
  private heartbeatTimer?: NodeJS.Timeout;
  private reconnectTimer?: NodeJS.Timeout;
  private statusTimer?: NodeJS.Timeout;
  private backoff = RECONNECT_MIN_MS;
  private lastHeard = 0;
  private heartbeatPeriod = 0;
  private stopped = false;
  /** Latest report per task; resent after a reconnect so no state change is lost. */
  private readonly latest = new Map<string, TaskStatusReport>();
  private readonly unsent = new Set<string>();
  private firstSession?: { resolve: () => void; reject: (err: Error) => void };

  constructor(private readonly opts: AgentOptions) {
    this.managers = [...opts.managerAddrs];
  }

  /** Resolves once the first session is open; rejects if the manager refuses this node. */
  async start(): Promise<void> {
    await this.opts.executor.start((s) => this.onReport(s));
    const opened = new Promise<void>((resolve, reject) => (this.firstSession = { resolve, reject }));
    const timeout = setTimeout(
      () => this.failFirst(new ManagerUnreachableError(this.managers)),
      this.opts.firstConnectTimeoutMs ?? 15_000,
    );
    this.connect();
    try {
      await opened;
    } finally {
      clearTimeout(timeout);
    }
  }

  /** Managers this agent fails over to, as last told (plus the ones it started with). */
  knownManagers(): string[] {
    return [...this.managers];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.statusTimer);
    this.stream?.cancel();
    this.client?.close();
    await this.opts.executor.stop();
  }

  private failFirst(err: Error): void {
    const first = this.firstSession;
    if (!first) return;
    this.firstSession = undefined;
    first.reject(err);
    void this.stop();
  }

  private connect(): void {
    if (this.stopped) return;
    const addr = this.managers[this.next % this.managers.length] ?? '';
    this.next++;
    const DispatcherClient = dispatcherProto().tsswarm.dispatcher.v1.Dispatcher;
    this.client?.close();
    const client = new DispatcherClient(addr, grpc.credentials.createInsecure());
    this.client = client;
    const stream = client.Session();
    this.stream = stream;
    const d = this.opts.description;
    stream.write({
      register: {
        token: this.opts.token,
        node_id: this.opts.nodeId,
        hostname: d.hostname,
        os: d.os,
        arch: d.arch,
        nano_cpus: d.nanoCpus,
        memory_bytes: d.memoryBytes,
        engine_version: d.engineVersion,
        engine_labels: d.engineLabels,
        node_labels: this.opts.nodeLabels ?? {},
        addr: this.opts.advertiseAddr ?? '',
        lb_mode: this.opts.lbMode ?? '',
      },
    });
    if (this.opts.managerEndpoints) stream.write({ manager_endpoints: this.opts.managerEndpoints });
    stream.on('data', (msg: ManagerMessage__Output) => this.onMessage(addr, msg));
    stream.on('error', (err: grpc.ServiceError) => this.onBroken(stream, addr, err));
    stream.on('end', () => this.onBroken(stream, addr));
  }

  private onMessage(addr: string, msg: ManagerMessage__Output): void {
    this.lastHeard = Date.now();
    if (msg.session) {
      this.sessionId = msg.session.session_id;
      this.backoff = RECONNECT_MIN_MS;
      if (msg.session.managers.length > 0) this.managers = unique([...msg.session.managers, ...this.opts.managerAddrs]);
      this.startHeartbeats(Number(msg.session.heartbeat_period_ms));
      for (const id of this.latest.keys()) this.unsent.add(id);
      this.scheduleFlush();
      this.opts.log.info({ manager: addr, node: msg.session.node_id }, 'session open');
      const first = this.firstSession;
      this.firstSession = undefined;
      first?.resolve();
    } else if (msg.assignments) {
      const tasks = msg.assignments.tasks.map(fromProto);
      const ids = new Set(tasks.map((t) => t.id));
      for (const id of this.latest.keys()) if (!ids.has(id)) this.latest.delete(id);
      this.opts.executor.setAssignments(tasks);
      this.opts.onAssignments?.(tasks);
    } else if (msg.heartbeat_ack) {
      const period = Number(msg.heartbeat_ack.heartbeat_period_ms);
      if (period > 0 && period !== this.heartbeatPeriod) this.startHeartbeats(period);
    } else if (msg.network_state) {
      this.opts.onNetworkState?.(msg.network_state);
    } else if (msg.manager_list) {
      if (msg.manager_list.managers.length > 0) this.managers = unique([...msg.manager_list.managers, ...this.opts.managerAddrs]);
    } else if (msg.role) {
      this.opts.onRoleChange?.(msg.role);
    }
  }

  private onBroken(stream: SessionStream, addr: string, err?: grpc.ServiceError): void {
    if (stream !== this.stream || this.stopped) return;
    this.stream = undefined;
    this.sessionId = '';
    clearInterval(this.heartbeatTimer);
    if (err?.code === grpc.status.UNAUTHENTICATED) {
      this.opts.log.error({ manager: addr, reason: err.details }, 'manager refused this node');
      if (this.firstSession) return this.failFirst(new JoinRefusedError(addr, err.details));
    } else {
      this.opts.log.warn({ manager: addr, reason: err?.details ?? 'stream ended' }, 'session lost; reconnecting');
    }
    this.reconnectTimer = setTimeout(() => this.connect(), this.backoff);
    this.backoff = Math.min(this.backoff * 2, RECONNECT_MAX_MS);
  }

  private startHeartbeats(periodMs: number): void {
    clearInterval(this.heartbeatTimer);
    const period = periodMs > 0 ? periodMs : 1000;
    this.heartbeatPeriod = period;
    let lastTick = Date.now();
    this.heartbeatTimer = setInterval(() => {
      const stream = this.stream;
      const now = Date.now();
      // A late timer means this process stalled: answers may be waiting unread, so the
      // stall does not count as the manager's silence.
      if (now - lastTick > period * 2) this.lastHeard += now - lastTick - period;
      lastTick = now;
      if (!stream) return;
      // A manager that stopped answering (partition, hang) is left for another one.
      if (Date.now() - this.lastHeard > period * MANAGER_SILENCE_PERIODS) {
        stream.cancel();
        return;
      }
      stream.write({ heartbeat: { session_id: this.sessionId } });
    }, period);
  }

  /**
   * Sends one round of CPU samples on the open session (for the leader's autoscaler);
   * false when no session is open: the round is dropped, a later one replaces it.
   */
  sendUsage(samples: ReadonlyArray<{ taskId: string; cpuNs: number; atMs: number }>): boolean {
    if (!this.stream || !this.sessionId) return false;
    this.stream.write({
      usage: {
        session_id: this.sessionId,
        usage: samples.map((s) => ({ task_id: s.taskId, cpu_total_ns: Math.round(s.cpuNs), sampled_at_ms: Math.round(s.atMs) })),
      },
    });
    return true;
  }

  private onReport(status: TaskStatusReport): void {
    this.opts.onStatus?.(status);
    this.latest.set(status.taskId, status);
    this.unsent.add(status.taskId);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    this.statusTimer ??= setTimeout(() => {
      this.statusTimer = undefined;
      if (!this.stream || !this.sessionId) return; // resent once a session opens
      const statuses: TaskStatus[] = [];
      for (const id of this.unsent) {
        const s = this.latest.get(id);
        if (s) statuses.push(toProtoStatus(s));
      }
      this.unsent.clear();
      if (statuses.length > 0) this.stream.write({ status: { session_id: this.sessionId, statuses } });
    }, STATUS_FLUSH_MS);
  }
}

function fromProto(t: Task__Output): AssignedTask {
  return {
    id: t.id,
    serviceId: t.service_id,
    serviceName: t.service_name,
    slot: t.slot,
    nodeId: t.node_id,
    image: t.image,
    command: t.command,
    args: t.args,
    env: t.env,
    labels: t.labels,
    hostname: t.hostname,
    dir: t.dir,
    user: t.user,
    stopGracePeriodMs: Number(t.stop_grace_period_ms),
    nanoCpus: Number(t.nano_cpus),
    memoryBytes: Number(t.memory_bytes),
    desiredState: t.desired_state as TaskState,
    ports: t.ports.map((p) => ({
      protocol: p.protocol as AssignedTask['ports'][number]['protocol'],
      targetPort: p.target_port,
      publishedPort: p.published_port,
      publishMode: p.publish_mode as AssignedTask['ports'][number]['publishMode'],
    })),
  };
}

function toProtoStatus(s: TaskStatusReport): TaskStatus {
  return {
    task_id: s.taskId,
    state: s.state,
    message: s.message,
    err: s.err ?? '',
    container_id: s.containerId ?? '',
    pid: s.pid ?? 0,
    exit_code: s.exitCode ?? 0,
    has_exit_code: s.exitCode !== undefined,
    timestamp: s.timestamp,
  };
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}
