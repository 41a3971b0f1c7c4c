// Picks the data path for this host: nftables when nft works here, else the userspace proxy.
import { NftLoadBalancer, type NftLoadBalancerOptions } from './nft-load-balancer.js';
import { UserspaceProxy } from './userspace-proxy.js';
import type { CommandRunner, LbMode, LoadBalancer } from './types.js';

export interface CreateLoadBalancerOptions extends NftLoadBalancerOptions {
  /** Force a data path instead of probing (e.g. the mode chooseLbMode() picked at start). */
  mode?: LbMode;
  /** Userspace proxy only: address published ports listen on (default 0.0.0.0). */
  bindAddress?: string;
}

/** The data path a host uses, and why: what a worker logs and reports to the manager. */
export interface LbModeChoice {
  mode: LbMode;
  reason: string;
}

/** Probes nft here (a scratch table) unless `forced` names a mode; never throws. */
export async function chooseLbMode(opts: { run?: CommandRunner; netns?: string; forced?: LbMode; forcedBy?: string }): Promise<LbModeChoice> {
  if (opts.forced) return { mode: opts.forced, reason: `forced${opts.forcedBy ? ` by ${opts.forcedBy}` : ''}` };
  const failure = await NftLoadBalancer.probe({ run: opts.run, netns: opts.netns });
  if (failure === undefined) return { mode: 'nftables', reason: 'nft can create tables in this network namespace' };
  return { mode: 'userspace', reason: `nftables unusable (${failure})` };
}

/**
 * Builds the data path. With `mode` the caller has already chosen (and logged) it; without,
 * nft is probed here and the choice logged as lb.mode.
 */
export async function createLoadBalancer(opts: CreateLoadBalancerOptions): Promise<LoadBalancer> {
  const choice = opts.mode ? undefined : await chooseLbMode({ run: opts.run, netns: opts.netns });
  const mode = opts.mode ?? choice?.mode;
  const lb: LoadBalancer = mode === 'nftables' ? new NftLoadBalancer(opts) : new UserspaceProxy({ log: opts.log, bindAddress: opts.bindAddress });
  if (choice) opts.log.info({ 'lb.mode': lb.mode, reason: choice.reason }, `load balancer: ${lb.mode}`);
  else opts.log.debug({ 'lb.mode': lb.mode }, `load balancer: ${lb.mode} (chosen by the caller)`);
  return lb;
}
