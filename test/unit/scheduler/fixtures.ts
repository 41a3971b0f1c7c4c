// Builders for scheduler tests: Docker-shaped nodes, tasks and services with only the
// fields a test cares about spelled out.
import type {
  Node,
  NodeAvailability,
  NodeRole,
  NodeState,
  PortConfig,
  Service,
  Task,
  TaskState,
} from '../../../src/store/objects.js';

export const GB = 1024 ** 3;
export const CPU = 1e9;

const META = { Version: { Index: 1 }, CreatedAt: '2026-01-01T00:00:00Z', UpdatedAt: '2026-01-01T00:00:00Z' };

export interface NodeOpts {
  state?: NodeState;
  availability?: NodeAvailability;
  role?: NodeRole;
  labels?: Record<string, string>;
  engineLabels?: Record<string, string>;
  hostname?: string;
  os?: string;
  arch?: string;
  cpus?: number;
  memoryGB?: number;
  addr?: string;
}

export function node(id: string, o: NodeOpts = {}): Node {
  return {
    ID: id,
    ...META,
    Spec: { Labels: o.labels ?? {}, Role: o.role ?? 'worker', Availability: o.availability ?? 'active' },
    Description: {
      Hostname: o.hostname ?? `host-${id}`,
      Platform: { OS: o.os ?? 'linux', Architecture: o.arch ?? 'x86_64' },
      Resources: { NanoCPUs: (o.cpus ?? 4) * CPU, MemoryBytes: (o.memoryGB ?? 8) * GB },
      Engine: { EngineVersion: '27.0.0', Labels: o.engineLabels ?? {} },
    },
    Status: { State: o.state ?? 'ready', Addr: o.addr ?? '10.0.0.1' },
  };
}

/** `n` nodes `prefix-000`… (zero-padded so ID order is numeric order). */
export function nodes(n: number, o: NodeOpts | ((i: number) => NodeOpts) = {}, prefix = 'n'): Node[] {
  return Array.from({ length: n }, (_, i) => node(`${prefix}-${String(i).padStart(4, '0')}`, typeof o === 'function' ? o(i) : o));
}

export interface TaskOpts {
  nodeId?: string;
  state?: TaskState;
  desired?: TaskState;
  constraints?: string[];
  spread?: string[];
  maxReplicas?: number;
  cpus?: number;
  memoryGB?: number;
}

export function task(id: string, serviceId: string, o: TaskOpts = {}): Task {
  const t: Task = {
    ID: id,
    ...META,
    ServiceID: serviceId,
    Spec: { ContainerSpec: { Image: 'tsswarm/web' } },
    Status: { Timestamp: META.CreatedAt, State: o.state ?? (o.nodeId ? 'running' : 'pending'), Message: '' },
    DesiredState: o.desired ?? 'running',
  };
  if (o.nodeId !== undefined) t.NodeID = o.nodeId;
  if (o.constraints || o.spread || o.maxReplicas) {
    t.Spec.Placement = {};
    if (o.constraints) t.Spec.Placement.Constraints = o.constraints;
    if (o.spread) t.Spec.Placement.Preferences = o.spread.map((d) => ({ Spread: { SpreadDescriptor: d } }));
    if (o.maxReplicas) t.Spec.Placement.MaxReplicas = o.maxReplicas;
  }
  if (o.cpus !== undefined || o.memoryGB !== undefined) {
    t.Spec.Resources = { Reservations: {} };
    if (o.cpus !== undefined) t.Spec.Resources.Reservations!.NanoCPUs = o.cpus * CPU;
    if (o.memoryGB !== undefined) t.Spec.Resources.Reservations!.MemoryBytes = o.memoryGB * GB;
  }
  return t;
}

/** `n` pending tasks of `serviceId`, IDs `<serviceId>.1`…. */
export function tasks(n: number, serviceId: string, o: TaskOpts = {}): Task[] {
  return Array.from({ length: n }, (_, i) => task(`${serviceId}.${i + 1}`, serviceId, o));
}

export function service(id: string, ports: PortConfig[] = []): Service {
  return {
    ID: id,
    ...META,
    Spec: {
      Name: id,
      TaskTemplate: { ContainerSpec: { Image: 'tsswarm/web' } },
      Mode: { Replicated: { Replicas: 1 } },
      EndpointSpec: { Ports: ports },
    },
    Endpoint: { Spec: { Ports: ports } },
  };
}

/** nodeId → number of assignments. */
export function perNode(assignments: ReadonlyArray<{ nodeId: string }>): Map<string, number> {
  const m = new Map<string, number>();
  for (const a of assignments) m.set(a.nodeId, (m.get(a.nodeId) ?? 0) + 1);
  return m;
}
