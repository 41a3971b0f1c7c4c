// stack ps STACK [-q] [--no-trunc] [--format] [-f key=value]: `service ps` of the stack's tasks.

import type { Command } from 'commander';
import type { Service, Task } from '../../../store/objects.js';
import type { Ctx } from '../../context.js';
import { CliError } from '../../errors.js';
import { renderList } from '../../output/format.js';
import { TASK_COLUMNS, taskRows } from '../../output/tasks.js';
import { collect, nodeMap, parseFilters } from '../util.js';
import { stackFilters, stackServices } from './shared.js';

interface Flags {
  quiet?: boolean;
  /** false with --no-trunc */
  trunc?: boolean;
  format?: string;
  filter: string[];
}

export function register(stack: Command, ctx: Ctx): void {
  stack
    .command('ps')
    .description('List the tasks in the stack')
    .argument('<stack>', 'stack name')
    .option('-q, --quiet', 'only display task IDs')
    .option('--no-trunc', 'do not truncate output')
    .option('--format <format>', 'table, json, or a template such as {{.Name}}')
    .option('-f, --filter <key=value>', 'filter, e.g. desired-state=running (repeatable)', collect, [])
    .action(async (name: string, flags: Flags) => {
      const tasks = await ctx.client().get<Task[]>('/tasks', { filters: stackFilters(name, parseFilters(flags.filter)) });
      if (tasks.length === 0) throw new CliError(`nothing found in stack: ${name}`);
      const services = new Map<string, Service>((await stackServices(ctx, name)).map((s) => [s.ID, s]));
      const rows = taskRows(tasks, services, await nodeMap(ctx), { now: ctx.io.now(), noTrunc: flags.trunc === false });
      ctx.io.stdout(renderList(rows, TASK_COLUMNS, { format: flags.format, quiet: flags.quiet }));
    });
}
