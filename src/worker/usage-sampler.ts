// Samples the node's task containers' CPU counters every period and hands each round to
// the agent, which sends it on the session (or drops it while no session is open: usage
// is a live signal, an old round is worth nothing). One round at a time; a round that
// overruns the period makes the next one wait, never pile up.
import type { Logger } from 'pino';

export interface TaskCpuSample {
  taskId: string;
  cpuNs: number;
  atMs: number;
}

export interface UsageSamplerOptions {
  /** Reads every running task container's counter (e.g. DockerUsageSource.sample). */
  sample: () => Promise<TaskCpuSample[]>;
  /** Sends a round; returns false when it could not (no session). */
  send: (samples: TaskCpuSample[]) => boolean;
  periodMs: number;
  log: Logger;
}

export class UsageSampler {
  private timer?: NodeJS.Timeout;
  private sampling = false;
  private failing = false;

  constructor(private readonly opts: UsageSamplerOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.round(), this.opts.periodMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One sampling round (the timer's; exposed for tests). */
  async round(): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      const samples = await this.opts.sample();
      if (this.failing) this.opts.log.info('usage sampling works again');
      this.failing = false;
      if (samples.length > 0) this.opts.send(samples);
    } catch (err) {
      // Logged once per failing streak: an engine that is down would otherwise flood the log.
      if (!this.failing) this.opts.log.warn({ err }, 'usage sampling failed; retrying every period');
      this.failing = true;
    } finally {
      this.sampling = false;
    }
  }
}
