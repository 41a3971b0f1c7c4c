// The Docker executor: runs a node's assigned tasks as engine containers.
//
// Model. `setAssignments` replaces the desired set; a reconcile pass compares it with the
// containers this node owns (label com.tsswarm.node.id) and starts engine operations.
// A pass is synchronous and coalesced (many calls → one pass on the next turn), so two
// passes never overlap and the latest set always wins. Engine operations run outside
// the pass, at most one per task at a time; when one ends it schedules another pass.
// Container deaths come from the engine's event stream and are reported at once.
import Dockerode from 'dockerode';
import type { Logger } from 'pino';
import { taskStateRank, type TaskState } from '../../store/objects.js';
import type {
  AssignedTask,
  EngineDescription,
  Executor,
  TaskStatusReport,
} from '../../worker/types.js';
import { containerCreateOptions, stopGraceSeconds } from './container-spec.js';
import { describeEngine } from './describe.js';
import { engineMessage, isNoSuchImage, isNotFound, isNotModified } from './errors.js';
import { ContainerEvents, type ContainerEvent } from './events.js';
import { pullImage } from './image.js';
import { nodeLabelFilter } from './labels.js';
import { OwnedContainers, type OwnedContainer } from './owned-containers.js';
import { StatusReporter } from './reporter.js';

export interface DockerExecutorOptions {
  /** Default: from DOCKER_HOST, else the local socket. */
  docker?: Dockerode;
  nodeId: string;
  log: Logger;
}

/** After an engine operation fails unexpectedly, its task waits this long before a retry (ms). */
const OP_RETRY_DELAY_MS = 1_000;

export class DockerExecutor implements Executor {
  private readonly docker: Dockerode;
  private readonly nodeId: string;
  private readonly log: Logger;
  private readonly reporter: StatusReporter;
  private readonly events: ContainerEvents;
  private readonly containers: OwnedContainers;
  private desired = new Map<string, AssignedTask>();
  /** No container is removed before the first assignment set arrives. */
  private haveAssignments = false;
  /** Tasks this executor created (or tried to create) a container for: never twice. */
  private readonly attempted = new Set<string>();
  /** The engine operation under way per task id (or per container id for strays). */
  private readonly busy = new Map<string, Promise<void>>();
  private started = false;
  private stopped = false;
  private passScheduled = false;

  constructor(options: DockerExecutorOptions) {
    this.docker = options.docker ?? new Dockerode();
    this.nodeId = options.nodeId;
    this.log = options.log.child({ component: 'docker-executor', nodeId: options.nodeId });
    this.reporter = new StatusReporter(this.log);
    this.containers = new OwnedContainers(this.docker, this.nodeId);
    this.events = new ContainerEvents({
      docker: this.docker,
      labels: [nodeLabelFilter(this.nodeId)],
      log: this.log,
      onEvent: (event) => this.onEvent(event),
      onReconnect: () => this.resync(),
    });
  }

  describe(): Promise<EngineDescription> {
    return describeEngine(this.docker);
  }

  async start(report: (status: TaskStatusReport) => void): Promise<void> {
    this.reporter.attach(report);
    this.stopped = false;
    // Watch first, then list: nothing that happens in between is missed.
    await this.events.start();
    await this.containers.relist();
    this.started = true;
    this.log.info({ adopted: this.containers.size }, 'docker executor started');
    this.schedulePass();
  }

  setAssignments(tasks: AssignedTask[]): void {
    this.desired = new Map(tasks.map((task) => [task.id, task]));
    this.haveAssignments = true;
    this.schedulePass();
  }

