// Manager-local Raft material: the group's shared secret (peers authenticate with it; it
// never enters the replicated store), and recovery of the committed state for
// --force-new-cluster.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { writeFileAtomic } from '../../store/backend-file.js';
import { RaftBackend } from '../../store/backend-raft.js';
import { ClusterState, type StateSnapshot } from '../../store/state.js';
import type { ApplySink } from '../../store/store.js';
import type { RaftTransport } from '../../raft/index.js';

export async function loadOrCreateRaftSecret(managerDir: string, given?: string): Promise<string> {
  const file = path.join(managerDir, 'raft-secret');
  await fs.mkdir(managerDir, { recursive: true, mode: 0o700 });
  if (given) {
    await writeFileAtomic(file, given);
    await fs.chmod(file, 0o600);
    return given;
  }
  try {
    const text = (await fs.readFile(file, 'utf8')).trim();
    if (text) return text;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const secret = randomBytes(32).toString('hex');
  await writeFileAtomic(file, secret);
  await fs.chmod(file, 0o600);
  return secret;
}

/** A transport that reaches no one: the replica replays its own data in isolation. */
class IsolatedTransport implements RaftTransport {
  readonly address = 'isolated:0';
  setHandler(): void {}
  send(): void {}
  setPeer(): void {}
  removePeer(): void {}
  async stop(): Promise<void> {}
}

/**
 * Replays this manager's snapshot and committed log into a fresh state, then moves the
 * old Raft data aside (kept, never deleted) so a one-member group can start from it.
 */
export async function recoverCommittedState(raftDir: string, nodeId: string, secret: string, log: Logger): Promise<StateSnapshot> {
  const state = new ClusterState();
  const sink: ApplySink = {
    apply: (b) => void state.apply(b),
    restore: (s) => state.restore(s),
    snapshot: () => state.snapshot(),
  };
  const backend = new RaftBackend({ id: nodeId, dataDir: raftDir, peers: {}, secret, transport: new IsolatedTransport(), log });
  await backend.open(sink);
  // Committed entries are applied by the first Ready; give it a moment to drain.
  let last = -1;
  for (let i = 0; i < 50 && state.seq !== last; i++) {
    last = state.seq;
    await new Promise((r) => setTimeout(r, 100));
  }
  await backend.close();
  const aside = `${raftDir}.before-force-new-cluster-${Date.now()}`;
  await fs.rename(raftDir, aside);
  log.warn({ seq: state.seq, kept: aside }, 'recovered committed state for a new one-manager cluster');
  return state.snapshot();
}
