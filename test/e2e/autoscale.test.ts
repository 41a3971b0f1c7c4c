// End to end on real processes and the real Docker engine: a service whose tasks burn CPU
// scales up to its maximum; once `service update` makes them idle it scales back to its
// minimum. The workers sample the containers' CPU counters (docker one-shot stats), the
// leader's autoscaler decides and writes the replica count.
//
// Gentle on a 2-core machine: each burner is limited to a quarter of a CPU (--limit-cpu),
// there are at most three, for a few seconds; the timings are shortened by environment
// variables the cluster's processes inherit.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { TestCluster, run, waitFor, ROOT } from '../harness/cluster.js';

const TIMINGS = {
  TSSWARM_USAGE_SAMPLE_MS: '1000',
  TSSWARM_AUTOSCALE_INTERVAL_MS: '1000',
  TSSWARM_AUTOSCALE_WINDOW_MS: '3000',
  TSSWARM_AUTOSCALE_STALE_MS: '5000',
  TSSWARM_AUTOSCALE_STARTUP_GRACE_MS: '1000',
};
/** Burns CPU unless MODE=idle. PID 1 ignores SIGTERM: a short stop grace period ends it. */
const SCRIPT = 'if [ "$MODE" = idle ]; then exec sleep 3600; fi; while :; do :; done';
/** Upper bounds for each phase (ms): far above the expected few seconds, for a loaded machine. */
const UP_TIMEOUT_MS = 45_000;
const DOWN_TIMEOUT_MS = 60_000;

interface ServiceJson {
  ID: string;
  Version: { Index: number };
  Spec: { Mode: { Replicated?: { Replicas?: number } } };
  TSSwarm?: { Autoscale?: { From: number; To: number; Reason: string } };
}

interface TaskJson {
  ID: string;
  DesiredState: string;
  Status: { State: string };
  Spec: { ContainerSpec: { Env?: string[] } };
}

before(async () => {
  const r = await run('bash', [path.join(ROOT, 'scripts/build-images.sh')], {}, 300_000);
  assert.equal(r.code, 0, `build-images failed: ${r.stderr}`);
});

describe('autoscale: CPU load scales a service up, idleness scales it down', { timeout: 240_000 }, () => {
  let c: TestCluster;
  before(async () => {
    Object.assign(process.env, TIMINGS); // inherited by the manager and worker processes
    c = await TestCluster.start({ workers: 1, managerAvailability: 'drain', name: 'autoscale' });
  });
  after(async () => {
    await c?.teardown();
  });

  const service = async () => (await c.api('GET', '/services/burn')) as ServiceJson;
  const replicas = async () => (await service()).Spec.Mode.Replicated?.Replicas;
  const running = async (): Promise<TaskJson[]> => {
    const filters = encodeURIComponent(JSON.stringify({ service: ['burn'] }));
    const tasks = (await c.api('GET', `/tasks?filters=${filters}`)) as TaskJson[];
    return tasks.filter((t) => t.Status.State === 'running' && t.DesiredState === 'running');
  };

  test('1 busy task → 3 replicas (the maximum), and no further', async () => {
    const r = await c.cli([
      'service', 'create', '-d', '--name', 'burn',
      '--autoscale', 'min=1,max=3,cpu=10,down-delay=3s',
      '--limit-cpu', '0.25', '--stop-grace-period', '1s', '-e', 'MODE=burn',
      'tsswarm/busybox', 'sh', '-c', SCRIPT,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await replicas(), 1, 'starts at the minimum');
    await waitFor('the first task running', async () => (await running()).length === 1, 30_000, 100);
    const loadStart = Date.now();
    await waitFor('the autoscaler to ask for 3 replicas', async () => (await replicas()) === 3, UP_TIMEOUT_MS, 100);
    const decided = Date.now();
    await waitFor('3 running tasks', async () => (await running()).length === 3, 30_000, 100);
    const converged = Date.now();
    console.log(`autoscale e2e: load → replicas 3 decided in ${decided - loadStart} ms, 3 running after ${converged - loadStart} ms`);

    const s = await service();
    assert.equal(s.TSSwarm?.Autoscale?.From, 1);
    assert.equal(s.TSSwarm?.Autoscale?.To, 3);
    assert.match(s.TSSwarm?.Autoscale?.Reason ?? '', /avg CPU \d+% of target 10% over 1 task\(s\)( \(saturated at the 25% limit\))?: scale up to 3/);
    const pretty = await c.cli(['service', 'inspect', '--pretty', 'burn']);
    assert.equal(pretty.code, 0, pretty.stderr);
    assert.match(pretty.stdout, /Autoscale:\n Replicas:\s+1-3\n Target CPU:\s+10% per task\n Scale-down delay:\s+3s\n Last scaling:\s+1 -> 3 at /);
    const log = await readFile(path.join(c.root, 'manager1.log'), 'utf8');
    assert.match(log, /"msg":"autoscale: burn 1 -> 3"/);

    // Still hot at the maximum: it stays at 3 (three more passes).
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    assert.equal(await replicas(), 3);
  });

  test('service update to an idle command → back to 1 replica after the scale-down delay', async () => {
    // The CLI reads the spec and sends it back: a write of the autoscaler in between is a 409; retry.
    const update = await waitFor('service update accepted', async () => {
      const r = await c.cli(['service', 'update', '-d', '--env-add', 'MODE=idle', '--update-parallelism', '0', 'burn']);
      return r.code === 0 ? r : undefined;
    }, 15_000, 500);
    assert.equal(update.code, 0);
    const updated = Date.now();
    await waitFor('every running task idle', async () => {
      const tasks = await running();
      return tasks.length > 0 && tasks.every((t) => t.Spec.ContainerSpec.Env?.includes('MODE=idle'));
    }, 30_000, 100);
    const idle = Date.now();
    await waitFor('the autoscaler to ask for 1 replica', async () => (await replicas()) === 1, DOWN_TIMEOUT_MS, 100);
    const decided = Date.now();
    await waitFor('1 running task', async () => (await running()).length === 1, 30_000, 100);
    const converged = Date.now();
    console.log(
      `autoscale e2e: update → all idle in ${idle - updated} ms; idle → replicas 1 decided in ${decided - idle} ms, 1 running after ${converged - idle} ms (scale-down delay 3 s)`,
    );
    // The delay held it: not before 3 s of idle recommendations.
    assert.ok(decided - idle >= 2_000, `scaled down after only ${decided - idle} ms of idleness`);
    const s = await service();
    assert.equal(s.TSSwarm?.Autoscale?.To, 1);
    assert.match(s.TSSwarm?.Autoscale?.Reason ?? '', /scale down to 1/);
    // Straight to 1, or through 2 when a replacement task was counted before the others.
    const log = await readFile(path.join(c.root, 'manager1.log'), 'utf8');
    assert.match(log, /"msg":"autoscale: burn [23] -> 1"/);
  });
});
