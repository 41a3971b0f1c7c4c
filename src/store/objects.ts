// Cluster objects, stored in the shapes of the Docker Engine API (PascalCase, as in
// shared/reference/docker-engine-api.yaml). Keeping one shape end to end means the
// control API hands objects out unchanged and the stock docker CLI reads them as is.
// Fields tsswarm adds beyond the Engine API are marked "tsswarm:".

export interface Version {
  Index: number;
}

export interface Meta {
  ID: string;
  Version: Version;
  CreatedAt: string;
  UpdatedAt: string;
}

export type NodeRole = 'worker' | 'manager';
export type NodeAvailability = 'active' | 'pause' | 'drain';
export type NodeState = 'unknown' | 'down' | 'ready' | 'disconnected';

export interface NodeSpec {
  Name?: string;
  Labels: Record<string, string>;
  Role: NodeRole;
  Availability: NodeAvailability;
}

export interface NodeDescription {
  Hostname: string;
  Platform: { Architecture: string; OS: string };
  Resources: { NanoCPUs: number; MemoryBytes: number };
  Engine: { EngineVersion: string; Labels: Record<string, string> };
  /** tsswarm-specific (ignored by the docker CLI): the routing mesh's data path, as the node probed it. */
  TSSwarm?: { LoadBalancer?: 'nftables' | 'userspace' };
}

export interface ManagerStatus {
  Leader: boolean;
  Reachability: 'unknown' | 'unreachable' | 'reachable';
  Addr: string;
  /** tsswarm: where this manager's Raft replica and control API listen. */
  RaftAddr?: string;
  ApiAddr?: string;
}

export interface Node extends Meta {
  Spec: NodeSpec;
  Description: NodeDescription;
  Status: { State: NodeState; Message?: string; Addr: string };
  ManagerStatus?: ManagerStatus;
  /** tsswarm (as swarmkit): the node's own addresses, e.g. on the ingress network. */
  Attachments?: NetworkAttachment[];
  /** tsswarm: where a worker would serve the dispatcher, Raft and the API once promoted. */
  ManagerEndpoints?: ManagerEndpoints;
}

/** tsswarm: a worker's future manager addresses (host:port; an empty host = the node's Status.Addr). */
export interface ManagerEndpoints {
  Addr: string;
  RaftAddr: string;
  ApiAddr: string;
}

export interface PortConfig {
  Name?: string;
  Protocol: 'tcp' | 'udp' | 'sctp';
  TargetPort: number;
  PublishedPort?: number;
  PublishMode: 'ingress' | 'host';
}

export interface ContainerSpec {
  Image: string;
  Labels?: Record<string, string>;
  Command?: string[];
  Args?: string[];
  Hostname?: string;
  Env?: string[];
  Dir?: string;
  User?: string;
  /** Nanoseconds, as in the Engine API. */
  StopGracePeriod?: number;
}

export interface RestartPolicy {
  Condition?: 'none' | 'on-failure' | 'any';
  /** Nanoseconds. */
  Delay?: number;
  MaxAttempts?: number;
  /** Nanoseconds. */
  Window?: number;
}

export interface ResourceRequirements {
  Limits?: { NanoCPUs?: number; MemoryBytes?: number };
  Reservations?: { NanoCPUs?: number; MemoryBytes?: number };
}

export interface Placement {
  Constraints?: string[];
  Preferences?: Array<{ Spread: { SpreadDescriptor: string } }>;
  MaxReplicas?: number;
}

export interface NetworkAttachmentConfig {
  Target: string;
  Aliases?: string[];
}

export interface TaskSpec {
  ContainerSpec: ContainerSpec;
  Resources?: ResourceRequirements;
  RestartPolicy?: RestartPolicy;
  Placement?: Placement;
  Networks?: NetworkAttachmentConfig[];
  ForceUpdate?: number;
}

export interface ServiceMode {
  Replicated?: { Replicas?: number };
  Global?: Record<string, never>;
  ReplicatedJob?: { MaxConcurrent?: number; TotalCompletions?: number };
  GlobalJob?: Record<string, never>;
}

export interface UpdateConfig {
  Parallelism?: number;
  /** Nanoseconds. */
  Delay?: number;
  FailureAction?: 'continue' | 'pause' | 'rollback';
  /** Nanoseconds. */
  Monitor?: number;
  MaxFailureRatio?: number;
  Order?: 'stop-first' | 'start-first';
}

