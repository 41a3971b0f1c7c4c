// tsswarm processes for the benchmarks, on bed hosts (in a host's netns) or on this machine, with their
// output in a log file, and the node identity they write to their data dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Bed } from '../../test/harness/bed.js';
import { ROOT } from '../../test/harness/cluster.js';
import { Fatal, poll } from './stats.js';

export const TSSWARM_BIN = path.join(ROOT, 'bin/tsswarm.js');

/** Runs `node ARGS` in the host's netns (cwd: the checkout), stdout and stderr appended to DIR/NAME.log. */
export async function spawnLogged(bed: Bed, host: number, dir: string, name: string, args: string[]): Promise<ChildProcess> {
  const logFile = await open(path.join(dir, `${name}.log`), 'a');
  const env: NodeJS.ProcessEnv = { TSSWARM_LOG_LEVEL: process.env.TSSWARM_LOG_LEVEL ?? 'info' };
  const child = bed.spawn(host, process.execPath, args, { cwd: ROOT, stdio: ['ignore', logFile.fd, logFile.fd], env });
  child.once('exit', () => void logFile.close().catch(() => undefined));
  return child;
}

export function alive(child: ChildProcess | undefined): boolean {
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}

/** The node ID a tsswarm process with data dir DIR/NAME has written; fails at once if it exits. */
export function readNodeId(dir: string, name: string, child?: ChildProcess): Promise<string> {
  return poll(
    `${name} node identity`,
    async () => {
      if (child && !alive(child)) throw new Fatal(`${name} exited (${child.exitCode ?? child.signalCode}); see ${dir}/${name}.log`);
      const parsed = JSON.parse(await readFile(path.join(dir, name, 'node.json'), 'utf8')) as { nodeId?: string };
      return parsed.nodeId;
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
}

/** Like spawnLogged, but on this machine (root namespace): the caller kills the child by pid. */
export async function spawnLocalLogged(dir: string, name: string, args: string[]): Promise<ChildProcess> {
  const logFile = await open(path.join(dir, `${name}.log`), 'a');
  const env: NodeJS.ProcessEnv = { ...process.env, TSSWARM_LOG_LEVEL: process.env.TSSWARM_LOG_LEVEL ?? 'info' };
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', logFile.fd, logFile.fd], env });
  child.once('exit', () => void logFile.close().catch(() => undefined));
  return child;
}

/** SIGKILLs a child by its pid and waits (at most 5 s) for its exit. */
export async function killChild(child: ChildProcess): Promise<void> {
  if (!alive(child)) return;
  const exited = new Promise<void>((r) => {
    const timer = setTimeout(r, 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      r();
    });
  });
  child.kill('SIGKILL');
  await exited;
}
