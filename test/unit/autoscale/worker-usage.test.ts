// The worker side of usage: the sampler's rounds (one at a time, failures logged once per
// streak, nothing sent without a session) and the Docker source on the real local engine
// (a labelled busybox container's cumulative CPU counter grows while it burns).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { pino, type Logger } from 'pino';
import { DockerUsageSource } from '../../../src/engine/docker/usage.js';
import { LABEL_NODE_ID, LABEL_TASK_ID } from '../../../src/engine/docker/labels.js';
import { UsageSampler, type TaskCpuSample } from '../../../src/worker/usage-sampler.js';

const execFileP = promisify(execFile);

function recordingLog(): { log: Logger; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as { level: number; msg: string }) });
  return { log, lines };
}

void describe('usage sampler', () => {
  void it('sends each round, one round at a time', async () => {
    const sent: TaskCpuSample[][] = [];
    let release: () => void = () => {};
    let calls = 0;
    const sampler = new UsageSampler({
      sample: async () => {
        calls++;
        await new Promise<void>((r) => (release = r));
        return [{ taskId: 't', cpuNs: calls, atMs: calls }];
      },
      send: (s) => {
        sent.push(s);
        return true;
      },
      periodMs: 1000,
      log: recordingLog().log,
    });
    const first = sampler.round();
    const second = sampler.round(); // overlaps the first: skipped
    await second;
    release();
    await first;
    assert.equal(calls, 1);
    assert.deepEqual(sent, [[{ taskId: 't', cpuNs: 1, atMs: 1 }]]);
  });

  void it('an empty round sends nothing; failures are logged once per streak', async () => {
    const { log, lines } = recordingLog();
    let fail = true;
    let sends = 0;
    const sampler = new UsageSampler({
      sample: async () => {
        if (fail) throw new Error('engine down');
        return [];
      },
      send: () => {
        sends++;
        return false;
      },
      periodMs: 1000,
      log,
    });
    await sampler.round();
    await sampler.round();
    await sampler.round();
    fail = false;
    await sampler.round();
    assert.equal(sends, 0);
    assert.deepEqual(lines.map((l) => l.msg), ['usage sampling failed; retrying every period', 'usage sampling works again']);
  });
});

void describe('docker usage source (real engine)', () => {
  const node = `usage-test-${process.pid}`;
  const containers: string[] = [];
  after(async () => {
    if (containers.length > 0) await execFileP('docker', ['rm', '-f', ...containers]).catch(() => {});
  });

  async function start(taskId: string, script: string): Promise<string> {
    const { stdout } = await execFileP('docker', [
      'run', '-d', '--cpus', '0.2', '--label', `${LABEL_NODE_ID}=${node}`, '--label', `${LABEL_TASK_ID}=${taskId}`,
      'tsswarm/busybox', 'sh', '-c', script,
    ]);
    const id = stdout.trim();
    containers.push(id);
    return id;
  }

  before(async () => {
    await start('t-burn', 'while :; do :; done');
    await start('t-idle', 'exec sleep 60');
  });

  for (const [how, roots] of [
    ['from the cgroups', undefined],
    // Roots that do not exist: the cgroups cannot be read, so the engine's stats are used.
    ['through the engine\'s stats', { cpuacct: ['/nonexistent/cpuacct'], unified: ['/nonexistent/unified'] }],
  ] as const) {
    void it(`${how}: samples only this node's running task containers; the counter grows while the task burns`, async () => {
      await sampleAndCheck(new DockerUsageSource(node, undefined, roots));
    });
  }

  async function sampleAndCheck(source: DockerUsageSource): Promise<void> {
    const first = await source.sample();
    assert.deepEqual(first.map((s) => s.taskId).sort(), ['t-burn', 't-idle']);
    await new Promise((r) => setTimeout(r, 1500));
    const second = await source.sample();
    const get = (list: typeof first, id: string) => list.find((s) => s.taskId === id);
    const b1 = get(first, 't-burn');
    const b2 = get(second, 't-burn');
    assert.ok(b1 && b2);
    assert.ok(Math.abs(b2.atMs - Date.now()) < 10_000, 'the engine read time is now-ish');
    const cores = (b2.cpuNs - b1.cpuNs) / ((b2.atMs - b1.atMs) * 1e6);
    assert.ok(cores > 0.05 && cores < 0.4, `a burner limited to 0.2 CPU used ${cores.toFixed(3)} CPU`);
    const i1 = get(first, 't-idle');
    const i2 = get(second, 't-idle');
    assert.ok(i1 && i2);
    assert.ok((i2.cpuNs - i1.cpuNs) / ((i2.atMs - i1.atMs) * 1e6) < 0.02, 'the idle task uses next to nothing');
    // Another node's source sees none of them.
    assert.deepEqual(await new DockerUsageSource(`${node}-other`).sample(), []);
  }
});
