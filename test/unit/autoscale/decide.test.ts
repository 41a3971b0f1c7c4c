// The pure decision rule, on a pinned clock: the HPA formula, the tolerance band, missing
// tasks, the scale-up step limit, scale-down stabilization, bounds, and a simulated run
// of a load spike and its end.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, remember, type DecideInput, type Recommendation, type TaskUsage } from '../../../src/autoscale/decide.js';
import type { AutoscalePolicy } from '../../../src/autoscale/policy.js';

const NOW = 1_000_000;
const GRACE = 10_000;
const policy = (p: Partial<AutoscalePolicy> = {}): AutoscalePolicy => ({ min: 1, max: 10, targetCpuPercent: 50, scaleDownDelayMs: 60_000, ...p });

/** Tasks with these CPU rates, all running long enough, each with plenty of samples. */
const busy = (...rates: number[]): TaskUsage[] =>
  rates.map((cpuPercent, i) => ({ taskId: `t${i}`, cpuPercent, samples: 5, runningSinceMs: NOW - 60_000 }));

function run(p: Partial<DecideInput> & { replicas: number; tasks: TaskUsage[] }): ReturnType<typeof decide> {
  return decide({ policy: policy(), history: [], nowMs: NOW, startupGraceMs: GRACE, ...p });
}

void describe('autoscale decide: the formula', () => {
  void it('desired = ceil(replicas × avg / target)', () => {
    assert.equal(run({ replicas: 2, tasks: busy(100, 100) }).replicas, 4); // ratio 2
    assert.equal(run({ replicas: 3, tasks: busy(60, 60, 60) }).replicas, 4); // 3.6 → 4
    assert.equal(run({ replicas: 4, tasks: busy(80, 70, 60, 50) }).replicas, 6); // avg 65 → 5.2 → 6
  });

  void it('an exact multiple is not rounded up by float noise', () => {
    // (0.1 + 0.2) × 50 is 15.000000000000002: 4 × 1.5000000000000002 is still 6, not 7.
    const noisy = (0.1 + 0.2) * 50;
    const d = run({ replicas: 4, policy: policy({ targetCpuPercent: 10 }), tasks: busy(noisy, noisy, noisy, noisy) });
    assert.ok(((d.avgCpuPercent ?? 0) / 10) * 4 > 6, 'the noise is there');
    assert.equal(d.replicas, 6);
  });

  void it('reports the average CPU and how many tasks counted', () => {
    const d = run({ replicas: 2, tasks: busy(90, 30) });
    assert.equal(d.avgCpuPercent, 60);
    assert.equal(d.counted, 2);
    assert.match(d.reason, /avg CPU 60% of target 50% over 2 task\(s\)/);
  });
});

void describe('autoscale decide: tolerance', () => {
  void it('within ±10 % of the target nothing changes', () => {
    for (const cpu of [45, 46, 50, 54, 55]) {
      const d = run({ replicas: 4, tasks: busy(cpu, cpu, cpu, cpu) });
      assert.equal(d.replicas, undefined, `cpu ${cpu}`);
      assert.equal(d.recommendation, 4);
      assert.match(d.reason, /within the 10% tolerance/);
    }
  });

  void it('just outside the band it moves', () => {
    assert.equal(run({ replicas: 4, tasks: busy(56, 56, 56, 56) }).replicas, 5);
    // Down: ceil(4 × 0.88) = 4 — outside the band but no smaller count fits; then 0.7 → 3.
    assert.equal(run({ replicas: 4, tasks: busy(44, 44, 44, 44), policy: policy({ scaleDownDelayMs: 0 }) }).replicas, undefined);
    assert.equal(run({ replicas: 4, tasks: busy(35, 35, 35, 35), policy: policy({ scaleDownDelayMs: 0 }) }).replicas, 3);
  });

  void it('a custom tolerance', () => {
    assert.equal(run({ replicas: 4, tasks: busy(60, 60, 60, 60), tolerance: 0.25 }).replicas, undefined);
    assert.equal(run({ replicas: 4, tasks: busy(60, 60, 60, 60), tolerance: 0.1 }).replicas, 5);
  });
});

