// A copy of the tsswarm sources at one git revision, for benchmarks that start tsswarm processes
// several times in a run: the checkout may be edited meanwhile (other engineers work in it), and a
// manager restarted mid-run would otherwise load different code from its peers.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../../test/harness/cluster.js';

const execFileP = promisify(execFile);

export interface Snapshot {
  /** The copy's root; its bin/tsswarm.js runs the snapshot's sources. */
  root: string;
  sha: string;
  remove(): Promise<void>;
}

/** `git archive REV` of the checkout into a temporary directory, node_modules linked from the checkout. */
export async function snapshotRev(rev: string): Promise<Snapshot> {
  const { stdout } = await execFileP('git', ['-C', ROOT, 'rev-parse', '--verify', `${rev}^{commit}`]);
  const sha = stdout.trim();
  const root = await mkdtemp(path.join(tmpdir(), `tsswarm-src-${sha.slice(0, 8)}-`));
  const remove = (): Promise<void> => rm(root, { recursive: true, force: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const archive = spawn('git', ['-C', ROOT, 'archive', '--format=tar', sha], { stdio: ['ignore', 'pipe', 'inherit'] });
      const untar = spawn('tar', ['-x', '-C', root], { stdio: ['pipe', 'ignore', 'inherit'] });
      archive.stdout.pipe(untar.stdin);
      let pending = 2;
      const done = (what: string) => (code: number | null) => {
        if (code !== 0) reject(new Error(`${what} of ${sha} exited ${code}`));
        else if (--pending === 0) resolve();
      };
      archive.once('error', reject).once('close', done('git archive'));
      untar.once('error', reject).once('close', done('tar -x'));
    });
    await symlink(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'));
  } catch (err) {
    await remove();
    throw err;
  }
  return { root, sha, remove };
}
