// Reads the cumulative CPU time of every running task container a node owns, through the
// engine's one-shot stats (`GET /containers/ID/stats?stream=false&one-shot=true`, API
// 1.41+): `cpu_stats.cpu_usage.total_usage` is the cgroup's cpuacct counter in ns, the
// same on cgroup v1 and v2 and on every engine of the test bed.
import Dockerode from 'dockerode';
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

  constructor(
    private readonly nodeId: string,
    docker?: Dockerode,
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
    await Promise.all(Array.from({ length: Math.min(MAX_PARALLEL_STATS, queue.length) }, worker));
    return samples;
  }

  private async sampleOne(containerId: string, taskId: string): Promise<ContainerCpuSample | undefined> {
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
