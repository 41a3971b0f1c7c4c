// node update NODE [--availability active|pause|drain] [--label-add K=V] [--label-rm K] [--role worker|manager]

import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { UsageError } from '../../errors.js';
import { parseChoice, parseKeyValue } from '../../parse/values.js';
import { collect } from '../util.js';
import { updateNodeSpec } from './shared.js';
import { drainBlockers } from '../../../manager/orchestrator/budget.js';

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
      const node = await updateNodeSpec(ctx, ref, (spec) => {
        if (availability) spec.Availability = availability;
        if (role) spec.Role = role;
        const labels = { ...(spec.Labels ?? {}) };
        for (const k of flags.labelRm) delete labels[k];
        for (const [k, v] of labelsAdd) labels[k] = v;
        spec.Labels = labels;
      });
      ctx.println(ref);
      if (availability === 'drain') await reportDrainBlockers(ctx, node.ID);
    });
}

/** A drain never takes a service below its --min-available: say which ones make it wait. */
async function reportDrainBlockers(ctx: Ctx, nodeId: string): Promise<void> {
  const client = ctx.client();
  const [services, tasks] = await Promise.all([
    client.get<Parameters<typeof drainBlockers>[0]>('/services'),
    client.get<Parameters<typeof drainBlockers>[1]>('/tasks'),
  ]);
  for (const b of drainBlockers(services, tasks, nodeId)) {
    ctx.io.stderr(
      `drain waits for service ${b.service}: min-available ${b.minAvailable}, ${b.running} running, ${b.onNode} on this node; ` +
        'its tasks here stop once replacements run elsewhere\n',
    );
  }
}
