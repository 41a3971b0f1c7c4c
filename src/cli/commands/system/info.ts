// info [--format json]: a summary of GET /info.

import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { expandTemplate } from '../../output/format.js';
import { jsonPretty } from '../../output/json.js';
import { getInfo, type Info } from '../node/shared.js';

export function renderInfo(info: Info): string {
  const out: string[] = [];
  const line = (k: string, v: string | number | boolean | undefined, indent = 1) => {
    if (v !== undefined && v !== '') out.push(`${' '.repeat(indent)}${k}: ${typeof v === 'boolean' ? String(v) : v}`);
  };
  out.push('Server:');
  line('Server Version', info.ServerVersion);
  const s = info.Swarm;
  line('Swarm', s?.LocalNodeState ?? 'inactive');
  if (s && s.LocalNodeState === 'active') {
    line('NodeID', s.NodeID, 2);
    line('Is Manager', s.ControlAvailable ?? false, 2);
    line('ClusterID', s.Cluster?.ID, 2);
    line('Managers', s.Managers, 2);
    line('Nodes', s.Nodes, 2);
    line('Node Address', s.NodeAddr, 2);
    if (s.RemoteManagers?.length) {
      out.push('  Manager Addresses:');
      for (const m of s.RemoteManagers) out.push(`   ${m.Addr}`);
    }
  }
  if (s?.Error) line('Swarm Error', s.Error, 2);
  line('Operating System', info.OperatingSystem);
  line('OSType', info.OSType);
  line('Architecture', info.Architecture);
  line('CPUs', info.NCPU);
  if (info.MemTotal !== undefined) line('Total Memory', `${(info.MemTotal / 1024 ** 3).toFixed(2)}GiB`);
  line('Name', info.Name);
  line('ID', info.ID);
  return out.join('\n') + '\n';
}

export function register(program: Command, ctx: Ctx): void {
  program
    .command('info')
    .description('Display swarm-wide information')
    .option('--format <format>', 'json, or a template such as {{.Swarm.NodeID}}')
    .action(async (flags: { format?: string }) => {
      const info = await getInfo(ctx);
      if (flags.format === 'json') ctx.io.stdout(jsonPretty(info));
      else if (flags.format !== undefined) ctx.println(expandTemplate(flags.format, info));
      else ctx.io.stdout(renderInfo(info));
    });
}
