// service scale SERVICE=N [SERVICE=N...] [-d]

import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { CliError } from '../../errors.js';
import { parseScaleArg } from '../../parse/values.js';
import { forEachArg, getService } from '../util.js';
import { postServiceUpdate, waitForConvergence } from './shared.js';

export function register(service: Command, ctx: Ctx): void {
  service
    .command('scale')
    .description('Scale one or more replicated services')
    .argument('<service=replicas...>', 'e.g. web=5')
    .option('-d, --detach', 'exit immediately instead of waiting for the service to converge')
    .action(async (args: string[], flags: { detach?: boolean }) => {
      const wanted = args.map(parseScaleArg); // all validated before anything is sent
      const scaled: string[] = [];
      let failure: unknown;
      await forEachArg(ctx, wanted.map((w) => `${w.service}=${w.replicas}`), async (arg) => {
        const w = parseScaleArg(arg);
        const svc = await getService(ctx, w.service);
        const spec = structuredClone(svc.Spec);
        if (spec.Mode.Replicated) spec.Mode.Replicated.Replicas = w.replicas;
        else if (spec.Mode.ReplicatedJob) spec.Mode.ReplicatedJob.MaxConcurrent = w.replicas;
        else throw new CliError(`${w.service}: scale can only be used with replicated or replicated-job mode (this service is global)`);
        await postServiceUpdate(ctx, svc, spec);
        ctx.println(`${w.service} scaled to ${w.replicas}`);
        if (spec.Mode.Replicated) scaled.push(svc.ID); // jobs run to completion: nothing to wait for
      }).catch((err: unknown) => {
        failure = err;
      });
      if (!flags.detach) for (const id of scaled) await waitForConvergence(ctx, id, { quiet: false });
      if (failure !== undefined) throw failure;
    });
}
