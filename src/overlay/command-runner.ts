// The one place the overlay driver starts processes. Everything it does to the kernel is an
// iproute2 (`ip`, `bridge`) or `nsenter` command, mostly as `-batch -` with the batch on stdin.
import { spawn } from 'node:child_process';
import { CommandError } from './errors.js';

export interface CommandResult {
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  /** Written to the process's stdin (for `-batch -`). */
  input?: string;
}

/** Runs argv[0] with argv[1..] (no shell). Rejects with {@link CommandError}. */
export interface CommandRunner {
  run(argv: readonly string[], opts?: CommandOptions): Promise<CommandResult>;
}

/** Longest a single iproute2 command may take before it is killed (ms). */
export const COMMAND_TIMEOUT_MS = 15_000;

/** A runner that spawns real processes. */
export function execRunner(timeoutMs = COMMAND_TIMEOUT_MS): CommandRunner {
  return {
    run(argv, opts = {}) {
      const [file, ...args] = argv;
      if (file === undefined) return Promise.reject(new CommandError(argv, null, null, 'empty command'));
      return new Promise((resolve, reject) => {
        const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on('data', (b: Buffer) => out.push(b));
        child.stderr.on('data', (b: Buffer) => err.push(b));
        child.on('error', (e) => reject(new CommandError(argv, null, null, e.message, opts.input, { cause: e })));
        child.on('close', (code, signal) => {
          const stdout = Buffer.concat(out).toString('utf8');
          const stderr = Buffer.concat(err).toString('utf8');
          if (code === 0) resolve({ stdout, stderr });
          else reject(new CommandError(argv, code, signal, stderr, opts.input));
        });
        // An early exit closes stdin under us; the close handler reports the real failure.
        child.stdin.on('error', () => undefined);
        child.stdin.end(opts.input ?? '');
      });
    },
  };
}

/** Wraps a runner to count the commands it ran. */
export class CountingRunner implements CommandRunner {
  count = 0;
  constructor(private readonly inner: CommandRunner) {}
  run(argv: readonly string[], opts?: CommandOptions): Promise<CommandResult> {
    this.count += 1;
    return this.inner.run(argv, opts);
  }
}
