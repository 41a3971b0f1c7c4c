// DockerExecutor against the real engine (DOCKER_HOST or the local socket). Each test uses
// its own random node id, so it sees and removes only the containers it made.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Dockerode from 'dockerode';
import { pino } from 'pino';
import { DockerExecutor, LABEL_NODE_ID, LABEL_TASK_ID } from '../../../src/engine/docker/index.js';
import type { TaskState } from '../../../src/store/objects.js';
import type { AssignedTask, TaskStatusReport } from '../../../src/worker/types.js';

const run = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const docker = new Dockerode();
const log = pino({ level: process.env['TSSWARM_TEST_LOG'] ?? 'silent' });

/** Runs until stopped; exits 0 on SIGTERM so a stop is quick. */
const SLEEPER = ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'];
const nodeIds: string[] = [];

async function engineReachable(): Promise<boolean> {
  try {
    await docker.ping();
    return true;
  } catch {
    return false;
  }
}

const reachable = await engineReachable();
const skip = reachable ? false : 'Docker engine not reachable (DOCKER_HOST or /var/run/docker.sock)';

function newNodeId(): string {
  const id = `test-${randomBytes(5).toString('hex')}`;
  nodeIds.push(id);
  return id;
}

let taskCounter = 0;
function makeTask(nodeId: string, overrides: Partial<AssignedTask> = {}): AssignedTask {
  taskCounter += 1;
  return {
    id: `t${taskCounter}${randomBytes(6).toString('hex')}`,
    serviceId: 'svc1',
    serviceName: 'sleeper',
    slot: taskCounter,
    nodeId,
    image: 'tsswarm/busybox:latest',
    command: [],
    args: SLEEPER,
    env: ['FOO=bar'],
    labels: { 'test.label': 'yes' },
    hostname: '',
    dir: '',
    user: '',
    stopGracePeriodMs: 2_000,
    nanoCpus: 0,
    memoryBytes: 0,
    desiredState: 'running',
    ports: [],
    ...overrides,
  };
}

/** An executor with its reports collected, and a way to wait for one. */
class Harness {
  readonly reports: TaskStatusReport[] = [];
  private waiters: Array<() => void> = [];
  readonly executor: DockerExecutor;

  constructor(readonly nodeId: string) {
    this.executor = new DockerExecutor({ nodeId, log });
  }

