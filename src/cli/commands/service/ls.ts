// service ls [-q] [--format table|json|TEMPLATE]

import { minAvailableOf } from '../../../manager/orchestrator/budget.js';
import type { Command } from 'commander';
import type { Service, Task } from '../../../store/objects.js';
import type { Ctx } from '../../context.js';
import { type Column, renderList } from '../../output/format.js';
import { formatPort } from '../../parse/publish.js';
import { collect, parseFilters } from '../util.js';
import { modeName } from './shared.js';

interface ServiceStatus {
  RunningTasks?: number;
  DesiredTasks?: number;
  CompletedTasks?: number;
}
type ListedService = Service & { ServiceStatus?: ServiceStatus };

export interface ServiceRow {
  ID: string;
  Name: string;
  Mode: string;
  Replicas: string;
  Image: string;
  Ports: string;
}

export const SERVICE_COLUMNS: readonly Column<ServiceRow>[] = [
  { header: 'ID', field: 'ID' },
  { header: 'NAME', field: 'Name' },
  { header: 'MODE', field: 'Mode' },
  { header: 'REPLICAS', field: 'Replicas' },
  { header: 'IMAGE', field: 'Image' },
  { header: 'PORTS', field: 'Ports' },
];

/** Running/desired from ServiceStatus, or counted from the task list when it is absent. */
function counts(s: ListedService, tasks: readonly Task[] | undefined): ServiceStatus {
  if (s.ServiceStatus) return s.ServiceStatus;
  const own = (tasks ?? []).filter((t) => t.ServiceID === s.ID);
  const running = own.filter((t) => t.DesiredState === 'running' && t.Status?.State === 'running').length;
  const completed = own.filter((t) => t.Status?.State === 'complete').length;
  const m = s.Spec.Mode;
  const desired = m.Replicated
    ? (m.Replicated.Replicas ?? 1)
    : m.ReplicatedJob
      ? (m.ReplicatedJob.MaxConcurrent ?? 1)
      : own.filter((t) => t.DesiredState === 'running').length;
  return { RunningTasks: running, DesiredTasks: desired, CompletedTasks: completed };
}

function replicasText(s: ListedService, st: ServiceStatus): string {
  let text = `${st.RunningTasks ?? 0}/${st.DesiredTasks ?? 0}`;
  const m = s.Spec.Mode;
  if (m.ReplicatedJob) text += ` (${st.CompletedTasks ?? 0}/${m.ReplicatedJob.TotalCompletions ?? 1} completed)`;
  if (m.GlobalJob) text += ` (${st.CompletedTasks ?? 0} completed)`;
  const max = s.Spec.TaskTemplate.Placement?.MaxReplicas;
  if (max) text += ` (max ${max} per node)`;
  const min = minAvailableOf(s.Spec.Labels, st.DesiredTasks ?? 0);
  if (min > 0 && (st.RunningTasks ?? 0) < min) text += ` (below min-available ${min})`;
  return text;
}

export function serviceRows(services: readonly ListedService[], tasks?: readonly Task[]): ServiceRow[] {
  return [...services]
    .sort((a, b) => (a.Spec.Name < b.Spec.Name ? -1 : a.Spec.Name > b.Spec.Name ? 1 : 0))
    .map((s) => ({
      ID: s.ID.slice(0, 12),
      Name: s.Spec.Name,
      Mode: modeName(s.Spec),
      Replicas: replicasText(s, counts(s, tasks)),
      Image: s.Spec.TaskTemplate.ContainerSpec.Image.replace(/@sha256:[0-9a-f]+$/, ''),
      Ports: (s.Endpoint?.Ports ?? s.Spec.EndpointSpec?.Ports ?? []).map(formatPort).join(', '),
    }));
}

interface Flags {
  quiet?: boolean;
  format?: string;
  filter: string[];
}

export function register(service: Command, ctx: Ctx): void {
  service
    .command('ls')
    .alias('list')
    .description('List services')
    .option('-q, --quiet', 'only display IDs')
    .option('--format <format>', 'table, json, or a template such as {{.Name}}')
    .option('-f, --filter <key=value>', 'filter (id, name, label, mode)', collect, [])
    .action(async (flags: Flags) => {
      const f = parseFilters(flags.filter);
      const query = { status: true, filters: Object.keys(f).length ? JSON.stringify(f) : undefined };
      const services = await ctx.client().get<ListedService[]>('/services', query);
      if (flags.quiet) {
        ctx.io.stdout(services.map((s) => s.ID + '\n').join(''));
        return;
      }
      const needTasks = services.some((s) => !s.ServiceStatus);
      const tasks = needTasks ? await ctx.client().get<Task[]>('/tasks') : undefined;
      ctx.io.stdout(renderList(serviceRows(services, tasks), SERVICE_COLUMNS, { format: flags.format }));
    });
}
