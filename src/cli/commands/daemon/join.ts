// tsswarm join: run this machine as a node of an existing swarm. The token decides the
// role: a worker token runs a worker, a manager token adds a Raft replica (a manager).

import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { CliError, invalidFlag, UsageError } from '../../errors.js';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { loadManagerModule, loadWorkerModule } from './modules.js';
import { runForeground, startDetached } from './lifecycle.js';
import { absDataDir, addTlsFlags, checkAddr, tlsArgs, tlsFilesFrom, toArgs, type DaemonTlsFlags } from './options.js';

interface Flags extends DaemonTlsFlags {
  token: string;
  listenAddr?: string;
  apiAddr?: string;
  advertiseAddr?: string;
  dataDir?: string;
  hostname?: string;
  availability?: string;
  raftAddr?: string;
  detach?: boolean;
}

/** How long after a worker starts its manager code is loaded, for a faster node promote (ms). */
const MANAGER_PRELOAD_DELAY_MS = 2_000;

export const JOIN_MESSAGE = 'This node joined a swarm as a worker.';
export const MANAGER_JOIN_MESSAGE = 'This node joined a swarm as a manager.';

/** A manager's data dir restarts a manager; otherwise the managers say what the token is for. */
async function joinsAsManager(dataDir: string, managerAddrs: string[], token: string): Promise<boolean> {
  try {
    await access(join(dataDir, 'manager', 'raft'));
    return true;
  } catch {
    // no manager data here: ask
  }
  const { requestJoin } = await import('../../../manager/membership/join-client.js');
  try {
    const res = await requestJoin(managerAddrs, { token, node_id: '', hostname: '', cluster_addr: '', raft_addr: '', api_addr: '' }, 10_000);
    return res.role === 'manager';
  } catch (err) {
    // The worker's own session reports refusals and unreachable managers clearly.
    if ((err as { code?: number }).code === 16) throw new CliError(`${(err as Error).message.replace(/^.*?invalid join token/, 'invalid join token')}`);
    return false;
  }
}

