// End to end on real processes and the real Docker engine: init, join, service create,
// scale, container failure, worker kill -9 + restart, service rm.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { TestCluster, freePort, run, setHeartbeatPeriod, waitFor, ROOT } from '../harness/cluster.js';

interface TaskJson {
  ID: string;
  NodeID?: string;
  Slot?: number;
  DesiredState: string;
  Status: { State: string; Err?: string; ContainerStatus?: { ContainerID?: string } };
}

async function runningTasks(c: TestCluster, service: string): Promise<TaskJson[]> {
  const filters = encodeURIComponent(JSON.stringify({ service: [service] }));
  const tasks = (await c.api('GET', `/tasks?filters=${filters}`)) as TaskJson[];
  return tasks.filter((t) => t.Status.State === 'running' && t.DesiredState === 'running');
}

async function taskIdsOfContainers(ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const r = await run('docker', ['inspect', '--format', '{{index .Config.Labels "com.tsswarm.task.id"}}', ...ids]);
  return r.stdout.split('\n').filter(Boolean);
}

/** Waits until exactly `n` containers run, one per running task, and no task runs twice. */
async function expectConverged(c: TestCluster, service: string, n: number, timeoutMs = 30_000): Promise<string[]> {
  return waitFor(`${n} running replicas of ${service}`, async () => {
    const containers = await c.containers();
    const tasks = await runningTasks(c, service);
    if (containers.length !== n || tasks.length !== n) return false;
    const owners = await taskIdsOfContainers(containers);
    const unique = new Set(owners);
    if (unique.size !== n) return false;
    return tasks.every((t) => unique.has(t.ID)) ? containers : false;
  }, timeoutMs, 200);
}

before(async () => {
  const r = await run('bash', [path.join(ROOT, 'scripts/build-images.sh')], {}, 300_000);
  assert.equal(r.code, 0, `build-images failed: ${r.stderr}`);
});

