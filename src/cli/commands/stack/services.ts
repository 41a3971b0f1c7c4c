// stack services STACK [-q] [--format] [-f key=value]: `service ls` of the stack's services.

import type { Command } from 'commander';
import type { Service, Task } from '../../../store/objects.js';
import type { Ctx } from '../../context.js';
import { renderList } from '../../output/format.js';
import { collect, parseFilters } from '../util.js';
import { SERVICE_COLUMNS, serviceRows } from '../service/ls.js';
import { stackFilters } from './shared.js';

interface Flags {
  quiet?: boolean;
  format?: string;
  filter: string[];
}

export function register(stack: Command, ctx: Ctx): void {
  stack
    .command('services')
    .description('List the services in the stack')
    .argument('<stack>', 'stack name')
    .option('-q, --quiet', 'only display IDs')
    .option('--format <format>', 'table, json, or a template such as {{.Name}}')
    .option('-f, --filter <key=value>', 'filter (id, name, label, mode)', collect, [])
    .action(async (name: string, flags: Flags) => {
      const query = { status: true, filters: stackFilters(name, parseFilters(flags.filter)) };
      const services = await ctx.client().get<Array<Service & { ServiceStatus?: object }>>('/services', query);
      if (services.length === 0) {
        ctx.io.stderr(`Nothing found in stack: ${name}\n`);
        return;
      }
      if (flags.quiet) {
        ctx.io.stdout(services.map((s) => s.ID + '\n').join(''));
        return;
      }
      const tasks = services.some((s) => !s.ServiceStatus) ? await ctx.client().get<Task[]>('/tasks') : undefined;
      ctx.io.stdout(renderList(serviceRows(services, tasks), SERVICE_COLUMNS, { format: flags.format }));
    });
}
