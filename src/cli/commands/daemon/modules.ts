// The daemon entry points the CLI starts, as the CLI relies on them. The real modules
// (src/manager/daemon.ts, src/worker/daemon.ts) are loaded lazily so that client commands
// never pay for gRPC, the store or the Docker executor; assigning them to these
// interfaces makes the type checker flag any drift in their signatures.

export interface ManagerOptions {
  /** gRPC cluster address, default 0.0.0.0:2377. */
  listenAddr: string;
  /** HTTP control API, default 127.0.0.1:2375. */
  apiAddr: string;
  dataDir: string;
  hostname?: string;
  availability: 'active' | 'drain';
  allowRemoteApi: boolean;
  forceNewCluster: boolean;
  advertiseAddr?: string;
  joinToken?: string;
  joinAddr?: string;
}

export interface RunningManager {
  stop(): Promise<void>;
  /** Not in the original contract; shown as "current node (ID)" when present. */
  nodeId?: string;
  workerJoinCommand: string;
  managerJoinCommand: string;
  workerToken: string;
}

export interface WorkerOptions {
  managerAddrs: string[];
  token: string;
  dataDir: string;
  hostname?: string;
  listenAddr?: string;
  advertiseAddr?: string;
}

export interface RunningWorker {
  stop(): Promise<void>;
  nodeId: string;
}

export interface ManagerModule {
  runManager(opts: ManagerOptions): Promise<RunningManager>;
}

export interface WorkerModule {
  runWorker(opts: WorkerOptions): Promise<RunningWorker>;
}

export async function loadManagerModule(): Promise<ManagerModule> {
  const mod: ManagerModule = await import('../../../manager/daemon.js');
  return mod;
}

export async function loadWorkerModule(): Promise<WorkerModule> {
  const mod: WorkerModule = await import('../../../worker/daemon.js');
  return mod;
}