void describe('autoscale decide: which tasks count', () => {
  void it('no usage at all: no change, and the current count is the recommendation', () => {
    const d = run({ replicas: 3, tasks: [] });
    assert.deepEqual([d.replicas, d.recommendation, d.counted], [undefined, 3, 0]);
    assert.match(d.reason, /no usage data/);
  });

  void it('a gap without data restarts the scale-down delay', () => {
    const p = policy({ scaleDownDelayMs: 10_000 });
    let history: Recommendation[] = [{ atMs: NOW - 20_000, replicas: 4 }];
    // No data at NOW - 5 s (tasks being replaced): that pass recommends the current 4.
    const gap = decide({ policy: p, replicas: 4, tasks: [], history, nowMs: NOW - 5_000, startupGraceMs: GRACE });
    history = remember(history, { atMs: NOW - 5_000, replicas: gap.recommendation ?? 0 }, p.scaleDownDelayMs);
    // Idle data now: held until the gap's 4 is 10 s old.
    assert.equal(run({ replicas: 4, tasks: busy(0, 0, 0, 0), policy: p, history }).replicas, undefined);
    assert.equal(decide({ policy: p, replicas: 4, tasks: busy(0, 0, 0, 0), history, nowMs: NOW + 5_001, startupGraceMs: GRACE }).replicas, 1);
  });

  void it('tasks with fewer than two samples or no rate do not count', () => {
    const tasks: TaskUsage[] = [
      { taskId: 'a', cpuPercent: 100, samples: 1, runningSinceMs: NOW - 60_000 },
      { taskId: 'b', cpuPercent: undefined, samples: 0, runningSinceMs: NOW - 60_000 },
    ];
    assert.equal(run({ replicas: 2, tasks }).replicas, undefined);
    assert.match(run({ replicas: 2, tasks }).reason, /no usage data/);
  });

  void it('tasks inside the start-up grace do not count', () => {
    const fresh: TaskUsage = { taskId: 'f', cpuPercent: 400, samples: 5, runningSinceMs: NOW - GRACE + 1 };
    assert.match(run({ replicas: 1, tasks: [fresh] }).reason, /no usage data/);
    assert.equal(run({ replicas: 1, tasks: [{ ...fresh, runningSinceMs: NOW - GRACE }] }).replicas, 5);
  });

  void it('a NaN or infinite rate is ignored', () => {
    const tasks = [...busy(100), { taskId: 'x', cpuPercent: Number.NaN, samples: 5, runningSinceMs: 0 }, { taskId: 'y', cpuPercent: Infinity, samples: 5, runningSinceMs: 0 }];
    const d = run({ replicas: 3, tasks });
    assert.equal(d.counted, 1);
  });

  void it('scaling up, tasks without usage count as idle: a fresh task does not double the step', () => {
    // 2 replicas, one measured at 100 % (target 50): alone it says ceil(2 × 2) = 4, but
    // with the other assumed idle the average is 50 %: at target, no change.
    const d = run({ replicas: 2, tasks: busy(100) });
    assert.equal(d.replicas, undefined);
    assert.match(d.reason, /without usage yet/);
    // 2 replicas, one at 200 %: (200 + 0) / 2 = 100 % → ratio 2 → 4.
    assert.equal(run({ replicas: 2, tasks: busy(200) }).replicas, 4);
  });

  void it('scaling down, tasks without usage count as at target: no early scale-down', () => {
    const p = policy({ scaleDownDelayMs: 0 });
    // 4 replicas, one measured idle, three unknown (as at target): (0 + 3 × 50) / 4 = 37.5 % → 3.
    assert.equal(run({ replicas: 4, tasks: busy(0), policy: p }).replicas, 3);
    // 2 replicas, one at 40 % and one unknown: (40 + 50) / 2 = 45 % → inside the band: no change.
    assert.equal(run({ replicas: 2, tasks: busy(40), policy: p }).replicas, undefined);
  });
});

