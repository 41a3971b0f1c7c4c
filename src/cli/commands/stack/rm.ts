// stack rm STACK...: the stack's services first, then its networks (external ones are
// never the stack's: they carry no namespace label).

import type { Command } from 'commander';
import { ApiError, ApiUnreachableError } from '../../client.js';
import type { Ctx } from '../../context.js';
import { CliError } from '../../errors.js';
import { enc } from '../util.js';
import { stackNetworks, stackServices } from './shared.js';

/** How long a network removal is retried while the removed services' tasks stop (ms). */
const NETWORK_RETRY_MS = 30_000;
const NETWORK_POLL_MS = 500;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** DELETE /networks/{id}, retried while the manager says task endpoints are still attached. */
async function removeNetwork(ctx: Ctx, id: string): Promise<void> {
  const started = performance.now();
  for (;;) {
    try {
      await ctx.client().delete(`/networks/${enc(id)}`);
      return;
    } catch (err) {
      const busy = err instanceof ApiError && err.status === 409 && /task endpoints/.test(err.message);
      if (!busy || performance.now() - started >= NETWORK_RETRY_MS) throw err;
      await sleep(NETWORK_POLL_MS);
    }
  }
}

async function removeStack(ctx: Ctx, name: string): Promise<string[]> {
  const failures: string[] = [];
  const services = await stackServices(ctx, name);
  const networks = await stackNetworks(ctx, name);
  if (services.length === 0 && networks.length === 0) {
    ctx.io.stderr(`Nothing found in stack: ${name}\n`);
    return failures;
  }
  for (const s of [...services].sort((a, b) => a.Spec.Name.localeCompare(b.Spec.Name))) {
    ctx.println(`Removing service ${s.Spec.Name}`);
    try {
      await ctx.client().delete(`/services/${enc(s.ID)}`);
    } catch (err) {
      if (err instanceof ApiUnreachableError) throw err;
      failures.push(`failed to remove service ${s.Spec.Name}: ${(err as Error).message}`);
    }
  }
  for (const n of [...networks].sort((a, b) => a.Name.localeCompare(b.Name))) {
    ctx.println(`Removing network ${n.Name}`);
    try {
      await removeNetwork(ctx, n.Id);
    } catch (err) {
      if (err instanceof ApiUnreachableError) throw err;
      failures.push(`failed to remove network ${n.Name}: ${(err as Error).message}`);
    }
  }
  return failures;
}

export function register(stack: Command, ctx: Ctx): void {
  stack
    .command('rm')
    .aliases(['remove', 'down'])
    .description('Remove one or more stacks')
    .argument('<stack...>', 'stack name')
    .action(async (names: string[]) => {
      const failures: string[] = [];
      for (const name of names) failures.push(...(await removeStack(ctx, name)));
      for (const f of failures.slice(0, -1)) ctx.io.stderr(`tsswarm: ${f}\n`);
      const last = failures[failures.length - 1];
      if (last !== undefined) throw new CliError(last);
    });
}
