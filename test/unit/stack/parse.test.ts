import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { interpolateString, parseStackFile, StackFileError, type StackErrorCode } from '../../../src/stack/index.js';

const yml = (...lines: string[]) => lines.join('\n') + '\n';

/** Asserts parseStackFile throws a StackFileError with this code, path, line and message. */
function refuses(text: string, want: { code: StackErrorCode; path: string; line?: number; message: RegExp }, env = {}): void {
  assert.throws(
    () => parseStackFile(text, { file: 'stack.yml', env }),
    (err: unknown) => {
      assert.ok(err instanceof StackFileError, String(err));
      assert.equal(err.code, want.code, err.message);
      assert.equal(err.path, want.path, err.message);
      if (want.line !== undefined) assert.equal(err.line, want.line, err.message);
      assert.match(err.message, want.message);
      assert.ok(err.message.startsWith('stack.yml'), err.message);
      return true;
    },
  );
}

void describe('stack: parseStackFile', () => {
  void it('reads the demo stack file', () => {
    const { model, ignored, warnings } = parseStackFile(readFileSync('deploy/demo/stack.yml', 'utf8'), { file: 'stack.yml', env: {} });
    assert.deepEqual(ignored, []);
    assert.deepEqual(warnings, []);
    const web = model.services.web;
    assert.equal(web?.image, 'tsswarm/web');
    assert.equal(web?.deploy?.replicas, 5);
    assert.deepEqual(web?.ports, [{ Protocol: 'tcp', TargetPort: 80, PublishMode: 'ingress', PublishedPort: 8080 }]);
    assert.deepEqual(model.networks, { front: { driver: 'overlay' } });
  });

  void it('reads every supported field into Engine API units', () => {
    const { model, ignored } = parseStackFile(
      yml(
        'version: "3.8"',
        'x-common: &common',
        '  image: tsswarm/web',
        'services:',
        '  api:',
        '    <<: *common',
        '    command: serve --port "80 81"',
        '    entrypoint: ["/bin/sh", "-c"]',
        '    environment: [A=1, B=x=y, FROM_SHELL, NOT_SET]',
        '    labels: { team: core }',
        '    hostname: api-host',
        '    user: 1000',
        '    working_dir: /srv',
        '    stop_grace_period: 1m30s',
        '    x-tsswarm-min-available: 50%',
        '    ports:',
        '      - 8080:80',
        '      - "53:53/udp"',
        '      - 9000-9001:9000-9001',
        '      - { target: 443, published: 8443, protocol: tcp, mode: host }',
        '    networks:',
        '      front: { aliases: [api-alias] }',
        '      back:',
        '    deploy:',
        '      mode: replicated',
        '      replicas: 3',
        '      labels: [tier=api]',
        '      endpoint_mode: vip',
        '      placement:',
        '        constraints: [node.role==worker, "node.labels.zone != b"]',
        '        preferences: [{ spread: node.labels.zone }]',
        '        max_replicas_per_node: 2',
        '      resources:',
        '        limits: { cpus: "0.5", memory: 64M }',
        '        reservations: { cpus: 0.25, memory: 32M }',
        '      restart_policy: { condition: on-failure, delay: 5s, max_attempts: 3, window: 1m }',
        '      update_config: { parallelism: 2, delay: 10s, failure_action: rollback, monitor: 5s, max_failure_ratio: 0.2, order: start-first }',
        '      rollback_config: { parallelism: 0, failure_action: pause, order: stop-first }',
        '  agent:',
        '    image: tsswarm/worker',
        '    environment: { K: v, N: 3 }',
        '    deploy: { mode: global, x-min-available: 1 }',
        'networks:',
        '  front: { driver: overlay, attachable: true, labels: { a: b }, ipam: { config: [{ subnet: 10.0.9.0/24 }] } }',
        '  back: { external: true, name: shared-net }',
      ),
      { file: 'stack.yml', env: { FROM_SHELL: 'shell-value' } },
    );
    assert.deepEqual(ignored, []);
    const api = model.services.api;
    assert.ok(api);
    assert.equal(api.image, 'tsswarm/web');
    assert.deepEqual(api.command, ['serve', '--port', '80 81']);
    assert.deepEqual(api.entrypoint, ['/bin/sh', '-c']);
    assert.deepEqual(api.environment, { A: '1', B: 'x=y', FROM_SHELL: 'shell-value' });
    assert.deepEqual(api.labels, { team: 'core' });
    assert.equal(api.user, '1000');
    assert.equal(api.workingDir, '/srv');
    assert.equal(api.stopGracePeriod, 90e9);
    assert.equal(api.minAvailable, '50%');
    assert.deepEqual(api.ports, [
      { Protocol: 'tcp', TargetPort: 80, PublishMode: 'ingress', PublishedPort: 8080 },
      { Protocol: 'udp', TargetPort: 53, PublishMode: 'ingress', PublishedPort: 53 },
      { Protocol: 'tcp', TargetPort: 9000, PublishMode: 'ingress', PublishedPort: 9000 },
      { Protocol: 'tcp', TargetPort: 9001, PublishMode: 'ingress', PublishedPort: 9001 },
      { Protocol: 'tcp', TargetPort: 443, PublishMode: 'host', PublishedPort: 8443 },
    ]);
    assert.deepEqual(api.networks, { front: { aliases: ['api-alias'] }, back: {} });
    assert.deepEqual(api.deploy, {
      mode: 'replicated',
      replicas: 3,
      labels: { tier: 'api' },
      endpointMode: 'vip',
      placement: {
        Constraints: ['node.role==worker', 'node.labels.zone != b'],
        Preferences: [{ Spread: { SpreadDescriptor: 'node.labels.zone' } }],
        MaxReplicas: 2,
      },
      resources: { Limits: { NanoCPUs: 5e8, MemoryBytes: 64 * 1024 ** 2 }, Reservations: { NanoCPUs: 2.5e8, MemoryBytes: 32 * 1024 ** 2 } },
      restartPolicy: { Condition: 'on-failure', Delay: 5e9, MaxAttempts: 3, Window: 60e9 },
      updateConfig: { Parallelism: 2, Delay: 10e9, FailureAction: 'rollback', Monitor: 5e9, MaxFailureRatio: 0.2, Order: 'start-first' },
      rollbackConfig: { Parallelism: 0, FailureAction: 'pause', Order: 'stop-first' },
    });
    assert.deepEqual(model.services.agent?.environment, { K: 'v', N: '3' });
    assert.equal(model.services.agent?.deploy?.mode, 'global');
    assert.equal(model.services.agent?.minAvailable, '1');
    assert.deepEqual(model.networks.front, { driver: 'overlay', attachable: true, labels: { a: 'b' }, subnet: '10.0.9.0/24' });
    assert.deepEqual(model.networks.back, { external: true, name: 'shared-net' });
  });

  void it('interpolates ${VAR}, defaults and $$ in values, not keys, and warns on unset variables', () => {
    const { model, warnings } = parseStackFile(
      yml(
        'services:',
        '  web:',
        '    image: ${REGISTRY:-local}/web:${TAG}',
        '    command: [echo, "$$HOME", "${EMPTY-unset-only}", "${EMPTY:-empty-too}", "${SET:+alt}"]',
        '    deploy: { replicas: "${REPLICAS}" }',
      ),
      { env: { REPLICAS: '4', EMPTY: '', SET: 'yes' } },
    );
    assert.equal(model.services.web?.image, 'local/web:');
    assert.deepEqual(model.services.web?.command, ['echo', '$HOME', '', 'empty-too', 'alt']);
    assert.equal(model.services.web?.deploy?.replicas, 4);
    assert.deepEqual(warnings, ['the TAG variable is not set; defaulting to a blank string']);
    assert.equal(interpolateString('${A:-${B:-deep}}', {}), 'deep');
    assert.equal(interpolateString('$A-$B', { A: '1', B: '2' }), '1-2');
  });

  void it('lists unsupported keys as ignored and warns about driver_opts', () => {
    const { ignored, warnings } = parseStackFile(
      yml(
        'services:',
        '  web:',
        '    image: x',
        '    build: .',
        '    depends_on: [db]',
        '    volumes: [data:/data]',
        '    x-anything: ok',
        'volumes: { data: {} }',
        'networks:',
        '  default: { driver_opts: { encrypted: "true" } }',
      ),
    );
    assert.deepEqual(ignored, ['volumes', 'services.web.build', 'services.web.depends_on', 'services.web.volumes']);
    assert.deepEqual(warnings, ["networks.default.driver_opts: driver options are ignored (tsswarm's overlay has none)"]);
  });

  void it('refuses bad values with the path and line', () => {
    refuses(yml('services:', '  web:', '    image: x', '    deploy:', '      replicas: abc'), {
      code: 'invalid_value',
      path: 'services.web.deploy.replicas',
      line: 5,
      message: /^stack\.yml, line 5: services\.web\.deploy\.replicas: expected a non-negative integer, got "abc"$/,
    });
    refuses(yml('services:', '  web:', '    image: x', '    stop_grace_period: soon'), {
      code: 'invalid_value',
      path: 'services.web.stop_grace_period',
      line: 4,
      message: /invalid duration: .*, got "soon"$/,
    });
    refuses(yml('services:', '  web:', '    image: x', '    ports: ["80:99999"]'), {
      code: 'invalid_value',
      path: 'services.web.ports[0]',
      line: 4,
      message: /target port 99999 is out of range/,
    });
    refuses(yml('services:', '  web:', '    image: x', '    ports: ["127.0.0.1:80:80"]'), {
      code: 'invalid_value',
      path: 'services.web.ports[0]',
      message: /host IP in a port mapping is not supported/,
    });
    refuses(yml('services:', '  web:', '    image: x', '    deploy: { resources: { limits: { memory: lots } } }'), {
      code: 'invalid_value',
      path: 'services.web.deploy.resources.limits.memory',
      message: /invalid size/,
    });
    refuses(yml('services:', '  web:', '    image: x', '    deploy: { placement: { constraints: [node.role] } }'), {
      code: 'invalid_value',
      path: 'services.web.deploy.placement.constraints[0]',
      message: /expected KEY==VALUE/,
    });
    refuses(yml('services:', '  web:', '    image: x', '    deploy: { mode: global, replicas: 2 }'), {
      code: 'invalid_value',
      path: 'services.web.deploy.replicas',
      message: /replicas can only be used with mode replicated/,
    });
    refuses(yml('services:', '  web:', '    image: x', '    deploy: { mode: daemonset }'), {
      code: 'invalid_value',
      path: 'services.web.deploy.mode',
      message: /expected one of replicated, global, got "daemonset"/,
    });
    refuses(yml('services:', '  web:', '    image: x', '    x-tsswarm-min-available: most'), {
      code: 'invalid_value',
      path: 'services.web.x-tsswarm-min-available',
      message: /percentage like 50%/,
    });
    refuses(yml('services:', '  web:', '    image: x', 'networks:', '  n: { driver: bridge }'), {
      code: 'invalid_value',
      path: 'networks.n.driver',
      line: 5,
      message: /network driver "bridge" is not supported/,
    });
    refuses(yml('version: "2.4"', 'services:', '  web: { image: x }'), { code: 'invalid_value', path: 'version', line: 1, message: /version 3\.x/ });
    refuses(yml('services: {}'), { code: 'invalid_value', path: 'services', message: /at least one service/ });
    refuses('', { code: 'invalid_value', path: '', message: /empty/ });
  });

  void it('refuses unknown keys (typos) at every level, naming the key and its line', () => {
    refuses(yml('services:', '  web:', '    imgae: x'), {
      code: 'unknown_key',
      path: 'services.web.imgae',
      line: 3,
      message: /unknown key "imgae" \(did you mean "image"\?\)/,
    });
    refuses(yml('services:', '  web:', '    image: x', '    deploy:', '      replica: 3'), {
      code: 'unknown_key',
      path: 'services.web.deploy.replica',
      line: 5,
      message: /did you mean "replicas"/,
    });
    refuses(yml('service:', '  web: { image: x }'), { code: 'unknown_key', path: 'service', line: 1, message: /did you mean "services"/ });
    refuses(yml('services:', '  web:', '    image: x', '    deploy: { update_config: { paralelism: 1 } }'), {
      code: 'unknown_key',
      path: 'services.web.deploy.update_config.paralelism',
      message: /did you mean "parallelism"/,
    });
  });

  void it('reports invalid YAML with its line', () => {
    refuses(yml('services:', '  web:', '    image: [x', '  db: y'), { code: 'invalid_yaml', path: '', message: /^stack\.yml, line \d+: invalid YAML: / });
    refuses(yml('services:', '  web: { image: x }', '  web: { image: y }'), { code: 'invalid_yaml', path: '', line: 3, message: /unique/ });
  });

  void it('refuses a required variable that is not set', () => {
    refuses(yml('services:', '  web:', '    image: ${IMAGE:?set IMAGE to the image to run}'), {
      code: 'missing_variable',
      path: 'services.web.image',
      line: 3,
      message: /required variable IMAGE: set IMAGE to the image to run/,
    });
    refuses(yml('services:', '  web:', '    image: ${IMAGE'), { code: 'invalid_value', path: 'services.web.image', message: /unclosed/ });
  });
});