void describe('autoscale decide: step limits and bounds', () => {
  void it('a scale-up step is at most ×2 or +4, whichever is larger', () => {
    const p = policy({ max: 100, targetCpuPercent: 10 });
    assert.equal(run({ replicas: 1, tasks: busy(1000), policy: p }).replicas, 5); // wants 100, +4
    assert.equal(run({ replicas: 2, tasks: busy(1000, 1000), policy: p }).replicas, 6); // +4 > ×2
    assert.equal(run({ replicas: 10, tasks: busy(...Array(10).fill(1000)), policy: p }).replicas, 20); // ×2
    const d = run({ replicas: 10, tasks: busy(...Array(10).fill(1000)), policy: p });
    assert.match(d.reason, /wants 100, step limited to 20/);
    assert.equal(d.recommendation, 100);
  });

  void it('tasks saturated at their CPU limit take the full step (their usage hides the demand)', () => {
    const p = policy({ max: 20, targetCpuPercent: 15 });
    // 1 task capped at 25 %: the formula says ceil(25/15) = 2; saturated, it takes +4 → 5.
    const sat = run({ replicas: 1, tasks: busy(24.5), policy: p, cpuLimitPercent: 25 });
    assert.equal(sat.replicas, 5);
    assert.match(sat.reason, /\(saturated at the 25% limit\): scale up to 5/);
    // Below 90 % of the limit: the formula as before.
    assert.equal(run({ replicas: 1, tasks: busy(20), policy: p, cpuLimitPercent: 25 }).replicas, 2);
    // No limit known: the formula.
    assert.equal(run({ replicas: 1, tasks: busy(24.5), policy: p }).replicas, 2);
    // Saturated but below target (a target above the limit): no scale-up from saturation alone.
    assert.equal(run({ replicas: 2, tasks: busy(25, 25), policy: policy({ targetCpuPercent: 30 }), cpuLimitPercent: 25 }).replicas, undefined);
    // Inside the tolerance band: nothing, saturated or not.
    assert.equal(run({ replicas: 2, tasks: busy(25, 25), policy: policy({ targetCpuPercent: 24 }), cpuLimitPercent: 25 }).replicas, undefined);
    // Still bounded by max and, for 10 tasks, by ×2.
    assert.equal(run({ replicas: 10, tasks: busy(...Array(10).fill(25)), policy: p, cpuLimitPercent: 25 }).replicas, 20);
    assert.equal(run({ replicas: 3, tasks: busy(25, 25, 25), policy: policy({ max: 4, targetCpuPercent: 15 }), cpuLimitPercent: 25 }).replicas, 4);
  });

  void it('clamped to the maximum and the minimum', () => {
    const up = run({ replicas: 2, tasks: busy(500, 500), policy: policy({ max: 3 }) });
    assert.equal(up.replicas, 3);
    assert.match(up.reason, /wants 20, capped at the maximum 3/);
    const down = run({ replicas: 3, tasks: busy(0, 0, 0), policy: policy({ min: 2, scaleDownDelayMs: 0 }) });
    assert.equal(down.replicas, 2);
    assert.match(down.reason, /wants 0, floored at the minimum 2/);
  });

  void it('at the maximum and still hot: no change, and it says so', () => {
    const d = run({ replicas: 3, tasks: busy(500, 500, 500), policy: policy({ max: 3 }) });
    assert.equal(d.replicas, undefined);
    assert.match(d.reason, /already at the maximum 3/);
  });

  void it('at the minimum and idle: no change', () => {
    const d = run({ replicas: 1, tasks: busy(0), policy: policy({ scaleDownDelayMs: 0 }) });
    assert.equal(d.replicas, undefined);
    assert.match(d.reason, /already at the minimum 1/);
  });

  void it('a manual scale out of bounds is brought back, even without data', () => {
    assert.equal(run({ replicas: 20, tasks: [], policy: policy({ max: 10 }) }).replicas, 10);
    assert.equal(run({ replicas: 1, tasks: [], policy: policy({ min: 3 }) }).replicas, 3);
    assert.match(run({ replicas: 20, tasks: [] }).reason, /above the maximum 10/);
  });

  void it('scaled to 0 by hand: paused', () => {
    const d = run({ replicas: 0, tasks: [], policy: policy({ min: 2 }) });
    assert.equal(d.replicas, undefined);
    assert.equal(d.recommendation, undefined);
    assert.match(d.reason, /paused/);
  });
});

