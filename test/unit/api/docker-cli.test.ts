// The stock docker CLI (v28, API 1.50, negotiating down to what /_ping announces) against
// a real listening API server on 127.0.0.1. Tasks are made by FakeTaskMaker, test
// scaffolding standing in for the orchestrator, so commands that wait for convergence end.
// TSSWARM_TEST_LOG=debug prints every request the CLI sent.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Service } from '../../../src/store/objects.js';
import { DockerCliHarness, dockerCliSkip, type CliResult } from './docker-cli-harness.js';
import { MANAGER_ID, WORKER_ID } from './fixtures.js';

void describe('api: stock docker CLI against the API server', { skip: dockerCliSkip }, () => {
  let h: DockerCliHarness;
  before(async () => {
    h = await DockerCliHarness.start();
  });
  after(async () => {
    await h?.stop();
  });

  const docker = (...args: string[]): Promise<CliResult> => h.docker(args);

  async function ok(...args: string[]): Promise<string> {
    const r = await docker(...args);
    assert.equal(r.code, 0, `docker ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r.stdout;
  }

  const web = (): Service | undefined => h.store.all('services').find((s) => s.Spec.Name === 'web');
  const lineOf = (out: string, needle: string) => out.split('\n').find((l) => l.includes(needle)) ?? '';

  void it('negotiates API 1.45 (docker version)', async () => {
    const out = await ok('version', '--format', '{{.Client.APIVersion}} {{.Server.APIVersion}} {{.Server.MinAPIVersion}}');
    assert.equal(out.trim(), '1.45 1.45 1.24');
  });

  void it('node ls marks the local manager and shows both nodes ready', async () => {
    const out = await ok('node', 'ls');
    assert.match(out, /^ID\s+HOSTNAME\s+STATUS\s+AVAILABILITY\s+MANAGER STATUS\s+ENGINE VERSION/);
    assert.match(lineOf(out, MANAGER_ID), new RegExp(`^${MANAGER_ID} \\*\\s+mgr-1\\s+Ready\\s+Active\\s+Leader`));
    assert.match(lineOf(out, WORKER_ID), /wrk-1\s+Ready\s+Active\s+0\.1\.0/);
  });

  void it('node inspect by hostname and self', async () => {
    const nodes = JSON.parse(await ok('node', 'inspect', 'wrk-1')) as Array<{ ID: string }>;
    assert.equal(nodes[0]?.ID, WORKER_ID);
    assert.equal((await ok('node', 'inspect', 'self', '--format', '{{.Description.Hostname}}')).trim(), 'mgr-1');
  });

  void it('service create --replicas 5 -p 8080:80 waits for convergence and succeeds', async () => {
    const r = await docker('service', 'create', '--name', 'web', '--replicas', '5', '-p', '8080:80', 'tsswarm/web');
    assert.equal(r.code, 0, r.stderr);
    const id = r.stdout.split('\n')[0]?.trim();
    assert.equal(id, web()?.ID);
    assert.match(r.stdout, /overall progress: 5 out of 5 tasks/);
    assert.match(r.stdout, /verify: Service \S+ converged/);
    // The registry digest lookup is refused (501); the CLI only warns.
    assert.match(r.stderr, /could not be accessed on a registry/);
    assert.equal(web()?.Endpoint.Ports?.[0]?.PublishedPort, 8080);
  });

  void it('service create refuses a duplicate name with the API message', async () => {
    const r = await docker('service', 'create', '-d', '--name', 'web', 'tsswarm/web');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error response from daemon: service with name web already exists/);
  });

  void it('service ls shows 5/5 and the published port', async () => {
    const out = await ok('service', 'ls');
    assert.match(lineOf(out, ' web '), /web\s+replicated\s+5\/5\s+tsswarm\/web:latest\s+\*:8080->80\/tcp/);
  });

  void it('service ps lists five running tasks with node names', async () => {
    const out = await ok('service', 'ps', 'web');
    const rows = out.split('\n').filter((l) => /\bweb\.\d\b/.test(l));
    assert.equal(rows.length, 5, out);
    for (const row of rows) assert.match(row, /tsswarm\/web:latest\s+(mgr-1|wrk-1)\s+Running\s+Running/);
  });

  void it('service inspect returns the stored service', async () => {
    const [s] = JSON.parse(await ok('service', 'inspect', 'web')) as Service[];
    assert.equal(s?.Spec.Name, 'web');
    assert.equal(s?.Spec.Mode.Replicated?.Replicas, 5);
    assert.equal(s?.Endpoint.Ports?.[0]?.TargetPort, 80);
  });

  void it('service scale web=3 (inspect + versioned update) converges', async () => {
    const out = await ok('service', 'scale', 'web=3');
    assert.match(out, /web scaled to 3/);
    assert.match(out, /verify: Service web converged/);
    assert.equal(web()?.Spec.Mode.Replicated?.Replicas, 3);
    assert.equal(web()?.PreviousSpec?.Mode.Replicated?.Replicas, 5);
    assert.match(lineOf(await ok('service', 'ls'), ' web '), /\s3\/3\s/);
  });

  void it('service update --image and service rollback (detached)', async () => {
    assert.equal((await ok('service', 'update', '-d', '--image', 'tsswarm/web:2', 'web')).trim(), 'web');
    assert.equal(web()?.Spec.TaskTemplate.ContainerSpec.Image, 'tsswarm/web:2');
    assert.equal((await ok('service', 'rollback', '-d', 'web')).trim(), 'web');
    assert.equal(web()?.Spec.TaskTemplate.ContainerSpec.Image, 'tsswarm/web:latest');
    assert.equal(web()?.Spec.Mode.Replicated?.Replicas, 3);
  });

  void it('node ps self, node update --availability drain, swarm join-token', async () => {
    await h.maker.settled();
    const ps = await ok('node', 'ps', 'self', '--filter', 'desired-state=running');
    assert.match(ps, /web\.\d\s+tsswarm\/web:latest\s+mgr-1\s+Running/);
    assert.equal((await ok('node', 'update', '--availability', 'drain', '--label-add', 'disk=ssd', 'wrk-1')).trim(), 'wrk-1');
    assert.deepEqual(h.store.get('nodes', WORKER_ID)?.Spec, { Labels: { disk: 'ssd' }, Role: 'worker', Availability: 'drain' });
    assert.match(lineOf(await ok('node', 'ls'), WORKER_ID), /Ready\s+Drain/);
    assert.match(await ok('swarm', 'join-token', 'worker'), /docker swarm join --token SWMTKN-1-worker 10\.0\.0\.1:2377/);
  });

  void it('service logs fails with the 501 message', async () => {
    const r = await docker('service', 'logs', 'web');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /service logs are not collected by tsswarm/);
  });

  void it('service rm web removes it', async () => {
    assert.equal((await ok('service', 'rm', 'web')).trim(), 'web');
    await h.maker.settled();
    assert.equal(web(), undefined);
    assert.equal(h.store.all('tasks').length, 0);
    assert.doesNotMatch(await ok('service', 'ls'), /\bweb\b/);
    const r = await docker('service', 'inspect', 'web');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no such service: web/);
  });

  void it('network create/ls/inspect, service on a network, network rm', async () => {
    const id = (await ok('network', 'create', '-d', 'overlay', 'appnet')).trim();
    assert.match(id, /^[a-z0-9]{25}$/);
    assert.match(lineOf(await ok('network', 'ls'), 'appnet'), /appnet\s+overlay\s+swarm/);
    assert.equal((await ok('network', 'inspect', 'appnet', '--format', '{{.Id}} {{.Driver}}')).trim(), `${id} overlay`);
    const bridge = await docker('network', 'create', 'plain');
    assert.equal(bridge.code, 1);
    assert.match(bridge.stderr, /network driver "bridge" is not supported/);

    await ok('service', 'create', '-d', '--name', 'api', '--network', 'appnet', 'tsswarm/web');
    const api = h.store.all('services').find((s) => s.Spec.Name === 'api');
    assert.deepEqual(api?.Spec.TaskTemplate.Networks?.map((n) => n.Target), [id]);
    const busy = await docker('network', 'rm', 'appnet');
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /in use by service api/);
    await ok('service', 'rm', 'api');
    assert.equal((await ok('network', 'rm', 'appnet')).trim(), 'appnet');
  });

  void it('stack deploy, services, ps and rm with a compose file', async () => {
    const compose = path.join(h.configDir, 'stack.yml');
    writeFileSync(
      compose,
      [
        'version: "3.8"',
        'services:',
        '  front:',
        '    image: tsswarm/web',
        '    ports: ["8081:80"]',
        '    deploy: { replicas: 2 }',
        '  back:',
        '    image: tsswarm/worker',
        '    networks: [inner]',
        'networks:',
        '  inner: { driver: overlay }',
        '',
      ].join('\n'),
    );
    const deploy = await ok('stack', 'deploy', '-c', compose, 'demo');
    assert.match(deploy, /Creating service demo_front/);
    assert.match(deploy, /Creating network demo_inner/);
    await h.maker.settled();
    assert.match(lineOf(await ok('stack', 'services', 'demo'), 'demo_front'), /replicated\s+2\/2\s+tsswarm\/web:latest\s+\*:8081->80\/tcp/);
    const ps = await ok('stack', 'ps', 'demo');
    assert.equal(ps.split('\n').filter((l) => /demo_(front|back)\.\d/.test(l)).length, 3, ps);
    const rm = await ok('stack', 'rm', 'demo');
    assert.match(rm, /Removing service demo_front/);
    assert.match(rm, /Removing network demo_inner/);
    assert.equal(h.store.all('services').length, 0);
  });

  void it('info shows the Swarm section', async () => {
    const out = await ok('info');
    assert.match(out, /Swarm: active/);
    assert.match(out, new RegExp(`NodeID: ${MANAGER_ID}`));
    assert.match(out, /Is Manager: true/);
    assert.match(out, /Managers: 1/);
    assert.match(out, /Nodes: 2/);
    assert.match(out, /Server Version: 0\.1\.0-test/);
  });

  void it('the CLI got no 5xx other than the refused image-digest lookup', () => {
    const bad = h.requests.filter((r) => /-> 5\d\d$/.test(r) && !r.includes('/distribution/') && !r.includes('/logs'));
    assert.deepEqual(bad, []);
    assert.ok(h.requests.some((r) => r.startsWith('POST /v1.45/services/') && r.includes('/update?version=')));
  });
});
