// The dispatcher: the manager end of every worker's Session stream. It registers nodes,
// tracks heartbeats in memory (only state changes reach the store), marks silent nodes
// down, pushes each node its full assignment set whenever it changes, and folds task
// status reports into batched store updates.
import * as grpc from '@grpc/grpc-js';
import { nanoid } from 'nanoid';
import type { Logger } from 'pino';
import { LogThrottle } from '../../common/log-throttle.js';
import type { DispatcherHandlers } from '../../generated/tsswarm/dispatcher/v1/Dispatcher.js';
import type { ManagerEndpoints__Output } from '../../generated/tsswarm/dispatcher/v1/ManagerEndpoints.js';
import type { ManagerMessage } from '../../generated/tsswarm/dispatcher/v1/ManagerMessage.js';
import type { RoleChange } from '../../generated/tsswarm/dispatcher/v1/RoleChange.js';
import type { Register__Output } from '../../generated/tsswarm/dispatcher/v1/Register.js';
import type { TaskStatus__Output } from '../../generated/tsswarm/dispatcher/v1/TaskStatus.js';
import type { TaskUsageBatch__Output } from '../../generated/tsswarm/dispatcher/v1/TaskUsageBatch.js';
import type { WorkerMessage__Output } from '../../generated/tsswarm/dispatcher/v1/WorkerMessage.js';
import { ingestUsage } from '../../autoscale/ingest.js';
import type { UsageBook } from '../../autoscale/usage-book.js';
import { newId } from '../../common/ids.js';
import { isLbMode } from '../../lb/index.js';
import { isTerminal, taskStateRank, TASK_STATE_ORDER, type Node, type Task, type TaskState } from '../../store/objects.js';
import type { Store } from '../../store/store.js';
import { checkJoinToken, InvalidTokenError } from '../tokens.js';
import { assignmentDigest, assignmentsForNode } from './assignments.js';
import { networkViewForNode } from './network-view.js';

export interface DispatcherConfig {
  /** Read on every use: `swarm update --dispatcher-heartbeat` changes it live. */
  heartbeatPeriodMs: () => number;
  /** Missed periods before a node is marked down. */
  graceMultiplier: number;
  /** Cluster addresses of all managers, handed to workers for failover. */
  managerAddrs: () => string[];
  /** The leader's own node: never marked down by itself (it may run without an agent). */
  selfNodeId?: string;
  /** The node's desired role as its session is told it (promotion / demotion); none: not sent. */
  roleChange?: (node: Node) => RoleChange;
  /** Where the workers' CPU samples go (in memory, for the autoscaler); none: they are dropped. */
  usage?: UsageBook;
}

type SessionCall = grpc.ServerDuplexStream<WorkerMessage__Output, ManagerMessage>;

interface Session {
  id: string;
  nodeId: string;
  call: SessionCall;
  lastBeat: number;
  lastDigest?: string;
  lastNetworkDigest?: string;
  lastRoleDigest?: string;
  lastManagers?: string;
}

/** How often the down-detector and the assignment pusher run. */
const SWEEP_INTERVAL_MS = 200;
const PUSH_DEBOUNCE_MS = 20;
const STATUS_FLUSH_MS = 10;

export class Dispatcher {
  private readonly sessions = new Map<string, Session>();
  /** When each known node was last heard from (or when this dispatcher started). */
  private readonly lastSeen = new Map<string, number>();
  /**
   * The heartbeat period each node was last told (ms). A node keeps its old pace until its
   * next ack, so after the period is lowered (swarm update) its grace stays the old one
   * until then; otherwise every node on the slower pace would be marked down.
   */
  private readonly toldPeriodMs = new Map<string, number>();
  /** A worker that keeps sending bad usage samples is logged once a minute, not every round. */
  private readonly usageWarnings = new LogThrottle(60_000);
  private readonly dirtyNodes = new Set<string>();
  /** Nodes whose object changed: their role may have (promote / demote), and the manager list. */
  private readonly changedNodes = new Set<string>();
  /** Network views are cluster-wide: one change can concern every node. */
  private networkDirty = false;
  private pendingStatus: Array<{ nodeId: string; status: TaskStatus__Output }> = [];
  private pushTimer?: NodeJS.Timeout;
  private statusTimer?: NodeJS.Timeout;
  private sweepTimer?: NodeJS.Timeout;
  private lastSweep = 0;
  private unsubscribe?: () => void;
  private running = false;

