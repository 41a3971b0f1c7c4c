// What a worker is told to run and what it reports back: the contract between the agent
// (gRPC session to a manager) and an executor (Docker engine, or the simulated engine).
import type { TaskState } from '../store/objects.js';

export interface AssignedPort {
  protocol: 'tcp' | 'udp' | 'sctp';
  targetPort: number;
  publishedPort: number;
  publishMode: 'ingress' | 'host';
}

export interface AssignedTask {
  id: string;
  serviceId: string;
  serviceName: string;
  /** 0 for global-mode tasks. */
  slot: number;
  nodeId: string;
  image: string;
  command: string[];
  args: string[];
  env: string[];
  labels: Record<string, string>;
  hostname: string;
  dir: string;
  user: string;
  stopGracePeriodMs: number;
  nanoCpus: number;
  memoryBytes: number;
  /** 'running' (or 'complete' for jobs): run it. 'shutdown': stop it, keep the container. */
  desiredState: TaskState;
  ports: AssignedPort[];
}

export interface TaskStatusReport {
  taskId: string;
  state: TaskState;
  message: string;
  err?: string;
  containerId?: string;
  pid?: number;
  exitCode?: number;
  /** ISO time the state was observed. */
  timestamp: string;
}

export interface EngineDescription {
  hostname: string;
  os: string;
  arch: string;
  nanoCpus: number;
  memoryBytes: number;
  engineVersion: string;
  engineLabels: Record<string, string>;
}

/** Runs the tasks a manager assigns on one node. */
export interface Executor {
  describe(): Promise<EngineDescription>;
  /** Adopts what already runs and starts watching; `report` gets every task state change. */
  start(report: (status: TaskStatusReport) => void): Promise<void>;
  /** The full set of tasks assigned to this node; anything else it runs is removed. */
  setAssignments(tasks: AssignedTask[]): void;
  stop(): Promise<void>;
}
