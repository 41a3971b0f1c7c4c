// Small helpers shared by command files.

import type { Node, Service, Task } from '../../store/objects.js';
import { ApiUnreachableError, filters } from '../client.js';
import type { Ctx } from '../context.js';
import { CliError, UsageError } from '../errors.js';

/** commander reducer for repeatable flags (`-e A=1 -e B=2`). */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function enc(ref: string): string {
  return encodeURIComponent(ref);
}

export function getService(ctx: Ctx, ref: string): Promise<Service> {
  return ctx.client().get<Service>(`/services/${enc(ref)}`);
}

export function getNode(ctx: Ctx, ref: string): Promise<Node> {
  return ctx.client().get<Node>(`/nodes/${enc(ref)}`);
}

export function listTasks(ctx: Ctx, f: Record<string, string[] | undefined>): Promise<Task[]> {
  return ctx.client().get<Task[]>('/tasks', { filters: filters(f) });
}

export async function nodeMap(ctx: Ctx): Promise<Map<string, Node>> {
  const nodes = await ctx.client().get<Node[]>('/nodes');
  return new Map(nodes.map((n) => [n.ID, n]));
}

export async function serviceMap(ctx: Ctx): Promise<Map<string, Service>> {
  const services = await ctx.client().get<Service[]>('/services');
  return new Map(services.map((s) => [s.ID, s]));
}

/** `-f key=value` filters → Engine API filter map. */
export function parseFilters(values: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const v of values) {
    const i = v.indexOf('=');
    if (i <= 0) throw new UsageError(`bad filter "${v}": expected key=value`);
    const k = v.slice(0, i);
    (out[k] ??= []).push(v.slice(i + 1));
  }
  return out;
}

/** Runs `fn` for each argument, reporting failures per argument and continuing. */
export async function forEachArg(
  ctx: Ctx,
  args: readonly string[],
  fn: (arg: string) => Promise<void>,
): Promise<void> {
  const errors: string[] = [];
  for (const a of args) {
    try {
      await fn(a);
    } catch (err) {
      if (err instanceof ApiUnreachableError) throw err; // the same for every argument: say it once
      errors.push(err instanceof Error ? err.message : String(err));
    }
  }
  // Every failure is printed once; the last one is left for the top level to print.
  for (const e of errors.slice(0, -1)) ctx.io.stderr(`tsswarm: ${e}\n`);
  const last = errors[errors.length - 1];
  if (last !== undefined) throw new CliError(last);
}
