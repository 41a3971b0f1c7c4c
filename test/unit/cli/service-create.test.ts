import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { ServiceSpec, Task } from '../../../src/store/objects.js';
import { cli, FakeEngineApi, NOW } from './fake-engine-api.js';

void describe('service create (against a fake Engine API)', () => {
  let fake: FakeEngineApi;
  before(async () => {
    fake = await new FakeEngineApi().start();
  });
  beforeEach(() => {
    fake.requests.length = 0;
  });
  after(() => fake.stop());

  const created = () => fake.requests.find((q) => q.method === 'POST' && q.path === '/services/create')?.body as ServiceSpec;

  void it('builds an Engine API ServiceSpec (ns durations, NanoCPUs, MemoryBytes) and prints the ID', async () => {
    const r = await cli(
      fake.host,
      'service', 'create', '-d', '--name', 'web', '--replicas', '3',
      '-p', '8080:80', '-p', 'published=5353,target=53,protocol=udp,mode=host',
      '-e', 'A=1', '--env', 'B=two', '--label', 'team=x',
      '--constraint', 'node.labels.zone==east', '--placement-pref', 'spread=node.labels.zone',
      '--reserve-cpu', '0.5', '--reserve-memory', '64M', '--limit-cpu', '2', '--limit-memory', '1g',
      '--restart-condition', 'on-failure', '--restart-delay', '5s', '--restart-max-attempts', '3', '--restart-window', '1m',
      '--replicas-max-per-node', '2', '--update-parallelism', '2', '--update-delay', '10s',
      '--update-order', 'start-first', '--update-failure-action', 'rollback',
      '--network', 'backend', '--endpoint-mode', 'vip', '--hostname', 'h', '--workdir', '/app', '--user', 'app',
      '--stop-grace-period', '1m30s', '--entrypoint', 'tini --',
      'nginx:1.27', 'nginx', '-g', 'daemon off;',
    );
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'newsvcid0000000000000000\n');
    assert.deepEqual(created(), {
      Name: 'web',
      Labels: { team: 'x' },
      Mode: { Replicated: { Replicas: 3 } },
      TaskTemplate: {
        ContainerSpec: {
          Image: 'nginx:1.27',
          Command: ['tini', '--'],
          Args: ['nginx', '-g', 'daemon off;'],
          Env: ['A=1', 'B=two'],
          Hostname: 'h',
          Dir: '/app',
          User: 'app',
          StopGracePeriod: 90e9,
        },
        Resources: {
          Reservations: { NanoCPUs: 5e8, MemoryBytes: 64 * 1024 ** 2 },
          Limits: { NanoCPUs: 2e9, MemoryBytes: 1024 ** 3 },
        },
        RestartPolicy: { Condition: 'on-failure', Delay: 5e9, MaxAttempts: 3, Window: 60e9 },
        Placement: {
          Constraints: ['node.labels.zone==east'],
          Preferences: [{ Spread: { SpreadDescriptor: 'node.labels.zone' } }],
          MaxReplicas: 2,
        },
        Networks: [{ Target: 'backend' }],
      },
      UpdateConfig: { Parallelism: 2, Delay: 10e9, Order: 'start-first', FailureAction: 'rollback' },
      EndpointSpec: {
        Mode: 'vip',
        Ports: [
          { Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'ingress' },
          { Protocol: 'udp', TargetPort: 53, PublishedPort: 5353, PublishMode: 'host' },
        ],
      },
    });
    assert.equal(fake.requests.length, 1, '-d: no waiting');
  });

  void it('does not parse arguments after IMAGE as flags', async () => {
    const r = await cli(fake.host, 'service', 'create', '-d', 'busybox', 'sh', '-c', 'echo --replicas -1', '--name', 'x');
    assert.equal(r.code, 0, r.stderr);
    const spec = created();
    assert.deepEqual(spec.TaskTemplate.ContainerSpec.Args, ['sh', '-c', 'echo --replicas -1', '--name', 'x']);
    assert.match(spec.Name, /^busybox-[a-z0-9]{5}$/, 'no --name: the CLI picks one from the image');
    assert.deepEqual(spec.Mode, { Replicated: { Replicas: 1 } });
  });

  void it('global and job modes', async () => {
    await cli(fake.host, 'service', 'create', '-d', '--mode', 'global', 'img');
    assert.deepEqual(created().Mode, { Global: {} });
    fake.requests.length = 0;
    await cli(fake.host, 'service', 'create', '-d', '--mode', 'replicated-job', '--replicas', '4', 'img');
    assert.deepEqual(created().Mode, { ReplicatedJob: { MaxConcurrent: 4, TotalCompletions: 4 } });
  });

  const refused: Array<[string[], RegExp]> = [
    [['--replicas', '-1', 'nginx'], /^tsswarm: invalid argument "-1" for "--replicas" flag: must be a non-negative integer\nSee 'tsswarm service create --help'.\n$/],
    [['--replicas', 'abc', 'nginx'], /invalid argument "abc" for "--replicas" flag: must be a non-negative integer/],
    [['-p', '70000:80', 'nginx'], /invalid argument "70000:80" for "--publish" flag: published port 70000 is out of range \(1-65535\)/],
    [['-p', 'abc', 'nginx'], /invalid argument "abc" for "--publish" flag: invalid target port "abc"/],
    [['-p', '80:80/xyz', 'nginx'], /invalid argument "80:80\/xyz" for "--publish" flag: unknown protocol "xyz"/],
    [['-p', 'published=80', 'nginx'], /missing target port/],
    [['--restart-delay', '5parsecs', 'nginx'], /invalid argument "5parsecs" for "--restart-delay" flag: invalid duration/],
    [['--reserve-memory', '64Q', 'nginx'], /invalid argument "64Q" for "--reserve-memory" flag: invalid size/],
    [['--reserve-cpu', '-1', 'nginx'], /invalid argument "-1" for "--reserve-cpu" flag/],
    [['--mode', 'sometimes', 'nginx'], /invalid argument "sometimes" for "--mode" flag: must be one of replicated, global, replicated-job, global-job/],
    [['--mode', 'global', '--replicas', '2', 'nginx'], /--replicas can only be used with replicated or replicated-job mode/],
    [['--constraint', 'zone', 'nginx'], /for "--constraint" flag: expected KEY==VALUE/],
    [['-e', '=x', 'nginx'], /for "--env" flag: expected KEY=VALUE/],
    [[], /^tsswarm: "service create" requires at least 1 argument.\nSee 'tsswarm service create --help'.\n$/],
    [['--bogus', 'nginx'], /^tsswarm: unknown option '--bogus'/],
    [['--name', '-web', 'nginx'], /invalid argument "-web" for "--name" flag/],
  ];
  for (const [args, message] of refused) {
    void it(`refuses ${JSON.stringify(args)} with exit 2 and sends nothing`, async () => {
      const r = await cli(fake.host, 'service', 'create', ...args);
      assert.equal(r.code, 2);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
      assert.equal(fake.requests.length, 0);
    });
  }

  void it('without -d waits until the replicas run, printing progress', async () => {
    let polls = 0;
    const svc = structuredClone(fake.services[0]!);
    svc.ID = 'newsvcid0000000000000000';
    svc.Spec.Name = 'api';
    svc.Spec.Mode = { Replicated: { Replicas: 2 } };
    fake.services.push(svc);
    const running = (n: number): Task[] =>
      Array.from({ length: 2 }, (_, i) => ({
        ID: `t${i}`, Version: { Index: 1 }, CreatedAt: '', UpdatedAt: '',
        Spec: svc.Spec.TaskTemplate, ServiceID: svc.ID, Slot: i + 1, DesiredState: 'running',
        Status: { Timestamp: new Date(NOW).toISOString(), State: i < n ? 'running' : 'pending', Message: '' },
      }));
    fake.on('GET', /^\/tasks$/, () => ({ body: running(Math.min(2, polls++)) }));
    try {
      const r = await cli(fake.host, 'service', 'create', '--name', 'api', '--replicas', '2', 'nginx');
      assert.equal(r.stderr, '');
      assert.equal(r.code, 0);
      assert.equal(r.stdout, 'newsvcid0000000000000000\napi: 0/2 running\napi: 1/2 running\napi: 2/2 running\n');
      const q = fake.requests.find((x) => x.path === '/tasks');
      assert.deepEqual(JSON.parse(q?.query.get('filters') ?? ''), { service: ['newsvcid0000000000000000'] });
    } finally {
      fake.services.pop();
      fake.on('GET', /^\/tasks$/, () => ({ body: fake.tasks }));
    }
  });
});
