// Picks the data path for this host: nftables when nft works here, else the userspace proxy.
import { NftLoadBalancer, type NftLoadBalancerOptions } from './nft-load-balancer.js';
import { UserspaceProxy } from './userspace-proxy.js';
import type { LoadBalancer } from './types.js';

export interface CreateLoadBalancerOptions extends NftLoadBalancerOptions {
  /** Force a data path instead of probing. */
  mode?: 'nftables' | 'userspace';
  /** Userspace proxy only: address published ports listen on (default 0.0.0.0). */
  bindAddress?: string;
}

export async function createLoadBalancer(opts: CreateLoadBalancerOptions): Promise<LoadBalancer> {
  const nft = opts.mode ? opts.mode === 'nftables' : await NftLoadBalancer.available({ run: opts.run, netns: opts.netns });
  const lb: LoadBalancer = nft ? new NftLoadBalancer(opts) : new UserspaceProxy({ log: opts.log, bindAddress: opts.bindAddress });
  opts.log.info({ 'lb.mode': lb.mode, forced: opts.mode !== undefined }, `load balancer: ${lb.mode}`);
  return lb;
}
