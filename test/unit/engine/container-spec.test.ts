// Pure mapping checks: AssignedTask → container create options, names, engine labels.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containerCreateOptions, containerName, parseEngineLabels } from '../../../src/engine/docker/index.js';
import type { AssignedTask } from '../../../src/worker/types.js';

function task(overrides: Partial<AssignedTask> = {}): AssignedTask {
  return {
    id: 'task1',
    serviceId: 'svc1',
    serviceName: 'web',
    slot: 3,
    nodeId: 'node1',
    image: 'tsswarm/web:latest',
    command: [],
    args: [],
    env: [],
    labels: {},
    hostname: '',
    dir: '',
    user: '',
    stopGracePeriodMs: 0,
    nanoCpus: 0,
    memoryBytes: 0,
    desiredState: 'running',
    ports: [],
    ...overrides,
  };
}

void test('names: slot for replicated tasks, node id for global ones', () => {
  assert.equal(containerName(task(), 'node1'), 'web.3.task1');
  assert.equal(containerName(task({ slot: 0 }), 'node1'), 'web.node1.task1');
});

void test('minimal task: image and labels, engine defaults for the rest', () => {
  const options = containerCreateOptions(task({ labels: { a: 'b', 'com.tsswarm.task.id': 'spoof' } }), 'node1');
  assert.equal(options.name, 'web.3.task1');
  assert.equal(options.Image, 'tsswarm/web:latest');
  assert.deepEqual(options.Labels, {
    a: 'b',
    'com.tsswarm.node.id': 'node1',
    'com.tsswarm.service.id': 'svc1',
    'com.tsswarm.service.name': 'web',
    'com.tsswarm.task.id': 'task1',
    'com.tsswarm.task.slot': '3',
  });
  for (const key of ['Entrypoint', 'Cmd', 'Hostname', 'WorkingDir', 'User', 'ExposedPorts'] as const) {
    assert.equal(options[key], undefined, key);
  }
  assert.deepEqual(options.HostConfig, { RestartPolicy: { Name: 'no' } });
  assert.equal(options.StopTimeout, 10);
});

void test('command replaces the entrypoint, args become Cmd; args alone replace Cmd', () => {
  const both = containerCreateOptions(task({ command: ['/bin/sh', '-c'], args: ['echo hi'] }), 'n');
  assert.deepEqual(both.Entrypoint, ['/bin/sh', '-c']);
  assert.deepEqual(both.Cmd, ['echo hi']);
  const commandOnly = containerCreateOptions(task({ command: ['/bin/true'] }), 'n');
  assert.deepEqual(commandOnly.Cmd, []);
  const argsOnly = containerCreateOptions(task({ args: ['sleep', '1'] }), 'n');
  assert.equal(argsOnly.Entrypoint, undefined);
  assert.deepEqual(argsOnly.Cmd, ['sleep', '1']);
});

void test('env, hostname, dir, user, resources and grace period', () => {
  const options = containerCreateOptions(
    task({
      env: ['A=1'],
      hostname: 'h1',
      dir: '/tmp',
      user: 'nobody',
      nanoCpus: 500_000_000,
      memoryBytes: 64 * 1024 * 1024,
      stopGracePeriodMs: 1_500,
    }),
    'n',
  );
  assert.deepEqual(options.Env, ['A=1']);
  assert.equal(options.Hostname, 'h1');
  assert.equal(options.WorkingDir, '/tmp');
  assert.equal(options.User, 'nobody');
  assert.equal(options.HostConfig?.NanoCpus, 500_000_000);
  assert.equal(options.HostConfig?.Memory, 64 * 1024 * 1024);
  assert.equal(options.StopTimeout, 2);
});

void test('only host-mode ports are published', () => {
  const options = containerCreateOptions(
    task({
      ports: [
        { protocol: 'tcp', targetPort: 80, publishedPort: 8080, publishMode: 'host' },
        { protocol: 'udp', targetPort: 53, publishedPort: 0, publishMode: 'host' },
        { protocol: 'tcp', targetPort: 443, publishedPort: 30443, publishMode: 'ingress' },
      ],
    }),
    'n',
  );
  assert.deepEqual(options.ExposedPorts, { '80/tcp': {}, '53/udp': {} });
  assert.deepEqual(options.HostConfig?.PortBindings, {
    '80/tcp': [{ HostPort: '8080' }],
    '53/udp': [{ HostPort: '' }],
  });
});

void test('engine labels parse key=value, keeping "=" inside values', () => {
  assert.deepEqual(parseEngineLabels(['zone=a', 'expr=x=y', 'flag', '']), { zone: 'a', expr: 'x=y', flag: '' });
  assert.deepEqual(parseEngineLabels(undefined), {});
});
