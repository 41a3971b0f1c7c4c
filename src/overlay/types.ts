// The overlay driver's vocabulary: the desired state it is handed, and what it reports back.
// Desired state comes from the manager's allocations (networks with a VNI and subnet, tasks
// with an IP and MAC per network); the driver programs one host to match it.

export interface OverlayNetwork {
  id: string;
  name: string;
  /** VXLAN network identifier, 1..16777215 (the manager allocates from 4096 up). */
  vni: number;
  /** IPv4 CIDR, e.g. 10.0.9.0/24. */
  subnet: string;
  /** IPv4 address inside the subnet; lives on the sandbox bridge. */
  gateway: string;
  /** Default {@link DEFAULT_MTU}. */
  mtu?: number;
}

/** A task running on this host, attached to one overlay network. */
export interface LocalEndpoint {
  taskId: string;
  networkId: string;
  /** A process inside the container's network namespace (the driver enters /proc/PID/ns/net). */
  containerPid: number;
  ip: string;
  prefixLen: number;
  mac: string;
  /** Interface name in the container; default the lowest free eth1, eth2, … in network order. */
  ifName?: string;
}

/** A task on another host; this host learns how to reach it (FDB + neighbour entry). */
export interface RemoteEndpoint {
  taskId: string;
  networkId: string;
  ip: string;
  mac: string;
  /** Underlay IP of the host running the task. */
  hostAddr: string;
}

export interface OverlayDesiredState {
  networks: OverlayNetwork[];
  local: LocalEndpoint[];
  remote: RemoteEndpoint[];
}

export const DEFAULT_MTU = 1450;
export const VXLAN_PORT = 4789;

/** What one sync changed. A sync of an already-programmed state reports changes = 0. */
export interface SyncReport {
  networksCreated: number;
  /** Sandboxes deleted and made again because their bridge or VXLAN device did not match. */
  networksRebuilt: number;
  /** Small in-place fixes: vxlan0 alias of a renamed network, stray links deleted, sysctls. */
  networksUpdated: number;
  networksRemoved: number;
  localAdded: number;
  localRemoved: number;
  remoteAdded: number;
  remoteUpdated: number;
  remoteRemoved: number;
  /** Sum of all the counts above. */
  changes: number;
  /** iproute2/nsenter processes this sync ran, reads included. */
  commands: number;
  durationMs: number;
}

/** Read back from the kernel by {@link OverlayDriver.programmed}; sorted for deep equality. */
export interface ProgrammedState {
  networks: ProgrammedNetwork[];
}

export interface ProgrammedNetwork {
  vni: number;
  /** Netns name of the sandbox. */
  sandbox: string;
  networkId: string | null;
  name: string | null;
  /** Gateway address on gw0 as ADDR/PREFIX, null when missing. */
  gateway: string | null;
  mtu: number | null;
  vxlan: ProgrammedVxlan | null;
  /** Sorted by taskId. Only the containers that were read (programmed() reads every netns). */
  local: ProgrammedLocal[];
  /** Sorted by ip (entries with only an FDB row last, by mac). */
  remote: ProgrammedRemote[];
}

export interface ProgrammedVxlan {
  id: number;
  local: string | null;
  port: number | null;
  learning: boolean;
  proxy: boolean;
  mtu: number;
  master: string | null;
  up: boolean;
}

export interface ProgrammedLocal {
  taskId: string;
  /** The lowest PID in the container's netns. */
  containerPid: number;
  /** The endpoint macvlan in the container. */
  ifName: string;
  ip: string | null;
  mac: string | null;
  mtu: number;
  /** macvlan mode (always 'bridge' when the driver made it). */
  mode: string | null;
}

export interface ProgrammedRemote {
  ip: string | null;
  mac: string;
  /** FDB destinations (one unless programmed by hand). */
  hostAddrs: string[];
}
