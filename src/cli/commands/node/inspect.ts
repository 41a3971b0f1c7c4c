// node inspect NODE... [--pretty]

import type { Command } from 'commander';
import type { Node } from '../../../store/objects.js';
import { ApiUnreachableError } from '../../client.js';
import type { Ctx } from '../../context.js';
import { CliError } from '../../errors.js';
import { jsonPretty } from '../../output/json.js';
import { capitalize } from '../../output/time.js';
import { getNode } from '../util.js';
import { managerStatus } from './ls.js';
import { resolveNodeRef } from './shared.js';

export function prettyNode(n: Node): string {
  const out: string[] = [];
  const line = (k: string, v: string | number | undefined, indent = 0) => {
    if (v !== undefined && v !== '') out.push(`${' '.repeat(indent)}${(k + ':').padEnd(20 - indent)} ${v}`);
  };
  line('ID', n.ID);
  line('Name', n.Spec.Name);
  if (Object.keys(n.Spec.Labels ?? {}).length > 0) {
    out.push('Labels:');
    for (const [k, v] of Object.entries(n.Spec.Labels)) out.push(` - ${k}=${v}`);
  }
  line('Hostname', n.Description.Hostname);
  line('Joined at', n.CreatedAt);
  out.push('Status:');
  line('State', capitalize(n.Status.State), 1);
  line('Message', n.Status.Message, 1);
  line('Availability', capitalize(n.Spec.Availability), 1);
  line('Address', n.Status.Addr, 1);
  if (n.ManagerStatus) {
    out.push('Manager Status:');
    line('Address', n.ManagerStatus.Addr, 1);
    line('Raft Status', managerStatus(n), 1);
    line('Leader', n.ManagerStatus.Leader ? 'Yes' : 'No', 1);
  }
  out.push('Platform:');
  line('Operating System', n.Description.Platform?.OS, 1);
  line('Architecture', n.Description.Platform?.Architecture, 1);
  out.push('Resources:');
  line('CPUs', n.Description.Resources ? n.Description.Resources.NanoCPUs / 1e9 : undefined, 1);
  const mem = n.Description.Resources?.MemoryBytes;
  line('Memory', mem === undefined ? undefined : `${(mem / 1024 ** 3).toFixed(1)}GiB`, 1);
  line('Engine Version', n.Description.Engine?.EngineVersion);
  line('Load Balancer', n.Description.TSSwarm?.LoadBalancer);
  return out.join('\n') + '\n';
}

export function register(node: Command, ctx: Ctx): void {
  node
    .command('inspect')
    .description('Display detailed information on one or more nodes')
    .argument('<node...>', 'node ID or hostname ("self" for the node serving the API)')
    .option('--pretty', 'print the information in a human friendly format')
    .action(async (refs: string[], flags: { pretty?: boolean }) => {
      const found: Node[] = [];
      const errors: string[] = [];
      for (const ref of refs) {
        try {
          found.push(await getNode(ctx, await resolveNodeRef(ctx, ref)));
        } catch (err) {
          if (err instanceof ApiUnreachableError) throw err;
          errors.push(err instanceof Error ? err.message : String(err));
        }
      }
      if (flags.pretty) ctx.io.stdout(found.map(prettyNode).join('\n'));
      else if (found.length > 0 || errors.length === 0) ctx.io.stdout(jsonPretty(found));
      for (const e of errors.slice(0, -1)) ctx.io.stderr(`tsswarm: ${e}\n`);
      const last = errors[errors.length - 1];
      if (last !== undefined) throw new CliError(last);
    });
}
