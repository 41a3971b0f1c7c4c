// service create [flags] IMAGE [COMMAND [ARG...]]

import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { collect } from '../util.js';
import { buildServiceSpec, type CreateFlags } from './spec.js';
import { waitForConvergence } from './shared.js';

interface Flags extends CreateFlags {
  detach?: boolean;
  quiet?: boolean;
}

export function register(service: Command, ctx: Ctx): void {
  service
    .command('create')
    .description('Create a new service')
    .argument('<image>', 'image to run')
    .argument('[command...]', 'command and arguments (not parsed as flags)')
    .passThroughOptions()
    .option('--name <name>', 'service name')
    .option('--mode <mode>', 'replicated, global, replicated-job or global-job', 'replicated')
    .option('--replicas <n>', 'number of tasks')
    .option('-p, --publish <port>', 'publish a port: 8080:80[/udp] or published=8080,target=80[,protocol=tcp][,mode=ingress|host]', collect, [])
    .option('-e, --env <K=V>', 'environment variable (repeatable)', collect, [])
    .option('--label <K=V>', 'service label (repeatable)', collect, [])
    .option('--container-label <K=V>', 'container label (repeatable)', collect, [])
    .option('--constraint <expr>', 'placement constraint, e.g. node.labels.zone==east (repeatable)', collect, [])
    .option('--placement-pref <pref>', 'placement preference, e.g. spread=node.labels.zone (repeatable)', collect, [])
    .option('--replicas-max-per-node <n>', 'maximum tasks per node (0 = unlimited)')
    .option('--max-concurrent <n>', 'replicated-job: tasks run at once (default: --replicas)')
    .option('--min-available <n|p%>', 'running tasks that drains, scale-downs and updates must keep (e.g. 3 or 50%)')
    .option('--autoscale <policy>', 'scale on CPU: min=N,max=N,cpu=PERCENT[,down-delay=DURATION] (percent of one CPU per task)')
    .option('--reserve-cpu <cpus>', 'reserve CPUs, e.g. 0.5')
    .option('--reserve-memory <size>', 'reserve memory, e.g. 64M')
    .option('--limit-cpu <cpus>', 'limit CPUs')
    .option('--limit-memory <size>', 'limit memory')
    .option('--restart-condition <cond>', 'none, on-failure or any')
    .option('--restart-delay <duration>', 'delay between restart attempts, e.g. 5s')
    .option('--restart-max-attempts <n>', 'maximum restarts before giving up')
    .option('--restart-window <duration>', 'window used to evaluate the restart policy, e.g. 1m')
    .option('--update-parallelism <n>', 'tasks updated at once (0 = all)')
    .option('--update-delay <duration>', 'delay between updates, e.g. 10s')
    .option('--update-monitor <duration>', 'how long to monitor each updated task')
    .option('--update-order <order>', 'start-first or stop-first')
    .option('--update-failure-action <action>', 'pause, continue or rollback')
    .option('--network <name>', 'attach to a network (repeatable)', collect, [])
    .option('--endpoint-mode <mode>', 'vip or dnsrr')
    .option('--hostname <name>', 'container hostname')
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .option('-u, --user <user>', 'user[:group] inside the container')
    .option('--stop-grace-period <duration>', 'time to wait before killing a container, e.g. 10s')
    .option('--entrypoint <cmd>', 'override the image entrypoint')
    .option('-d, --detach', 'exit immediately instead of waiting for the service to converge')
    .option('-q, --quiet', 'print only the service ID')
    .action(async (image: string, command: string[], flags: Flags) => {
      const spec = buildServiceSpec(flags, image, command);
      const res = await ctx.client().post<{ ID: string; Warnings?: string[] | null }>('/services/create', spec);
      for (const w of res.Warnings ?? []) ctx.io.stderr(`warning: ${w}\n`);
      ctx.println(res.ID);
      if (!flags.detach) await waitForConvergence(ctx, res.ID, { quiet: flags.quiet === true });
    });
}
