// service rollback SERVICE [-d]: POST update with ?rollback=previous.

import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { getService } from '../util.js';
import { postServiceUpdate } from './shared.js';
import { waitAfterUpdate } from './update.js';

export function register(service: Command, ctx: Ctx): void {
  service
    .command('rollback')
    .description("Revert a service to its previous specification")
    .argument('<service>', 'service name or ID')
    .option('-d, --detach', 'exit immediately instead of waiting for the service to converge')
    .option('-q, --quiet', 'suppress progress output')
    .action(async (ref: string, flags: { detach?: boolean; quiet?: boolean }) => {
      const svc = await getService(ctx, ref);
      // The manager rolls back on ?rollback=previous; sending the previous spec as the body
      // gives the same result should it go by the body alone.
      await postServiceUpdate(ctx, svc, svc.PreviousSpec ?? svc.Spec, { rollback: 'previous' });
      ctx.println(ref);
      if (!flags.detach) await waitAfterUpdate(ctx, svc.ID, flags.quiet === true);
    });
}
