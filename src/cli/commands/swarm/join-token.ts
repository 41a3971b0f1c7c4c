// swarm join-token [-q] worker|manager

import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { CliError } from '../../errors.js';
import { parseChoice } from '../../parse/values.js';
import { getInfo } from '../node/shared.js';

interface SwarmInfo {
  ID?: string;
  JoinTokens?: { Worker?: string; Manager?: string };
}

export function register(swarm: Command, ctx: Ctx): void {
  swarm
    .command('join-token')
    .description('Print the command (or token) that joins a node to this swarm')
    .argument('<role>', 'worker or manager')
    .option('-q, --quiet', 'only display the token')
    .action(async (roleArg: string, flags: { quiet?: boolean }) => {
      const role = parseChoice('ROLE', roleArg, ['worker', 'manager']);
      const sw = await ctx.client().get<SwarmInfo>('/swarm');
      const token = role === 'worker' ? sw.JoinTokens?.Worker : sw.JoinTokens?.Manager;
      if (!token) throw new CliError(`the manager did not return a ${role} join token`);
      if (flags.quiet) {
        ctx.println(token);
        return;
      }
      const info = await getInfo(ctx);
      const addr = info.Swarm?.RemoteManagers?.[0]?.Addr ?? info.Swarm?.NodeAddr;
      if (!addr) throw new CliError('the manager did not report its address (GET /info Swarm.RemoteManagers / Swarm.NodeAddr)');
      ctx.println(`To add a ${role} to this swarm, run the following command:\n\n    tsswarm join --token ${token} ${addr}`);
    });
}
