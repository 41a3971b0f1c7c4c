// service inspect SERVICE... [--pretty]

import type { Command } from 'commander';
import type { Service } from '../../../store/objects.js';
import { ApiUnreachableError } from '../../client.js';
import type { Ctx } from '../../context.js';
import { CliError } from '../../errors.js';
import { jsonPretty } from '../../output/json.js';
import { formatPort } from '../../parse/publish.js';
import { getService } from '../util.js';
import { parsePolicy } from '../../../autoscale/policy.js';
import { modeName } from './shared.js';

function ns(n: number | undefined): string {
  if (n === undefined) return '';
  if (n % 3600e9 === 0 && n > 0) return `${n / 3600e9}h`;
  if (n % 60e9 === 0 && n > 0) return `${n / 60e9}m`;
  if (n % 1e9 === 0) return `${n / 1e9}s`;
  return `${n / 1e6}ms`;
}

function mib(b: number | undefined): string {
  return b === undefined ? '' : b % 1048576 === 0 ? `${b / 1048576}MiB` : `${b}B`;
}

/** The policy (from the labels) and the autoscaler's last change, if the service has either. */
function autoscaleLines(s: Service, line: (k: string, v: string | number | undefined, indent?: number) => void, out: string[]): void {
  let policy: ReturnType<typeof parsePolicy>;
  try {
    policy = parsePolicy(s.Spec.Labels);
  } catch {
    policy = undefined; // the labels already show what is there
  }
  const last = s.TSSwarm?.Autoscale;
  if (!policy && !last) return;
  out.push('Autoscale:');
  if (policy) {
    line('Replicas', `${policy.min}-${policy.max}`, 1);
    line('Target CPU', `${policy.targetCpuPercent}% per task`, 1);
    line('Scale-down delay', ns(policy.scaleDownDelayMs * 1e6), 1);
  }
  if (last) {
    line('Last scaling', `${last.From} -> ${last.To} at ${last.Timestamp}`, 1);
    line('Reason', last.Reason, 1);
  }
}

export function prettyService(s: Service): string {
  const spec = s.Spec;
  const t = spec.TaskTemplate;
  const out: string[] = [];
  const line = (k: string, v: string | number | undefined, indent = 0) => {
    if (v !== undefined && v !== '') out.push(`${' '.repeat(indent)}${(k + ':').padEnd(20 - indent)} ${v}`);
  };
  out.push('');
  line('ID', s.ID);
  line('Name', spec.Name);
  for (const [k, v] of Object.entries(spec.Labels ?? {})) line(`Label ${k}`, v);
  line('Service Mode', modeName(spec));
  if (spec.Mode.Replicated) line('Replicas', spec.Mode.Replicated.Replicas ?? 1, 1);
  autoscaleLines(s, line, out);
  if (spec.Mode.ReplicatedJob) {
    line('Max Concurrent', spec.Mode.ReplicatedJob.MaxConcurrent, 1);
    line('Total Completions', spec.Mode.ReplicatedJob.TotalCompletions, 1);
  }
  if (t.Placement) {
    out.push('Placement:');
    if (t.Placement.Constraints?.length) line('Constraints', t.Placement.Constraints.join(', '), 1);
    for (const p of t.Placement.Preferences ?? []) line('Preference', `spread=${p.Spread.SpreadDescriptor}`, 1);
    if (t.Placement.MaxReplicas) line('Max Replicas/Node', t.Placement.MaxReplicas, 1);
  }
  if (spec.UpdateConfig) {
    const u = spec.UpdateConfig;
    out.push('UpdateConfig:');
    line('Parallelism', u.Parallelism, 1);
    line('Delay', ns(u.Delay), 1);
    line('On failure', u.FailureAction, 1);
    line('Monitoring Period', ns(u.Monitor), 1);
    line('Update order', u.Order, 1);
  }
  if (t.RestartPolicy) {
    const r = t.RestartPolicy;
    out.push('RestartPolicy:');
    line('Condition', r.Condition, 1);
    line('Delay', ns(r.Delay), 1);
    line('Max Attempts', r.MaxAttempts, 1);
    line('Window', ns(r.Window), 1);
  }
  out.push('ContainerSpec:');
  const c = t.ContainerSpec;
  line('Image', c.Image, 1);
  if (c.Command?.length) line('Command', c.Command.join(' '), 1);
  if (c.Args?.length) line('Args', c.Args.join(' '), 1);
  if (c.Env?.length) {
    out.push(' Env:');
    for (const e of c.Env) out.push(`  ${e}`);
  }
  line('Dir', c.Dir, 1);
  line('User', c.User, 1);
  line('Hostname', c.Hostname, 1);
  line('StopGracePeriod', ns(c.StopGracePeriod), 1);
  if (t.Resources) {
    out.push('Resources:');
    const r = t.Resources;
    if (r.Reservations) {
      out.push(' Reservations:');
      if (r.Reservations.NanoCPUs) line('CPU', r.Reservations.NanoCPUs / 1e9, 2);
      line('Memory', mib(r.Reservations.MemoryBytes), 2);
    }
    if (r.Limits) {
      out.push(' Limits:');
      if (r.Limits.NanoCPUs) line('CPU', r.Limits.NanoCPUs / 1e9, 2);
      line('Memory', mib(r.Limits.MemoryBytes), 2);
    }
  }
  if (t.Networks?.length) line('Networks', t.Networks.map((n) => n.Target).join(' '));
  line('Endpoint Mode', spec.EndpointSpec?.Mode ?? 'vip');
  const ports = s.Endpoint?.Ports ?? spec.EndpointSpec?.Ports ?? [];
  if (ports.length) {
    out.push('Ports:');
    for (const p of ports) out.push(` ${formatPort(p)} (${p.PublishMode})`);
  }
  return out.join('\n') + '\n';
}

export function register(service: Command, ctx: Ctx): void {
  service
    .command('inspect')
    .description('Display detailed information on one or more services')
    .argument('<service...>', 'service name or ID')
    .option('--pretty', 'print the information in a human friendly format')
    .action(async (refs: string[], flags: { pretty?: boolean }) => {
      const found: Service[] = [];
      const errors: string[] = [];
      for (const ref of refs) {
        try {
          found.push(await getService(ctx, ref));
        } catch (err) {
          if (err instanceof ApiUnreachableError) throw err;
          errors.push(err instanceof Error ? err.message : String(err));
        }
      }
      if (flags.pretty) ctx.io.stdout(found.map(prettyService).join(''));
      else if (found.length > 0 || errors.length === 0) ctx.io.stdout(jsonPretty(found));
      for (const e of errors.slice(0, -1)) ctx.io.stderr(`tsswarm: ${e}\n`);
      const last = errors[errors.length - 1];
      if (last !== undefined) throw new CliError(last);
    });
}
