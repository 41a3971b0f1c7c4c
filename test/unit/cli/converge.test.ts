import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Ctx } from '../../../src/cli/context.js';
import { CliError } from '../../../src/cli/errors.js';
import { waitForConvergence } from '../../../src/cli/commands/service/shared.js';
import { FakeEngineApi } from './fake-engine-api.js';

void describe('waiting for convergence (against a fake Engine API)', () => {
  let fake: FakeEngineApi;
  before(async () => {
    fake = await new FakeEngineApi().start();
  });
  after(() => fake.stop());

  void it('gives up after the timeout with the progress and the last task error', async () => {
    fake.services[0]!.Spec.Mode = { Replicated: { Replicas: 3 } };
    let out = '';
    const ctx = new Ctx({ stdout: (s) => void (out += s), stderr: () => {}, env: {}, now: () => Date.now() }, () => fake.host);
    await assert.rejects(
      waitForConvergence(ctx, 'web', { quiet: false, timeoutMs: 120, pollMs: 30 }),
      (err: unknown) =>
        err instanceof CliError &&
        err.message ===
          "web did not converge within 0s (2/3 running; last task error: task: non-zero exit (1)); the manager keeps trying: see 'tsswarm service ps web'",
    );
    assert.equal(out, 'web: 2/3 running\n');
  });
});

void describe('progress after an update', () => {
  void it('counts only tasks made from the current TaskTemplate', async () => {
    const { progress } = await import('../../../src/cli/commands/service/shared.js');
    const { fixtureServices, fixtureTasks } = await import('./fake-engine-api.js');
    const svc = fixtureServices()[0]!;
    const tasks = fixtureTasks();
    assert.deepEqual(progress(svc, tasks, false), {
      done: 2, desired: 2, verb: 'running', converged: true, lastError: 'task: non-zero exit (1)',
    });
    const updated = structuredClone(svc);
    updated.Spec.TaskTemplate.ContainerSpec.Env = ['X=1'];
    assert.equal(progress(updated, tasks, true).done, 0);
    assert.equal(progress(updated, tasks, true).converged, false);
    // Same spec with keys in another order still counts as current.
    const reordered = tasks.map((t) => ({ ...t, Spec: { ContainerSpec: { Env: ['X=1'], Image: t.Spec.ContainerSpec.Image } } }));
    assert.deepEqual(progress(updated, reordered, true), {
      done: 2, desired: 2, verb: 'updated', converged: true, lastError: 'task: non-zero exit (1)',
    });
  });
});
