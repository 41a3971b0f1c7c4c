// tsswarm join: run this machine as a worker of an existing swarm.
// (Manager tokens are not routed to a manager join yet: join always runs a worker.)

import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { invalidFlag, UsageError } from '../../errors.js';
import { loadWorkerModule } from './modules.js';
import { runForeground, startDetached } from './lifecycle.js';
import { absDataDir, checkAddr, toArgs } from './options.js';

interface Flags {
  token: string;
  listenAddr?: string;
  apiAddr?: string;
  advertiseAddr?: string;
  dataDir?: string;
  hostname?: string;
  availability?: string;
  detach?: boolean;
}

export const JOIN_MESSAGE = 'This node joined a swarm as a worker.';

export function register(program: Command, ctx: Ctx): void {
  program
    .command('join')
    .description('Join a swarm as a worker')
    .argument('<manager-addr>', 'manager cluster address(es): HOST:PORT[,HOST:PORT...]')
    .requiredOption('--token <token>', 'join token (tsswarm swarm join-token worker)')
    .option('--listen-addr <host:port>', 'address this node listens on')
    .option('--advertise-addr <addr>', 'address other nodes reach this one at')
    .option('--api-addr <host:port>', 'only for managers (not supported by join yet)')
    .option('--data-dir <dir>', 'state directory (default /var/lib/tsswarm)')
    .option('--hostname <name>', 'node hostname (default: the machine hostname)')
    .option('--availability <availability>', 'only for managers (not supported by join yet)')
    .option('-d, --detach', 'run in the background (log in DATA_DIR/tsswarm.log)')
    .action(async (addrArg: string, flags: Flags) => {
      const managerAddrs = addrArg.split(',').map((a) => a.trim()).filter((a) => a !== '');
      if (managerAddrs.length === 0) throw new UsageError('no manager address given (HOST:PORT)');
      for (const a of managerAddrs) checkAddr('MANAGER_ADDR', a, 2377);
      if (flags.token.trim() === '') throw invalidFlag('--token', flags.token, 'must not be empty');
      if (flags.listenAddr !== undefined) checkAddr('--listen-addr', flags.listenAddr, 2377);
      if (flags.apiAddr !== undefined || flags.availability !== undefined) {
        throw new UsageError(
          '--api-addr and --availability apply to managers; join runs a worker (drain it later with tsswarm node update --availability drain NODE)',
        );
      }
      const dataDir = absDataDir(flags.dataDir);
      if (flags.detach) {
        const childArgs = [
          'join',
          ...toArgs({
            '--token': flags.token,
            '--listen-addr': flags.listenAddr,
            '--advertise-addr': flags.advertiseAddr,
            '--data-dir': dataDir,
            '--hostname': flags.hostname,
          }),
          managerAddrs.join(','),
        ];
        const ready = await startDetached(ctx, dataDir, childArgs);
        ctx.println(ready.message);
        return;
      }
      await runForeground(ctx, dataDir, 'worker', async () => {
        const { runWorker } = await (ctx.io.loadWorker ?? loadWorkerModule)();
        const w = await runWorker({
          managerAddrs,
          token: flags.token,
          dataDir,
          ...(flags.hostname !== undefined ? { hostname: flags.hostname } : {}),
          ...(flags.listenAddr !== undefined ? { listenAddr: flags.listenAddr } : {}),
          ...(flags.advertiseAddr !== undefined ? { advertiseAddr: flags.advertiseAddr } : {}),
        });
        return { stop: () => w.stop(), ready: { role: 'worker', nodeId: w.nodeId, message: JOIN_MESSAGE } };
      });
    });
}
