// The in-memory cluster state: tables of objects plus the secondary indexes the control
// loops need at scale. `apply` is deterministic so every replica that applies the same
// batches in the same order holds the same state.
import { ConflictError } from './errors.js';
import { TABLE_NAMES, type AnyObject, type TableName, type TableTypes, type Task } from './objects.js';

export type ChangeKind = 'create' | 'update' | 'delete';

export interface Change {
  table: TableName;
  kind: ChangeKind;
  /** For delete: the object as last seen. */
  object: AnyObject;
  /** Version the writer read; absent for create. Apply refuses the batch if it moved. */
  prevVersion?: number;
}

/** One transaction (or a group of them): applied all or nothing, `seq` = state version after it. */
export interface Batch {
  seq: number;
  changes: Change[];
}

export interface StoreEvent {
  table: TableName;
  kind: ChangeKind;
  object: AnyObject;
  old?: AnyObject;
}

export interface StateSnapshot {
  seq: number;
  tables: { [K in TableName]: TableTypes[K][] };
}

export class BatchRejectedError extends Error {
  constructor(
    readonly seq: number,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`batch ${seq} rejected: ${reason}`, options);
    this.name = 'BatchRejectedError';
  }
}

export class ClusterState {
  private seqValue = 0;
  private readonly tables = new Map<TableName, Map<string, AnyObject>>(
    TABLE_NAMES.map((t) => [t, new Map<string, AnyObject>()]),
  );
  private readonly tasksByService = new Map<string, Set<string>>();
  private readonly tasksByNode = new Map<string, Set<string>>();

  get seq(): number {
    return this.seqValue;
  }

  get<K extends TableName>(table: K, id: string): TableTypes[K] | undefined {
    return this.table(table).get(id) as TableTypes[K] | undefined;
  }

  all<K extends TableName>(table: K): TableTypes[K][] {
    return [...this.table(table).values()] as TableTypes[K][];
  }

  count(table: TableName): number {
    return this.table(table).size;
  }

  tasksOfService(serviceId: string): Task[] {
    return this.lookup(this.tasksByService.get(serviceId));
  }

  tasksOfNode(nodeId: string): Task[] {
    return this.lookup(this.tasksByNode.get(nodeId));
  }

  /** Checks every change against the current versions, then applies all of them. */
  apply(batch: Batch): StoreEvent[] {
    if (batch.seq !== this.seqValue + 1) {
      throw new BatchRejectedError(batch.seq, `state is at ${this.seqValue}, expected batch ${this.seqValue + 1}`);
    }
    for (const change of batch.changes) this.check(change, batch.seq);
    const events: StoreEvent[] = [];
    for (const change of batch.changes) {
      const rows = this.table(change.table);
      const old = rows.get(change.object.ID);
      if (change.kind === 'delete') {
        rows.delete(change.object.ID);
        if (old) this.unindex(change.table, old);
      } else {
        if (old) this.unindex(change.table, old);
        rows.set(change.object.ID, change.object);
        this.index(change.table, change.object);
      }
      events.push({ table: change.table, kind: change.kind, object: change.object, old });
    }
    this.seqValue = batch.seq;
    return events;
  }

  snapshot(): StateSnapshot {
    return {
      seq: this.seqValue,
      tables: {
        nodes: this.all('nodes'),
        services: this.all('services'),
        tasks: this.all('tasks'),
        clusters: this.all('clusters'),
        networks: this.all('networks'),
      },
    };
  }

  restore(snap: StateSnapshot): void {
    for (const rows of this.tables.values()) rows.clear();
    this.tasksByService.clear();
    this.tasksByNode.clear();
    for (const table of TABLE_NAMES) {
      for (const obj of snap.tables[table] ?? []) {
        this.table(table).set(obj.ID, obj);
        this.index(table, obj);
      }
    }
    this.seqValue = snap.seq;
  }

  private check(change: Change, seq: number): void {
    const current = this.table(change.table).get(change.object.ID);
    if (change.kind === 'create') {
      if (current) throw new BatchRejectedError(seq, `${change.table} ${change.object.ID} already exists`);
      return;
    }
    if (!current) throw new BatchRejectedError(seq, `${change.table} ${change.object.ID} does not exist`);
    if (change.prevVersion !== undefined && current.Version.Index !== change.prevVersion) {
      throw new BatchRejectedError(seq, 'version moved', {
        cause: new ConflictError(change.table, change.object.ID, change.prevVersion, current.Version.Index),
      });
    }
  }

  private table(name: TableName): Map<string, AnyObject> {
    const rows = this.tables.get(name);
    if (!rows) throw new Error(`unknown table ${name}`);
    return rows;
  }

  private lookup(ids: Set<string> | undefined): Task[] {
    if (!ids) return [];
    const rows = this.table('tasks');
    const out: Task[] = [];
    for (const id of ids) {
      const t = rows.get(id);
      if (t) out.push(t as Task);
    }
    return out;
  }

  private index(table: TableName, obj: AnyObject): void {
    if (table !== 'tasks') return;
    const t = obj as Task;
    addTo(this.tasksByService, t.ServiceID, t.ID);
    if (t.NodeID) addTo(this.tasksByNode, t.NodeID, t.ID);
  }

  private unindex(table: TableName, obj: AnyObject): void {
    if (table !== 'tasks') return;
    const t = obj as Task;
    removeFrom(this.tasksByService, t.ServiceID, t.ID);
    if (t.NodeID) removeFrom(this.tasksByNode, t.NodeID, t.ID);
  }
}

function addTo(index: Map<string, Set<string>>, key: string, id: string): void {
  let set = index.get(key);
  if (!set) {
    set = new Set();
    index.set(key, set);
  }
  set.add(id);
}

function removeFrom(index: Map<string, Set<string>>, key: string, id: string): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(id);
  if (set.size === 0) index.delete(key);
}
