// Shared fixtures for the control API tests: a memory store seeded with a cluster and
// two ready nodes, an app over it, and helpers to assert on {"message"} errors.
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { MemoryBackend } from '../../../src/store/backend-memory.js';
import { Store } from '../../../src/store/store.js';
import type { Node, ServiceSpec, Task } from '../../../src/store/objects.js';
import { buildApiServer } from '../../../src/api/server.js';
import type { ManagerInfo } from '../../../src/api/manager-info.js';

export const MANAGER_ID = 'm00000000000000000000000a';
export const WORKER_ID = 'w00000000000000000000000b';

/** Set TSSWARM_TEST_LOG=debug to see every request the API serves. */
export const testLog = pino({ level: process.env.TSSWARM_TEST_LOG ?? 'silent' });

export function nodeDraft(id: string, hostname: string, role: 'manager' | 'worker'): Omit<Node, 'Version' | 'CreatedAt' | 'UpdatedAt'> {
  const node: Omit<Node, 'Version' | 'CreatedAt' | 'UpdatedAt'> = {
    ID: id,
    Spec: { Labels: {}, Role: role, Availability: 'active' },
    Description: {
      Hostname: hostname,
      Platform: { Architecture: 'x86_64', OS: 'linux' },
      Resources: { NanoCPUs: 4e9, MemoryBytes: 8 * 1024 ** 3 },
      Engine: { EngineVersion: '0.1.0', Labels: { zone: role === 'manager' ? 'a' : 'b' } },
    },
    Status: { State: 'ready', Addr: role === 'manager' ? '10.0.0.1' : '10.0.0.2' },
  };
  if (role === 'manager') node.ManagerStatus = { Leader: true, Reachability: 'reachable', Addr: '10.0.0.1:2377' };
  return node;
}

/** A store with the cluster object, a leader manager `mgr-1` and a worker `wrk-1`, both ready. */
export async function seededStore(): Promise<Store> {
  const store = new Store(new MemoryBackend());
  await store.open();
  await store.update((tx) => {
    tx.create('clusters', {
      ID: 'cluster',
      Spec: { Name: 'default', Dispatcher: { HeartbeatPeriod: 5e9 }, Orchestration: { TaskHistoryRetentionLimit: 5 } },
      JoinTokens: { Worker: 'SWMTKN-1-worker', Manager: 'SWMTKN-1-manager' },
    });
    tx.create('nodes', nodeDraft(MANAGER_ID, 'mgr-1', 'manager'));
    tx.create('nodes', nodeDraft(WORKER_ID, 'wrk-1', 'worker'));
  });
  return store;
}

export function managerInfo(overrides: Partial<ManagerInfo> = {}): ManagerInfo {
  return {
    nodeId: MANAGER_ID,
    hostname: 'mgr-1',
    clusterAddr: '10.0.0.1:2377',
    version: '0.1.0-test',
    isLeader: () => true,
    joinTokens: () => ({ Worker: 'SWMTKN-1-worker', Manager: 'SWMTKN-1-manager' }),
    ...overrides,
  };
}

export async function setup(info?: Partial<ManagerInfo>): Promise<{ store: Store; app: FastifyInstance }> {
  const store = await seededStore();
  const app = buildApiServer({ store, log: testLog, info: managerInfo(info) });
  await app.ready();
  return { store, app };
}

/** Everything in the store, for "a refused request changed nothing" assertions. */
export function dump(store: Store): string {
  return JSON.stringify({
    seq: store.seq,
    nodes: store.all('nodes'),
    services: store.all('services'),
    tasks: store.all('tasks'),
    clusters: store.all('clusters'),
  });
}

/** Asserts a Docker-shaped error: status, body exactly {"message"}, message matching. */
export function assertError(res: LightMyRequestResponse, status: number, message: RegExp): void {
  assert.equal(res.statusCode, status, `expected ${status}, got ${res.statusCode}: ${res.body}`);
  assert.equal(res.headers['content-type'], 'application/json');
  const body = res.json() as Record<string, unknown>;
  assert.deepEqual(Object.keys(body), ['message']);
  assert.match(String(body.message), message);
}

/** A ServiceSpec as the docker CLI sends it for `service create --name NAME IMAGE`. */
export function serviceSpec(name: string, overrides: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    Name: name,
    Labels: {},
    TaskTemplate: {
      ContainerSpec: { Image: 'tsswarm/web:latest' },
      RestartPolicy: { Condition: 'any', MaxAttempts: 0 },
    },
    Mode: { Replicated: { Replicas: 2 } },
    EndpointSpec: { Mode: 'vip' },
    ...overrides,
  };
}

export async function createService(app: FastifyInstance, spec: unknown): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/v1.45/services/create', payload: spec as object });
  assert.equal(res.statusCode, 201, res.body);
  return (res.json() as { ID: string }).ID;
}

/** Adds a task for a service directly in the store (tasks come from the orchestrator). */
export async function addTask(
  store: Store,
  id: string,
  serviceId: string,
  fields: Partial<Pick<Task, 'Slot' | 'NodeID' | 'DesiredState' | 'Status' | 'Labels'>> = {},
): Promise<void> {
  await store.update((tx) => {
    const service = tx.get('services', serviceId);
    tx.create('tasks', {
      ID: id,
      ServiceID: serviceId,
      Spec: structuredClone(service?.Spec.TaskTemplate ?? { ContainerSpec: { Image: 'x' } }),
      DesiredState: 'running',
      Status: { Timestamp: new Date().toISOString(), State: 'running', Message: 'started' },
      ...fields,
    });
  });
}
