// The pure Raft state machine: no I/O, no timers, no ambient randomness.
// Time arrives through tick(), peers' messages through step(), and all
// effects leave through ready()/advance(). Role behaviour lives in roles.ts
// as swapped step functions; this file holds state and transitions.

import { LeaderTransferringError, NotLeaderError, RaftInvariantError } from './errors.js';
import { RaftLog } from './log.js';
import type { Storage } from './memory-storage.js';
import { Progress } from './progress.js';
import { JointConfig } from './quorum.js';
import * as membership from './raft-membership.js';
import * as reads from './raft-reads.js';
import * as repl from './raft-replication.js';
import { ReadyTracker } from './raft-ready.js';
import { ReadOnlyQueue } from './read-only.js';
import { stepCandidate, stepFollower, stepLeader, tickElection, tickLeader } from './roles.js';
import {
  type ConfChange,
  type ConfState,
  EntryType,
  type HardState,
  type Message,
  NONE,
  type NodeId,
  type ReadState,
  type Ready,
  type Role,
  type Snapshot,
  type SoftState,
  decodeConfChange,
} from './types.js';

export interface RaftConfig {
  readonly id: NodeId;
  /** Initial voters, used only when storage holds no configuration (fresh cluster). */
  readonly peers?: readonly NodeId[];
  readonly storage: Storage;
  /** Base election timeout in ticks; the actual one is random in [n, 2n). */
  readonly electionTick: number;
  readonly heartbeatTick: number;
  /** Source of randomness in [0, 1); injected so simulations are reproducible. */
  readonly rand: () => number;
  /** Index already applied to the state machine (restart); defaults to the snapshot index. */
  readonly applied?: number;
  readonly maxSizePerMsg?: number;
  readonly maxEntriesPerMsg?: number;
  readonly maxInflightMsgs?: number;
  /** Byte budget of entries in flight per follower (default: unlimited; messages still cap it). */
  readonly maxInflightBytes?: number;
  readonly checkQuorum?: boolean;
  readonly preVote?: boolean;
}

type StepFn = (r: Raft, m: Message) => void;

export type CampaignKind = 'preElection' | 'election' | 'transfer';

export class Raft {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = NONE;
  lead: NodeId = NONE;
  role: Role = 'follower';
  readonly log: RaftLog;
  conf: JointConfig;
  /** Log index of the configuration in effect (0: initial or snapshot). */
  confIndex = 0;
  readonly prs = new Map<NodeId, Progress>();
  readonly votes = new Map<NodeId, boolean>();
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  readonly readOnly = new ReadOnlyQueue();
  /** Reads received before this leader committed an entry of its term. */
  pendingReads: { context: string; from: NodeId }[] = [];

  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  leadTransferee: NodeId = NONE;
  /** A new conf change may be proposed only once applied >= this. */
  pendingConfIndex = 0;

  readonly electionTimeout: number;
  readonly heartbeatTimeout: number;
  readonly maxSizePerMsg: number;
  readonly maxEntriesPerMsg: number;
  readonly maxInflight: number;
  readonly maxInflightBytes: number;
  readonly checkQuorum: boolean;
  readonly preVote: boolean;
  readonly rand: () => number;
  private stepRole: StepFn = stepFollower;
  private readonly readyTracker: ReadyTracker;

  constructor(cfg: RaftConfig) {
    if (cfg.electionTick <= cfg.heartbeatTick) {
      throw new RaftInvariantError('electionTick must be greater than heartbeatTick');
    }
    this.id = cfg.id;
    this.electionTimeout = cfg.electionTick;
    this.heartbeatTimeout = cfg.heartbeatTick;
    this.rand = cfg.rand;
    this.maxSizePerMsg = cfg.maxSizePerMsg ?? 1024 * 1024;
    this.maxEntriesPerMsg = cfg.maxEntriesPerMsg ?? 512;
    this.maxInflight = cfg.maxInflightMsgs ?? 256;
    this.maxInflightBytes = cfg.maxInflightBytes ?? Infinity;
    this.checkQuorum = cfg.checkQuorum ?? true;
    this.preVote = cfg.preVote ?? true;
    this.log = new RaftLog(cfg.storage);
    const { hardState, conf } = cfg.storage.initialState();
    const voters = conf.voters.length > 0 ? conf.voters : (cfg.peers ?? []);
    this.conf = new JointConfig(voters);
    this.confIndex = cfg.storage.snapshot().meta.index;
    this.term = hardState.term;
    this.vote = hardState.vote;
    if (hardState.commit > 0) this.log.commitTo(hardState.commit);
    if (cfg.applied !== undefined && cfg.applied > 0) this.log.appliedTo(cfg.applied);
    // Adopt membership from committed conf entries now, so a restarted node
    // never campaigns or counts votes with a stale configuration.
    this.replayCommittedConf();
    this.becomeFollower(this.term, NONE);
    this.readyTracker = new ReadyTracker(this.softState(), this.hardState());
  }

