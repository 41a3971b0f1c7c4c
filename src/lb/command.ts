// Runs the data path's helper programs (nft, sysctl, conntrack), optionally inside a netns.
import { spawn } from 'node:child_process';
import type { CommandResult, CommandRunner } from './types.js';

/** Longest one nft/sysctl/conntrack call may take before it is killed (ms). */
export const COMMAND_TIMEOUT_MS = 15_000;

/**
 * Spawns the program directly (no shell). Resolves with the exit code (a killed program
 * reports 128); rejects only when the program cannot be started (not installed).
 */
export const spawnRunner: CommandRunner = (cmd, args, opts) =>
  new Promise<CommandResult>((resolve, reject) => {
    const child = spawn(cmd, [...args], { stdio: ['pipe', 'pipe', 'pipe'], timeout: COMMAND_TIMEOUT_MS });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
    child.stdin.on('error', () => undefined); // the program may exit before reading all of stdin
    child.stdin.end(opts?.input ?? '');
  });

/** Wraps a runner so every command runs as `ip netns exec NETNS cmd …`. */
export function inNetns(run: CommandRunner, netns: string | undefined): CommandRunner {
  if (!netns) return run;
  return (cmd, args, opts) => run('ip', ['netns', 'exec', netns, cmd, ...args], opts);
}
