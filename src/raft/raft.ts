// The pure Raft state machine: no I/O, no timers, no ambient randomness.
// Time arrives through tick(), peers' messages through step(), and all
// effects leave through ready()/advance(). Role behaviour lives in roles.ts
// as swapped step functions; this file holds state and transitions.

import {
  ConfChangePendingError,
  InvalidConfChangeError,
  LeaderTransferringError,
  NotLeaderError,
  RaftInvariantError,
} from './errors.js';
import { RaftLog } from './log.js';
import type { Storage } from './memory-storage.js';
import { Progress } from './progress.js';
import { JointConfig } from './quorum.js';
import { ReadOnlyQueue } from './read-only.js';
import { stepCandidate, stepFollower, stepLeader } from './roles.js';
import {
  type ConfChange,
  type ConfState,
  type Entry,
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
  encodeConfChange,
  isHardStateEqual,
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
  readonly checkQuorum: boolean;
  readonly preVote: boolean;
  private readonly rand: () => number;
  private stepRole: StepFn = stepFollower;
  private prevSoft: SoftState;
  private prevHard: HardState;
  private readyOutstanding = false;

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
    this.prevSoft = this.softState();
    this.prevHard = this.hardState();
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

  private resetProgress(): void {
    this.prs.clear();
    const last = this.log.lastIndex();
    for (const id of this.conf.ids()) {
      const pr = new Progress(last + 1, this.maxInflight);
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
    this.appendEntries([{ type: EntryType.Normal, data: new Uint8Array(0) }]);
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
      if (this.role === 'leader') this.bcastAppend();
    } else if (res === 'lost') {
      this.becomeFollower(this.term, NONE);
    }
    return res;
  }

  // ---- the two inputs ---------------------------------------------------------

  tick(): void {
    if (this.role === 'leader') this.tickLeader();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.campaign('preElection');
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTimeout) {
      this.electionElapsed = 0;
      if (this.checkQuorum && !this.quorumActive()) {
        this.becomeFollower(this.term, NONE); // §6.2: lost contact with a quorum
        return;
      }
      this.leadTransferee = NONE; // a transfer that takes an election timeout failed
    }
    for (const [id, pr] of this.prs) {
      if (pr.state === 'snapshot' && ++pr.snapshotTicks > this.electionTimeout) {
        pr.becomeProbe(); // the snapshot or its ack was probably lost
        this.sendAppend(id);
      }
    }
    if (this.heartbeatElapsed >= this.heartbeatTimeout) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat(this.readOnly.lastPendingContext());
    }
  }

  private quorumActive(): boolean {
    const active = new Map<NodeId, boolean>();
    for (const [id, pr] of this.prs) {
      active.set(id, id === this.id || pr.recentActive);
      pr.recentActive = false;
    }
    return this.conf.voteResult(active) === 'won';
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

  // ---- leader helpers ----------------------------------------------------------

  send(m: Omit<Message, 'from' | 'term'> & { term?: number }): void {
    this.msgs.push({ ...m, from: this.id, term: m.term ?? this.term } as Message);
  }

  appendEntries(ents: { type: EntryType; data: Uint8Array }[]): Entry[] {
    const last = this.log.lastIndex();
    const full = ents.map((e, i) => ({ term: this.term, index: last + 1 + i, type: e.type, data: e.data }));
    this.log.append(full);
    this.prs.get(this.id)?.maybeUpdate(this.log.lastIndex());
    this.maybeCommit();
    return full;
  }

  /** Advances the commit index to what a quorum has; true if it moved. */
  maybeCommit(): boolean {
    const idx = this.conf.committedIndex((id) => this.prs.get(id)?.match);
    if (!this.log.maybeCommit(idx, this.term)) return false;
    this.releasePendingReads();
    return true;
  }

  /** Sends entries (or a snapshot) to `to`; false if nothing was sent. */
  sendAppend(to: NodeId, sendIfEmpty = true): boolean {
    const pr = this.prs.get(to);
    if (!pr || to === this.id || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === undefined || pr.next < this.log.firstIndex()) {
      const snapshot = this.log.snapshot();
      if (snapshot.meta.index === 0) throw new RaftInvariantError(`need snapshot for ${to} but none exists`);
      pr.becomeSnapshot(snapshot.meta.index);
      this.send({ type: 'snap', to, snapshot });
      return true;
    }
    let entries = this.log.entriesFrom(pr.next, this.maxSizePerMsg);
    if (entries.length > this.maxEntriesPerMsg) entries = entries.slice(0, this.maxEntriesPerMsg);
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send({ type: 'app', to, index: prevIndex, logTerm: prevTerm, entries, commit: this.log.committed });
    pr.sentEntries(entries.length, prevIndex + entries.length);
    return true;
  }

  bcastAppend(): void {
    for (const id of this.prs.keys()) if (id !== this.id) this.sendAppend(id);
  }

  bcastHeartbeat(context?: string): void {
    for (const [id, pr] of this.prs) {
      if (id === this.id) continue;
      // Never tell a follower to commit past what it is known to hold.
      const commit = Math.min(pr.match, this.log.committed);
      this.send({ type: 'heartbeat', to: id, commit, ...(context !== undefined ? { context } : {}) });
    }
  }

  sendTimeoutNow(to: NodeId): void {
    this.send({ type: 'timeoutNow', to });
  }

  // ---- reads -------------------------------------------------------------------

  /** Starts a linearizable read; its ReadState appears in a later Ready. */
  readIndex(context: string): void {
    if (this.role === 'leader') {
      this.handleReadIndex(context, this.id);
    } else if (this.lead !== NONE) {
      this.send({ type: 'readIndex', to: this.lead, context });
    } else {
      throw new NotLeaderError(this.id, this.lead);
    }
  }

  handleReadIndex(context: string, from: NodeId): void {
    if (this.log.term(this.log.committed) !== this.term) {
      // Our commit index may be stale until an entry of our term commits.
      this.pendingReads.push({ context, from });
      return;
    }
    this.readOnly.add(context, this.log.committed, from, this.id);
    this.maybeReleaseRead(context);
    if (this.readOnly.size() > 0) this.bcastHeartbeat(context);
  }

  maybeReleaseRead(context: string): void {
    const acks = this.readOnly.recvAck(this.id, context);
    if (!acks) return;
    const votes = new Map<NodeId, boolean>();
    for (const id of acks) votes.set(id, true);
    if (this.conf.voteResult(votes) !== 'won') return;
    for (const rd of this.readOnly.advance(context)) {
      if (rd.from === this.id) this.readStates.push({ index: rd.index, context: rd.context });
      else this.send({ type: 'readIndexResp', to: rd.from, index: rd.index, context: rd.context });
    }
  }

  private releasePendingReads(): void {
    if (this.pendingReads.length === 0 || this.log.term(this.log.committed) !== this.term) return;
    const reads = this.pendingReads;
    this.pendingReads = [];
    for (const r of reads) this.handleReadIndex(r.context, r.from);
  }

  // ---- proposals ---------------------------------------------------------------

  propose(data: Uint8Array): { index: number; term: number } {
    this.checkCanPropose();
    const [e] = this.appendEntries([{ type: EntryType.Normal, data }]);
    this.bcastAppend();
    return { index: e?.index ?? 0, term: this.term };
  }

  proposeConfChange(req: { type: 'add' | 'remove'; nodeId: NodeId; context?: string }): { index: number; term: number } {
    this.checkCanPropose();
    if (this.pendingConfIndex > this.log.applied) {
      throw new ConfChangePendingError(this.pendingConfIndex, this.log.applied);
    }
    const voters = new Set(this.conf.incoming.voters);
    if (req.type === 'add') {
      if (voters.has(req.nodeId)) throw new InvalidConfChangeError(`${req.nodeId} is already a voter`);
      voters.add(req.nodeId);
    } else {
      if (!voters.has(req.nodeId)) throw new InvalidConfChangeError(`${req.nodeId} is not a voter`);
      if (voters.size === 1) throw new InvalidConfChangeError('cannot remove the last voter');
      voters.delete(req.nodeId);
    }
    const cc: ConfChange = { ...req, voters: [...voters].sort() };
    const [e] = this.appendEntries([{ type: EntryType.ConfChange, data: encodeConfChange(cc) }]);
    this.pendingConfIndex = this.log.lastIndex();
    this.bcastAppend();
    return { index: e?.index ?? 0, term: this.term };
  }

  private checkCanPropose(): void {
    if (this.role !== 'leader') throw new NotLeaderError(this.id, this.lead);
    if (this.leadTransferee !== NONE) throw new LeaderTransferringError(this.id, this.leadTransferee);
  }

  transferLeadership(to: NodeId): void {
    if (this.role !== 'leader') throw new NotLeaderError(this.id, this.lead);
    if (to === this.id) return;
    if (!this.conf.has(to)) throw new InvalidConfChangeError(`transfer target ${to} is not a voter`);
    this.leadTransferee = to;
    this.electionElapsed = 0; // the transfer must finish within one election timeout
    const pr = this.prs.get(to);
    if (pr && pr.match === this.log.lastIndex()) this.sendTimeoutNow(to);
    else this.sendAppend(to);
  }

  // ---- membership ----------------------------------------------------------------

  /** Makes a committed conf change take effect (idempotent per log index). */
  applyConfChange(cc: ConfChange, index: number): void {
    if (index <= this.confIndex) return;
    this.confIndex = index;
    this.conf = new JointConfig(cc.voters);
    const last = this.log.lastIndex();
    for (const id of this.conf.ids()) {
      if (!this.prs.has(id)) {
        const pr = new Progress(last + 1, this.maxInflight);
        pr.recentActive = true;
        this.prs.set(id, pr);
      }
    }
    for (const id of [...this.prs.keys()]) if (!this.conf.has(id)) this.prs.delete(id);
    if (this.role !== 'leader') return;
    if (!this.conf.has(this.id)) {
      this.becomeFollower(this.term, NONE); // removed leaders step down
      return;
    }
    if (this.leadTransferee !== NONE && !this.conf.has(this.leadTransferee)) this.leadTransferee = NONE;
    if (this.maybeCommit()) this.bcastAppend();
    else for (const id of this.prs.keys()) if (id !== this.id) this.sendAppend(id, false);
  }

  /** Follower side of InstallSnapshot; false if the snapshot brought nothing new. */
  restoreSnapshot(s: Snapshot): boolean {
    if (s.meta.index <= this.log.committed) return false;
    if (this.log.matchTerm(s.meta.index, s.meta.term)) {
      // We already hold the snapshot's last entry: just fast-forward commit.
      this.log.commitTo(s.meta.index);
      return false;
    }
    this.log.restore(s);
    this.conf = new JointConfig(s.meta.conf.voters);
    this.confIndex = s.meta.index;
    this.resetProgress();
    return true;
  }

  // ---- ready / advance -------------------------------------------------------------

  hasReady(): boolean {
    if (this.readyOutstanding) return false;
    const ss = this.softState();
    return (
      ss.leader !== this.prevSoft.leader ||
      ss.role !== this.prevSoft.role ||
      !isHardStateEqual(this.hardState(), this.prevHard) ||
      this.log.unstable.entries.length > 0 ||
      this.log.unstable.snapshot !== undefined ||
      this.msgs.length > 0 ||
      this.readStates.length > 0 ||
      this.log.hasNextCommittedEntries()
    );
  }

  /** Takes the pending batch; call advance(rd) once it has been handled. */
  ready(): Ready {
    if (this.readyOutstanding) throw new RaftInvariantError('ready() called before advance()');
    const ss = this.softState();
    const hs = this.hardState();
    const rd: Ready = {
      ...(ss.leader !== this.prevSoft.leader || ss.role !== this.prevSoft.role ? { softState: ss } : {}),
      ...(!isHardStateEqual(hs, this.prevHard) ? { hardState: hs } : {}),
      entries: [...this.log.unstable.entries],
      ...(this.log.unstable.snapshot ? { snapshot: this.log.unstable.snapshot } : {}),
      committedEntries: this.log.nextCommittedEntries(),
      messages: this.msgs,
      readStates: this.readStates,
    };
    this.msgs = [];
    this.readStates = [];
    this.prevSoft = ss;
    this.prevHard = hs;
    this.readyOutstanding = true;
    return rd;
  }

  advance(rd: Ready): void {
    this.readyOutstanding = false;
    const lastEnt = rd.entries[rd.entries.length - 1];
    if (lastEnt) this.log.unstable.stableTo(lastEnt.index, lastEnt.term);
    if (rd.snapshot) {
      this.log.unstable.stableSnapTo(rd.snapshot.meta.index);
      if (rd.snapshot.meta.index > this.log.applied) this.log.appliedTo(rd.snapshot.meta.index);
    }
    for (const e of rd.committedEntries) {
      if (e.type === EntryType.ConfChange) this.applyConfChange(decodeConfChange(e.data), e.index);
    }
    const lastApplied = rd.committedEntries[rd.committedEntries.length - 1];
    if (lastApplied) this.log.appliedTo(lastApplied.index);
  }
}
