// tsswarm leave: stop the node running from a data directory.

import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { stopNode } from './lifecycle.js';
import { absDataDir } from './options.js';

/** How long leave waits for the node to stop after SIGTERM (milliseconds). */
export const LEAVE_TIMEOUT_MS = 15_000;

export function register(program: Command, ctx: Ctx): void {
  program
    .command('leave')
    .description('Stop the node running from a data directory')
    .option('--data-dir <dir>', 'state directory (default /var/lib/tsswarm)')
    .option('-f, --force', `kill the node if it has not stopped ${LEAVE_TIMEOUT_MS / 1000}s after SIGTERM`)
    .action(async (flags: { dataDir?: string; force?: boolean }) => {
      await stopNode(absDataDir(flags.dataDir), { force: flags.force === true, timeoutMs: LEAVE_TIMEOUT_MS });
      ctx.println('Node left the swarm.');
    });
}
