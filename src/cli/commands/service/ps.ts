// service ps SERVICE... [-q] [--no-trunc] [--format] [-f key=value]

import type { Command } from 'commander';
import type { Service, Task } from '../../../store/objects.js';
import type { Ctx } from '../../context.js';
import { renderList } from '../../output/format.js';
import { TASK_COLUMNS, taskRows } from '../../output/tasks.js';
import { collect, getService, listTasks, nodeMap, parseFilters } from '../util.js';

interface Flags {
  quiet?: boolean;
  /** false with --no-trunc */
  trunc?: boolean;
  format?: string;
  filter: string[];
}

export function register(service: Command, ctx: Ctx): void {
  service
    .command('ps')
    .description('List the tasks of one or more services')
    .argument('<service...>', 'service name or ID')
    .option('-q, --quiet', 'only display task IDs')
    .option('--no-trunc', 'do not truncate output')
    .option('--format <format>', 'table, json, or a template such as {{.Name}}')
    .option('-f, --filter <key=value>', 'filter, e.g. desired-state=running (repeatable)', collect, [])
    .action(async (refs: string[], flags: Flags) => {
      const noTrunc = flags.trunc === false;
      const f = parseFilters(flags.filter);
      const services = new Map<string, Service>();
      for (const ref of refs) {
        const svc = await getService(ctx, ref);
        services.set(svc.ID, svc);
      }
      const tasks: Task[] = await listTasks(ctx, { ...f, service: [...services.keys()] });
      const nodes = await nodeMap(ctx);
      const rows = taskRows(tasks, services, nodes, { now: ctx.io.now(), noTrunc });
      ctx.io.stdout(renderList(rows, TASK_COLUMNS, { format: flags.format, quiet: flags.quiet }));
    });
}
