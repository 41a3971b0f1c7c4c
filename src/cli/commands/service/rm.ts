// service rm SERVICE...

import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { enc, forEachArg } from '../util.js';

export function register(service: Command, ctx: Ctx): void {
  service
    .command('rm')
    .alias('remove')
    .description('Remove one or more services')
    .argument('<service...>', 'service name or ID')
    .action(async (refs: string[]) => {
      await forEachArg(ctx, refs, async (ref) => {
        await ctx.client().delete(`/services/${enc(ref)}`);
        ctx.println(ref);
      });
    });
}
