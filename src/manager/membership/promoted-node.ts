// The worker end of a promotion: a worker process follows the role its session reports.
// Told "manager" (with the Raft secret, members and manager token), it starts the manager
// component in this process next to its agent, which keeps running its tasks; the
// component's replica listens first and then asks to be added (see runManager's
// `promotion`). Told "worker" again after a demotion (the leader has already taken it out
// of the Raft group), it stops the component and removes its replica's data, so a restart
// comes back as a worker.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { RoleChange__Output } from '../../generated/tsswarm/dispatcher/v1/RoleChange.js';
import type { ManagerOptions, RunningManager } from '../daemon.js';

/** A promotion that failed before the node joined is tried again this often, this many times. */
const RETRY_DELAY_MS = 2_000;
const MAX_ATTEMPTS = 5;

export type StartManager = (opts: ManagerOptions) => Promise<RunningManager>;

/** Where a promoted worker keeps the addresses it serves as a manager (for restarts). */
export const PROMOTED_FILE = 'promoted.json';

/** The flags a promoted node's manager component runs with; `tsswarm join` reuses them on restart. */
export interface PromotedAddrs {
  listenAddr: string;
  raftAddr: string;
  apiAddr: string;
  advertiseAddr?: string;
}

export interface PromotedNodeOptions {
  dataDir: string;
  hostname?: string;
  /** The worker's own --listen-addr / --raft-addr / --api-addr, if given. */
  listenAddr?: string;
  raftAddr?: string;
  apiAddr?: string;
  advertiseAddr?: string;
  start: StartManager;
  /** The managers the agent currently knows: the Join goes to them. */
  knownManagers: () => string[];
  log: Logger;
}

/** Bind addresses for the manager component: the worker's flags, else the accepted ports on all interfaces. */
export function promotedAddrs(o: Pick<PromotedNodeOptions, 'listenAddr' | 'raftAddr' | 'apiAddr' | 'advertiseAddr'>, msg: RoleChange__Output): PromotedAddrs {
  const portOf = (a: string) => a.slice(a.lastIndexOf(':') + 1);
  const hostOf = (a: string) => a.slice(0, a.lastIndexOf(':')).replace(/^\[|\]$/g, '');
  return {
    listenAddr: o.listenAddr ?? `0.0.0.0:${portOf(msg.cluster_addr)}`,
    raftAddr: o.raftAddr ?? `0.0.0.0:${portOf(msg.raft_addr)}`,
    apiAddr: o.apiAddr ?? msg.api_addr,
    advertiseAddr: o.advertiseAddr ?? hostOf(msg.cluster_addr),
  };
}

export async function readPromotedAddrs(dataDir: string): Promise<PromotedAddrs | undefined> {
  try {
    return JSON.parse(await fs.readFile(path.join(dataDir, 'manager', PROMOTED_FILE), 'utf8')) as PromotedAddrs;
  } catch {
    return undefined;
  }
}

export class PromotedNode {
  private manager?: RunningManager;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  /** The latest role message; a retry is dropped if a newer one arrived meanwhile. */
  private latest?: RoleChange__Output;
  private retryTimer?: NodeJS.Timeout;

  constructor(private readonly o: PromotedNodeOptions) {}

  get isManager(): boolean {
    return this.manager !== undefined;
  }

  /** Called for every role message; changes are applied one at a time, in order. */
  onRoleChange(msg: RoleChange__Output, attempt = 1): void {
    if (attempt === 1) {
      this.latest = msg;
      clearTimeout(this.retryTimer);
    } else if (msg !== this.latest) {
      return;
    }
    this.chain = this.chain.then(() => this.apply(msg, attempt)).catch((err: Error) => this.o.log.error({ err: err.message }, 'role change failed'));
  }

  /** Waits for a role change under way; for tests and shutdown. */
  settled(): Promise<void> {
    return this.chain;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.chain;
    await this.manager?.stop();
    this.manager = undefined;
  }

  private async apply(msg: RoleChange__Output, attempt: number): Promise<void> {
    if (this.stopped) return;
    if (msg.role === 'manager' && !this.manager && msg.raft_secret) await this.promote(msg, attempt);
    else if (msg.role === 'worker') await this.demote();
  }

  private async promote(msg: RoleChange__Output, attempt: number): Promise<void> {
    const addrs = promotedAddrs(this.o, msg);
    const managerDir = path.join(this.o.dataDir, 'manager');
    this.o.log.info({ ...addrs }, 'promoted: starting the manager component');
    await fs.mkdir(managerDir, { recursive: true, mode: 0o700 });
    await fs.writeFile(path.join(managerDir, PROMOTED_FILE), JSON.stringify(addrs) + '\n');
    try {
      this.manager = await this.o.start({
        listenAddr: addrs.listenAddr,
        apiAddr: addrs.apiAddr,
        raftAddr: addrs.raftAddr,
        ...(addrs.advertiseAddr ? { advertiseAddr: addrs.advertiseAddr } : {}),
        dataDir: this.o.dataDir,
        ...(this.o.hostname ? { hostname: this.o.hostname } : {}),
        availability: 'active',
        allowRemoteApi: false,
        forceNewCluster: false,
        runAgent: false,
        promotion: {
          raftSecret: msg.raft_secret,
          raftPeers: msg.raft_peers,
          managerToken: msg.manager_token,
          joinAddrs: this.o.knownManagers(),
        },
        log: this.o.log.child({ c: 'manager' }),
      });
      this.o.log.info({ api: this.manager.apiAddr, cluster: this.manager.clusterAddr }, 'promoted: this node is now a manager');
    } catch (err) {
      // Only runManager knows whether the Join went through; anything failing before it (the
      // module, the ports) never reached the leader.
      const notAdded = (err as { notAdded?: boolean }).notAdded !== false;
      this.o.log.error(
        { err: (err as Error).message, addedToRaft: !notAdded, attempt },
        notAdded
          ? `promotion failed before this node joined the Raft group (attempt ${attempt} of ${MAX_ATTEMPTS}, then again on the next session); node demote cancels it`
          : 'promotion failed after this node joined the Raft group; restart it (tsswarm join) to run it as a manager, or demote it',
      );
      // Never a member: nothing of the replica is worth keeping, and a restart stays a worker.
      if (notAdded) {
        await this.removeManagerData();
        if (attempt < MAX_ATTEMPTS && !this.stopped) {
          this.retryTimer = setTimeout(() => this.onRoleChange(msg, attempt + 1), RETRY_DELAY_MS);
        }
      }
    }
  }

  private async demote(): Promise<void> {
    if (this.manager) {
      this.o.log.info('demoted: stopping the manager component');
      await this.manager.stop();
      this.manager = undefined;
      await this.removeManagerData();
    } else if (await readPromotedAddrs(this.o.dataDir)) {
      await this.removeManagerData(); // left by a promotion that did not finish
    }
  }

  /** The replica is no longer a member: its data would only confuse a restart. */
  private async removeManagerData(): Promise<void> {
    await fs.rm(path.join(this.o.dataDir, 'manager'), { recursive: true, force: true });
  }
}
