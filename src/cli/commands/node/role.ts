// Shared by node promote / node demote: set the role, say what changed.

import type { Command } from 'commander';
import type { NodeRole } from '../../../store/objects.js';
import type { Ctx } from '../../context.js';
import { forEachArg } from '../util.js';
import { updateNodeSpec } from './shared.js';

export function registerRole(node: Command, ctx: Ctx, verb: 'promote' | 'demote', role: NodeRole): void {
  node
    .command(verb)
    .description(verb === 'promote' ? 'Promote one or more nodes to manager' : 'Demote one or more nodes from manager')
    .argument('<node...>', 'node ID or hostname')
    .action(async (refs: string[]) => {
      await forEachArg(ctx, refs, async (ref) => {
        let already = false;
        await updateNodeSpec(ctx, ref, (spec) => {
          already = spec.Role === role;
          spec.Role = role;
        });
        ctx.println(
          already
            ? `Node ${ref} is already a ${role}.`
            : role === 'manager'
              ? `Node ${ref} promoted to a manager in the swarm.`
              : `Manager ${ref} demoted in the swarm.`,
        );
      });
    });
}
