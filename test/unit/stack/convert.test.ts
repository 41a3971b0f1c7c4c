import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateServiceSpec } from '../../../src/api/validate-spec.js';
import { convertStack, mergeStacks, parseStackFile, planServices, StackFileError } from '../../../src/stack/index.js';
import type { Service, ServiceSpec } from '../../../src/store/objects.js';

const yml = (...lines: string[]) => lines.join('\n') + '\n';
const model = (text: string) => parseStackFile(text, { file: 'stack.yml' }).model;

function stored(spec: ServiceSpec, id: string): Service {
  const now = '2026-01-01T00:00:00Z';
  return { ID: id, Version: { Index: 7 }, CreatedAt: now, UpdatedAt: now, Spec: validateServiceSpec(spec), Endpoint: { Spec: {} } };
}

void describe('stack: convertStack', () => {
  void it('namespaces services and networks and labels them as the docker CLI does', () => {
    const out = convertStack(
      'demo',
      model(
        yml(
          'services:',
          '  web:',
          '    image: tsswarm/web',
          '    command: [serve]',
          '    entrypoint: [/app]',
          '    environment: { B: "2", A: "1" }',
          '    labels: { c: d }',
          '    ports: ["8080:80"]',
          '    networks: [front]',
          '    hostname: h',
          '    user: u',
          '    working_dir: /w',
          '    stop_grace_period: 3s',
          '    deploy:',
          '      replicas: 5',
          '      labels: { a: b }',
          '      x-min-available: 2',
          '      resources: { limits: { memory: 1k } }',
          '      restart_policy: { condition: none }',
          '      placement: { max_replicas_per_node: 1 }',
          '      update_config: { parallelism: 2 }',
          '      rollback_config: { order: start-first }',
          '  worker:',
          '    image: tsswarm/worker',
          '    deploy: { mode: global, endpoint_mode: dnsrr }',
          'networks:',
          '  front: { driver: overlay, ipam: { config: [{ subnet: 10.0.9.0/24, gateway: 10.0.9.254 }] } }',
          '  unused: {}',
        ),
      ),
    );
    assert.deepEqual(out.networks, [
      { Name: 'demo_default', Driver: 'overlay', Attachable: false, Internal: false, Labels: { 'com.docker.stack.namespace': 'demo' } },
      {
        Name: 'demo_front',
        Driver: 'overlay',
        Attachable: false,
        Internal: false,
        Labels: { 'com.docker.stack.namespace': 'demo' },
        IPAM: { Driver: 'default', Config: [{ Subnet: '10.0.9.0/24', Gateway: '10.0.9.254' }] },
      },
    ]);
    assert.deepEqual(out.externalNetworks, []);
    assert.deepEqual(out.services, [
      {
        Name: 'demo_web',
        Labels: { a: 'b', 'com.docker.stack.namespace': 'demo', 'com.docker.stack.image': 'tsswarm/web', 'com.tsswarm.min-available': '2' },
        TaskTemplate: {
          ContainerSpec: {
            Image: 'tsswarm/web',
            Labels: { c: 'd', 'com.docker.stack.namespace': 'demo' },
            Command: ['/app'],
            Args: ['serve'],
            Hostname: 'h',
            Env: ['A=1', 'B=2'],
            Dir: '/w',
            User: 'u',
            StopGracePeriod: 3e9,
          },
          Resources: { Limits: { MemoryBytes: 1024 } },
          RestartPolicy: { Condition: 'none' },
          Placement: { MaxReplicas: 1 },
          Networks: [{ Target: 'demo_front', Aliases: ['web'] }],
        },
        Mode: { Replicated: { Replicas: 5 } },
        UpdateConfig: { Parallelism: 2 },
        RollbackConfig: { Order: 'start-first' },
        EndpointSpec: { Mode: 'vip', Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishMode: 'ingress', PublishedPort: 8080 }] },
      },
      {
        Name: 'demo_worker',
        Labels: { 'com.docker.stack.namespace': 'demo', 'com.docker.stack.image': 'tsswarm/worker' },
        TaskTemplate: {
          ContainerSpec: { Image: 'tsswarm/worker', Labels: { 'com.docker.stack.namespace': 'demo' } },
          Networks: [{ Target: 'demo_default', Aliases: ['worker'] }],
        },
        Mode: { Global: {} },
        EndpointSpec: { Mode: 'dnsrr' },
      },
    ]);
    // What the CLI will send passes the manager's own validation.
    for (const s of out.services) validateServiceSpec(s);
  });

  void it('uses external networks by name without creating them, and explicit names unprefixed', () => {
    const out = convertStack(
      'demo',
      model(yml('services:', '  web: { image: x, networks: { shared: { aliases: [www] }, own: null } }', 'networks:', '  shared: { external: true }', '  own: { name: custom }')),
    );
    assert.deepEqual(out.externalNetworks, ['shared']);
    assert.deepEqual(out.networks.map((n) => n.Name), ['custom']);
    assert.deepEqual(out.services[0]?.TaskTemplate.Networks, [
      { Target: 'custom', Aliases: ['web'] },
      { Target: 'shared', Aliases: ['web', 'www'] },
    ]);
  });

  void it('refuses invalid stack names, too-long service names, a missing image and undeclared networks', () => {
    const m = model(yml('services:', '  web: { image: x }'));
    for (const bad of ['', 'a b', '-x', 'demo/1', 'x'.repeat(62)]) {
      assert.throws(() => convertStack(bad, m), (e: unknown) => e instanceof StackFileError && e.code === 'invalid_stack_name' && /invalid stack name/.test(e.message));
    }
    const long = model(yml('services:', `  ${'s'.repeat(60)}: { image: x }`));
    assert.throws(() => convertStack('demo', long), /service name "demo_s+" is 65 characters long; the most is 63/);
    assert.throws(() => convertStack('demo', model(yml('services:', '  web: { command: [x] }'))), /StackFileError: services\.web\.image: image is required$/);
    assert.throws(
      () => convertStack('demo', model(yml('services:', '  web: { image: x, networks: [nope] }'))),
      (e: unknown) => e instanceof StackFileError && e.code === 'undefined_network' && /refers to network "nope"/.test(e.message),
    );
    assert.throws(
      () => convertStack('demo', model(yml('services:', '  web: { image: x, ports: ["80:80"], deploy: { endpoint_mode: dnsrr } }'))),
      /endpoint_mode dnsrr cannot be used with ports published through the routing mesh/,
    );
  });

  void it('merges files: later ones win, mappings merge by key, lists are replaced', () => {
    const base = model(yml('services:', '  web:', '    image: web:1', '    environment: { A: "1", B: "1" }', '    ports: ["80:80"]', '    deploy: { replicas: 2, labels: { x: "1" } }', '  db: { image: db }'));
    const prod = model(yml('services:', '  web:', '    image: web:2', '    environment: { B: "2" }', '    ports: ["8080:80"]', '    deploy: { replicas: 5 }'));
    const m = mergeStacks([base, prod]);
    assert.equal(m.services.web?.image, 'web:2');
    assert.deepEqual(m.services.web?.environment, { A: '1', B: '2' });
    assert.deepEqual(m.services.web?.ports?.map((p) => p.PublishedPort), [8080]);
    assert.deepEqual(m.services.web?.deploy, { replicas: 5, labels: { x: '1' } });
    assert.equal(m.services.db?.image, 'db');
    assert.equal(base.services.web?.image, 'web:1', 'inputs are not modified');
  });
});

