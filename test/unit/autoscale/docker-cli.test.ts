// The policy through the stock docker CLI (service create --label, stack deploy with
// compose deploy.labels) and tsswarm's stack deploy, against the in-process API server.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run } from '../../../src/cli/program.js';
import { DockerCliHarness, dockerCliSkip } from '../api/docker-cli-harness.js';

const stack = (max: string) => `version: "3.8"
services:
  api:
    image: tsswarm/web
    deploy:
      replicas: 2
      labels:
        tsswarm.autoscale.min: "2"
        tsswarm.autoscale.max: "${max}"
        tsswarm.autoscale.target-cpu: "60"
        tsswarm.autoscale.scale-down-delay: "2m"
`;

void describe('autoscale labels through the docker CLI and stack files', { skip: dockerCliSkip }, () => {
  let h: DockerCliHarness;
  let dir: string;
  before(async () => {
    h = await DockerCliHarness.start();
    dir = mkdtempSync(path.join(os.tmpdir(), 'tsswarm-autoscale-stack-'));
  });
  after(async () => {
    await h?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const labelsOf = (name: string) => h.store.all('services').find((s) => s.Spec.Name === name)?.Spec.Labels;

  void it('docker service create --label: a bad policy is refused naming the label, a good one kept', async () => {
    const bad = await h.docker(['service', 'create', '-d', '--name', 'web', '--label', 'tsswarm.autoscale.min=1', '--label', 'tsswarm.autoscale.max=lots', '--label', 'tsswarm.autoscale.target-cpu=50', 'tsswarm/web']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /Spec\.Labels\["tsswarm\.autoscale\.max"\]: must be an integer between 1 and 1000, got "lots"/);
    assert.equal(labelsOf('web'), undefined);
    const good = await h.docker(['service', 'create', '-d', '--name', 'web', '--label', 'tsswarm.autoscale.min=1', '--label', 'tsswarm.autoscale.max=4', '--label', 'tsswarm.autoscale.target-cpu=50', 'tsswarm/web']);
    assert.equal(good.code, 0, good.stderr);
    assert.equal(labelsOf('web')?.['tsswarm.autoscale.max'], '4');
    // A docker CLI update that touches something else keeps the policy.
    const upd = await h.docker(['service', 'update', '-d', '--env-add', 'A=1', 'web']);
    assert.equal(upd.code, 0, upd.stderr);
    assert.equal(labelsOf('web')?.['tsswarm.autoscale.target-cpu'], '50');
  });

  void it('docker stack deploy with deploy.labels: refused when bad, kept when good', async () => {
    const badFile = path.join(dir, 'bad.yml');
    writeFileSync(badFile, stack('1'));
    const bad = await h.docker(['stack', 'deploy', '-c', badFile, 'dk']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /tsswarm\.autoscale\.min"\]: must not be above tsswarm\.autoscale\.max \(2 > 1\)/);
    const goodFile = path.join(dir, 'good.yml');
    writeFileSync(goodFile, stack('6'));
    const good = await h.docker(['stack', 'deploy', '-c', goodFile, 'dk']);
    assert.equal(good.code, 0, good.stderr);
    assert.equal(labelsOf('dk_api')?.['tsswarm.autoscale.scale-down-delay'], '2m');
  });

  void it('tsswarm stack deploy with deploy.labels', async () => {
    const file = path.join(dir, 'ts.yml');
    writeFileSync(file, stack('8'));
    let stderr = '';
    const code = await run(['-H', `tcp://${h.host}`, 'stack', 'deploy', '-c', file, 'ts'], {
      stdout: () => {},
      stderr: (s) => void (stderr += s),
      env: {},
      now: () => Date.now(),
    });
    assert.equal(code, 0, stderr);
    assert.equal(labelsOf('ts_api')?.['tsswarm.autoscale.max'], '8');
  });
});
