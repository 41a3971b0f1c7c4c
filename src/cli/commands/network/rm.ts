// network rm NETWORK... (refused while a service uses it)

import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { enc, forEachArg } from '../util.js';

export function register(network: Command, ctx: Ctx): void {
  network
    .command('rm')
    .alias('remove')
    .description('Remove one or more networks')
    .argument('<network...>', 'network ID or name')
    .action(async (refs: string[]) => {
      await forEachArg(ctx, refs, async (ref) => {
        await ctx.client().delete(`/networks/${enc(ref)}`);
        ctx.println(ref);
      });
    });
}
