// node update NODE [--availability active|pause|drain] [--label-add K=V] [--label-rm K] [--role worker|manager]

import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { UsageError } from '../../errors.js';
import { parseChoice, parseKeyValue } from '../../parse/values.js';
import { collect } from '../util.js';
import { updateNodeSpec } from './shared.js';

interface Flags {
  availability?: string;
  role?: string;
  labelAdd: string[];
  labelRm: string[];
}

export function register(node: Command, ctx: Ctx): void {
  node
    .command('update')
    .description('Update a node')
    .argument('<node>', 'node ID or hostname')
    .option('--availability <availability>', 'active, pause or drain')
    .option('--role <role>', 'worker or manager')
    .option('--label-add <K=V>', 'add or update a node label (repeatable)', collect, [])
    .option('--label-rm <K>', 'remove a node label (repeatable)', collect, [])
    .action(async (ref: string, flags: Flags) => {
      const availability =
        flags.availability === undefined ? undefined : parseChoice('--availability', flags.availability, ['active', 'pause', 'drain']);
      const role = flags.role === undefined ? undefined : parseChoice('--role', flags.role, ['worker', 'manager']);
      const labelsAdd = flags.labelAdd.map((l) => parseKeyValue('--label-add', l));
      if (!availability && !role && labelsAdd.length === 0 && flags.labelRm.length === 0) {
        throw new UsageError('nothing to update: give --availability, --role, --label-add or --label-rm');
      }
      await updateNodeSpec(ctx, ref, (spec) => {
        if (availability) spec.Availability = availability;
        if (role) spec.Role = role;
        const labels = { ...(spec.Labels ?? {}) };
        for (const k of flags.labelRm) delete labels[k];
        for (const [k, v] of labelsAdd) labels[k] = v;
        spec.Labels = labels;
      });
      ctx.println(ref);
    });
}
