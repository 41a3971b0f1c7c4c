// Types shared by the dashboard's browser modules (checked with JSDoc, see tsconfig.json
// here) and by the TypeScript tests that import view.js. Input types are loose on purpose:
// they describe JSON from the API, read defensively, never trusted.

/** The subset of the API's JSON objects the dashboard reads (src/store/objects.ts shapes). */
export interface ApiNode {
  ID: string;
  Spec?: { Name?: string; Role?: string; Availability?: string; Labels?: Record<string, string> };
  Description?: {
    Hostname?: string;
    Engine?: { EngineVersion?: string };
    TSSwarm?: { LoadBalancer?: string };
  };
  Status?: { State?: string; Message?: string; Addr?: string };
  ManagerStatus?: { Leader?: boolean; Reachability?: string; Addr?: string };
}

export interface ApiPort {
  Name?: string;
  Protocol?: string;
  TargetPort?: number;
  PublishedPort?: number;
  PublishMode?: string;
}

export interface ApiService {
  ID: string;
  Version?: { Index?: number };
  Spec?: {
    Name?: string;
    Labels?: Record<string, string>;
    TaskTemplate?: unknown;
    Mode?: {
      Replicated?: { Replicas?: number };
      Global?: object;
      ReplicatedJob?: { MaxConcurrent?: number; TotalCompletions?: number };
      GlobalJob?: object;
    };
    EndpointSpec?: { Ports?: ApiPort[] };
  };
  Endpoint?: { Ports?: ApiPort[]; VirtualIPs?: Array<{ NetworkID?: string; Addr?: string }> };
  ServiceStatus?: { RunningTasks?: number; DesiredTasks?: number; CompletedTasks?: number };
  /** Docker's field; tsswarm does not set it yet, the dashboard shows it when present. */
  UpdateStatus?: { State?: string; Message?: string };
}

export interface ApiTask {
  ID: string;
  ServiceID?: string;
  Slot?: number;
  NodeID?: string;
  CreatedAt?: string;
  DesiredState?: string;
  Spec?: unknown;
  Status?: { Timestamp?: string; State?: string; Message?: string; Err?: string };
}

export interface ApiNetwork {
  ID: string;
  Name?: string;
}

export interface ApiInfo {
  Name?: string;
  ServerVersion?: string;
  Swarm?: { NodeID?: string; Cluster?: { Spec?: { Name?: string } } };
}

/** One poll's worth of API answers. */
export interface Snapshot {
  info: ApiInfo;
  nodes: ApiNode[];
  services: ApiService[];
  tasks: ApiTask[];
  networks: ApiNetwork[];
}

export interface Summary {
  clusterName: string;
  /** Hostname of the manager that serves this page. */
  servedBy: string;
  version: string;
  managers: number;
  managersReachable: number;
  /** Hostname of the leader, or undefined when no node says it leads. */
  leader: string | undefined;
  nodesTotal: number;
  nodesReady: number;
  nodesDown: number;
  services: number;
  tasksRunning: number;
  tasksDesired: number;
}

export interface NodeRow {
  id: string;
  /** The manager serving this page (the `*` of `docker node ls`). */
  self: boolean;
  hostname: string;
  role: string;
  availability: string;
  status: string;
  statusMessage: string;
  addr: string;
  managerStatus: string;
  tasksRunning: number;
  engineVersion: string;
  loadBalancer: string;
}

export interface TaskRow {
  id: string;
  slot: string;
  node: string;
  desired: string;
  state: string;
  message: string;
  error: string;
  age: string;
  /** False for history: a task the orchestrator no longer wants running. */
  current: boolean;
}

export interface ServiceRow {
  id: string;
  name: string;
  mode: string;
  replicas: string;
  /** Running below desired. */
  degraded: boolean;
  image: string;
  ports: string[];
  vips: string[];
  minAvailable: string;
  update: string;
  tasks: TaskRow[];
}

export interface Model {
  summary: Summary;
  nodes: NodeRow[];
  services: ServiceRow[];
}

/** What the poller knows about the API's health. Times are epoch milliseconds. */
export interface LiveState {
  lastOk: number | undefined;
  failingSince: number | undefined;
  error: string | undefined;
}

export interface RenderOptions {
  /** Service IDs whose task list is expanded. */
  open?: ReadonlySet<string>;
}