  constructor(
    private readonly store: Store,
    private readonly config: DispatcherConfig,
    private readonly log: Logger,
  ) {}

  handlers(join: DispatcherHandlers['Join']): DispatcherHandlers {
    return { Session: (call) => this.onSession(call as SessionCall), Join: join };
  }

  /** Starts the leader-only duties: down detection and assignment pushes. */
  run(): void {
    if (this.running) return;
    this.running = true;
    const now = Date.now();
    for (const node of this.store.all('nodes')) this.lastSeen.set(node.ID, now);
    // A later term in this process: the time since the last term's sweep is no stall.
    this.lastSweep = 0;
    this.unsubscribe = this.store.subscribe((events) => {
      for (const e of events) {
        if (e.table === 'tasks') {
          const t = e.object as Task;
          if (t.NodeID) this.markDirty(t.NodeID);
          const old = e.old as Task | undefined;
          if (old?.NodeID && old.NodeID !== t.NodeID) this.markDirty(old.NodeID);
          if (t.NetworksAttachments?.length) this.markNetworkDirty();
        } else if (e.table === 'services') {
          for (const t of this.store.tasksOfService(e.object.ID)) if (t.NodeID) this.markDirty(t.NodeID);
          this.markNetworkDirty();
        } else if (e.table === 'networks' || e.table === 'nodes') {
          if (e.table === 'nodes') this.changedNodes.add(e.object.ID);
          this.markNetworkDirty();
        }
      }
    });
    this.sweepTimer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
  }