export function register(program: Command, ctx: Ctx): void {
  // A worker keeps the TLS files for the API it serves once promoted.
  addTlsFlags(program.command('join'))
    .description('Join a swarm as a worker')
    .argument('<manager-addr>', 'manager cluster address(es): HOST:PORT[,HOST:PORT...]')
    .requiredOption('--token <token>', 'join token (tsswarm swarm join-token worker)')
    .option('--listen-addr <host:port>', 'address this node listens on')
    .option('--advertise-addr <addr>', 'address other nodes reach this one at')
    .option('--api-addr <host:port>', 'control API address, for a manager or a worker promoted later (default 127.0.0.1:2375)')
    .option('--raft-addr <host:port>', 'Raft replication address, for a manager or a worker promoted later (default: listen port + 1)')
    .option('--data-dir <dir>', 'state directory (default /var/lib/tsswarm)')
    .option('--hostname <name>', 'node hostname (default: the machine hostname)')
    .option('--availability <availability>', 'managers: active or drain')
    .option('-d, --detach', 'run in the background (log in DATA_DIR/tsswarm.log)')
    .action(async (addrArg: string, flags: Flags) => {
      const managerAddrs = addrArg.split(',').map((a) => a.trim()).filter((a) => a !== '');
      if (managerAddrs.length === 0) throw new UsageError('no manager address given (HOST:PORT)');
      for (const a of managerAddrs) checkAddr('MANAGER_ADDR', a, 2377);
      if (flags.token.trim() === '') throw invalidFlag('--token', flags.token, 'must not be empty');
      if (flags.listenAddr !== undefined) checkAddr('--listen-addr', flags.listenAddr, 2377);
      if (flags.apiAddr !== undefined) checkAddr('--api-addr', flags.apiAddr, 2375);
      if (flags.raftAddr !== undefined) checkAddr('--raft-addr', flags.raftAddr, 2378);
      if (flags.availability !== undefined && !['active', 'drain'].includes(flags.availability)) {
        throw invalidFlag('--availability', flags.availability, 'must be active or drain');
      }
      const dataDir = absDataDir(flags.dataDir);
      const apiTls = tlsFilesFrom(flags);
      if (flags.detach) {
        const childArgs = [
          'join',
          ...toArgs({
            '--token': flags.token,
            '--listen-addr': flags.listenAddr,
            '--advertise-addr': flags.advertiseAddr,
            '--data-dir': dataDir,
            '--hostname': flags.hostname,
            '--api-addr': flags.apiAddr,
            '--raft-addr': flags.raftAddr,
            '--availability': flags.availability,
            ...tlsArgs(apiTls),
          }),
          managerAddrs.join(','),
        ];
        const ready = await startDetached(ctx, dataDir, childArgs);
        ctx.println(ready.message);
        return;
      }
      if (await joinsAsManager(dataDir, managerAddrs, flags.token)) {
        // A worker promoted earlier comes back as a manager on the addresses it was promoted with.
        const { readPromotedAddrs } = await import('../../../manager/membership/promoted-node.js');
        const promoted = await readPromotedAddrs(dataDir);
        const advertiseAddr = flags.advertiseAddr ?? promoted?.advertiseAddr;
        const raftAddr = flags.raftAddr ?? promoted?.raftAddr;
        await runForeground(ctx, dataDir, 'manager', async () => {
          const { runManager } = await (ctx.io.loadManager ?? loadManagerModule)();
          const m = await runManager({
            listenAddr: flags.listenAddr ?? promoted?.listenAddr ?? '0.0.0.0:2377',
            apiAddr: flags.apiAddr ?? promoted?.apiAddr ?? '127.0.0.1:2375',
            dataDir,
            availability: (flags.availability as 'active' | 'drain' | undefined) ?? 'active',
            allowRemoteApi: false,
            forceNewCluster: false,
            ...(apiTls !== undefined ? { apiTls } : {}),
            joinToken: flags.token,
            joinAddr: managerAddrs.join(','),
            ...(flags.hostname !== undefined ? { hostname: flags.hostname } : {}),
            ...(advertiseAddr !== undefined ? { advertiseAddr } : {}),
            ...(raftAddr !== undefined ? { raftAddr } : {}),
          });
          return { stop: () => m.stop(), ready: { role: 'manager', nodeId: m.nodeId, message: MANAGER_JOIN_MESSAGE } };
        });
        return;
      }
      if (flags.availability !== undefined) {
        throw new UsageError('--availability applies to managers; this token joins a worker (use node update --availability)');
      }
      await runForeground(ctx, dataDir, 'worker', async () => {
        const { runWorker } = await (ctx.io.loadWorker ?? loadWorkerModule)();
        // The manager code is loaded in the background once the worker runs (not before: a
        // restarted worker must reopen its session within the grace period), so a later
        // node promote does not wait for it.
        let managerModule: ReturnType<typeof loadManagerModule> | undefined;
        const loadManager = () => (managerModule ??= (ctx.io.loadManager ?? loadManagerModule)());
        const w = await runWorker({
          managerAddrs,
          token: flags.token,
          dataDir,
          ...(flags.hostname !== undefined ? { hostname: flags.hostname } : {}),
          ...(flags.listenAddr !== undefined ? { listenAddr: flags.listenAddr } : {}),
          ...(flags.advertiseAddr !== undefined ? { advertiseAddr: flags.advertiseAddr } : {}),
          // Stored for a later `node promote`: the worker reports them, the leader checks them.
          ...(flags.raftAddr !== undefined ? { raftAddr: flags.raftAddr } : {}),
          ...(flags.apiAddr !== undefined ? { apiAddr: flags.apiAddr } : {}),
          startManager: async (o) => (await loadManager()).runManager(apiTls !== undefined ? { ...o, apiTls } : o),
        });
        setTimeout(() => void loadManager().catch(() => {}), MANAGER_PRELOAD_DELAY_MS).unref();
        return { stop: () => w.stop(), ready: { role: 'worker', nodeId: w.nodeId, message: JOIN_MESSAGE } };
      });
    });
}
