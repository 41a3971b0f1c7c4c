// node ls [-q] [--format table|json|TEMPLATE]

import type { Command } from 'commander';
import type { Node } from '../../../store/objects.js';
import type { Ctx } from '../../context.js';
import { type Column, renderList } from '../../output/format.js';
import { capitalize } from '../../output/time.js';
import { selfNodeId } from './shared.js';

export interface NodeRow {
  ID: string;
  Self: boolean;
  Hostname: string;
  Status: string;
  Availability: string;
  ManagerStatus: string;
  EngineVersion: string;
}

export const NODE_COLUMNS: readonly Column<NodeRow>[] = [
  { header: 'ID', field: 'ID' },
  { header: 'HOSTNAME', field: 'Hostname' },
  { header: 'STATUS', field: 'Status' },
  { header: 'AVAILABILITY', field: 'Availability' },
  { header: 'MANAGER STATUS', field: 'ManagerStatus' },
  { header: 'ENGINE VERSION', field: 'EngineVersion' },
];

export function managerStatus(n: Node): string {
  if (!n.ManagerStatus) return '';
  return n.ManagerStatus.Leader ? 'Leader' : capitalize(n.ManagerStatus.Reachability);
}

export function nodeRows(nodes: readonly Node[], selfId: string | undefined): NodeRow[] {
  return [...nodes]
    .sort((a, b) => a.Description.Hostname.localeCompare(b.Description.Hostname) || a.ID.localeCompare(b.ID))
    .map((n) => ({
      ID: n.ID,
      Self: n.ID === selfId,
      Hostname: n.Description.Hostname,
      Status: capitalize(n.Status.State),
      Availability: capitalize(n.Spec.Availability),
      ManagerStatus: managerStatus(n),
      EngineVersion: n.Description.Engine?.EngineVersion ?? '',
    }));
}

export function register(node: Command, ctx: Ctx): void {
  node
    .command('ls')
    .alias('list')
    .description('List nodes in the swarm')
    .option('-q, --quiet', 'only display IDs')
    .option('--format <format>', 'table, json, or a template such as {{.Hostname}}')
    .action(async (flags: { quiet?: boolean; format?: string }) => {
      const nodes = await ctx.client().get<Node[]>('/nodes');
      const rows = nodeRows(nodes, flags.quiet ? undefined : await selfNodeId(ctx));
      if (flags.quiet || (flags.format !== undefined && flags.format !== 'table')) {
        ctx.io.stdout(renderList(rows, NODE_COLUMNS, { format: flags.format, quiet: flags.quiet }));
        return;
      }
      // The table marks the node the API is served by with " *" beside its ID.
      const marked = rows.map((r) => ({ ...r, ID: r.Self ? `${r.ID} *` : r.ID }));
      ctx.io.stdout(renderList(marked, NODE_COLUMNS, {}));
    });
}
