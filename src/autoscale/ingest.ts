// What the dispatcher does with a worker's usage report: check each sample against the
// cluster state and the task's previous samples, keep the good ones in the usage book,
// and say why the others were dropped. A bad report never throws: a worker that sends
// nonsense loses those samples, not its session.
//
// Pure: the store is reached through `lookup`, the time is an argument.
import type { UsageBook } from './usage-book.js';

/** One sample as it came off the wire (numbers unchecked). */
export interface RawTaskUsage {
  taskId: string;
  cpuNs: number;
  atMs: number;
}

/** What ingestion needs to know of a task. */
export interface TaskFacts {
  nodeId: string | undefined;
  /** Running now and meant to run. */
  running: boolean;
}

export interface IngestContext {
  book: UsageBook;
  /** The node whose session sent the report. */
  nodeId: string;
  /** CPUs of that node (0: unknown). */
  nodeCpus: number;
  lookup: (taskId: string) => TaskFacts | undefined;
  nowMs: number;
}

/**
 * `stale`: normal races (the task was just removed or stopped); `invalid`: the worker sent
 * something it should not have (another node's task, a bad counter) and deserves a warning.
 */
export interface Dropped {
  taskId: string;
  kind: 'stale' | 'invalid';
  reason: string;
}

export interface IngestResult {
  accepted: number;
  dropped: Dropped[];
}

/** Most samples one report may carry; the rest are dropped (a node runs far fewer tasks). */
export const MAX_SAMPLES_PER_REPORT = 1000;
/** Largest plausible cumulative counter: ~28 CPU-years (ns), far below float precision loss. */
const MAX_CPU_NS = 2 ** 53 / 10;

export function ingestUsage(ctx: IngestContext, samples: readonly RawTaskUsage[]): IngestResult {
  const dropped: Dropped[] = [];
  let accepted = 0;
  const seen = new Set<string>();
  samples.forEach((s, i) => {
    const taskId = typeof s.taskId === 'string' ? s.taskId : '';
    const drop = (kind: Dropped['kind'], reason: string) => dropped.push({ taskId, kind, reason });
    if (i >= MAX_SAMPLES_PER_REPORT) return drop('invalid', `more than ${MAX_SAMPLES_PER_REPORT} samples in one report`);
    if (taskId === '') return drop('invalid', 'no task id');
    if (seen.has(taskId)) return drop('invalid', 'task sampled twice in one report');
    seen.add(taskId);
    if (!Number.isFinite(s.cpuNs) || s.cpuNs < 0 || s.cpuNs > MAX_CPU_NS) return drop('invalid', `CPU counter out of range: ${s.cpuNs}`);
    if (!Number.isFinite(s.atMs) || s.atMs <= 0) return drop('invalid', `bad sample time: ${s.atMs}`);
    const task = ctx.lookup(taskId);
    if (!task) return drop('stale', 'unknown task');
    if (task.nodeId !== ctx.nodeId) return drop('invalid', `task belongs to node ${task.nodeId ?? '(none)'}`);
    if (!task.running) return drop('stale', 'task is not running');
    const refused = ctx.book.record(taskId, { cpuNs: s.cpuNs, atMs: s.atMs, receivedMs: ctx.nowMs }, ctx.nodeCpus);
    if (refused) return drop(refused === 'duplicate sample' ? 'stale' : 'invalid', refused);
    accepted++;
    return undefined;
  });
  return { accepted, dropped };
}
