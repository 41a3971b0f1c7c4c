// node ps [NODE...] (default: self, the node serving the API)

import type { Command } from 'commander';
import type { Node } from '../../../store/objects.js';
import type { Ctx } from '../../context.js';
import { renderList } from '../../output/format.js';
import { TASK_COLUMNS, taskRows } from '../../output/tasks.js';
import { collect, getNode, listTasks, nodeMap, parseFilters, serviceMap } from '../util.js';
import { resolveNodeRef } from './shared.js';

export function register(node: Command, ctx: Ctx): void {
  node
    .command('ps')
    .description('List the tasks running on one or more nodes (default: self)')
    .argument('[node...]', 'node ID or hostname')
    .option('-q, --quiet', 'only display task IDs')
    .option('--no-trunc', 'do not truncate output')
    .option('--format <format>', 'table, json, or a template such as {{.Name}}')
    .option('-f, --filter <key=value>', 'filter, e.g. desired-state=running (repeatable)', collect, [])
    .action(async (refs: string[], flags: { quiet?: boolean; trunc?: boolean; format?: string; filter: string[] }) => {
      const f = parseFilters(flags.filter);
      const nodes = new Map<string, Node>();
      for (const ref of refs.length > 0 ? refs : ['self']) {
        const n = await getNode(ctx, await resolveNodeRef(ctx, ref));
        nodes.set(n.ID, n);
      }
      const tasks = await listTasks(ctx, { ...f, node: [...nodes.keys()] });
      const services = await serviceMap(ctx);
      const rows = taskRows(tasks, services, await nodeMap(ctx), { now: ctx.io.now(), noTrunc: flags.trunc === false });
      ctx.io.stdout(renderList(rows, TASK_COLUMNS, { format: flags.format, quiet: flags.quiet }));
    });
}
