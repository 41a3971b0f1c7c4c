import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../../../src/api/errors.js';
import { validateServiceSpec } from '../../../src/api/validate-spec.js';
import { serviceSpec } from './fixtures.js';

function refuses(spec: unknown, message: RegExp): void {
  assert.throws(
    () => validateServiceSpec(spec),
    (err: unknown) => err instanceof ApiError && err.status === 400 && message.test(err.message),
  );
}

void describe('validateServiceSpec', () => {
  void it('does not modify its input and fills defaults', () => {
    const input = serviceSpec('web', { TaskTemplate: { ContainerSpec: { Image: 'x' } }, EndpointSpec: undefined });
    const frozen = JSON.stringify(input);
    const spec = validateServiceSpec(input);
    assert.equal(JSON.stringify(input), frozen);
    assert.deepEqual(spec.TaskTemplate.RestartPolicy, { Condition: 'any', Delay: 5_000_000_000 });
    assert.deepEqual(spec.EndpointSpec, { Mode: 'vip' });
  });

  void it('accepts every mode alone, with Replicated defaulting to 1 replica', () => {
    assert.deepEqual(validateServiceSpec(serviceSpec('a', { Mode: { Replicated: {} } })).Mode, { Replicated: { Replicas: 1 } });
    for (const mode of [{ Global: {} }, { ReplicatedJob: { MaxConcurrent: 2, TotalCompletions: 4 } }, { GlobalJob: {} }]) {
      assert.deepEqual(validateServiceSpec(serviceSpec('a', { Mode: mode })).Mode, mode);
    }
    refuses(serviceSpec('a', { Mode: { ReplicatedJob: { MaxConcurrent: -1 } } }), /MaxConcurrent must be >= 0/);
    refuses(serviceSpec('a', { Mode: 'replicated' as never }), /Spec\.Mode must be an object, got string "replicated"/);
  });

  void it('accepts good constraints, env and host-mode ports', () => {
    const spec = validateServiceSpec(
      serviceSpec('a', {
        TaskTemplate: {
          ContainerSpec: { Image: 'x', Env: ['A=1', 'B=', 'PASSTHROUGH'] },
          Placement: { Constraints: ['node.role==manager', 'node.labels.zone != a', 'node.hostname==wrk-1'] },
        },
        EndpointSpec: {
          Mode: 'dnsrr',
          Ports: [{ TargetPort: 53, PublishedPort: 53, Protocol: 'udp', PublishMode: 'host' }],
        },
      }),
    );
    assert.equal(spec.EndpointSpec?.Ports?.[0]?.PublishMode, 'host');
  });

  void it('names the field in every refusal', () => {
    refuses(serviceSpec('a', { Labels: { a: 1 as never } }), /Spec\.Labels\.a must be a string, got number 1/);
    refuses(serviceSpec('a', { EndpointSpec: { Mode: 'dnsrr', Ports: [{ TargetPort: 80, PublishedPort: 80 } as never] } }), /ingress mode can't be used with dnsrr/);
    refuses(serviceSpec('a', { EndpointSpec: { Ports: 'x' as never } }), /Spec\.EndpointSpec\.Ports must be a list/);
    refuses(serviceSpec('a', { EndpointSpec: { Ports: [{ PublishedPort: 80 } as never] } }), /Ports\[0\]\.TargetPort is required/);
    refuses(serviceSpec('a', { UpdateConfig: { FailureAction: 'explode' as never } }), /Spec\.UpdateConfig\.FailureAction must be one of continue, pause, rollback/);
    refuses(serviceSpec('a', { RollbackConfig: { Order: 'random' as never } }), /Spec\.RollbackConfig\.Order must be one of stop-first, start-first/);
    refuses(serviceSpec('a', { TaskTemplate: { ContainerSpec: { Image: 'x', Command: 'sh -c' as never } } }), /ContainerSpec\.Command must be a list of strings/);
    refuses(serviceSpec('a', { TaskTemplate: { ContainerSpec: { Image: 'x' }, Resources: { Limits: { MemoryBytes: -5 } } } }), /Resources\.Limits\.MemoryBytes must be >= 0/);
    refuses(serviceSpec('a', { TaskTemplate: { ContainerSpec: { Image: 'x' }, RestartPolicy: { Delay: 'soon' as never } } }), /RestartPolicy\.Delay must be an integer/);
    refuses(serviceSpec('a', { TaskTemplate: { ContainerSpec: { Image: 'x' }, Placement: { Constraints: ['==x'] } } }), /Constraints\[0\]/);
    refuses(serviceSpec('we b'), /Spec\.Name "we b" is invalid/);
    refuses(null, /got null/);
  });
});
