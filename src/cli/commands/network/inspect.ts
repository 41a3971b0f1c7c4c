// network inspect NETWORK...

import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { enc, forEachArg } from '../util.js';

export function register(network: Command, ctx: Ctx): void {
  network
    .command('inspect')
    .description('Display detailed information on one or more networks')
    .argument('<network...>', 'network ID or name')
    .action(async (refs: string[]) => {
      const found: unknown[] = [];
      await forEachArg(ctx, refs, async (ref) => {
        found.push(await ctx.client().get(`/networks/${enc(ref)}`));
      });
      ctx.println(JSON.stringify(found, null, 4));
    });
}