  /** Stops watching; containers keep running for the next executor to adopt. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.started = false;
    this.events.stop();
    this.reporter.detach();
    await Promise.allSettled([...this.busy.values()]);
  }

  // ---- reconcile pass -------------------------------------------------------------------

  private schedulePass(): void {
    if (this.passScheduled) return;
    this.passScheduled = true;
    setImmediate(() => {
      this.passScheduled = false;
      this.pass();
    });
  }

  private pass(): void {
    if (!this.started || this.stopped || !this.haveAssignments) return;
    const byTask = this.containers.byTask();
    for (const task of this.desired.values()) {
      if (this.busy.has(task.id)) continue;
      const container = byTask.get(task.id);
      if (wantsRunning(task.desiredState)) this.convergeRunning(task, container);
      else this.convergeStopped(task, container);
    }
    for (const container of this.containers.values()) {
      if (container.taskId !== undefined && this.desired.has(container.taskId)) continue;
      const key = container.taskId ?? container.id;
      if (this.busy.has(key)) continue;
      this.runOp(key, () => this.removeContainer(container));
    }
    // Tasks gone from the set with nothing left to remove (e.g. rejected): forget them.
    for (const taskId of [...this.attempted, ...this.reporter.taskIds()]) {
      if (this.desired.has(taskId) || this.busy.has(taskId) || byTask.has(taskId)) continue;
      this.attempted.delete(taskId);
      this.reporter.forget(taskId);
    }
  }

  private convergeRunning(task: AssignedTask, container: OwnedContainer | undefined): void {
    const done = this.reporter.isDone(task.id);
    if (!container) {
      if (!this.attempted.has(task.id) && !done) {
        this.runOp(task.id, () => this.createAndStart(task));
      } else if (!done) {
        this.reporter.report(task.id, 'failed', {
          message: 'container removed',
          err: 'task: container removed',
        });
      }
      return;
    }
    switch (container.state) {
      case 'running':
        this.reporter.report(task.id, 'running', {
          message: 'started',
          containerId: container.id,
          ...(container.pid ? { pid: container.pid } : {}),
        });
        return;
      case 'exited':
        this.reportExit(container);
        return;
      case 'created':
        // Adopted half way: a previous executor created it but did not start it.
        if (!this.attempted.has(task.id) && !done) {
          this.attempted.add(task.id);
          this.runOp(task.id, () => this.startContainer(container));
        }
        return;
    }
  }

  private convergeStopped(task: AssignedTask, container: OwnedContainer | undefined): void {
    if (container?.state === 'running') {
      this.runOp(task.id, () => this.stopContainer(task, container));
      return;
    }
    this.reporter.report(task.id, 'shutdown', {
      message: 'shutdown',
      ...(container ? { containerId: container.id } : {}),
      ...(container?.exitCode !== undefined ? { exitCode: container.exitCode } : {}),
    });
  }

  private runOp(key: string, op: () => Promise<void>): void {
    const running = (async () => {
      try {
        await op();
      } catch (err) {
        this.log.warn({ err, key }, 'engine operation failed; will retry');
        await delay(OP_RETRY_DELAY_MS);
      }
    })().finally(() => {
      this.busy.delete(key);
      this.schedulePass();
    });
    this.busy.set(key, running);
  }

  // ---- engine operations ----------------------------------------------------------------

  private async createAndStart(task: AssignedTask): Promise<void> {
    this.attempted.add(task.id);
    this.reporter.report(task.id, 'preparing', { message: 'preparing' });
    const options = containerCreateOptions(task, this.nodeId);
    let created: Dockerode.Container;
    try {
      created = await this.createWithPull(task, options);
    } catch (err) {
      this.reporter.report(task.id, 'rejected', {
        message: err instanceof PullFailed ? `image pull failed: ${err.pullMessage}` : 'container create failed',
        err: engineMessage(err instanceof PullFailed ? err.cause : err),
      });
      return;
    }
    const container = this.containers.track(created.id, task.id);
    if (this.stopped || !wantsRunning(this.desired.get(task.id)?.desiredState)) return;
    await this.startContainer(container);
  }

  private async createWithPull(
    task: AssignedTask,
    options: Dockerode.ContainerCreateOptions,
  ): Promise<Dockerode.Container> {
    try {
      return await this.docker.createContainer(options);
    } catch (err) {
      if (!isNoSuchImage(err)) throw err;
      this.log.info({ taskId: task.id, image: task.image }, 'image not present; pulling');
      try {
        await pullImage(this.docker, task.image);
      } catch (pullErr) {
        this.log.warn({ taskId: task.id, image: task.image, err: pullErr }, 'image pull failed');
        throw new PullFailed(err, engineMessage(pullErr));
      }
      return await this.docker.createContainer(options);
    }
  }

  private async startContainer(container: OwnedContainer): Promise<void> {
    const taskId = container.taskId;
    if (taskId === undefined) return;
    this.reporter.report(taskId, 'starting', { message: 'starting', containerId: container.id });
    try {
      await this.docker.getContainer(container.id).start();
    } catch (err) {
      if (!isNotModified(err)) {
        this.reporter.report(taskId, 'failed', {
          message: 'container start failed',
          err: engineMessage(err),
          containerId: container.id,
        });
        return;
      }
    }
    await this.containers.refresh(container);
    if (container.state === 'running') {
      this.reporter.report(taskId, 'running', {
        message: 'started',
        containerId: container.id,
        ...(container.pid ? { pid: container.pid } : {}),
      });
    } else if (container.state === 'exited') {
      this.reportExit(container);
    }
  }

  private async stopContainer(task: AssignedTask, container: OwnedContainer): Promise<void> {
    container.stopRequested = true;
    try {
      await this.docker.getContainer(container.id).stop({ t: stopGraceSeconds(task) });
    } catch (err) {
      if (!isNotModified(err) && !isNotFound(err)) throw err;
    }
    await this.containers.refresh(container);
    this.reporter.report(task.id, 'shutdown', {
      message: 'shutdown',
      containerId: container.id,
      ...(container.exitCode !== undefined ? { exitCode: container.exitCode } : {}),
    });
  }

  /** Stops (with the container's own stop timeout) and force-removes a container. */
  private async removeContainer(container: OwnedContainer): Promise<void> {
    container.stopRequested = true;
    const handle = this.docker.getContainer(container.id);
    if (container.state === 'running') {
      try {
        await handle.stop();
      } catch (err) {
        if (!isNotModified(err) && !isNotFound(err)) throw err;
      }
    }
    try {
      await handle.remove({ force: true });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.log.info({ containerId: container.id, taskId: container.taskId }, 'removed container');
    this.containers.delete(container.id);
  }

  // ---- what the engine says -------------------------------------------------------------

  private onEvent(event: ContainerEvent): void {
    const change = this.containers.apply(event);
    if (!change) return;
    const { action, container } = change;
    if (action === 'start' && (container.taskId === undefined || !this.busy.has(container.taskId))) {
      // Started by someone else: learn the pid before the pass reports the task running.
      this.containers.refresh(container).then(
        () => this.schedulePass(),
        (err: unknown) => this.log.warn({ err, containerId: container.id }, 'inspect failed'),
      );
      return;
    }
    // A death is reported now, not at the next pass.
    if (action === 'die') this.reportExit(container);
    this.schedulePass();
  }

  /** Reports a dead container's task: shutdown if we stopped it, else complete or failed. */
  private reportExit(container: OwnedContainer): void {
    const taskId = container.taskId;
    if (taskId === undefined || !this.desired.has(taskId) || !this.started) return;
    const exitCode = container.exitCode;
    const common = { containerId: container.id, ...(exitCode !== undefined ? { exitCode } : {}) };
    if (container.stopRequested) {
      this.reporter.report(taskId, 'shutdown', { message: 'shutdown', ...common });
    } else if (exitCode === 0) {
      this.reporter.report(taskId, 'complete', { message: 'finished', ...common });
    } else {
      const text = `task: non-zero exit (${exitCode ?? 'unknown'})`;
      const err = container.oomKilled ? `${text}: out of memory` : text;
      this.reporter.report(taskId, 'failed', { message: text, err, ...common });
    }
  }

  /** After the event stream reconnects: events in the gap may be lost, so list again. */
  private resync(): void {
    this.containers.relist().then(
      () => {
        for (const container of this.containers.values()) {
          if (container.state === 'exited') this.reportExit(container);
        }
        this.schedulePass();
      },
      (err: unknown) => this.log.warn({ err }, 'relist after reconnect failed'),
    );
  }
}

/** Thrown when a missing image could not be pulled; `cause` is the create error. */
class PullFailed extends Error {
  constructor(
    override readonly cause: unknown,
    readonly pullMessage: string,
  ) {
    super(`image pull failed: ${pullMessage}`);
  }
}

/** Desired running (or complete, for jobs): run it. Anything later: stop it. */
function wantsRunning(desired: TaskState | undefined): boolean {
  return desired !== undefined && taskStateRank(desired) <= taskStateRank('complete');
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
