// The leader's memory of recent CPU samples, per task. Workers send each running task's
// cumulative CPU time every few seconds; a task's CPU rate is the counter's growth over
// the recent window. Usage is ephemeral: it lives here only, never in the store or Raft,
// and a new leader starts with an empty book (the autoscaler then waits for fresh data).
//
// Pure: no clock, no I/O; every time is an argument. Validation of what a worker sent
// against the cluster state is in ingest.ts.

/** One reading of a task's cumulative CPU time. */
export interface CpuSample {
  /** Cumulative CPU time of the task's container (ns). */
  cpuNs: number;
  /** When the engine read it, on the worker's clock (ms). Rates compare these. */
  atMs: number;
  /** When the leader received it, on its own clock (ms). Freshness compares these. */
  receivedMs: number;
}

export type SampleRejection =
  | 'duplicate sample'
  | 'older than the last sample'
  | 'counter went backwards'
  | 'faster than the node has CPUs';

export interface UsageBookOptions {
  /** Samples kept per task (oldest dropped first). */
  maxSamplesPerTask?: number;
  /** A gap longer than this between two samples (worker clock) starts a new series (ms). */
  maxGapMs?: number;
}

export interface CpuRate {
  /** Percent of one CPU (100 = one core busy all the time). */
  cpuPercent: number;
  /** Samples in the window the rate was computed over. */
  samples: number;
}

const DEFAULT_MAX_SAMPLES = 32;
const DEFAULT_MAX_GAP_MS = 5 * 60_000;
/** Sampling jitter allowance over the node's CPU count before a rate is called absurd. */
const RATE_SLACK = 1.5;

export class UsageBook {
  private readonly series = new Map<string, CpuSample[]>();
  private readonly maxSamples: number;
  private readonly maxGapMs: number;

  constructor(opts: UsageBookOptions = {}) {
    this.maxSamples = opts.maxSamplesPerTask ?? DEFAULT_MAX_SAMPLES;
    this.maxGapMs = opts.maxGapMs ?? DEFAULT_MAX_GAP_MS;
  }

  /**
   * Adds a sample, or refuses it. A sample older than the last, or a counter lower than
   * the last, is refused and the task's series restarts (so one bad reading cannot block
   * the good ones after it). `nodeCpus` bounds the plausible rate (0: unknown).
   */
  record(taskId: string, sample: CpuSample, nodeCpus: number): SampleRejection | undefined {
    const list = this.series.get(taskId);
    const last = list?.[list.length - 1];
    if (!list || !last) {
      this.series.set(taskId, [sample]);
      return undefined;
    }
    if (sample.atMs === last.atMs) return 'duplicate sample';
    if (sample.atMs < last.atMs) {
      this.series.delete(taskId);
      return 'older than the last sample';
    }
    if (sample.cpuNs < last.cpuNs) {
      this.series.delete(taskId);
      return 'counter went backwards';
    }
    if (sample.atMs - last.atMs > this.maxGapMs) {
      this.series.set(taskId, [sample]);
      return undefined;
    }
    const cores = (sample.cpuNs - last.cpuNs) / ((sample.atMs - last.atMs) * 1e6);
    const bound = (nodeCpus > 0 ? nodeCpus : 1024) * RATE_SLACK;
    if (cores > bound) return 'faster than the node has CPUs';
    list.push(sample);
    if (list.length > this.maxSamples) list.splice(0, list.length - this.maxSamples);
    return undefined;
  }

  /** Samples known for the task. */
  count(taskId: string): number {
    return this.series.get(taskId)?.length ?? 0;
  }

  /**
   * The task's CPU rate from its latest sample back to the oldest within `windowMs`
   * (worker clock); undefined without two such samples, or when the latest arrived more
   * than `staleMs` before `nowMs` (leader clock): a silent worker's last rate is no signal.
   */
  rate(taskId: string, nowMs: number, windowMs: number, staleMs: number): CpuRate | undefined {
    const list = this.series.get(taskId);
    const last = list?.[list.length - 1];
    if (!list || !last || nowMs - last.receivedMs > staleMs) return undefined;
    let first: CpuSample | undefined;
    let samples = 0;
    for (const s of list) {
      if (last.atMs - s.atMs > windowMs) continue;
      first ??= s;
      samples++;
    }
    if (!first || first === last) return undefined;
    const cores = (last.cpuNs - first.cpuNs) / ((last.atMs - first.atMs) * 1e6);
    return { cpuPercent: cores * 100, samples };
  }

  /** Forgets every task not in `live` (removed, finished, or moved on). */
  retain(live: ReadonlySet<string>): void {
    for (const id of this.series.keys()) if (!live.has(id)) this.series.delete(id);
  }

  /** Forgets everything (this manager stopped leading). */
  clear(): void {
    this.series.clear();
  }

  get size(): number {
    return this.series.size;
  }
}
