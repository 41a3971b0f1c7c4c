// What this node's containers look like, as last seen through listing, inspect, engine
// events and the executor's own calls. Knows nothing of tasks' desired states or reports.
import type Dockerode from 'dockerode';
import { isNotFound } from './errors.js';
import type { ContainerEvent } from './events.js';
import { nodeLabelFilter, taskIdOf } from './labels.js';

export interface OwnedContainer {
  id: string;
  /** Undefined for a container carrying our node label but no task label: a stray. */
  taskId: string | undefined;
  state: 'created' | 'running' | 'exited';
  pid?: number;
  exitCode?: number;
  oomKilled?: boolean;
  /** The executor stopped it: its exit is a shutdown, not a failure. */
  stopRequested: boolean;
}

/** The event actions that change what is known of a container. */
export type ContainerAction = 'create' | 'start' | 'die' | 'oom' | 'destroy';
const TRACKED_ACTIONS = new Set<string>(['create', 'start', 'die', 'oom', 'destroy']);

export class OwnedContainers {
  private readonly byId = new Map<string, OwnedContainer>();

  constructor(
    private readonly docker: Dockerode,
    private readonly nodeId: string,
  ) {}

  get size(): number {
    return this.byId.size;
  }

  values(): IterableIterator<OwnedContainer> {
    return this.byId.values();
  }

  delete(id: string): void {
    this.byId.delete(id);
  }

  /** The known record for `id`, or a new one in state `created`. */
  track(id: string, taskId: string | undefined): OwnedContainer {
    let container = this.byId.get(id);
    if (!container) {
      container = { id, taskId, state: 'created', stopRequested: false };
      this.byId.set(id, container);
    }
    return container;
  }

  /** Each task's container; a running one if a task has several. */
  byTask(): Map<string, OwnedContainer> {
    const byTask = new Map<string, OwnedContainer>();
    for (const container of this.byId.values()) {
      if (container.taskId === undefined) continue;
      const known = byTask.get(container.taskId);
      if (!known || (known.state !== 'running' && container.state === 'running')) {
        byTask.set(container.taskId, container);
      }
    }
    return byTask;
  }

  /** Applies one engine event; returns the action and container, or undefined if ignored. */
  apply(event: ContainerEvent): { action: ContainerAction; container: OwnedContainer } | undefined {
    const id = event.Actor?.ID;
    if (!id || !TRACKED_ACTIONS.has(event.Action)) return undefined;
    const action = event.Action as ContainerAction;
    const attributes = event.Actor.Attributes ?? {};
    const container = this.track(id, taskIdOf(attributes));
    switch (action) {
      case 'destroy':
        this.byId.delete(id);
        break;
      case 'start':
        container.state = 'running';
        delete container.exitCode;
        break;
      case 'oom':
        container.oomKilled = true;
        break;
      case 'die': {
        container.state = 'exited';
        delete container.pid;
        const exitCode = Number(attributes['exitCode']);
        if (Number.isInteger(exitCode)) container.exitCode = exitCode;
        break;
      }
      case 'create':
        break;
    }
    return { action, container };
  }

  /** Inspects a container into its record; one the engine no longer has is forgotten. */
  async refresh(container: OwnedContainer): Promise<void> {
    let info: Dockerode.ContainerInspectInfo;
    try {
      info = await this.docker.getContainer(container.id).inspect();
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.byId.delete(container.id);
      return;
    }
    const state = info.State;
    if (state.Running || state.Restarting || state.Paused) {
      container.state = 'running';
      if (state.Pid > 0) container.pid = state.Pid;
      delete container.exitCode;
    } else if (state.Status === 'created') {
      container.state = 'created';
    } else {
      container.state = 'exited';
      container.exitCode = state.ExitCode;
      delete container.pid;
    }
    if (state.OOMKilled) container.oomKilled = true;
  }

  /** Lists and inspects every container of this node (adopting what others left). */
  async relist(): Promise<void> {
    const listed = await this.docker.listContainers({
      all: true,
      filters: { label: [nodeLabelFilter(this.nodeId)] },
    });
    const seen = new Set<string>();
    await Promise.all(
      listed.map((info) => {
        seen.add(info.Id);
        return this.refresh(this.track(info.Id, taskIdOf(info.Labels)));
      }),
    );
    // Known but not listed: confirm with inspect (it may have been created as the list ran).
    await Promise.all([...this.byId.values()].filter((c) => !seen.has(c.id)).map((c) => this.refresh(c)));
  }
}
