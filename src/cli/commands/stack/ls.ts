// stack ls [--format table|json|TEMPLATE]: stacks are the values of the namespace label.

import type { Command } from 'commander';
import { NAMESPACE_LABEL } from '../../../stack/index.js';
import type { Service } from '../../../store/objects.js';
import { filters } from '../../client.js';
import type { Ctx } from '../../context.js';
import { type Column, renderList } from '../../output/format.js';

interface StackRow {
  Name: string;
  Services: string;
}

const COLUMNS: readonly Column<StackRow>[] = [
  { header: 'NAME', field: 'Name' },
  { header: 'SERVICES', field: 'Services' },
];

export function stackRows(services: readonly Service[]): StackRow[] {
  const counts = new Map<string, number>();
  for (const s of services) {
    const stack = s.Spec.Labels?.[NAMESPACE_LABEL];
    if (stack !== undefined) counts.set(stack, (counts.get(stack) ?? 0) + 1);
  }
  return [...counts]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, n]) => ({ Name: name, Services: String(n) }));
}

export function register(stack: Command, ctx: Ctx): void {
  stack
    .command('ls')
    .alias('list')
    .description('List stacks')
    .option('--format <format>', 'table, json, or a template such as {{.Name}}')
    .action(async (flags: { format?: string }) => {
      const services = await ctx.client().get<Service[]>('/services', { filters: filters({ label: [NAMESPACE_LABEL] }) });
      ctx.io.stdout(renderList(stackRows(services), COLUMNS, { format: flags.format, idField: 'Name' }));
    });
}
