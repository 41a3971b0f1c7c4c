// TEST SCAFFOLDING standing in for the orchestrator + scheduler + workers: whenever a
// service is created or updated it makes the tasks of each replica slot "running" at once
// (alternating over the ready nodes) and shuts down the slots above the replica count;
// when a service is deleted it drops the service's tasks. The real control loops live in
// src/manager; this exists only so docker CLI commands that wait for convergence finish.
import { isDeepStrictEqual } from 'node:util';
import { newId } from '../../../src/common/ids.js';
import type { Service, Task } from '../../../src/store/objects.js';
import type { Store, WriteTx } from '../../../src/store/store.js';

export class FakeTaskMaker {
  private unsubscribe?: () => void;
  private pending: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: Store) {}

  start(): void {
    this.unsubscribe = this.store.subscribe((events) => {
      for (const e of events) {
        if (e.table !== 'services') continue;
        const service = e.object as Service;
        const deleted = e.kind === 'delete';
        this.pending = this.pending
          .then(() => this.store.update((tx) => (deleted ? this.drop(tx, service.ID) : this.converge(tx, service.ID))))
          .catch(() => undefined);
      }
    });
  }

  stop(): void {
    this.unsubscribe?.();
  }

  /** Resolves once every reaction queued so far has been written. */
  async settled(): Promise<void> {
    await this.pending;
  }

  private drop(tx: WriteTx, serviceId: string): void {
    for (const t of tx.tasksOfService(serviceId)) tx.delete('tasks', t.ID);
  }

  private converge(tx: WriteTx, serviceId: string): void {
    const service = tx.get('services', serviceId);
    if (!service) return;
    const replicas = service.Spec.Mode.Replicated?.Replicas ?? 0;
    const nodes = tx.all('nodes').filter((n) => n.Status.State === 'ready');
    const live = tx.tasksOfService(serviceId).filter((t) => t.DesiredState === 'running');
    const now = new Date().toISOString();
    for (const t of live) {
      const stale = (t.Slot ?? 0) > replicas || !isDeepStrictEqual(t.Spec, service.Spec.TaskTemplate);
      if (!stale) continue;
      tx.update('tasks', t.ID, (d) => {
        d.DesiredState = 'shutdown';
        d.Status = { Timestamp: now, State: 'shutdown', Message: 'shutdown' };
      });
    }
    for (let slot = 1; slot <= replicas; slot++) {
      const ok = live.some((t) => t.Slot === slot && isDeepStrictEqual(t.Spec, service.Spec.TaskTemplate));
      if (ok) continue;
      const node = nodes[(slot - 1) % Math.max(1, nodes.length)];
      const task: Omit<Task, 'Version' | 'CreatedAt' | 'UpdatedAt'> = {
        ID: newId(),
        ServiceID: serviceId,
        Slot: slot,
        Spec: structuredClone(service.Spec.TaskTemplate),
        Status: { Timestamp: now, State: 'running', Message: 'started' },
        DesiredState: 'running',
        SpecVersion: service.Version.Index,
      };
      if (node) task.NodeID = node.ID;
      tx.create('tasks', task);
    }
  }
}
