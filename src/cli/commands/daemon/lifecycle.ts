// Running a node (manager or worker) from the CLI: in the foreground until SIGINT/SIGTERM,
// or detached (-d) with a pid file, a log file and a ready handshake.
//
// Files in DATA_DIR:
//   tsswarm.pid   pid of the process running the node (written by it, and by a -d parent)
//   tsswarm.log   stdout+stderr of a detached node
//   ready.json    written by a detached child once the node has started: ReadyInfo
//
// Handshake (-d): the parent removes ready.json, spawns itself without -d and with
// TSSWARM_DAEMON_CHILD=1, and polls for ready.json (up to READY_TIMEOUT_MS). A child that
// exits first makes the parent print the tail of the log and fail.

import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ctx } from '../../context.js';
import { CliError, EXIT_SIGINT, EXIT_SIGTERM } from '../../errors.js';

export const PID_FILE = 'tsswarm.pid';
export const LOG_FILE = 'tsswarm.log';
export const READY_FILE = 'ready.json';
export const DAEMON_CHILD_ENV = 'TSSWARM_DAEMON_CHILD';
/** How long a -d parent waits for the child's ready.json (milliseconds). */
export const READY_TIMEOUT_MS = 30_000;
/** How often the -d parent looks for ready.json (milliseconds). */
const READY_POLL_MS = 100;
/** Log lines shown when a detached child dies during startup. */
const LOG_TAIL_LINES = 20;

const BIN = fileURLToPath(new URL('../../../../bin/tsswarm.js', import.meta.url));

/** What a started node reports; written to ready.json by a detached child. */
export interface ReadyInfo {
  pid: number;
  role: 'manager' | 'worker';
  nodeId: string;
  /** The text the foreground command printed; the -d parent prints the same. */
  message: string;
  workerJoinCommand?: string;
  managerJoinCommand?: string;
}

export interface StartedNode {
  stop(): Promise<void>;
  ready: Omit<ReadyInfo, 'pid'>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function readPid(dataDir: string): number | undefined {
  try {
    const n = Number(readFileSync(path.join(dataDir, PID_FILE), 'utf8').trim());
    return Number.isSafeInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Alive, and (where /proc tells) a tsswarm process, so a recycled pid is not signalled. */
export function isNodeProcess(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('tsswarm');
  } catch {
    return true; // no /proc: trust the pid file
  }
}

export function refuseIfRunning(dataDir: string, except?: number): void {
  const pid = readPid(dataDir);
  if (pid !== undefined && pid !== except && isNodeProcess(pid)) {
    throw new CliError(
      `a node is already running from ${dataDir} (pid ${pid}); run tsswarm leave --data-dir ${dataDir} first`,
    );
  }
}

export function ensureDataDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (err as Error).message;
    throw new CliError(`cannot create the data directory ${dataDir}: ${why} (choose another with --data-dir)`);
  }
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

export function writePid(dataDir: string, pid: number): void {
  writeAtomic(path.join(dataDir, PID_FILE), `${pid}\n`);
}

export function readReady(dataDir: string): ReadyInfo | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dataDir, READY_FILE), 'utf8')) as ReadyInfo;
  } catch {
    return undefined;
  }
}

/** Removes the pid and ready files, unless the pid file now names another process. */
export function removeRuntimeFiles(dataDir: string, pid?: number): void {
  const current = readPid(dataDir);
  if (pid !== undefined && current !== undefined && current !== pid) return;
  rmSync(path.join(dataDir, PID_FILE), { force: true });
  rmSync(path.join(dataDir, READY_FILE), { force: true });
}

function logTail(dataDir: string): string {
  try {
    const lines = readFileSync(path.join(dataDir, LOG_FILE), 'utf8').trimEnd().split('\n');
    return lines.slice(-LOG_TAIL_LINES).join('\n');
  } catch {
    return '(no log)';
  }
}