  stop(): void {
    this.running = false;
    this.unsubscribe?.();
    clearInterval(this.sweepTimer);
    clearTimeout(this.pushTimer);
    clearTimeout(this.statusTimer);
    for (const s of this.sessions.values()) {
      s.call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'manager is stepping down' });
    }
    this.sessions.clear();
  }

  connectedNodes(): number {
    return this.sessions.size;
  }

  private onSession(call: SessionCall): void {
    let session: Session | undefined;
    let endpoints: ManagerEndpoints__Output | undefined;
    const peer = call.getPeer();
    call.on('data', (msg: WorkerMessage__Output) => {
      try {
        if (msg.register) {
          if (session) return;
          void this.register(call, msg.register, peer).then((s) => {
            session = s;
            if (s && endpoints) void this.recordEndpoints(s.nodeId, endpoints);
          });
        } else if (msg.manager_endpoints) {
          // Usually arrives while the registration is still being written: kept until then.
          endpoints = msg.manager_endpoints;
          if (session) void this.recordEndpoints(session.nodeId, endpoints);
        } else if (msg.heartbeat && session) {
          session.lastBeat = Date.now();
          this.lastSeen.set(session.nodeId, session.lastBeat);
          call.write({ heartbeat_ack: { heartbeat_period_ms: this.tellPeriod(session.nodeId) } });
        } else if (msg.status && session) {
          for (const status of msg.status.statuses) this.pendingStatus.push({ nodeId: session.nodeId, status });
          this.scheduleStatusFlush();
        } else if (msg.usage && session) {
          this.recordUsage(session.nodeId, msg.usage);
        }
      } catch (err) {
        this.log.error({ err, peer }, 'session message failed');
      }
    });
    const end = () => {
      if (session && this.sessions.get(session.nodeId) === session) {
        this.sessions.delete(session.nodeId);
        this.log.info({ node: session.nodeId, peer }, 'session closed');
      }
    };
    call.on('end', () => {
      end();
      call.end();
    });
    call.on('error', end);
    call.on('cancelled', end);
  }

  private async register(call: SessionCall, reg: Register__Output, peer: string): Promise<Session | undefined> {
    const cluster = this.store.get('clusters', 'cluster');
    if (!this.running || !cluster) {
      call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'this manager is not accepting sessions (not the leader)' });
      return undefined;
    }
    try {
      checkJoinToken(reg.token, cluster.JoinTokens);
    } catch (err) {
      const details = err instanceof InvalidTokenError ? err.message : 'invalid join token';
      this.log.warn({ peer, hostname: reg.hostname }, `refused node: ${details}`);
      call.emit('error', { code: grpc.status.UNAUTHENTICATED, details });
      return undefined;
    }
    // Heard from now, not once the write below commits: a sweep in between (a slow Raft
    // commit after a leader change) would otherwise expire the node and queue its "down"
    // after this "ready", and a down node's heartbeats never clear the mark.
    if (reg.node_id) this.lastSeen.set(reg.node_id, Date.now());
    const nodeId = await this.upsertNode(reg, peer);
    const existing = this.sessions.get(nodeId);
    if (existing) existing.call.emit('error', { code: grpc.status.ABORTED, details: 'replaced by a newer session' });
    const session: Session = { id: nanoid(), nodeId, call, lastBeat: Date.now() };
    this.sessions.set(nodeId, session);
    this.lastSeen.set(nodeId, session.lastBeat);
    call.write({
      session: {
        node_id: nodeId,
        session_id: session.id,
        heartbeat_period_ms: this.tellPeriod(nodeId),
        managers: this.config.managerAddrs(),
      },
    });
    this.log.info({ node: nodeId, hostname: reg.hostname, peer }, 'node session opened');
    session.lastManagers = JSON.stringify(this.config.managerAddrs());
    this.pushAssignments(session);
    this.pushNetworkState(session);
    this.pushRole(session);
    return session;
  }

  /** Where the worker would serve as a manager (promotion); written only when it changes. */
  private async recordEndpoints(nodeId: string, e: ManagerEndpoints__Output): Promise<void> {
    const value = { Addr: e.cluster_addr, RaftAddr: e.raft_addr, ApiAddr: e.api_addr };
    try {
      await this.store.update((tx) => {
        const n = tx.get('nodes', nodeId);
        if (!n || JSON.stringify(n.ManagerEndpoints) === JSON.stringify(value)) return;
        tx.update('nodes', nodeId, (d) => {
          d.ManagerEndpoints = value;
        });
      });
    } catch (err) {
      this.log.warn({ err, node: nodeId }, 'could not record the manager endpoints of a node');
    }
  }

  private pushRole(session: Session): void {
    const node = this.config.roleChange ? this.store.get('nodes', session.nodeId) : undefined;
    if (!node || !this.config.roleChange) return;
    const role = this.config.roleChange(node);
    const digest = JSON.stringify(role);
    if (digest === session.lastRoleDigest) return;
    session.lastRoleDigest = digest;
    session.call.write({ role });
  }

  private pushManagers(): void {
    const managers = this.config.managerAddrs();
    const digest = JSON.stringify(managers);
    for (const s of this.sessions.values()) {
      if (s.lastManagers === digest) continue;
      s.lastManagers = digest;
      s.call.write({ manager_list: { managers } });
    }
  }

  private async upsertNode(reg: Register__Output, peer: string): Promise<string> {
    const addr = reg.addr || peerHost(peer);
    const description: Node['Description'] = {
      Hostname: reg.hostname,
      Platform: { OS: reg.os, Architecture: reg.arch },
      Resources: { NanoCPUs: Number(reg.nano_cpus), MemoryBytes: Number(reg.memory_bytes) },
      Engine: { EngineVersion: reg.engine_version, Labels: { ...reg.engine_labels } },
      ...(isLbMode(reg.lb_mode) ? { TSSwarm: { LoadBalancer: reg.lb_mode } } : {}),
    };
    return this.store.update((tx) => {
      const known = reg.node_id ? tx.get('nodes', reg.node_id) : undefined;
      if (known) {
        tx.update('nodes', known.ID, (n) => {
          n.Description = description;
          n.Status = { State: 'ready', Addr: addr };
          if (n.ManagerStatus) n.ManagerStatus = { ...n.ManagerStatus, Reachability: 'reachable' };
        });
        return known.ID;
      }
      const id = reg.node_id || newId();
      tx.create('nodes', {
        ID: id,
        Spec: { Labels: { ...reg.node_labels }, Role: 'worker', Availability: 'active' },
        Description: description,
        Status: { State: 'ready', Addr: addr },
      });
      return id;
    });
  }

  private markDirty(nodeId: string): void {
    if (!this.sessions.has(nodeId)) return;
    this.dirtyNodes.add(nodeId);
    this.schedulePush();
  }

  private markNetworkDirty(): void {
    this.networkDirty = true;
    this.schedulePush();
  }

  private schedulePush(): void {
    this.pushTimer ??= setTimeout(() => {
      this.pushTimer = undefined;
      const nodes = [...this.dirtyNodes];
      this.dirtyNodes.clear();
      // Assignments first: a new task learns its networks right after.
      for (const id of nodes) {
        const s = this.sessions.get(id);
        if (s) this.pushAssignments(s);
      }
      if (this.changedNodes.size > 0) {
        for (const id of this.changedNodes) {
          const s = this.sessions.get(id);
          if (s) this.pushRole(s);
        }
        this.changedNodes.clear();
        this.pushManagers();
      }
      if (this.networkDirty) {
        this.networkDirty = false;
        for (const s of this.sessions.values()) this.pushNetworkState(s);
      }
    }, PUSH_DEBOUNCE_MS);
  }

  private pushNetworkState(session: Session): void {
    const view = this.store.view((tx) => networkViewForNode(tx, session.nodeId));
    const digest = JSON.stringify(view);
    if (digest === session.lastNetworkDigest) return;
    session.lastNetworkDigest = digest;
    session.call.write({ network_state: view });
  }

  private pushAssignments(session: Session): void {
    const tasks = this.store.view((tx) => assignmentsForNode(tx, session.nodeId));
    const digest = assignmentDigest(tasks);
    if (digest === session.lastDigest) return;
    session.lastDigest = digest;
    session.call.write({ assignments: { tasks, store_seq: this.store.seq } });
  }

  private scheduleStatusFlush(): void {
    this.statusTimer ??= setTimeout(() => {
      this.statusTimer = undefined;
      void this.flushStatus();
    }, STATUS_FLUSH_MS);
  }

  /** Applies reported states that move a task forward; stale or foreign reports are dropped. */
  private async flushStatus(): Promise<void> {
    const batch = this.pendingStatus;
    this.pendingStatus = [];
    if (batch.length === 0) return;
    const started = performance.now();
    try {
      await this.store.update((tx) => {
        for (const { nodeId, status } of batch) {
          const state = status.state as TaskState;
          if (!TASK_STATE_ORDER.includes(state)) continue;
          const task = tx.get('tasks', status.task_id);
          if (!task || task.NodeID !== nodeId || isTerminal(task.Status.State)) continue;
          if (taskStateRank(state) <= taskStateRank(task.Status.State)) continue;
          tx.update('tasks', task.ID, (t) => {
            t.Status = {
              Timestamp: status.timestamp || new Date().toISOString(),
              State: state,
              Message: status.message,
              ...(status.err ? { Err: status.err } : {}),
              ContainerStatus: {
                ...(status.container_id ? { ContainerID: status.container_id } : {}),
                ...(status.pid ? { PID: status.pid } : {}),
                ...(status.has_exit_code ? { ExitCode: status.exit_code } : {}),
              },
            };
          });
        }
      });
      this.log.debug({ reports: batch.length, ms: +(performance.now() - started).toFixed(1) }, 'task status recorded');
    } catch (err) {
      this.log.error({ err }, 'could not record task status');
    }
  }

  /** Keeps a worker's CPU samples that check out; the others are logged and dropped. */
  private recordUsage(nodeId: string, batch: TaskUsageBatch__Output): void {
    const book = this.config.usage;
    if (!book || !this.running) return;
    const node = this.store.get('nodes', nodeId);
    const { accepted, dropped } = ingestUsage(
      {
        book,
        nodeId,
        nodeCpus: (node?.Description.Resources.NanoCPUs ?? 0) / 1e9,
        nowMs: Date.now(),
        lookup: (id) => {
          const t = this.store.get('tasks', id);
          return t && { nodeId: t.NodeID, running: t.Status.State === 'running' && t.DesiredState === 'running' };
        },
      },
      batch.usage.map((u) => ({ taskId: u.task_id, cpuNs: Number(u.cpu_total_ns), atMs: Number(u.sampled_at_ms) })),
    );
    const invalid = dropped.filter((d) => d.kind === 'invalid');
    const held = invalid.length > 0 ? this.usageWarnings.take(nodeId, Date.now()) : undefined;
    if (held !== undefined) this.log.warn({ node: nodeId, accepted, invalid: invalid.slice(0, 5), count: invalid.length, earlierRoundsNotLogged: held }, 'usage samples refused');
    else if (dropped.length > 0) this.log.debug({ node: nodeId, accepted, dropped: dropped.length }, 'usage samples of stopped tasks dropped');
  }

  /** The period a node is told now (in a session start or heartbeat ack), remembered for its grace. */
  private tellPeriod(nodeId: string): number {
    const period = this.config.heartbeatPeriodMs();
    this.toldPeriodMs.set(nodeId, period);
    return period;
  }

  /** How long a node may stay silent: the grace multiple of the slower of its pace and the current period. */
  private graceMs(nodeId: string): number {
    const period = this.config.heartbeatPeriodMs();
    return Math.max(period, this.toldPeriodMs.get(nodeId) ?? period) * this.config.graceMultiplier;
  }

  /** Marks nodes down once silent for the grace period, and closes their sessions. */
  private async sweep(): Promise<void> {
    const now = Date.now();
    // If this process stalled (GC, a long pass), heartbeats are still queued in the socket:
    // the stall is ours, not the nodes', so it does not count against them.
    const stall = this.lastSweep ? now - this.lastSweep - SWEEP_INTERVAL_MS : 0;
    this.lastSweep = now;
    if (stall > SWEEP_INTERVAL_MS) {
      for (const [id, seen] of this.lastSeen) this.lastSeen.set(id, seen + stall);
      return;
    }
    const expired: string[] = [];
    /** The node object each verdict was made on. */
    const judged = new Map<string, number>();
    for (const node of this.store.all('nodes')) {
      if (node.Status.State === 'down' || node.ID === this.config.selfNodeId) continue;
      const seen = this.lastSeen.get(node.ID) ?? now;
      if (!this.lastSeen.has(node.ID)) this.lastSeen.set(node.ID, now);
      if (now - seen > this.graceMs(node.ID)) {
        expired.push(node.ID);
        judged.set(node.ID, node.Version.Index);
      }
    }
    if (expired.length === 0) return;
    for (const id of expired) {
      const s = this.sessions.get(id);
      if (s) {
        this.sessions.delete(id);
        s.call.emit('error', { code: grpc.status.DEADLINE_EXCEEDED, details: 'heartbeat expired' });
      }
    }
    try {
      const marked = await this.store.update((tx) => {
        const down: string[] = [];
        for (const id of expired) {
          const node = tx.get('nodes', id);
          if (!node || node.Status.State === 'down') continue;
          // This write may have queued behind others (Raft commits): the node registered
          // (its write came first, or it is heard from since) — the verdict is stale.
          if (node.Version.Index !== judged.get(id) || now - (this.lastSeen.get(id) ?? 0) <= this.graceMs(id)) continue;
          tx.update('nodes', id, (n) => {
            n.Status = { ...n.Status, State: 'down', Message: 'heartbeat failure' };
            if (n.ManagerStatus) n.ManagerStatus = { ...n.ManagerStatus, Reachability: 'unreachable' };
          });
          down.push(id);
        }
        return down;
      });
      if (marked.length > 0) this.log.warn({ nodes: marked, graceMs: marked.map((id) => this.graceMs(id)) }, 'nodes marked down: heartbeat failure');
    } catch (err) {
      this.log.error({ err }, 'could not mark nodes down');
    }
  }
}

function peerHost(peer: string): string {
  const i = peer.lastIndexOf(':');
  return (i > 0 ? peer.slice(0, i) : peer).replace(/^\[|\]$/g, '').replace(/^ipv4:/, '');
}
