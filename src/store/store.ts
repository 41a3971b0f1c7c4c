// The cluster-state store: typed tables, transactional updates with group commit, and
// change subscriptions. Durability (a local file, or the Raft log) is the backend's job;
// the control loops only see this class, so the backend can change under them.
import { ExistsError, NotFoundError, StoreClosedError } from './errors.js';
import type { AnyObject, TableName, TableTypes, Task } from './objects.js';
import { ClusterState, type Batch, type Change, type StateSnapshot, type StoreEvent } from './state.js';

/** Receives committed batches from a backend, in log order. */
export interface ApplySink {
  apply(batch: Batch): void;
  restore(snapshot: StateSnapshot): void;
  snapshot(): StateSnapshot;
}

export interface StoreBackend {
  /** Loads what is durable into `sink` and keeps it for later applies (followers, replay). */
  open(sink: ApplySink): Promise<void>;
  /** Resolves once `batch` is durable and `sink.apply(batch)` has run; rejects if it could not be. */
  commit(batch: Batch): Promise<void>;
  close(): Promise<void>;
}

export interface ReadTx {
  get<K extends TableName>(table: K, id: string): TableTypes[K] | undefined;
  all<K extends TableName>(table: K): TableTypes[K][];
  tasksOfService(serviceId: string): Task[];
  tasksOfNode(nodeId: string): Task[];
}

type Draft<K extends TableName> = Omit<TableTypes[K], 'Version' | 'CreatedAt' | 'UpdatedAt'>;

export interface WriteTx extends ReadTx {
  create<K extends TableName>(table: K, object: Draft<K>): TableTypes[K];
  /** Clones the object, lets `mutate` change the clone, and stages it. */
  update<K extends TableName>(table: K, id: string, mutate: (draft: TableTypes[K]) => void): TableTypes[K];
  delete(table: TableName, id: string): void;
}

export type StoreListener = (events: StoreEvent[], seq: number) => void;

interface Pending {
  fn: (tx: WriteTx) => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** Most transactions folded into one backend commit (one fsync / one Raft entry). */
const MAX_GROUP = 512;

export class Store {
  private readonly state = new ClusterState();
  private readonly listeners = new Set<StoreListener>();
  private queue: Pending[] = [];
  private draining = false;
  private closed = false;

  constructor(private readonly backend: StoreBackend) {}

  async open(): Promise<void> {
    await this.backend.open({
      apply: (batch) => this.applyCommitted(batch),
      restore: (snap) => this.state.restore(snap),
      snapshot: () => this.state.snapshot(),
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.backend.close();
  }

  get seq(): number {
    return this.state.seq;
  }

  /** Reads the current applied state; the callback must not keep the tx. */
  view<R>(fn: (tx: ReadTx) => R): R {
    return fn(this.state);
  }

  get<K extends TableName>(table: K, id: string): TableTypes[K] | undefined {
    return this.state.get(table, id);
  }

  all<K extends TableName>(table: K): TableTypes[K][] {
    return this.state.all(table);
  }

  tasksOfService(serviceId: string): Task[] {
    return this.state.tasksOfService(serviceId);
  }

  tasksOfNode(nodeId: string): Task[] {
    return this.state.tasksOfNode(nodeId);
  }

  /** Subscribes to applied changes; returns the unsubscribe function. */
  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Runs `fn` against the latest state and commits what it staged. Concurrent calls are
   * grouped into one backend commit; a throwing `fn` discards only its own changes.
   */
  update<R>(fn: (tx: WriteTx) => R): Promise<R> {
    if (this.closed) return Promise.reject(new StoreClosedError());
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const group = this.queue.splice(0, MAX_GROUP);
        await this.commitGroup(group);
      }
    } finally {
      this.draining = false;
    }
  }

  private async commitGroup(group: Pending[]): Promise<void> {
    const seq = this.state.seq + 1;
    const now = new Date().toISOString();
    const shared = new Overlay(this.state, seq, now);
    const done: Array<{ p: Pending; value: unknown }> = [];
    for (const p of group) {
      const child = new Overlay(shared, seq, now);
      try {
        const value = p.fn(child);
        if (value instanceof Promise) throw new Error('store.update callbacks must be synchronous');
        child.mergeInto(shared);
        done.push({ p, value });
      } catch (err) {
        p.reject(err);
      }
    }
    const changes = shared.changes();
    try {
      if (changes.length > 0) await this.backend.commit({ seq, changes });
      for (const { p, value } of done) p.resolve(value);
    } catch (err) {
      for (const { p } of done) p.reject(err);
    }
  }

