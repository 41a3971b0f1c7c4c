// The stable part of the log as the core sees it. The driver appends to it
// only after the data is durable (WAL fsync), so "in MemoryStorage" means
// "persisted". The core only reads from it.

import { CompactedError, SnapshotOutOfDateError, UnavailableError } from './errors.js';
import {
  EMPTY_HARD_STATE,
  EMPTY_SNAPSHOT,
  type ConfState,
  type Entry,
  EntryType,
  type HardState,
  type Snapshot,
  entrySize,
} from './types.js';

export interface Storage {
  initialState(): { hardState: HardState; conf: ConfState };
  /** Entries in [lo, hi), at least one if any, capped at maxBytes. */
  entries(lo: number, hi: number, maxBytes: number): Entry[];
  term(index: number): number;
  firstIndex(): number;
  lastIndex(): number;
  snapshot(): Snapshot;
}

export class MemoryStorage implements Storage {
  private hardState: HardState = EMPTY_HARD_STATE;
  private snap: Snapshot = EMPTY_SNAPSHOT;
  // ents[0] is a placeholder carrying the snapshot's index and term.
  private ents: Entry[] = [{ term: 0, index: 0, type: EntryType.Normal, data: new Uint8Array(0) }];

  initialState(): { hardState: HardState; conf: ConfState } {
    return { hardState: this.hardState, conf: this.snap.meta.conf };
  }

  getHardState(): HardState {
    return this.hardState;
  }

  setHardState(hs: HardState): void {
    this.hardState = hs;
  }

  private offset(): number {
    return this.at(0).index;
  }

  private at(i: number): Entry {
    const e = this.ents[i];
    if (e === undefined) throw new UnavailableError(i, this.lastIndex());
    return e;
  }

  firstIndex(): number {
    return this.offset() + 1;
  }

  lastIndex(): number {
    return this.offset() + this.ents.length - 1;
  }

  term(index: number): number {
    const off = this.offset();
    if (index < off) throw new CompactedError(index, off + 1);
    if (index > this.lastIndex()) throw new UnavailableError(index, this.lastIndex());
    return this.at(index - off).term;
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    const off = this.offset();
    if (lo <= off) throw new CompactedError(lo, off + 1);
    if (hi > this.lastIndex() + 1) throw new UnavailableError(hi - 1, this.lastIndex());
    return limitSize(this.ents.slice(lo - off, hi - off), maxBytes);
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces the whole log with a snapshot received from the leader. */
  applySnapshot(snap: Snapshot): void {
    if (snap.meta.index <= this.snap.meta.index) {
      throw new SnapshotOutOfDateError(snap.meta.index, this.snap.meta.index);
    }
    this.snap = snap;
    this.ents = [{ term: snap.meta.term, index: snap.meta.index, type: EntryType.Normal, data: new Uint8Array(0) }];
  }

  /** Records a locally taken snapshot at `index` (must be <= applied). */
  createSnapshot(index: number, conf: ConfState, data: Uint8Array): Snapshot {
    if (index <= this.snap.meta.index) throw new SnapshotOutOfDateError(index, this.snap.meta.index);
    const term = this.term(index);
    this.snap = { meta: { index, term, conf }, data };
    return this.snap;
  }

  /** Drops entries up to and including `index`; they must be covered by a snapshot. */
  compact(index: number): void {
    const off = this.offset();
    if (index <= off) return;
    if (index > this.lastIndex()) throw new UnavailableError(index, this.lastIndex());
    const head = this.at(index - off);
    this.ents = [{ term: head.term, index: head.index, type: EntryType.Normal, data: new Uint8Array(0) }, ...this.ents.slice(index - off + 1)];
  }

  /** Appends entries, truncating any conflicting suffix. */
  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    const off = this.offset();
    const last = first.index + entries.length - 1;
    if (last <= off) return; // all already compacted
    const skip = Math.max(0, off + 1 - first.index);
    const fresh = entries.slice(skip);
    const start = fresh[0];
    if (start === undefined) return;
    if (start.index > this.lastIndex() + 1) {
      throw new UnavailableError(start.index, this.lastIndex());
    }
    if (start.index === this.lastIndex() + 1) {
      for (const e of fresh) this.ents.push(e); // the common case: extend, no copy of the log
      return;
    }
    this.ents = [...this.ents.slice(0, start.index - off), ...fresh];
  }
}

export function limitSize<T extends Entry>(ents: T[], maxBytes: number): T[] {
  if (ents.length === 0) return ents;
  let size = 0;
  for (let i = 0; i < ents.length; i++) {
    size += entrySize(ents[i] as T);
    if (size > maxBytes && i > 0) return ents.slice(0, i);
  }
  return ents;
}