void describe('autoscale decide: scale-down stabilization', () => {
  const p = policy({ scaleDownDelayMs: 30_000 });
  const h = (...pairs: Array<[number, number]>): Recommendation[] => pairs.map(([ago, replicas]) => ({ atMs: NOW - ago, replicas }));

  void it('scales down only to the highest recommendation within the delay', () => {
    const d = run({ replicas: 6, tasks: busy(...Array(6).fill(10)), policy: p, history: h([25_000, 6], [10_000, 4]) });
    assert.equal(d.recommendation, 2);
    assert.equal(d.replicas, undefined);
    assert.match(d.reason, /recommends 2, held at 6 by the scale-down delay/);
  });

  void it('part way: down to the highest recent recommendation below the current count', () => {
    const d = run({ replicas: 6, tasks: busy(...Array(6).fill(10)), policy: p, history: h([40_000, 6], [20_000, 4], [5_000, 3]) });
    assert.equal(d.replicas, 4);
    assert.match(d.reason, /scale down to 4 \(wants 2, held by the scale-down delay\)/);
  });

  void it('once the higher recommendations age out, it goes all the way', () => {
    const d = run({ replicas: 6, tasks: busy(...Array(6).fill(10)), policy: p, history: h([31_000, 6], [30_001, 6]) });
    assert.equal(d.replicas, 2);
  });

  void it('history does not hold a scale-up back', () => {
    const d = run({ replicas: 2, tasks: busy(100, 100), policy: p, history: h([1_000, 1], [2_000, 2]) });
    assert.equal(d.replicas, 4);
  });

  void it('recommendations from the future (a clock step back) are ignored', () => {
    const d = run({ replicas: 6, tasks: busy(...Array(6).fill(10)), policy: p, history: [{ atMs: NOW + 5_000, replicas: 6 }] });
    assert.equal(d.replicas, 2);
  });

  void it('remember() keeps only the delay', () => {
    const kept = remember(h([40_000, 9], [20_000, 5], [-1_000, 7]), { atMs: NOW, replicas: 3 }, 30_000);
    assert.deepEqual(kept, [{ atMs: NOW - 20_000, replicas: 5 }, { atMs: NOW, replicas: 3 }]);
  });
});

void describe('autoscale decide: a simulated spike and its end', () => {
  void it('1 → 3 under load (one step), holds, then 3 → 1 once idle for the delay', () => {
    const pol = policy({ min: 1, max: 3, targetCpuPercent: 20, scaleDownDelayMs: 5_000 });
    let replicas = 1;
    let history: Recommendation[] = [{ atMs: 0, replicas: 1 }];
    const trace: Array<[number, number]> = [];
    /** Each task burns `perTask` % while hot (2 cores shared: 200 % in all). */
    const usage = (t: number, hot: boolean): TaskUsage[] =>
      Array.from({ length: replicas }, (_, i) => ({
        taskId: `t${i}`,
        cpuPercent: hot ? Math.min(100, 200 / replicas) : 0,
        samples: 3,
        runningSinceMs: t - 60_000,
      }));
    for (let t = 1_000; t <= 30_000; t += 1_000) {
      const d = decide({ policy: pol, replicas, tasks: usage(t, t < 12_000), history, nowMs: t, startupGraceMs: 0 });
      if (d.recommendation !== undefined) history = remember(history, { atMs: t, replicas: d.recommendation }, pol.scaleDownDelayMs);
      if (d.replicas !== undefined) {
        trace.push([t, d.replicas]);
        replicas = d.replicas;
      }
    }
    // Up at the first look; idle from 12 s; the 3s recommended until 11 s age out after 16 s.
    assert.deepEqual(trace, [
      [1_000, 3],
      [17_000, 1],
    ]);
  });

  void it('is deterministic: the same input, the same decision', () => {
    const input: DecideInput = { policy: policy(), replicas: 3, tasks: busy(70, 20, 90), history: [{ atMs: NOW - 1, replicas: 5 }], nowMs: NOW, startupGraceMs: GRACE };
    assert.deepEqual(decide(input), decide(structuredClone(input)));
  });
});
