// Safety properties checked by the simulator (Raft paper figure 3):
// election safety, log matching, leader completeness, state-machine safety.
// Each check throws SafetyViolation with enough context to debug a trace.

import type { RaftLog } from '../../src/raft/log.js';
import type { Entry, NodeId } from '../../src/raft/types.js';

export class SafetyViolation extends Error {
  constructor(readonly property: string, detail: string) {
    super(`${property}: ${detail}`);
    this.name = 'SafetyViolation';
  }
}

const dec = new TextDecoder();

export function entryKey(e: Entry): string {
  return `${e.term}/${e.type}/${dec.decode(e.data)}`;
}

/** FNV-1a over the previous hash and the entry key: a hash chain of applied entries. */
export function chainHash(prev: number, e: Entry): number {
  let h = prev ^ 0x811c9dc5;
  const s = entryKey(e);
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export class SafetyChecker {
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** Entries known applied somewhere, by index (the committed prefix). */
  private readonly committed = new Map<number, string>();
  /** Hash of the applied prefix ending at index. */
  private readonly hashAt = new Map<number, number>();
  maxApplied = 0;

  /** §5.2 election safety: at most one leader per term. */
  observeLeader(id: NodeId, term: number, log: RaftLog): void {
    const prev = this.leaderOfTerm.get(term);
    if (prev !== undefined && prev !== id) {
      throw new SafetyViolation('election safety', `term ${term} has leaders ${prev} and ${id}`);
    }
    if (prev === undefined) {
      this.leaderOfTerm.set(term, id);
      this.checkLeaderCompleteness(id, term, log);
    }
  }

  /** §5.4 leader completeness: a new leader holds every committed entry. */
  private checkLeaderCompleteness(id: NodeId, term: number, log: RaftLog): void {
    const first = log.firstIndex();
    for (let i = first; i <= this.maxApplied; i++) {
      const want = this.committed.get(i);
      if (want === undefined) continue;
      const got = log.term(i) === undefined ? undefined : log.slice(i, i + 1, Infinity)[0];
      if (!got || entryKey(got) !== want) {
        throw new SafetyViolation('leader completeness', `leader ${id} of term ${term} lacks committed entry ${i} (${want}), has ${got ? entryKey(got) : 'nothing'}`);
      }
    }
  }

  /** §5.4.3 state-machine safety: every node applies the same entry at an index. */
  observeApply(id: NodeId, e: Entry, hashAfter: number): void {
    const key = entryKey(e);
    const prev = this.committed.get(e.index);
    if (prev !== undefined && prev !== key) {
      throw new SafetyViolation('state machine safety', `${id} applied ${key} at ${e.index}, others applied ${prev}`);
    }
    this.committed.set(e.index, key);
    this.observeHash(id, e.index, hashAfter);
    this.maxApplied = Math.max(this.maxApplied, e.index);
  }

  observeHash(id: NodeId, index: number, hash: number): void {
    const h = this.hashAt.get(index);
    if (h !== undefined && h !== hash) {
      throw new SafetyViolation('state machine safety', `${id} state at ${index} hashes to ${hash}, others ${h}`);
    }
    this.hashAt.set(index, hash);
  }

  /** §5.3 log matching: same index and term implies identical prefixes. */
  static checkLogMatching(a: { id: NodeId; log: RaftLog }, b: { id: NodeId; log: RaftLog }): void {
    const lo = Math.max(a.log.firstIndex(), b.log.firstIndex());
    const hi = Math.min(a.log.lastIndex(), b.log.lastIndex());
    if (lo > hi) return;
    let top = 0;
    for (let i = hi; i >= lo; i--) {
      if (a.log.term(i) === b.log.term(i)) {
        top = i;
        break;
      }
    }
    if (top === 0) return;
    const ea = a.log.slice(lo, top + 1, Infinity);
    const eb = b.log.slice(lo, top + 1, Infinity);
    for (let k = 0; k < ea.length; k++) {
      const x = ea[k];
      const y = eb[k];
      if (!x || !y || entryKey(x) !== entryKey(y)) {
        throw new SafetyViolation('log matching', `${a.id} and ${b.id} agree at ${top} but differ at ${lo + k}: ${x ? entryKey(x) : '-'} vs ${y ? entryKey(y) : '-'}`);
      }
    }
  }

  /** ReadIndex safety: a read returns an index covering everything committed before it began. */
  static checkRead(id: NodeId, context: string, index: number, committedAtStart: number): void {
    if (index < committedAtStart) {
      throw new SafetyViolation('linearizable read', `${id} read ${context} got index ${index} < ${committedAtStart} committed when it started`);
    }
  }
}
