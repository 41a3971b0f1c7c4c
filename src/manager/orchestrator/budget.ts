// Minimum availability: one disruption budget per service per pass. Every voluntary stop
// (drain, scale-down, rolling update, autoscaler) asks it first; involuntary losses (node
// down, crash) are not asked, they only lower what is left to spend.

/** Label holding a service's budget ("3" or "50%"); a label, so docker CLI updates keep it. */
export const MIN_AVAILABLE_LABEL = 'com.tsswarm.min-available';

export class InvalidMinAvailableError extends Error {
  constructor(readonly value: string) {
    super(`invalid min-available "${value}": expected a non-negative integer or a percentage like 50%`);
    this.name = 'InvalidMinAvailableError';
  }
}

/** Parses "N" or "P%" (0-100); throws InvalidMinAvailableError. */
export function parseMinAvailable(value: string): { count: number } | { percent: number } {
  const v = value.trim();
  const pct = /^(\d{1,3})%$/.exec(v);
  if (pct) {
    const percent = Number(pct[1]);
    if (percent > 100) throw new InvalidMinAvailableError(value);
    return { percent };
  }
  if (!/^\d+$/.test(v)) throw new InvalidMinAvailableError(value);
  return { count: Number(v) };
}

/** The number of running tasks the service must keep, never more than it asks for. */
export function minAvailableOf(labels: Record<string, string> | undefined, desired: number): number {
  const raw = labels?.[MIN_AVAILABLE_LABEL];
  if (raw === undefined) return 0;
  try {
    const m = parseMinAvailable(raw);
    const n = 'count' in m ? m.count : Math.ceil((m.percent / 100) * desired);
    return Math.min(n, desired);
  } catch {
    return 0; // refused at create/update time; a bad stored value imposes nothing
  }
}

interface Stoppable {
  Status: { State: string };
}

/**
 * Counts available *slots* (a slot with at least one running task), not tasks: a slot whose
 * replacement already runs stays available while its old task stops, and a pass can never
 * spend that headroom twice.
 */
export class DisruptionBudget {
  private stopped = 0;
  /** Some voluntary stop was refused this pass. */
  held = false;

  constructor(
    private readonly runningSlots: number,
    readonly min: number,
  ) {}

  get available(): number {
    return this.runningSlots - this.stopped;
  }

  /**
   * May `task` be stopped on purpose now? `covered`: another running task serves its slot,
   * so stopping it costs nothing. If allowed and it costs a slot, that slot is counted.
   */
  tryStop(task: Stoppable, covered = false): boolean {
    if (task.Status.State !== 'running' || covered) return true;
    if (this.available - 1 < this.min) {
      this.held = true;
      return false;
    }
    this.stopped++;
    return true;
  }
}

export interface DrainBlocker {
  service: string;
  minAvailable: number;
  running: number;
  onNode: number;
}

interface BudgetService {
  ID: string;
  Spec: { Name: string; Labels?: Record<string, string>; Mode: { Replicated?: { Replicas?: number } } };
}

interface BudgetTask {
  ServiceID: string;
  NodeID?: string;
  DesiredState: string;
  Status: { State: string };
}

/**
 * Services whose budget a drain of `nodeId` cannot spend at once: their tasks there keep
 * running until replacements run elsewhere. Shared by the CLI's report and tests.
 */
export function drainBlockers(services: BudgetService[], tasks: BudgetTask[], nodeId: string): DrainBlocker[] {
  const out: DrainBlocker[] = [];
  for (const s of services) {
    const replicas = s.Spec.Mode.Replicated?.Replicas;
    if (replicas === undefined) continue;
    const min = minAvailableOf(s.Spec.Labels, replicas);
    if (min === 0) continue;
    const mine = tasks.filter((t) => t.ServiceID === s.ID && t.DesiredState === 'running' && t.Status.State === 'running');
    const onNode = mine.filter((t) => t.NodeID === nodeId).length;
    if (onNode > 0 && mine.length - onNode < min) {
      out.push({ service: s.Spec.Name, minAvailable: min, running: mine.length, onNode });
    }
  }
  return out;
}