describe('tsswarm CLI: a 5-replica service through its whole life', { timeout: 300_000 }, () => {
  let c: TestCluster;
  before(async () => {
    c = await TestCluster.start({ workers: 2, managerAvailability: 'drain', name: 'lifecycle' });
  });
  after(async () => {
    await c?.teardown();
  });

  test('create 5 replicas: 5 containers, spread 3+2 over the workers, none on the drained manager', async () => {
    const r = await c.cli(['service', 'create', '--name', 'web', '--replicas', '5', '-d', 'tsswarm/web']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.trim(), /^[0-9a-z]{25}$/);
    await expectConverged(c, 'web', 5);
    const perNode = [(await c.containers('worker1')).length, (await c.containers('worker2')).length].sort();
    assert.deepEqual(perNode, [2, 3]);
    assert.equal((await c.containers('manager1')).length, 0);

    const ls = await c.cli(['service', 'ls']);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /web\s+replicated\s+5\/5\s+tsswarm\/web/);
    const ps = await c.cli(['service', 'ps', 'web']);
    assert.equal(ps.code, 0, ps.stderr);
    assert.equal(ps.stdout.split('\n').filter((l) => /web\.\d/.test(l) && /Running/.test(l)).length, 5);
  });

  test('scale to 10 then 2: exactly that many containers', async () => {
    assert.equal((await c.cli(['service', 'scale', 'web=10', '-d'])).code, 0);
    await expectConverged(c, 'web', 10);
    assert.equal((await c.cli(['service', 'scale', 'web=2', '-d'])).code, 0);
    await expectConverged(c, 'web', 2);
  });

  test('a killed container is replaced', async () => {
    const [victim] = await c.containers();
    assert.ok(victim);
    assert.equal((await run('docker', ['kill', victim])).code, 0);
    await waitFor('failed task reported', async () => {
      const filters = encodeURIComponent(JSON.stringify({ service: ['web'] }));
      const tasks = (await c.api('GET', `/tasks?filters=${filters}`)) as TaskJson[];
      return tasks.some((t) => t.Status.State === 'failed' && t.Status.ContainerStatus?.ContainerID?.startsWith(victim));
    }, 5_000);
    const now = await expectConverged(c, 'web', 2, 30_000);
    assert.ok(!now.includes(victim));
  });

  test('worker kill -9 and restart: it adopts its containers, no duplicates', async () => {
    await expectConverged(c, 'web', 2);
    const before = (await c.containers()).sort();
    const log = path.join(c.root, 'worker1.log');
    const sessionsBefore = (await readFile(log, 'utf8')).split('session open').length;
    // The restart must land within the heartbeat grace (else the node is down and its tasks
    // move, rightly); widened here because a loaded machine starts a worker slowly.
    const period = await setHeartbeatPeriod((m, p, b) => c.api(m, p, b), 5_000);
    await c.kill('worker1', 'SIGKILL');
    await c.restart('worker1');
    // The restarted worker has its session back, and has reconciled at least once.
    await waitFor('worker1 session reopened', async () => (await readFile(log, 'utf8')).split('session open').length > sessionsBefore, 20_000);
    await setHeartbeatPeriod((m, p, b) => c.api(m, p, b), period);
    await new Promise((r) => setTimeout(r, 1500));
    const after = await expectConverged(c, 'web', 2, 40_000);
    assert.deepEqual(after.sort(), before, 'the same containers keep running: adopted, not recreated');
  });

  test('a worker down past the grace period: its tasks move, and its stale containers are removed when it returns', async () => {
    await expectConverged(c, 'web', 2);
    const stale = await c.containers('worker1');
    assert.ok(stale.length > 0, 'worker1 should run a replica before it fails');
    await c.kill('worker1', 'SIGKILL');
    const id = c.node('worker1').nodeId;
    await waitFor('worker1 down', async () => {
      const nodes = (await c.api('GET', '/nodes')) as Array<{ ID: string; Status: { State: string } }>;
      return nodes.find((n) => n.ID === id)?.Status.State === 'down';
    }, 15_000);
    await waitFor('2 running tasks, none on worker1', async () => {
      const tasks = await runningTasks(c, 'web');
      return tasks.length === 2 && tasks.every((t) => t.NodeID !== id);
    }, 30_000);
    await c.restart('worker1');
    // History containers (failed tasks) may stay, as in Docker; the lost replicas' go.
    await waitFor('the stale containers are removed', async () => {
      const all = await c.containers('worker1', false);
      return stale.every((cid) => !all.includes(cid));
    }, 30_000);
    await expectConverged(c, 'web', 2, 30_000);
  });

  test('service rm leaves no container behind', async () => {
    const r = await c.cli(['service', 'rm', 'web']);
    assert.equal(r.code, 0, r.stderr);
    await waitFor('all containers removed', async () => {
      const ids = [];
      for (const n of c.nodes) ids.push(...(await c.containers(n.name, false)));
      return ids.length === 0;
    }, 30_000);
    const tasks = (await c.api('GET', '/tasks')) as TaskJson[];
    assert.equal(tasks.length, 0);
  });

  test('missing image: the task is rejected with the engine error shown by service ps', async () => {
    const r = await c.cli(['service', 'create', '--name', 'ghost', '--replicas', '1', '-d', 'tsswarm/does-not-exist:1']);
    assert.equal(r.code, 0, r.stderr);
    await waitFor('rejected task', async () => {
      const filters = encodeURIComponent(JSON.stringify({ service: ['ghost'] }));
      const tasks = (await c.api('GET', `/tasks?filters=${filters}`)) as TaskJson[];
      return tasks.some((t) => t.Status.State === 'rejected' && /does-not-exist/.test(t.Status.Err ?? ''));
    }, 20_000);
    const ps = await c.cli(['service', 'ps', '--no-trunc', 'ghost']);
    assert.match(ps.stdout, /Rejected/);
    assert.match(ps.stdout, /does-not-exist/);
    assert.equal((await c.cli(['service', 'rm', 'ghost'])).code, 0);
  });
});

