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