  async start(): Promise<void> {
    await this.executor.start((status) => {
      this.reports.push(status);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  states(taskId: string): TaskState[] {
    return this.reports.filter((r) => r.taskId === taskId).map((r) => r.state);
  }

  find(taskId: string, state: TaskState): TaskStatusReport | undefined {
    return this.reports.find((r) => r.taskId === taskId && r.state === state);
  }

  async waitFor(taskId: string, state: TaskState, timeoutMs = 15_000): Promise<TaskStatusReport> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.find(taskId, state);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`task ${taskId} never reported ${state}; saw ${JSON.stringify(this.states(taskId))}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

async function containersOf(nodeId: string, taskId?: string): Promise<Dockerode.ContainerInfo[]> {
  const label = [`${LABEL_NODE_ID}=${nodeId}`];
  if (taskId) label.push(`${LABEL_TASK_ID}=${taskId}`);
  return docker.listContainers({ all: true, filters: { label } });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

void describe('DockerExecutor (real engine)', { skip }, () => {
  const harnesses: Harness[] = [];
  async function harness(nodeId = newNodeId()): Promise<Harness> {
    const h = new Harness(nodeId);
    harnesses.push(h);
    await h.start();
    return h;
  }

  before(async () => {
    const started = Date.now();
    await run('bash', [path.join(repoRoot, 'scripts/build-images.sh')], { cwd: repoRoot });
    log.info({ ms: Date.now() - started }, 'images built');
  });

  after(async () => {
    await Promise.allSettled(harnesses.map((h) => h.executor.stop()));
    for (const nodeId of nodeIds) {
      for (const info of await containersOf(nodeId)) {
        await docker.getContainer(info.Id).remove({ force: true }).catch(() => undefined);
      }
    }
  });

  void test('runs two tasks and reports preparing → starting → running with container ids', async () => {
    const h = await harness();
    const a = makeTask(h.nodeId);
    const b = makeTask(h.nodeId, { slot: 0, serviceName: 'global' });
    h.executor.setAssignments([a, b]);
    const [ra, rb] = await Promise.all([h.waitFor(a.id, 'running'), h.waitFor(b.id, 'running')]);
    assert.deepEqual(h.states(a.id), ['preparing', 'starting', 'running']);
    assert.ok(ra.containerId && rb.containerId && ra.containerId !== rb.containerId);
    assert.ok((ra.pid ?? 0) > 0);

    const info = await docker.getContainer(ra.containerId).inspect();
    assert.equal(info.Name, `/sleeper.${a.slot}.${a.id}`);
    assert.equal(info.State.Running, true);
    assert.equal(info.Config.Labels['com.tsswarm.task.id'], a.id);
    assert.equal(info.Config.Labels['com.tsswarm.service.name'], 'sleeper');
    assert.equal(info.Config.Labels['com.tsswarm.task.slot'], String(a.slot));
    assert.equal(info.Config.Labels['test.label'], 'yes');
    assert.ok(info.Config.Env.includes('FOO=bar'));
    assert.equal(info.HostConfig.RestartPolicy?.Name, 'no');
    const infoB = await docker.getContainer(rb.containerId!).inspect();
    assert.equal(infoB.Name, `/global.${h.nodeId}.${b.id}`);
  });

  void test('a killed container is reported failed at once', async () => {
    const h = await harness();
    const task = makeTask(h.nodeId);
    h.executor.setAssignments([task]);
    const running = await h.waitFor(task.id, 'running');
    const killedAt = Date.now();
    await run('docker', ['kill', running.containerId!]);
    const failed = await h.waitFor(task.id, 'failed', 5_000);
    const latencyMs = Date.now() - killedAt;
    log.info({ latencyMs }, 'kill → failed');
    assert.ok(latencyMs < 2_000, `failed reported after ${latencyMs} ms`);
    assert.equal(failed.exitCode, 137);
    assert.equal(failed.err, 'task: non-zero exit (137)');
    assert.equal(failed.message, 'task: non-zero exit (137)');
    assert.equal(failed.containerId, running.containerId);
    // Reported once; the orchestrator, not the executor, replaces it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(h.states(task.id), ['preparing', 'starting', 'running', 'failed']);
    assert.equal((await containersOf(h.nodeId, task.id)).length, 1);
  });

  void test('a task whose process exits 0 is complete; a job exiting non-zero is failed', async () => {
    const h = await harness();
    const ok = makeTask(h.nodeId, { args: ['true'], desiredState: 'complete' });
    const bad = makeTask(h.nodeId, { args: ['sh', '-c', 'exit 3'] });
    h.executor.setAssignments([ok, bad]);
    const complete = await h.waitFor(ok.id, 'complete');
    assert.equal(complete.exitCode, 0);
    const failed = await h.waitFor(bad.id, 'failed');
    assert.equal(failed.err, 'task: non-zero exit (3)');
  });

  void test('an unknown image is rejected with the engine message', async () => {
    const h = await harness();
    const task = makeTask(h.nodeId, { image: 'tsswarm-test/no-such-image:latest' });
    h.executor.setAssignments([task]);
    const rejected = await h.waitFor(task.id, 'rejected', 60_000);
    assert.match(rejected.err ?? '', /No such image: tsswarm-test\/no-such-image:latest/);
    assert.deepEqual(h.states(task.id), ['preparing', 'rejected']);
    assert.equal((await containersOf(h.nodeId, task.id)).length, 0);
  });

  void test('desired shutdown stops the container, reports shutdown and keeps it', async () => {
    const h = await harness();
    const task = makeTask(h.nodeId);
    h.executor.setAssignments([task]);
    const running = await h.waitFor(task.id, 'running');
    h.executor.setAssignments([{ ...task, desiredState: 'shutdown' }]);
    const shutdown = await h.waitFor(task.id, 'shutdown');
    assert.equal(shutdown.containerId, running.containerId);
    const info = await docker.getContainer(running.containerId!).inspect();
    assert.equal(info.State.Running, false);
    assert.deepEqual(h.states(task.id), ['preparing', 'starting', 'running', 'shutdown']);
  });

  void test('a stop that outlasts the grace period still reports shutdown, not failed', async () => {
    const h = await harness();
    // sleep as PID 1 ignores SIGTERM: the engine kills it after the grace period (137).
    const task = makeTask(h.nodeId, { args: ['sleep', '3600'], stopGracePeriodMs: 1_000 });
    h.executor.setAssignments([task]);
    await h.waitFor(task.id, 'running');
    h.executor.setAssignments([{ ...task, desiredState: 'shutdown' }]);
    const shutdown = await h.waitFor(task.id, 'shutdown');
    assert.equal(shutdown.exitCode, 137);
    assert.equal(h.find(task.id, 'failed'), undefined);
  });

  void test('a task that leaves the set has its container removed', async () => {
    const h = await harness();
    const keep = makeTask(h.nodeId);
    const drop = makeTask(h.nodeId);
    h.executor.setAssignments([keep, drop]);
    await Promise.all([h.waitFor(keep.id, 'running'), h.waitFor(drop.id, 'running')]);
    h.executor.setAssignments([keep]);
    await waitUntil('the dropped container is gone', async () => (await containersOf(h.nodeId, drop.id)).length === 0);
    assert.equal((await containersOf(h.nodeId, keep.id)).length, 1);
  });

  void test('coalesces rapid assignment changes: the latest set wins', async () => {
    const h = await harness();
    const tasks = Array.from({ length: 4 }, () => makeTask(h.nodeId));
    for (let i = 1; i <= tasks.length; i += 1) h.executor.setAssignments(tasks.slice(0, i));
    h.executor.setAssignments(tasks.slice(2));
    await Promise.all(tasks.slice(2).map((t) => h.waitFor(t.id, 'running')));
    const all = await containersOf(h.nodeId);
    assert.deepEqual(
      all.map((c) => c.Labels[LABEL_TASK_ID]).sort(),
      tasks.slice(2).map((t) => t.id).sort(),
    );
    assert.equal(h.states(tasks[0]!.id).length, 0);
  });

  void test('a new executor adopts running containers and removes unassigned ones', async () => {
    const first = await harness();
    const kept = makeTask(first.nodeId);
    const gone = makeTask(first.nodeId);
    first.executor.setAssignments([kept, gone]);
    const running = await first.waitFor(kept.id, 'running');
    await first.waitFor(gone.id, 'running');
    await first.executor.stop();
    assert.equal((await containersOf(first.nodeId)).filter((c) => c.State === 'running').length, 2);

    const second = await harness(first.nodeId);
    second.executor.setAssignments([kept]);
    const adopted = await second.waitFor(kept.id, 'running');
    assert.equal(adopted.containerId, running.containerId);
    assert.equal(adopted.pid, running.pid);
    assert.deepEqual(second.states(kept.id), ['running']);
    await waitUntil('the unassigned container is removed', async () => (await containersOf(first.nodeId, gone.id)).length === 0);
    assert.equal((await containersOf(first.nodeId, kept.id)).length, 1);
  });

  void test('a new executor reports an adopted container that exited meanwhile', async () => {
    const first = await harness();
    const task = makeTask(first.nodeId);
    first.executor.setAssignments([task]);
    const running = await first.waitFor(task.id, 'running');
    await first.executor.stop();
    await run('docker', ['kill', running.containerId!]);

    const second = await harness(first.nodeId);
    second.executor.setAssignments([task]);
    const failed = await second.waitFor(task.id, 'failed');
    assert.equal(failed.exitCode, 137);
    assert.equal((await containersOf(first.nodeId, task.id)).length, 1);
  });

  void test('after the event stream breaks it reconnects and still reports deaths', async () => {
    const h = await harness();
    const task = makeTask(h.nodeId);
    h.executor.setAssignments([task]);
    const running = await h.waitFor(task.id, 'running');
    (h.executor as unknown as { events: { breakStream(): void } }).events.breakStream();
    await run('docker', ['kill', running.containerId!]);
    const failed = await h.waitFor(task.id, 'failed', 5_000);
    assert.equal(failed.exitCode, 137);
  });

  void test('task options reach the engine: entrypoint, hostname, dir, user, limits', async () => {
    const h = await harness();
    const task = makeTask(h.nodeId, {
      command: ['sh', '-c'],
      args: ['trap "exit 0" TERM; sleep 3600 & wait'],
      hostname: 'custom-host',
      dir: '/tmp',
      user: 'nobody',
      nanoCpus: 500_000_000,
      memoryBytes: 64 * 1024 * 1024,
    });
    h.executor.setAssignments([task]);
    const running = await h.waitFor(task.id, 'running');
    const info = await docker.getContainer(running.containerId!).inspect();
    assert.deepEqual(info.Config.Entrypoint, ['sh', '-c']);
    assert.deepEqual(info.Config.Cmd, ['trap "exit 0" TERM; sleep 3600 & wait']);
    assert.equal(info.Config.Hostname, 'custom-host');
    assert.equal(info.Config.WorkingDir, '/tmp');
    assert.equal(info.Config.User, 'nobody');
    assert.equal(info.HostConfig.NanoCpus, 500_000_000);
    assert.equal(info.HostConfig.Memory, 64 * 1024 * 1024);
    const { stdout } = await run('docker', ['exec', running.containerId!, 'sh', '-c', 'hostname; pwd; id -u']);
    assert.equal(stdout, 'custom-host\n/tmp\n65534\n');
  });

  void test('host-mode ports are published on the host; ingress ports are not', async () => {
    const h = await harness();
    const hostPort = await freePort();
    const task = makeTask(h.nodeId, {
      image: 'tsswarm/web:latest',
      args: [],
      serviceName: 'web',
      ports: [
        { protocol: 'tcp', targetPort: 80, publishedPort: hostPort, publishMode: 'host' },
        { protocol: 'tcp', targetPort: 8080, publishedPort: 30080, publishMode: 'ingress' },
      ],
    });
    h.executor.setAssignments([task]);
    const running = await h.waitFor(task.id, 'running');
    const info = await docker.getContainer(running.containerId!).inspect();
    assert.deepEqual(Object.keys(info.HostConfig.PortBindings ?? {}), ['80/tcp']);
    let body: string | undefined;
    await waitUntil('the published port answers', async () => {
      body = await fetch(`http://127.0.0.1:${hostPort}/`).then((r) => r.text(), () => undefined);
      return body !== undefined;
    });
    assert.equal(body, `${running.containerId!.slice(0, 12)}\n`);
  });

  void test('twenty tasks at once, then none', async () => {
    const h = await harness();
    const tasks = Array.from({ length: 20 }, () => makeTask(h.nodeId));
    const startedAt = Date.now();
    h.executor.setAssignments(tasks);
    await Promise.all(tasks.map((t) => h.waitFor(t.id, 'running', 60_000)));
    log.info({ ms: Date.now() - startedAt }, '20 tasks running');
    assert.equal((await containersOf(h.nodeId)).length, 20);
    h.executor.setAssignments([]);
    await waitUntil('all containers are removed', async () => (await containersOf(h.nodeId)).length === 0, 60_000);
    log.info({ ms: Date.now() - startedAt }, '20 tasks started and removed');
  });

  void test('the web image answers HTTP with its hostname', async () => {
    const h = await harness();
    const task = makeTask(h.nodeId, { image: 'tsswarm/web:latest', args: [], serviceName: 'web' });
    h.executor.setAssignments([task]);
    const running = await h.waitFor(task.id, 'running');
    const info = await docker.getContainer(running.containerId!).inspect();
    const ip = Object.values(info.NetworkSettings.Networks)[0]?.IPAddress;
    assert.ok(ip, 'container has a bridge address');
    const hostname = info.Config.Hostname;
    assert.equal(hostname, running.containerId!.slice(0, 12));

    let response: Response | undefined;
    await waitUntil('the web server listens', async () => {
      response = await fetch(`http://${ip}/`).catch(() => undefined);
      return response !== undefined;
    });
    assert.equal(response?.status, 200);
    assert.equal(await response?.text(), `${hostname}\n`);
    const health = await fetch(`http://${ip}/health`);
    assert.equal(health.status, 200);
    assert.equal(await health.text(), `${hostname}\n`);
    // Many requests, some at once.
    for (let round = 0; round < 10; round += 1) {
      const bodies = await Promise.all(
        Array.from({ length: 10 }, (_, i) => fetch(`http://${ip}/r${round}/${i}`).then((r) => r.text())),
      );
      assert.ok(bodies.every((b) => b === `${hostname}\n`));
    }
  });

  void test('describe() reports the engine', async () => {
    const h = new Harness(newNodeId());
    const description = await h.executor.describe();
    assert.ok(description.hostname.length > 0);
    assert.equal(description.os, 'linux');
    assert.ok(['x86_64', 'aarch64'].includes(description.arch), description.arch);
    assert.ok(description.nanoCpus >= 1e9 && description.nanoCpus % 1e9 === 0);
    assert.ok(description.memoryBytes > 0);
    assert.match(description.engineVersion, /^\d+\.\d+/);
    assert.equal(typeof description.engineLabels, 'object');
  });
});
