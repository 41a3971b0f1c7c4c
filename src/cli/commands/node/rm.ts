// node rm [-f] NODE...

import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { enc, forEachArg } from '../util.js';

export function register(node: Command, ctx: Ctx): void {
  node
    .command('rm')
    .alias('remove')
    .description('Remove one or more nodes from the swarm')
    .argument('<node...>', 'node ID or hostname')
    .option('-f, --force', 'remove the node even if it is still up')
    .action(async (refs: string[], flags: { force?: boolean }) => {
      await forEachArg(ctx, refs, async (ref) => {
        await ctx.client().delete(`/nodes/${enc(ref)}`, { force: flags.force ? true : undefined });
        ctx.println(ref);
      });
    });
}