describe('the stock docker CLI drives the same flow', { timeout: 300_000 }, () => {
  let c: TestCluster;
  before(async () => {
    c = await TestCluster.start({ workers: 2, managerAvailability: 'drain', name: 'dockercli' });
  });
  after(async () => {
    await c?.teardown();
  });

  test('docker node ls / service create, ls, ps, inspect, scale, rm', async () => {
    const nodes = await c.docker(['node', 'ls']);
    assert.equal(nodes.code, 0, nodes.stderr);
    assert.match(nodes.stdout, /manager1\s+Ready\s+Drain\s+Leader/);
    assert.match(nodes.stdout, /worker1\s+Ready\s+Active/);
    const created = await c.docker(['service', 'create', '-d', '--name', 'web', '--replicas', '5', 'tsswarm/web']);
    assert.equal(created.code, 0, created.stderr);
    await expectConverged(c, 'web', 5);
    const ls = await c.docker(['service', 'ls']);
    assert.match(ls.stdout, /web\s+replicated\s+5\/5/);
    const ps = await c.docker(['service', 'ps', 'web']);
    assert.equal(ps.stdout.split('\n').filter((l) => /web\.\d/.test(l) && /Running/.test(l)).length, 5);
    const inspect = await c.docker(['service', 'inspect', 'web']);
    const spec = JSON.parse(inspect.stdout) as Array<{ Spec: { Mode: { Replicated: { Replicas: number } } } }>;
    assert.equal(spec[0]?.Spec.Mode.Replicated.Replicas, 5);
    assert.equal((await c.docker(['service', 'scale', '-d', 'web=8'])).code, 0);
    await expectConverged(c, 'web', 8);
    assert.equal((await c.docker(['service', 'scale', '-d', 'web=2'])).code, 0);
    await expectConverged(c, 'web', 2);
    const rm = await c.docker(['service', 'rm', 'web']);
    assert.equal(rm.code, 0, rm.stderr);
    await waitFor('no container left', async () => (await c.containers(undefined, false)).length === 0, 30_000);
  });
});

describe('bad input gets a clear error and changes nothing', { timeout: 120_000 }, () => {
  let c: TestCluster;
  before(async () => {
    c = await TestCluster.start({ workers: 1, managerAvailability: 'drain', name: 'badinput' });
    assert.equal((await c.cli(['service', 'create', '--name', 'web', '--replicas', '1', '-d', 'tsswarm/web'])).code, 0);
  });
  after(async () => {
    await c?.teardown();
  });

  async function services(): Promise<string> {
    return JSON.stringify(await c.api('GET', '/services'));
  }

  test('--replicas -1 and abc are refused by the CLI', async () => {
    const before = await services();
    for (const bad of ['-1', 'abc']) {
      const r = await c.cli(['service', 'create', '--name', 'x', '--replicas', bad, 'tsswarm/web']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, new RegExp(`invalid argument "${bad}" for "--replicas"`));
    }
    assert.equal(await services(), before);
  });

  test('duplicate service name is refused', async () => {
    const before = await services();
    const r = await c.cli(['service', 'create', '--name', 'web', '-d', 'tsswarm/web']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /already exists/);
    assert.equal(await services(), before);
  });

  test('unknown service in scale and rm', async () => {
    const s = await c.cli(['service', 'scale', 'nope=3']);
    assert.notEqual(s.code, 0);
    assert.match(s.stderr, /service nope not found/);
    const r = await c.cli(['service', 'rm', 'nope']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /nope/);
  });

  test('malformed API JSON is a 400 naming the problem', async () => {
    const before = await services();
    const res = await fetch(`http://127.0.0.1:${c.apiPort}/v1.45/services/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"Name": "x", ',
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { message: string };
    assert.match(body.message, /JSON/i);
    assert.equal(await services(), before);
  });

  test('a wrong join token is refused, and the refusal is logged on both sides', async () => {
    const bad = c.workerToken.replace(/.{5}$/, 'zzzzz');
    const dataDir = path.join(c.root, 'intruder');
    const r = await run(process.execPath, [path.join(ROOT, 'bin/tsswarm.js'), 'join', '--token', bad, '--data-dir', dataDir, '--hostname', 'intruder', c.managerAddr], {}, 30_000);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr + r.stdout, /invalid join token/);
    const managerLog = await readFile(path.join(c.root, 'manager1.log'), 'utf8');
    assert.match(managerLog, /refused (node|join): invalid join token/);
    const nodes = (await c.api('GET', '/nodes')) as Array<{ Description: { Hostname: string } }>;
    assert.ok(!nodes.some((n) => n.Description.Hostname === 'intruder'));
  });

  test('an unreachable manager address fails the join with a clear error', async () => {
    const port = await freePort();
    const dataDir = path.join(c.root, 'lost');
    const r = await run(
      process.execPath,
      [path.join(ROOT, 'bin/tsswarm.js'), 'join', '--token', c.workerToken, '--data-dir', dataDir, `127.0.0.1:${port}`],
      { TSSWARM_JOIN_TIMEOUT_MS: '3000' },
      60_000,
    );
    assert.notEqual(r.code, 0);
    assert.match(r.stderr + r.stdout, /cannot reach any manager/);
  });
});