  private replayCommittedConf(): void {
    const lo = Math.max(this.confIndex + 1, this.log.firstIndex());
    if (lo > this.log.committed) return;
    for (const e of this.log.slice(lo, this.log.committed + 1, Number.MAX_SAFE_INTEGER)) {
      if (e.type === EntryType.ConfChange) this.applyConfChange(decodeConfChange(e.data), e.index);
    }
  }

  // ---- introspection -------------------------------------------------------

  softState(): SoftState {
    return { leader: this.lead, role: this.role };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  confState(): ConfState {
    return { voters: [...this.conf.incoming.voters].sort() };
  }

  promotable(): boolean {
    return this.conf.has(this.id);
  }

  // ---- transitions -----------------------------------------------------------

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.electionTimeout + Math.floor(this.rand() * this.electionTimeout);
    this.leadTransferee = NONE;
    this.votes.clear();
    this.resetProgress();
    this.pendingConfIndex = 0;
    this.readOnly.clear();
    this.pendingReads = [];
  }

  resetProgress(): void {
    this.prs.clear();
    const last = this.log.lastIndex();
    for (const id of this.conf.ids()) {
      const pr = new Progress(last + 1, this.maxInflight, this.maxInflightBytes);
      if (id === this.id) pr.match = last;
      this.prs.set(id, pr);
    }
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.lead = lead;
    this.role = 'follower';
    this.stepRole = stepFollower;
  }

  becomePreCandidate(): void {
    if (this.role === 'leader') throw new RaftInvariantError('leader -> preCandidate');
    // Pre-vote does not touch term or vote: a lost pre-election costs nothing.
    this.votes.clear();
    this.lead = NONE;
    this.role = 'preCandidate';
    this.stepRole = stepCandidate;
  }

  becomeCandidate(): void {
    if (this.role === 'leader') throw new RaftInvariantError('leader -> candidate');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
    this.stepRole = stepCandidate;
  }

  becomeLeader(): void {
    if (this.role === 'follower') throw new RaftInvariantError('follower -> leader');
    this.reset(this.term);
    this.lead = this.id;
    this.role = 'leader';
    this.stepRole = stepLeader;
    const self = this.prs.get(this.id);
    if (self) self.recentActive = true;
    // An entry of the new term lets earlier entries commit (§5.4.2), and
    // blocks conf changes until it is applied (single-server change safety).
    repl.appendEntries(this, [{ type: EntryType.Normal, data: new Uint8Array(0) }]);
    this.pendingConfIndex = this.log.lastIndex();
  }

  // ---- elections -------------------------------------------------------------

  campaign(kind: CampaignKind): void {
    if (this.role === 'leader' || !this.promotable()) return;
    if (kind === 'preElection' && !this.preVote) kind = 'election';
    let term: number;
    let type: 'vote' | 'preVote';
    if (kind === 'preElection') {
      this.becomePreCandidate();
      term = this.term + 1;
      type = 'preVote';
    } else {
      this.becomeCandidate();
      term = this.term;
      type = 'vote';
    }
    if (this.recordVote(this.id, true) === 'won') return;
    for (const id of this.conf.ids()) {
      if (id === this.id) continue;
      this.send({
        type,
        to: id,
        term,
        index: this.log.lastIndex(),
        logTerm: this.log.lastTerm(),
        ...(kind === 'transfer' ? { context: 'transfer' } : {}),
      });
    }
  }

  /** Records a (pre)vote and acts on the outcome; returns the outcome. */
  recordVote(from: NodeId, granted: boolean): 'won' | 'lost' | 'pending' {
    if (!this.votes.has(from)) this.votes.set(from, granted);
    const res = this.conf.voteResult(this.votes);
    if (res === 'won') {
      if (this.role === 'preCandidate') this.campaign('election');
      else this.becomeLeader();
      if (this.role === 'leader') repl.bcastAppend(this);
    } else if (res === 'lost') {
      this.becomeFollower(this.term, NONE);
    }
    return res;
  }

  // ---- the two inputs ---------------------------------------------------------

  tick(): void {
    if (this.role === 'leader') tickLeader(this);
    else tickElection(this);
  }

