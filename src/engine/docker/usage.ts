// Reads the cumulative CPU time of every running task container a node owns: from the
// container's cgroup through its init PID (cgroup-cpu.ts; a file read, the PID kept per
// container), or, where that cannot be read (a remote engine, another PID namespace), from
// the engine's one-shot stats (`GET /containers/ID/stats?stream=false&one-shot=true`, API
// 1.41+), whose `cpu_stats.cpu_usage.total_usage` is the same counter in ns but costs the
// engine about a second per container.
import Dockerode from 'dockerode';
import { cgroupCpuNs, type CgroupRoots } from './cgroup-cpu.js';
import { isNotFound } from './errors.js';
import { nodeLabelFilter, taskIdOf } from './labels.js';

export interface ContainerCpuSample {
  taskId: string;
  /** Cumulative CPU time of the container (ns). */
  cpuNs: number;
  /** When the engine read the counter (ms since the epoch, this machine's clock). */
  atMs: number;
}

/** Engines before API 1.41 ignore one-shot and take ~1 s per call; still correct. */
const STATS_OPTIONS = { stream: false, 'one-shot': true } as const;
/** Stats calls in flight at once: a node with many tasks must not flood its engine. */
const MAX_PARALLEL_STATS = 8;

/** The engine's `read` time; undefined when missing or Go's zero time (a stopped container). */
function readTime(read: string | undefined): number | undefined {
  const t = read ? Date.parse(read) : NaN;
  return Number.isFinite(t) && t > 0 ? t : undefined;
}

export class DockerUsageSource {
  private readonly docker: Dockerode;
  /** Init PID per running container (inspected once; re-inspected when its cgroup says otherwise). */
  private readonly pids = new Map<string, number>();
  /** Containers whose cgroup could not be read: the engine's stats for them. */
  private readonly viaStats = new Set<string>();

  constructor(
    private readonly nodeId: string,
    docker?: Dockerode,
    private readonly cgroupRoots?: CgroupRoots,
  ) {
    this.docker = docker ?? new Dockerode();
  }

  /** One sample per running container of this node that carries a task id. */
  async sample(): Promise<ContainerCpuSample[]> {
    const listed = await this.docker.listContainers({ filters: { label: [nodeLabelFilter(this.nodeId)], status: ['running'] } });
    const queue = listed.flatMap((info) => {
      const taskId = taskIdOf(info.Labels);
      return taskId ? [{ id: info.Id, taskId }] : [];
    });
    const samples: ContainerCpuSample[] = [];
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const sample = await this.sampleOne(next.id, next.taskId);
        if (sample) samples.push(sample);
      }
    };
    const live = new Set(queue.map((q) => q.id));
    await Promise.all(Array.from({ length: Math.min(MAX_PARALLEL_STATS, queue.length) }, worker));
    for (const id of [...this.pids.keys(), ...this.viaStats]) {
      if (!live.has(id)) {
        this.pids.delete(id);
        this.viaStats.delete(id);
      }
    }
    return samples;
  }

  private async sampleOne(containerId: string, taskId: string): Promise<ContainerCpuSample | undefined> {
    if (!this.viaStats.has(containerId)) {
      const fromCgroup = await this.fromCgroup(containerId, taskId);
      if (fromCgroup !== 'unreadable') return fromCgroup;
      this.viaStats.add(containerId);
    }
    return this.fromStats(containerId, taskId);
  }

  /** From the cgroup; 'unreadable' when this container's cgroup cannot be read from here. */
  private async fromCgroup(containerId: string, taskId: string): Promise<ContainerCpuSample | undefined | 'unreadable'> {
    for (let attempt = 0; attempt < 2; attempt++) {
      let pid = this.pids.get(containerId);
      if (pid === undefined) {
        try {
          pid = (await this.docker.getContainer(containerId).inspect()).State.Pid;
        } catch (err) {
          if (isNotFound(err)) return undefined; // removed since the listing
          throw err;
        }
        if (!pid) return undefined; // stopped since the listing
        this.pids.set(containerId, pid);
      }
      const atMs = Date.now();
      const cpuNs = await cgroupCpuNs(pid, containerId, this.cgroupRoots);
      if (cpuNs !== undefined) return { taskId, cpuNs, atMs };
      // The PID may be stale (the container restarted): inspect once more.
      this.pids.delete(containerId);
    }
    return 'unreadable';
  }

  private async fromStats(containerId: string, taskId: string): Promise<ContainerCpuSample | undefined> {
    try {
      const stats = await this.docker.getContainer(containerId).stats(STATS_OPTIONS);
      const cpuNs = stats.cpu_stats?.cpu_usage?.total_usage;
      const atMs = readTime(stats.read);
      // A container that stopped since the listing reports zeros and no read time.
      if (typeof cpuNs !== 'number' || !Number.isFinite(cpuNs) || atMs === undefined) return undefined;
      return { taskId, cpuNs, atMs };
    } catch (err) {
      if (isNotFound(err)) return undefined; // removed since the listing
      throw err;
    }
  }
}
