// The load balancer's public surface: routing mesh (published ports) and service VIPs.
export { chooseLbMode, createLoadBalancer } from './create.js';
export type { CreateLoadBalancerOptions, LbModeChoice } from './create.js';
export { NftLoadBalancer, DEFAULT_MASQ_MARK } from './nft-load-balancer.js';
export type { NftLoadBalancerOptions } from './nft-load-balancer.js';
export { UserspaceProxy, DEFAULT_UDP_IDLE_MS } from './userspace-proxy.js';
export type { UserspaceProxyOptions } from './userspace-proxy.js';
export { spawnRunner, inNetns } from './command.js';
export { LbError, LbStateError, NftError } from './errors.js';
export { isLbMode, LB_MODES } from './types.js';
export type {
  Backend,
  CommandResult,
  CommandRunner,
  IngressRule,
  LbDesiredState,
  LbMode,
  LbProtocol,
  LoadBalancer,
  LoadBalancerOptions,
  SyncResult,
  VipRule,
} from './types.js';