void describe('stack: planServices', () => {
  const specs = (text: string) => convertStack('demo', model(text)).services;
  const v1 = specs(yml('services:', '  web: { image: web:1 }', '  api: { image: api:1 }', '  old: { image: old }'));

  void it('updates only the services whose spec changed, keeping ForceUpdate', () => {
    const existing = v1.map((s, i) => stored(s, `id${i}`));
    const webStored = existing.find((s) => s.Spec.Name === 'demo_web');
    assert.ok(webStored);
    webStored.Spec.TaskTemplate.ForceUpdate = 3;
    const v2 = specs(yml('services:', '  web: { image: web:2 }', '  api: { image: api:1 }', '  new: { image: new }'));
    const plan = planServices(v2, existing, { prune: false, normalize: validateServiceSpec });
    assert.deepEqual(plan.create.map((s) => s.Name), ['demo_new']);
    assert.deepEqual(plan.update.map((u) => u.spec.Name), ['demo_web']);
    assert.equal(plan.update[0]?.spec.TaskTemplate.ForceUpdate, 3);
    assert.deepEqual(plan.unchanged.map((s) => s.Spec.Name), ['demo_api']);
    assert.deepEqual(plan.remove, []);
    const pruned = planServices(v2, existing, { prune: true, normalize: validateServiceSpec });
    assert.deepEqual(pruned.remove.map((s) => s.Spec.Name), ['demo_old']);
  });

  void it('sees a removed field as a change (not only added ones)', () => {
    const withEnv = specs(yml('services:', '  web: { image: web, environment: [A=1] }'));
    const without = specs(yml('services:', '  web: { image: web }'));
    const plan = planServices(without, withEnv.map((s) => stored(s, 'w')), { prune: false, normalize: validateServiceSpec });
    assert.equal(plan.update.length, 1);
  });
});
