// `tsswarm stack …` against the real API server (in-process, listening on 127.0.0.1) over
// a memory store; FakeTaskMaker stands in for the orchestrator so services get tasks.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApiServer, startApiServer } from '../../../src/api/server.js';
import { run } from '../../../src/cli/program.js';
import type { Service } from '../../../src/store/objects.js';
import type { Store } from '../../../src/store/store.js';
import { FakeTaskMaker } from '../api/fake-orchestrator.js';
import { dump, managerInfo, seededStore, testLog } from '../api/fixtures.js';

const DEMO = 'deploy/demo/stack.yml';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

void describe('stack deploy / ls / services / ps / rm against the API server', () => {
  let store: Store;
  let app: FastifyInstance;
  let maker: FakeTaskMaker;
  let host: string;
  let dir: string;

  before(async () => {
    store = await seededStore();
    maker = new FakeTaskMaker(store);
    maker.start();
    app = buildApiServer({ store, log: testLog, info: managerInfo() });
    host = await startApiServer(app, '127.0.0.1', 0);
    dir = mkdtempSync(path.join(os.tmpdir(), 'tsswarm-stack-'));
  });

  after(async () => {
    maker.stop();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function cli(env: Record<string, string>, ...args: string[]): Promise<Result> {
    return cliWithStdin(env, undefined, ...args);
  }

  async function cliWithStdin(env: Record<string, string>, stdin: string | undefined, ...args: string[]): Promise<Result> {
    let stdout = '';
    let stderr = '';
    const code = await run(['-H', `tcp://${host}`, ...args], {
      stdout: (s) => void (stdout += s),
      stderr: (s) => void (stderr += s),
      env,
      now: () => Date.parse('2026-01-01T12:00:00Z'),
      stdin: stdin === undefined ? undefined : () => Promise.resolve(stdin),
    });
    return { code, stdout, stderr };
  }

  function file(name: string, ...lines: string[]): string {
    const p = path.join(dir, name);
    writeFileSync(p, lines.join('\n') + '\n');
    return p;
  }

  const service = (name: string): Service | undefined => store.all('services').find((s) => s.Spec.Name === name);

  const api = (image: string) =>
    file(
      `api-${image.replace(/\W/g, '-')}.yml`,
      'services:',
      '  api:',
      `    image: ${image}`,
      '    build: ./api',
      '    deploy: { replicas: 2 }',
    );

  void it('refuses bad input before sending anything', async () => {
    const before = dump(store);
    const long = file('long.yml', 'services:', `  ${'s'.repeat(60)}:`, '    image: x');
    const typo = file('typo.yml', 'services:', '  web:', '    image: x', '    deploy: { replicas: abc }');
    const bad = file('bad.yml', 'services:', '  web: [');
    for (const [args, re] of [
      [['-c', path.join(dir, 'missing.yml'), 'demo'], /^tsswarm: open \S+missing\.yml: no such file or directory\n$/],
      [['-c', bad, 'demo'], /bad\.yml, line \d+: invalid YAML/],
      [['-c', typo, 'demo'], /typo\.yml, line 4: services\.web\.deploy\.replicas: expected a non-negative integer, got "abc"/],
      [['-c', DEMO, 'bad name'], /invalid stack name "bad name"/],
      [['-c', long, 'demo'], /service name "demo_s+" is 65 characters long/],
      [['-c', DEMO, '-c', typo, 'demo'], /typo\.yml/],
    ] as const) {
      const r = await cli({}, 'stack', 'deploy', ...args);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
    }
    const none = await cli({}, 'stack', 'deploy', 'demo');
    assert.equal(none.code, 2);
    assert.match(none.stderr, /Please specify a Compose file/);
    assert.equal(dump(store), before, 'nothing was created');
  });

  void it('-c - reads the compose file from standard input, once', async () => {
    const before = dump(store);
    const twice = await cliWithStdin({}, 'services: {}\n', 'stack', 'deploy', '-c', '-', '-c', '-', 'piped');
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /--compose-file -: standard input can be read only once/);
    const none = await cliWithStdin({}, undefined, 'stack', 'deploy', '-c', '-', 'piped');
    assert.equal(none.code, 1);
    assert.match(none.stderr, /--compose-file -: there is no standard input to read/);
    const bad = await cliWithStdin({}, 'services:\n  web: [\n', 'stack', 'deploy', '-c', '-', 'piped');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /\(stdin\), line \d+: invalid YAML/);
    assert.equal(dump(store), before, 'nothing was created');

    const r = await cliWithStdin({}, 'services:\n  cache:\n    image: tsswarm/busybox\n    deploy: { replicas: 2 }\n', 'stack', 'deploy', '-c', '-', 'piped');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Creating network piped_default\nCreating service piped_cache\n');
    assert.equal(service('piped_cache')?.Spec.Mode.Replicated?.Replicas, 2);
    assert.equal((await cli({}, 'stack', 'rm', 'piped')).code, 0);
  });

  void it('deploys a 2-service stack from two merged files', async () => {
    const r = await cli({ WEB_PORT: '8088' }, 'stack', 'deploy', '-c', DEMO, '-c', api('tsswarm/worker:1'), 'demo');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Creating network demo_default\nCreating network demo_front\nCreating service demo_api\nCreating service demo_web\n');
    assert.equal(r.stderr, 'Ignoring unsupported options: services.api.build\n\n');
    const web = service('demo_web');
    assert.equal(web?.Spec.Mode.Replicated?.Replicas, 5);
    assert.equal(web?.Endpoint.Ports?.[0]?.PublishedPort, 8088);
    assert.equal(web?.Spec.Labels?.['com.docker.stack.namespace'], 'demo');
    assert.deepEqual(web?.Spec.TaskTemplate.Networks, [{ Target: 'demo_front', Aliases: ['web'] }]);
    assert.deepEqual(service('demo_api')?.Spec.TaskTemplate.Networks, [{ Target: 'demo_default', Aliases: ['api'] }]);
    const nets = store.all('networks').filter((n) => n.Labels['com.docker.stack.namespace'] === 'demo');
    assert.deepEqual(nets.map((n) => n.Name).sort(), ['demo_default', 'demo_front']);
    await maker.settled();
  });

  void it('ls, services and ps show the stack', async () => {
    const ls = await cli({}, 'stack', 'ls');
    assert.equal(ls.stdout, 'NAME   SERVICES\ndemo   2\n');
    const services = await cli({}, 'stack', 'services', 'demo');
    assert.equal(services.code, 0, services.stderr);
    const lines = services.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^ID\s+NAME\s+MODE\s+REPLICAS\s+IMAGE\s+PORTS$/);
    assert.match(lines[1] ?? '', /demo_api\s+replicated\s+2\/2\s+tsswarm\/worker:1\s*$/);
    assert.match(lines[2] ?? '', /demo_web\s+replicated\s+5\/5\s+tsswarm\/web\s+\*:8088->80\/tcp$/);
    const ps = await cli({}, 'stack', 'ps', 'demo');
    assert.equal(ps.code, 0, ps.stderr);
    assert.equal(ps.stdout.split('\n').filter((l) => /demo_(web|api)\.\d\s/.test(l)).length, 7, ps.stdout);
    const nothing = await cli({}, 'stack', 'ps', 'nope');
    assert.equal(nothing.code, 1);
    assert.match(nothing.stderr, /nothing found in stack: nope/);
    const empty = await cli({}, 'stack', 'services', 'nope');
    assert.equal(empty.code, 0);
    assert.equal(empty.stderr, 'Nothing found in stack: nope\n');
  });

  void it('re-deploys with a change: only the changed service is updated', async () => {
    const webVersion = service('demo_web')?.Version.Index;
    const apiVersion = service('demo_api')?.Version.Index;
    const same = await cli({ WEB_PORT: '8088' }, 'stack', 'deploy', '-c', DEMO, '-c', api('tsswarm/worker:1'), 'demo');
    assert.equal(same.code, 0, same.stderr);
    assert.equal(same.stdout, '', 'an identical deploy changes nothing');
    assert.equal(service('demo_web')?.Version.Index, webVersion);
    await maker.settled();

    const r = await cli({ WEB_PORT: '8088' }, 'stack', 'deploy', '-c', DEMO, '-c', api('tsswarm/worker:2'), 'demo');
    assert.equal(r.code, 0, r.stderr);
    const apiNow = service('demo_api');
    assert.equal(r.stdout, `Updating service demo_api (id: ${apiNow?.ID})\n`);
    assert.equal(apiNow?.Spec.TaskTemplate.ContainerSpec.Image, 'tsswarm/worker:2');
    assert.equal(apiNow?.PreviousSpec?.TaskTemplate.ContainerSpec.Image, 'tsswarm/worker:1');
    assert.ok((apiNow?.Version.Index ?? 0) > (apiVersion ?? Infinity), 'the changed service moved');
    assert.equal(service('demo_web')?.Version.Index, webVersion, 'the unchanged service kept its version');
    await maker.settled();
  });

  void it('refuses to take over a service or network of the same name outside the stack', async () => {
    const created = await cli({}, 'service', 'create', '-d', '-q', '--name', 'clash_web', 'tsswarm/web');
    assert.equal(created.code, 0, created.stderr);
    await maker.settled();
    const before = dump(store);
    const other = file('other.yml', 'services:', '  web: { image: x }');
    const r = await cli({}, 'stack', 'deploy', '-c', other, 'clash');
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'tsswarm: service clash_web already exists and is not part of stack clash\n');
    assert.equal(dump(store), before, 'not even the default network was created');
    assert.equal((await cli({}, 'service', 'rm', 'clash_web')).code, 0);
    await maker.settled();

    assert.equal((await cli({}, 'network', 'create', 'clash_default')).code, 0);
    const net = await cli({}, 'stack', 'deploy', '-c', other, 'clash');
    assert.equal(net.code, 1);
    assert.match(net.stderr, /network clash_default already exists and is not part of stack clash/);
    assert.equal(service('clash_web'), undefined);
    const ext = file('ext.yml', 'services:', '  web: { image: x, networks: [outside] }', 'networks:', '  outside: { external: true }');
    const missing = await cli({}, 'stack', 'deploy', '-c', ext, 'clash');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /network "outside" is declared as external, but could not be found/);
    assert.equal((await cli({}, 'network', 'rm', 'clash_default')).code, 0);
  });

  void it('--prune removes the services the files no longer name', async () => {
    const r = await cli({ WEB_PORT: '8088' }, 'stack', 'deploy', '--prune', '-c', DEMO, 'demo');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Removing service demo_api\n');
    assert.equal(service('demo_api'), undefined);
    assert.equal(service('demo_web')?.Spec.TaskTemplate.ContainerSpec.Image, 'tsswarm/web');
    await maker.settled();
  });

  void it('rm removes the services, then the networks', async () => {
    const r = await cli({}, 'stack', 'rm', 'demo');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Removing service demo_web\nRemoving network demo_default\nRemoving network demo_front\n');
    assert.deepEqual(store.all('services'), []);
    assert.deepEqual(store.all('networks').filter((n) => !n.Ingress), []);
    const again = await cli({}, 'stack', 'rm', 'demo');
    assert.equal(again.code, 0);
    assert.equal(again.stderr, 'Nothing found in stack: demo\n');
    assert.equal((await cli({}, 'stack', 'ls')).stdout, 'NAME   SERVICES\n');
  });
});
