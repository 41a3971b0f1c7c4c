// The stock docker CLI's `stack` commands against the API server, on the demo stack file,
// mixed with tsswarm's: both sides deploy client-side with the same names and labels, so
// each sees and can remove what the other deployed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { run } from '../../../src/cli/program.js';
import { DockerCliHarness, dockerCliSkip, type CliResult } from '../api/docker-cli-harness.js';

const DEMO = 'deploy/demo/stack.yml';

void describe('stack: stock docker CLI and tsswarm on one stack', { skip: dockerCliSkip }, () => {
  let h: DockerCliHarness;
  before(async () => {
    h = await DockerCliHarness.start();
  });
  after(async () => {
    await h?.stop();
  });

  const docker = (...args: string[]): Promise<CliResult> => h.docker(args, { WEB_PORT: '8090' });

  async function tsswarm(...args: string[]): Promise<CliResult> {
    let stdout = '';
    let stderr = '';
    const code = await run(['-H', `tcp://${h.host}`, ...args], {
      stdout: (s) => void (stdout += s),
      stderr: (s) => void (stderr += s),
      env: { WEB_PORT: '8090' },
      now: () => Date.now(),
    });
    return { code, stdout, stderr };
  }

  const web = () => h.store.all('services').find((s) => s.Spec.Name === 'demo_web');

  void it('docker stack deploy of the demo file; tsswarm stack ls/services see it', async () => {
    const r = await docker('stack', 'deploy', '-c', DEMO, 'demo');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Creating network demo_front/);
    assert.match(r.stdout, /Creating service demo_web/);
    await h.maker.settled();
    assert.equal(web()?.Endpoint.Ports?.[0]?.PublishedPort, 8090);
    assert.equal((await tsswarm('stack', 'ls')).stdout, 'NAME   SERVICES\ndemo   1\n');
    const services = await tsswarm('stack', 'services', 'demo');
    assert.match(services.stdout, /demo_web\s+replicated\s+5\/5\s+tsswarm\/web:latest\s+\*:8090->80\/tcp/);
  });

  void it('tsswarm re-deploys the docker-deployed stack as an update at its version', async () => {
    const before = web()?.Version.Index ?? 0;
    const r = await tsswarm('stack', 'deploy', '-c', DEMO, 'demo');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Updating service demo_web \(id: \w+\)\n$/);
    assert.ok((web()?.Version.Index ?? 0) > before);
    await h.maker.settled();
    const same = await tsswarm('stack', 'deploy', '-c', DEMO, 'demo');
    assert.equal(same.stdout, '', 'a second identical deploy is a no-op');
  });

  void it('docker stack services/ps see the stack tsswarm updated; tsswarm stack rm removes it', async () => {
    const ls = await docker('stack', 'ls');
    assert.match(ls.stdout, /^demo\s+1\b/m);
    const ps = await docker('stack', 'ps', 'demo');
    // tsswarm sends the image as written (`tsswarm/web`), docker as `tsswarm/web:latest`: the
    // update replaced the tasks, so each slot shows a running task over a shut-down one.
    assert.equal(ps.stdout.split('\n').filter((l) => /^\w+\s+demo_web\.\d\s+tsswarm\/web\s.*Running\s+Running/.test(l)).length, 5, ps.stdout);
    const rm = await tsswarm('stack', 'rm', 'demo');
    assert.equal(rm.stdout, 'Removing service demo_web\nRemoving network demo_front\n');
    assert.equal((await docker('stack', 'ls')).stdout.trim(), 'NAME      SERVICES');
  });

  void it('the docker CLI got no 4xx/5xx beyond the refused registry lookup', () => {
    const bad = h.requests.filter((r) => /-> [45]\d\d$/.test(r) && !r.includes('/distribution/'));
    assert.deepEqual(bad, []);
  });
});
