// network ls [-q] [--format table|json|TEMPLATE]

import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { type Column, renderList } from '../../output/format.js';

interface ApiNetwork {
  Id?: string;
  ID?: string;
  Name: string;
  Driver: string;
  Scope: string;
  IPAM?: { Config?: Array<{ Subnet?: string; Gateway?: string }> };
}

interface NetworkRow {
  ID: string;
  Name: string;
  Driver: string;
  Scope: string;
  Subnet: string;
}

const COLUMNS: readonly Column<NetworkRow>[] = [
  { header: 'NETWORK ID', field: 'ID' },
  { header: 'NAME', field: 'Name' },
  { header: 'DRIVER', field: 'Driver' },
  { header: 'SCOPE', field: 'Scope' },
  { header: 'SUBNET', field: 'Subnet' },
];

export function register(network: Command, ctx: Ctx): void {
  network
    .command('ls')
    .alias('list')
    .description('List networks')
    .option('-q, --quiet', 'only display IDs')
    .option('--format <format>', 'table, json, or a template such as {{.Name}}')
    .action(async (flags: { quiet?: boolean; format?: string }) => {
      const nets = await ctx.client().get<ApiNetwork[]>('/networks');
      const rows = [...nets]
        .sort((a, b) => a.Name.localeCompare(b.Name))
        .map((n) => ({
          ID: (n.Id ?? n.ID ?? '').slice(0, 12),
          Name: n.Name,
          Driver: n.Driver,
          Scope: n.Scope,
          Subnet: n.IPAM?.Config?.[0]?.Subnet ?? '',
        }));
      ctx.io.stdout(renderList(rows, COLUMNS, { format: flags.format, quiet: flags.quiet }));
    });
}