export interface EndpointSpec {
  Mode?: 'vip' | 'dnsrr';
  Ports?: PortConfig[];
}

export interface ServiceSpec {
  Name: string;
  Labels?: Record<string, string>;
  TaskTemplate: TaskSpec;
  Mode: ServiceMode;
  UpdateConfig?: UpdateConfig;
  RollbackConfig?: UpdateConfig;
  EndpointSpec?: EndpointSpec;
}

export interface Service extends Meta {
  Spec: ServiceSpec;
  PreviousSpec?: ServiceSpec;
  /** tsswarm: the autoscaler's last change of the replica count (src/autoscale). */
  TSSwarm?: { Autoscale?: AutoscaleStatus };
  Endpoint: {
    Spec: EndpointSpec;
    Ports?: PortConfig[];
    VirtualIPs?: Array<{ NetworkID: string; Addr: string }>;
  };
}

/** The autoscaler's last scaling of a service (written with the replica change itself). */
export interface AutoscaleStatus {
  From: number;
  To: number;
  Reason: string;
  /** Average CPU of the counted tasks, in percent of one CPU. */
  AvgCPUPercent?: number;
  Timestamp: string;
}

export type TaskState =
  | 'new'
  | 'allocated'
  | 'pending'
  | 'assigned'
  | 'accepted'
  | 'preparing'
  | 'ready'
  | 'starting'
  | 'running'
  | 'complete'
  | 'shutdown'
  | 'failed'
  | 'rejected'
  | 'remove'
  | 'orphaned';

/** Lifecycle order: a task's state only moves forward along this list. */
export const TASK_STATE_ORDER: readonly TaskState[] = [
  'new',
  'allocated',
  'pending',
  'assigned',
  'accepted',
  'preparing',
  'ready',
  'starting',
  'running',
  'complete',
  'shutdown',
  'failed',
  'rejected',
  'remove',
  'orphaned',
];

export function taskStateRank(state: TaskState): number {
  return TASK_STATE_ORDER.indexOf(state);
}

/** A task past `running` never runs again; its slot needs a new task. */
export function isTerminal(state: TaskState): boolean {
  return taskStateRank(state) > taskStateRank('running');
}

export interface TaskStatus {
  Timestamp: string;
  State: TaskState;
  Message: string;
  Err?: string;
  ContainerStatus?: { ContainerID?: string; PID?: number; ExitCode?: number };
}

export interface Task extends Meta {
  Labels?: Record<string, string>;
  Spec: TaskSpec;
  ServiceID: string;
  /** Replicated services: 1..N. Global services: absent (one task per node). */
  Slot?: number;
  NodeID?: string;
  Status: TaskStatus;
  DesiredState: TaskState;
  /** tsswarm: the service's version the task was created from (rolling updates compare it). */
  SpecVersion?: number;
  NetworksAttachments?: NetworkAttachment[];
}

/** An overlay network, in the Engine API's Network shape (plus the store's Meta). */
export interface Network extends Meta {
  Name: string;
  Scope: 'swarm';
  Driver: 'overlay';
  IPAM: { Driver: string; Config: Array<{ Subnet: string; Gateway: string }> };
  Attachable: boolean;
  /** The routing-mesh network that carries published ports between nodes. */
  Ingress: boolean;
  Internal: boolean;
  Labels: Record<string, string>;
  /** Holds the VNI under Docker's key `com.docker.network.driver.overlay.vxlanid_list`. */
  Options: Record<string, string>;
}

export const VXLAN_ID_OPTION = 'com.docker.network.driver.overlay.vxlanid_list';

export interface NetworkAttachment {
  Network: { ID: string; Spec: { Name: string } };
  /** CIDR notation, e.g. 10.0.1.5/24. */
  Addresses: string[];
}

/** Cluster-wide settings and secrets: one object, ID "cluster". */
export interface Cluster extends Meta {
  Spec: {
    Name: string;
    Dispatcher: { HeartbeatPeriod: number };
    Orchestration: { TaskHistoryRetentionLimit: number };
  };
  JoinTokens: { Worker: string; Manager: string };
}

export interface TableTypes {
  nodes: Node;
  services: Service;
  tasks: Task;
  clusters: Cluster;
  networks: Network;
}
export type TableName = keyof TableTypes;
export const TABLE_NAMES: readonly TableName[] = ['nodes', 'services', 'tasks', 'clusters', 'networks'];
export type AnyObject = TableTypes[TableName];