  step(m: Message): void {
    if (m.term > this.term) {
      if (m.type === 'vote' || m.type === 'preVote') {
        const inLease = this.checkQuorum && this.lead !== NONE && this.electionElapsed < this.electionTimeout;
        // A live leader makes us deaf to campaigns (leader lease), unless the
        // leader itself asked for the campaign via TimeoutNow.
        if (inLease && m.context !== 'transfer') return;
      }
      if (m.type === 'preVote' || (m.type === 'preVoteResp' && !m.reject)) {
        // Pre-votes never change our term: the campaigner has not won anything yet.
      } else if (m.type === 'app' || m.type === 'heartbeat' || m.type === 'snap') {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NONE);
      }
    } else if (m.term < this.term) {
      if ((this.checkQuorum || this.preVote) && (m.type === 'heartbeat' || m.type === 'app')) {
        // Tell a stale leader about the newer term, or it may never step down.
        this.send({ type: 'appResp', to: m.from, term: this.term });
      } else if (m.type === 'preVote') {
        this.send({ type: 'preVoteResp', to: m.from, term: this.term, reject: true });
      }
      return;
    }

    if (m.type === 'vote' || m.type === 'preVote') {
      this.handleVoteRequest(m);
      return;
    }
    this.stepRole(this, m);
  }

  private handleVoteRequest(m: Message): void {
    const isPre = m.type === 'preVote';
    const canVote =
      this.vote === m.from || (this.vote === NONE && this.lead === NONE) || (isPre && m.term > this.term);
    const respType = isPre ? 'preVoteResp' : 'voteResp';
    if (canVote && this.log.isUpToDate(m.index ?? 0, m.logTerm ?? 0)) {
      this.send({ type: respType, to: m.from, term: m.term });
      if (!isPre) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ type: respType, to: m.from, term: this.term, reject: true });
    }
  }

  // ---- output ------------------------------------------------------------------

  send(m: Omit<Message, 'from' | 'term'> & { term?: number }): void {
    this.msgs.push({ ...m, from: this.id, term: m.term ?? this.term } as Message);
  }

  // ---- proposals ---------------------------------------------------------------

  propose(data: Uint8Array): { index: number; term: number } {
    const { first, term } = this.proposeBatch([data]);
    return { index: first, term };
  }

  /**
   * Appends several proposals as consecutive entries and broadcasts them once
   * (one append message per follower instead of one per proposal). Entry i
   * gets index `first + i`.
   */
  proposeBatch(datas: readonly Uint8Array[]): { first: number; term: number } {
    this.checkCanPropose();
    const first = this.log.lastIndex() + 1;
    if (datas.length === 0) return { first, term: this.term };
    repl.appendEntries(this, datas.map((data) => ({ type: EntryType.Normal, data })));
    repl.bcastAppend(this);
    return { first, term: this.term };
  }

  /** Throws NotLeaderError / LeaderTransferringError when proposals would be refused now. */
  checkCanPropose(): void {
    if (this.role !== 'leader') throw new NotLeaderError(this.id, this.lead);
    if (this.leadTransferee !== NONE) throw new LeaderTransferringError(this.id, this.leadTransferee);
  }

  // ---- reads, membership, ready: see raft-reads.ts, raft-membership.ts, raft-ready.ts

  /** Starts a linearizable read; its ReadState appears in a later Ready. */
  readIndex(context: string): void {
    reads.readIndex(this, context);
  }

  handleReadIndex(context: string, from: NodeId): void {
    reads.handleReadIndex(this, context, from);
  }

  maybeReleaseRead(context: string): void {
    reads.maybeReleaseRead(this, context);
  }

  releasePendingReads(): void {
    reads.releasePendingReads(this);
  }

  proposeConfChange(req: { type: 'add' | 'remove'; nodeId: NodeId; context?: string }): { index: number; term: number } {
    this.checkCanPropose();
    return membership.proposeConfChange(this, req);
  }

  transferLeadership(to: NodeId): void {
    membership.transferLeadership(this, to);
  }

  /** Makes a committed conf change take effect (idempotent per log index). */
  applyConfChange(cc: ConfChange, index: number): void {
    membership.applyConfChange(this, cc, index);
  }

  /** Follower side of InstallSnapshot; false if the snapshot brought nothing new. */
  restoreSnapshot(s: Snapshot): boolean {
    return membership.restoreSnapshot(this, s);
  }

  hasReady(): boolean {
    return this.readyTracker.hasReady(this);
  }

  /** Takes the pending batch; call advance(rd) once it has been handled. */
  ready(): Ready {
    return this.readyTracker.ready(this);
  }

  advance(rd: Ready): void {
    this.readyTracker.advance(this, rd);
  }
}
