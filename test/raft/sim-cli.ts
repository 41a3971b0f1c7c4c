// npm run sim -- --seeds N [--from F] [--nodes 3|5] [--seed S] [--steps K] [--trace] [--verbose]
//                [--bug forgetVote|localRead]   (inject a driver bug to see the checkers fire)
// Runs seeds through the simulator; a failure prints its seed, the error and
// the replayable trace (rerun with --seed S to replay it exactly).

import { parseArgs } from 'node:util';
import { runSeed } from './sim.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '100' },
    nodes: { type: 'string' },
    seed: { type: 'string' },
    from: { type: 'string', default: '1' },
    steps: { type: 'string', default: '300' },
    verbose: { type: 'boolean', default: false },
    trace: { type: 'boolean', default: false },
    bug: { type: 'string' },
  },
});

const nodeCounts = values.nodes ? [Number(values.nodes)] : [3, 5];
const seeds = values.seed !== undefined ? [Number(values.seed)] : Array.from({ length: Number(values.seeds) }, (_, i) => i + Number(values.from));
const steps = Number(values.steps);
const started = Date.now();
let failures = 0;
let runs = 0;
const totals = { proposals: 0, applied: 0, snapshots: 0, confChanges: 0, reads: 0 };

for (const nodes of nodeCounts) {
  for (const seed of seeds) {
    const bug = values.bug === 'forgetVote' || values.bug === 'localRead' ? values.bug : undefined;
    const res = runSeed({ seed, nodes, steps, verbose: values.verbose, ...(bug ? { bug } : {}) });
    runs++;
    totals.proposals += res.stats.proposals;
    totals.applied += res.stats.applied;
    totals.snapshots += res.stats.snapshots;
    totals.confChanges += res.stats.confChanges;
    totals.reads += res.stats.reads;
    if (!res.ok || values.trace) {
      if (!res.ok) failures++;
      console.log(`${res.ok ? 'OK' : 'FAIL'} seed=${seed} nodes=${nodes}${res.error ? `\n${res.error}` : ''}`);
      console.log(res.trace.join('\n'));
      if (!res.ok) console.log(`replay: npm run sim -- --seed ${seed} --nodes ${nodes} --steps ${steps} --trace`);
    }
  }
}
const secs = ((Date.now() - started) / 1000).toFixed(1);
console.log(`${runs} runs, ${failures} failed, ${secs}s; proposals=${totals.proposals} applied=${totals.applied} snapshots=${totals.snapshots} confChanges=${totals.confChanges} reads=${totals.reads}`);
process.exitCode = failures > 0 ? 1 : 0;