  private applyCommitted(batch: Batch): void {
    const events = this.state.apply(batch);
    for (const listener of this.listeners) listener(events, batch.seq);
  }
}

interface Staged {
  table: TableName;
  id: string;
  object: AnyObject | null;
  /** Version in the base state when first touched; undefined = did not exist. */
  baseVersion: number | undefined;
}

/** Copy-on-write view over a base state; what a transaction sees and stages. */
class Overlay implements WriteTx {
  private readonly staged = new Map<string, Staged>();

  constructor(
    private readonly base: ReadTx,
    private readonly seq: number,
    private readonly now: string,
  ) {}

  get<K extends TableName>(table: K, id: string): TableTypes[K] | undefined {
    const s = this.staged.get(key(table, id));
    if (s) return (s.object ?? undefined) as TableTypes[K] | undefined;
    return this.base.get(table, id);
  }

  all<K extends TableName>(table: K): TableTypes[K][] {
    return this.merge(table, this.base.all(table), () => true);
  }

  tasksOfService(serviceId: string): Task[] {
    return this.merge('tasks', this.base.tasksOfService(serviceId), (t) => t.ServiceID === serviceId);
  }

  tasksOfNode(nodeId: string): Task[] {
    return this.merge('tasks', this.base.tasksOfNode(nodeId), (t) => t.NodeID === nodeId);
  }

  create<K extends TableName>(table: K, draft: Draft<K>): TableTypes[K] {
    if (this.get(table, draft.ID)) throw new ExistsError(`${table.replace(/s$/, '')} ${draft.ID} already exists`);
    const object = {
      ...draft,
      Version: { Index: this.seq },
      CreatedAt: this.now,
      UpdatedAt: this.now,
    } as unknown as TableTypes[K];
    this.stage(table, draft.ID, object);
    return object;
  }

  update<K extends TableName>(table: K, id: string, mutate: (draft: TableTypes[K]) => void): TableTypes[K] {
    const current = this.get(table, id);
    if (!current) throw new NotFoundError(table, id);
    const draft = structuredClone(current);
    mutate(draft);
    draft.ID = current.ID;
    draft.CreatedAt = current.CreatedAt;
    draft.Version = { Index: this.seq };
    draft.UpdatedAt = this.now;
    this.stage(table, id, draft);
    return draft;
  }

  delete(table: TableName, id: string): void {
    if (!this.get(table, id)) throw new NotFoundError(table, id);
    this.stage(table, id, null);
  }

  mergeInto(parent: Overlay): void {
    for (const [k, s] of this.staged) {
      const existing = parent.staged.get(k);
      parent.staged.set(k, { ...s, baseVersion: existing ? existing.baseVersion : s.baseVersion });
    }
  }

  /** The staged writes as log changes, relative to the base state. */
  changes(): Change[] {
    const out: Change[] = [];
    for (const s of this.staged.values()) {
      if (s.object === null) {
        if (s.baseVersion === undefined) continue; // created and deleted in one group
        const old = this.base.get(s.table, s.id);
        if (old) out.push({ table: s.table, kind: 'delete', object: old, prevVersion: s.baseVersion });
      } else if (s.baseVersion === undefined) {
        out.push({ table: s.table, kind: 'create', object: s.object });
      } else {
        out.push({ table: s.table, kind: 'update', object: s.object, prevVersion: s.baseVersion });
      }
    }
    return out;
  }

  private stage(table: TableName, id: string, object: AnyObject | null): void {
    const k = key(table, id);
    const prior = this.staged.get(k);
    const baseVersion = prior ? prior.baseVersion : this.base.get(table, id)?.Version.Index;
    this.staged.set(k, { table, id, object, baseVersion });
  }

  private merge<K extends TableName>(table: K, fromBase: TableTypes[K][], belongs: (o: TableTypes[K]) => boolean) {
    if (this.staged.size === 0) return fromBase;
    const out: TableTypes[K][] = [];
    const seen = new Set<string>();
    for (const o of fromBase) {
      seen.add(o.ID);
      const s = this.staged.get(key(table, o.ID));
      if (!s) out.push(o);
      else if (s.object && belongs(s.object as TableTypes[K])) out.push(s.object as TableTypes[K]);
    }
    for (const s of this.staged.values()) {
      if (s.table !== table || !s.object || seen.has(s.object.ID)) continue;
      if (belongs(s.object as TableTypes[K])) out.push(s.object as TableTypes[K]);
    }
    return out;
  }
}

function key(table: TableName, id: string): string {
  return `${table}/${id}`;
}
