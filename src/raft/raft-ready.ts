// The Ready/advance handshake: what changed since the last batch, handed to
// the driver once, and acknowledged after it was persisted and applied.

import { RaftInvariantError } from './errors.js';
import type { Raft } from './raft.js';
import { EntryType, type HardState, type Ready, type SoftState, decodeConfChange, isHardStateEqual } from './types.js';

export class ReadyTracker {
  private outstanding = false;
  constructor(private prevSoft: SoftState, private prevHard: HardState) {}

  hasReady(r: Raft): boolean {
    if (this.outstanding) return false;
    const ss = r.softState();
    return (
      ss.leader !== this.prevSoft.leader ||
      ss.role !== this.prevSoft.role ||
      !isHardStateEqual(r.hardState(), this.prevHard) ||
      r.log.unstable.entries.length > 0 ||
      r.log.unstable.snapshot !== undefined ||
      r.msgs.length > 0 ||
      r.readStates.length > 0 ||
      r.log.hasNextCommittedEntries()
    );
  }

  ready(r: Raft): Ready {
    if (this.outstanding) throw new RaftInvariantError('ready() called before advance()');
    const ss = r.softState();
    const hs = r.hardState();
    const rd: Ready = {
      ...(ss.leader !== this.prevSoft.leader || ss.role !== this.prevSoft.role ? { softState: ss } : {}),
      ...(!isHardStateEqual(hs, this.prevHard) ? { hardState: hs } : {}),
      entries: [...r.log.unstable.entries],
      ...(r.log.unstable.snapshot ? { snapshot: r.log.unstable.snapshot } : {}),
      committedEntries: r.log.nextCommittedEntries(),
      messages: r.msgs,
      readStates: r.readStates,
    };
    r.msgs = [];
    r.readStates = [];
    this.prevSoft = ss;
    this.prevHard = hs;
    this.outstanding = true;
    return rd;
  }

  advance(r: Raft, rd: Ready): void {
    this.outstanding = false;
    const lastEnt = rd.entries[rd.entries.length - 1];
    if (lastEnt) r.log.unstable.stableTo(lastEnt.index, lastEnt.term);
    if (rd.snapshot) {
      r.log.unstable.stableSnapTo(rd.snapshot.meta.index);
      if (rd.snapshot.meta.index > r.log.applied) r.log.appliedTo(rd.snapshot.meta.index);
    }
    for (const e of rd.committedEntries) {
      if (e.type === EntryType.ConfChange) r.applyConfChange(decodeConfChange(e.data), e.index);
    }
    const lastApplied = rd.committedEntries[rd.committedEntries.length - 1];
    if (lastApplied) r.log.appliedTo(lastApplied.index);
  }
}