function describeStartError(what: string, err: unknown): CliError {
  if (err instanceof CliError) return err;
  return new CliError(`cannot start the ${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/**
 * Runs the node in this process until SIGINT/SIGTERM, then stops it cleanly. A signal
 * during startup stops the node as soon as it has started; a second signal exits at once
 * with 128+n. In a -d child, writes ready.json once the node has started.
 */
export async function runForeground(
  ctx: Ctx,
  dataDir: string,
  what: 'manager' | 'worker',
  start: () => Promise<StartedNode>,
): Promise<void> {
  const isChild = ctx.io.env[DAEMON_CHILD_ENV] === '1';
  refuseIfRunning(dataDir, process.pid);
  ensureDataDir(dataDir);
  writePid(dataDir, process.pid);
  const signals = watchSignals();
  // Stay up until a signal even if the node itself holds no handle open.
  const keepAlive = setInterval(() => {}, 2 ** 30);
  try {
    let node: StartedNode;
    try {
      node = await start();
    } catch (err) {
      throw describeStartError(what, err);
    }
    try {
      ctx.println(node.ready.message);
      if (isChild) writeAtomic(path.join(dataDir, READY_FILE), JSON.stringify({ pid: process.pid, ...node.ready }) + '\n');
      await signals.first;
    } finally {
      await node.stop();
    }
  } finally {
    clearInterval(keepAlive);
    signals.dispose();
    removeRuntimeFiles(dataDir, process.pid);
  }
}

/** `first` resolves on the first SIGINT/SIGTERM; a second one exits the process with 128+n. */
function watchSignals(): { first: Promise<NodeJS.Signals>; dispose(): void } {
  let onFirst: (sig: NodeJS.Signals) => void = () => {};
  const second = (sig: NodeJS.Signals) => process.exit(sig === 'SIGINT' ? EXIT_SIGINT : EXIT_SIGTERM);
  const first = new Promise<NodeJS.Signals>((resolve) => {
    onFirst = (sig) => {
      process.off('SIGINT', onFirst);
      process.off('SIGTERM', onFirst);
      process.on('SIGINT', second);
      process.on('SIGTERM', second);
      resolve(sig);
    };
  });
  process.on('SIGINT', onFirst);
  process.on('SIGTERM', onFirst);
  return {
    first,
    dispose() {
      for (const sig of ['SIGINT', 'SIGTERM'] as const) {
        process.off(sig, onFirst);
        process.off(sig, second);
      }
    },
  };
}

/**
 * -d: re-runs the CLI detached with `childArgs` (the same command without -d), output to
 * DATA_DIR/tsswarm.log, and waits for its ready.json. Returns what the child reported.
 */
export async function startDetached(ctx: Ctx, dataDir: string, childArgs: readonly string[]): Promise<ReadyInfo> {
  refuseIfRunning(dataDir);
  ensureDataDir(dataDir);
  rmSync(path.join(dataDir, READY_FILE), { force: true });
  const logFd = openSync(path.join(dataDir, LOG_FILE), 'a');
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  const child = spawn(process.execPath, [BIN, ...childArgs], {
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: { ...process.env, ...ctx.io.env, [DAEMON_CHILD_ENV]: '1' },
  });
  closeSync(logFd);
  child.on('exit', (code, signal) => (exited = { code, signal }));
  child.on('error', (err) => (spawnError = err));
  if (child.pid !== undefined) writePid(dataDir, child.pid);
  child.unref();

  const started = performance.now();
  for (;;) {
    if (spawnError) throw new CliError(`cannot start a detached node: ${spawnError.message}`);
    const ready = readReady(dataDir);
    if (ready && ready.pid === child.pid) return ready;
    if (exited) {
      removeRuntimeFiles(dataDir, child.pid);
      const how = exited.signal ? `signal ${exited.signal}` : `code ${exited.code}`;
      throw new CliError(
        `the node exited during startup (${how}); last lines of ${path.join(dataDir, LOG_FILE)}:\n${logTail(dataDir)}`,
      );
    }
    if (performance.now() - started > READY_TIMEOUT_MS) {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
      removeRuntimeFiles(dataDir, child.pid);
      throw new CliError(
        `the node did not report ready within ${READY_TIMEOUT_MS / 1000}s and was stopped; last lines of ${path.join(dataDir, LOG_FILE)}:\n${logTail(dataDir)}`,
      );
    }
    await sleep(READY_POLL_MS);
  }
}

/** Stops the node running from dataDir: SIGTERM, wait, SIGKILL with force. */
export async function stopNode(dataDir: string, opts: { force: boolean; timeoutMs: number }): Promise<number> {
  const pid = readPid(dataDir);
  if (pid === undefined) {
    throw new CliError(`no node is running from ${dataDir} (no ${PID_FILE} there)`);
  }
  if (!isNodeProcess(pid)) {
    removeRuntimeFiles(dataDir, pid);
    throw new CliError(`no node is running from ${dataDir} (pid ${pid} is gone; removed the stale ${PID_FILE})`);
  }
  process.kill(pid, 'SIGTERM');
  const started = performance.now();
  while (isAlive(pid) && performance.now() - started < opts.timeoutMs) await sleep(100);
  if (isAlive(pid)) {
    if (!opts.force) {
      throw new CliError(
        `the node (pid ${pid}) did not stop within ${opts.timeoutMs / 1000}s; run tsswarm leave --force --data-dir ${dataDir} to kill it`,
      );
    }
    process.kill(pid, 'SIGKILL');
    while (isAlive(pid)) await sleep(50);
  }
  removeRuntimeFiles(dataDir, pid);
  return pid;
}
