// The load balancer's desired-state model and the interface both data paths implement.
// The caller (worker agent) builds an LbDesiredState from the tasks running on the cluster
// and hands the whole of it to sync(); the data path works out what changed.
import type { Logger } from 'pino';

/** One running task a service's traffic may go to. */
export interface Backend {
  taskId: string;
  ip: string;
  /** Target port inside the task. */
  port: number;
}

export type LbProtocol = 'tcp' | 'udp';

/** Routing mesh: a port published on every host, spread over the service's tasks. */
export interface IngressRule {
  serviceId: string;
  protocol: LbProtocol;
  publishedPort: number;
  /** Running tasks only, in a stable order (round-robin goes through them in this order). */
  backends: Backend[];
}

/** A service's virtual IP on one network, spread over the service's tasks. */
export interface VipRule {
  serviceId: string;
  networkId: string;
  vip: string;
  protocol: LbProtocol;
  port: number;
  backends: Backend[];
}

export interface LbDesiredState {
  ingress: IngressRule[];
  vips: VipRule[];
}

export interface SyncResult {
  /** Distinct services whose rules were added, removed or rewritten. */
  changedServices: number;
  /** Wall time from the call to the rules being in force, in milliseconds. */
  ms: number;
}

export type LbMode = 'nftables' | 'userspace';

export const LB_MODES: readonly LbMode[] = ['nftables', 'userspace'];

/** True for a known data-path name (e.g. the lb_mode a worker reported). */
export function isLbMode(v: unknown): v is LbMode {
  return typeof v === 'string' && (LB_MODES as readonly string[]).includes(v);
}

/** What the worker agent drives; implemented by NftLoadBalancer and UserspaceProxy. */
export interface LoadBalancer {
  readonly mode: LbMode;
  /** Makes the data path match `state`, touching only the services that changed. */
  sync(state: LbDesiredState): Promise<SyncResult>;
  /** Takes one task out of every rule of its service at once (call before stopping it). */
  removeBackend(serviceId: string, taskId: string): Promise<void>;
  /** Removes everything this load balancer installed. */
  teardown(): Promise<void>;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one program with arguments (no shell), optionally feeding `input` on stdin. */
export type CommandRunner = (cmd: string, args: readonly string[], opts?: { input?: string }) => Promise<CommandResult>;

export interface LoadBalancerOptions {
  log: Logger;
  /** nftables table name (family ip); default 'tsswarm'. */
  table?: string;
  run?: CommandRunner;
  /** Run nft, sysctl and conntrack inside this network namespace (tests, the multi-host bed). */
  netns?: string;
}
