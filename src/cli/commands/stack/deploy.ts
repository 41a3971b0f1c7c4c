// stack deploy -c FILE [-c FILE...] [--prune] STACK
// Client-side, as the docker CLI does it: the files become networks and services named
// STACK_*, created or updated through the ordinary endpoints. All input is checked and
// every name clash found before the first write.

import type { Command } from 'commander';
import { planServices, validateStackName } from '../../../stack/index.js';
import type { Service } from '../../../store/objects.js';
import type { Ctx } from '../../context.js';
import { CliError, UsageError } from '../../errors.js';
import { collect, enc } from '../util.js';
import { postServiceUpdate } from '../service/shared.js';
import { loadStack, normalizeSpec } from './load.js';
import { inStack, type ApiNetwork } from './shared.js';

interface Flags {
  composeFile: string[];
  prune?: boolean;
}

export function register(stack: Command, ctx: Ctx): void {
  stack
    .command('deploy')
    .alias('up')
    .description('Deploy a new stack or update an existing stack')
    .argument('<stack>', 'stack name')
    .option('-c, --compose-file <file>', 'path to a compose file, or - for standard input (repeatable; later files override earlier ones)', collect, [])
    .option('--prune', "remove the stack's services that the files no longer define")
    .action(async (name: string, flags: Flags) => {
      if (flags.composeFile.length === 0) throw new UsageError('Please specify a Compose file (with --compose-file).');
      validateStackName(name);
      const want = await loadStack(ctx, name, flags.composeFile);
      const api = ctx.client();

      // Pre-flight: external networks exist; no name is taken by something outside the stack.
      const networks = await api.get<ApiNetwork[]>('/networks');
      const netByName = new Map(networks.map((n) => [n.Name, n]));
      for (const ext of want.externalNetworks) {
        if (!netByName.has(ext)) {
          throw new CliError(`network "${ext}" is declared as external, but could not be found. You need to create a swarm-scoped network before the stack is deployed`);
        }
      }
      for (const n of want.networks) {
        const have = netByName.get(n.Name);
        if (have && !inStack(have.Labels, name)) throw new CliError(`network ${n.Name} already exists and is not part of stack ${name}`);
      }
      const services = await api.get<Service[]>('/services');
      for (const s of want.services) {
        const have = services.find((x) => x.Spec.Name === s.Name);
        if (have && !inStack(have.Spec.Labels, name)) throw new CliError(`service ${s.Name} already exists and is not part of stack ${name}`);
      }
      const plan = planServices(
        want.services,
        services.filter((s) => inStack(s.Spec.Labels, name)),
        { prune: flags.prune === true, normalize: normalizeSpec },
      );

      for (const n of want.networks) {
        if (netByName.has(n.Name)) continue;
        ctx.println(`Creating network ${n.Name}`);
        await api.post('/networks/create', n);
      }
      for (const spec of plan.create) {
        ctx.println(`Creating service ${spec.Name}`);
        const res = await api.post<{ Warnings?: string[] | null }>('/services/create', spec);
        for (const w of res.Warnings ?? []) ctx.io.stderr(`warning: ${w}\n`);
      }
      for (const { current, spec } of plan.update) {
        ctx.println(`Updating service ${spec.Name} (id: ${current.ID})`);
        await postServiceUpdate(ctx, current, spec);
      }
      for (const s of plan.remove) {
        ctx.println(`Removing service ${s.Spec.Name}`);
        await api.delete(`/services/${enc(s.ID)}`);
      }
    });
}
