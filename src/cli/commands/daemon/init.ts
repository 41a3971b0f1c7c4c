// tsswarm init: start a new swarm with this node as its (single) manager.

import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { invalidFlag, UsageError } from '../../errors.js';
import { parseChoice, parseDuration } from '../../parse/values.js';
import { loadManagerModule } from './modules.js';
import { runForeground, startDetached } from './lifecycle.js';
import { absDataDir, addTlsFlags, checkAddr, DEFAULT_API_ADDR, DEFAULT_LISTEN_ADDR, isLoopbackHost, tlsArgs, tlsFilesFrom, toArgs, type DaemonTlsFlags } from './options.js';

interface Flags extends DaemonTlsFlags {
  listenAddr: string;
  apiAddr: string;
  dataDir?: string;
  hostname?: string;
  availability: string;
  advertiseAddr?: string;
  raftAddr?: string;
  dispatcherHeartbeat?: string;
  allowRemoteApi?: boolean;
  forceNewCluster?: boolean;
  detach?: boolean;
}

export function initMessage(nodeId: string | undefined, workerJoinCommand: string): string {
  return [
    `Swarm initialized: current node${nodeId ? ` (${nodeId})` : ''} is now a manager.`,
    '',
    'To add a worker to this swarm, run the following command:',
    '',
    `    ${workerJoinCommand}`,
    '',
    "To add a manager to this swarm, run 'tsswarm swarm join-token manager' and follow the instructions.",
    '',
  ].join('\n');
}

export function register(program: Command, ctx: Ctx): void {
  addTlsFlags(program.command('init'))
    .description('Start a new swarm with this node as its manager')
    .option('--listen-addr <host:port>', 'cluster (gRPC) address', DEFAULT_LISTEN_ADDR)
    .option('--api-addr <host:port>', 'HTTP API address (loopback only unless --tlsverify or --allow-remote-api)', DEFAULT_API_ADDR)
    .option('--data-dir <dir>', 'state directory (default /var/lib/tsswarm)')
    .option('--hostname <name>', 'node hostname (default: the machine hostname)')
    .option('--availability <availability>', 'active or drain', 'active')
    .option('--advertise-addr <addr>', 'address other nodes reach this manager at')
    .option('--allow-remote-api', 'serve the API on a non-loopback address without TLS (no authentication)')
    .option('--force-new-cluster', 'start a new cluster from the existing state')
    .option('--raft-addr <host:port>', 'Raft replication address (default: listen port + 1)')
    .option('--dispatcher-heartbeat <duration>', 'worker heartbeat period; a node is down after 3 missed (default 1s)')
    .option('-d, --detach', 'run in the background (log in DATA_DIR/tsswarm.log)')
    .action(async (flags: Flags) => {
      checkAddr('--listen-addr', flags.listenAddr, 2377);
      const api = checkAddr('--api-addr', flags.apiAddr, 2375);
      const availability = parseChoice('--availability', flags.availability, ['active', 'drain']);
      const apiTls = tlsFilesFrom(flags);
      if (!isLoopbackHost(api.host) && !flags.allowRemoteApi && apiTls === undefined) {
        throw new UsageError(
          `--api-addr ${flags.apiAddr} is not a loopback address: without TLS the API has no authentication; ` +
            'serve it with --tlsverify --tlscacert --tlscert --tlskey, or pass --allow-remote-api to expose it anyway',
        );
      }
      const dataDir = absDataDir(flags.dataDir);
      const heartbeatNs = flags.dispatcherHeartbeat === undefined ? undefined : parseDuration('--dispatcher-heartbeat', flags.dispatcherHeartbeat);
      if (heartbeatNs !== undefined && heartbeatNs < 100e6) throw invalidFlag('--dispatcher-heartbeat', flags.dispatcherHeartbeat ?? '', 'must be at least 100ms');
      if (flags.detach) {
        const childArgs = [
          'init',
          ...toArgs({
            '--listen-addr': flags.listenAddr,
            '--api-addr': flags.apiAddr,
            '--data-dir': dataDir,
            '--hostname': flags.hostname,
            '--availability': availability,
            '--advertise-addr': flags.advertiseAddr,
            '--raft-addr': flags.raftAddr,
            '--dispatcher-heartbeat': flags.dispatcherHeartbeat,
            '--allow-remote-api': flags.allowRemoteApi,
            '--force-new-cluster': flags.forceNewCluster,
            ...tlsArgs(apiTls),
          }),
        ];
        const ready = await startDetached(ctx, dataDir, childArgs);
        ctx.println(ready.message);
        return;
      }
      await runForeground(ctx, dataDir, 'manager', async () => {
        const { runManager } = await (ctx.io.loadManager ?? loadManagerModule)();
        const m = await runManager({
          listenAddr: flags.listenAddr,
          apiAddr: flags.apiAddr,
          dataDir,
          availability,
          allowRemoteApi: flags.allowRemoteApi === true,
          forceNewCluster: flags.forceNewCluster === true,
          ...(apiTls !== undefined ? { apiTls } : {}),
          ...(flags.hostname !== undefined ? { hostname: flags.hostname } : {}),
          ...(flags.advertiseAddr !== undefined ? { advertiseAddr: flags.advertiseAddr } : {}),
          ...(flags.raftAddr !== undefined ? { raftAddr: flags.raftAddr } : {}),
          ...(heartbeatNs !== undefined ? { heartbeatPeriodMs: heartbeatNs / 1e6 } : {}),
        });
        return {
          stop: () => m.stop(),
          ready: {
            role: 'manager',
            nodeId: m.nodeId ?? '',
            message: initMessage(m.nodeId, m.workerJoinCommand),
            workerJoinCommand: m.workerJoinCommand,
            managerJoinCommand: m.managerJoinCommand,
          },
        };
      });
    });
}
