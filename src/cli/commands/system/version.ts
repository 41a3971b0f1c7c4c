// version [--format json]: client version, then the server's (GET /version).

import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { API_VERSION } from '../../client.js';
import { expandTemplate } from '../../output/format.js';
import { jsonPretty } from '../../output/json.js';
import { CLI_VERSION } from '../../version.js';

interface ServerVersion {
  Version?: string;
  ApiVersion?: string;
  MinAPIVersion?: string;
  Os?: string;
  Arch?: string;
  KernelVersion?: string;
  Platform?: { Name?: string };
}

function section(title: string, rows: Array<[string, string | undefined]>): string {
  const shown = rows.filter((r): r is [string, string] => r[1] !== undefined && r[1] !== '');
  const w = Math.max(...shown.map(([k]) => k.length)) + 1;
  return `${title}:\n` + shown.map(([k, v]) => ` ${(k + ':').padEnd(w)}  ${v}\n`).join('');
}

export function register(program: Command, ctx: Ctx): void {
  program
    .command('version')
    .description('Show the tsswarm version information')
    .option('--format <format>', 'json, or a template such as {{.Client.Version}}')
    .action(async (flags: { format?: string }) => {
      const client = { Version: CLI_VERSION, ApiVersion: API_VERSION, NodeVersion: process.version, Os: process.platform, Arch: process.arch };
      if (flags.format === undefined) {
        ctx.io.stdout(
          section('Client', [
            ['Version', client.Version],
            ['API version', client.ApiVersion],
            ['Node.js', client.NodeVersion],
            ['OS/Arch', `${client.Os}/${client.Arch}`],
          ]),
        );
      }
      const server = await ctx.client().get<ServerVersion>('/version');
      if (flags.format === 'json') ctx.io.stdout(jsonPretty({ Client: client, Server: server }));
      else if (flags.format !== undefined) ctx.println(expandTemplate(flags.format, { Client: client, Server: server }));
      else {
        ctx.io.stdout(
          '\n' +
            section(`Server${server.Platform?.Name ? ': ' + server.Platform.Name : ''}`, [
              ['Version', server.Version],
              ['API version', server.ApiVersion && `${server.ApiVersion}${server.MinAPIVersion ? ` (minimum version ${server.MinAPIVersion})` : ''}`],
              ['OS/Arch', server.Os && `${server.Os}/${server.Arch ?? ''}`],
              ['Kernel', server.KernelVersion],
            ]),
        );
      }
    });
}
