// A FAKE manager for CLI tests: a real node:http server on 127.0.0.1:0 that answers canned
// Docker Engine API JSON and records every request. It is not the tsswarm API server.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Node, Service, Task } from '../../../src/store/objects.js';
import { run } from '../../../src/cli/program.js';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

export interface FakeReply {
  status?: number;
  body?: unknown;
}

type Handler = (req: RecordedRequest, match: RegExpExecArray) => FakeReply | undefined;

/** Pinned "now" for relative times in golden output. */
export const NOW = Date.parse('2026-01-01T12:00:00Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();

function meta(ID: string, index = 10) {
  return { ID, Version: { Index: index }, CreatedAt: ago(3600), UpdatedAt: ago(60) };
}

export function fixtureNodes(): Node[] {
  const node = (id: string, host: string, state: Node['Status']['State'], avail: Node['Spec']['Availability'], mgr?: Node['ManagerStatus']): Node => ({
    ...meta(id),
    Spec: { Labels: {}, Role: mgr ? 'manager' : 'worker', Availability: avail },
    Description: {
      Hostname: host,
      Platform: { Architecture: 'x86_64', OS: 'linux' },
      Resources: { NanoCPUs: 4e9, MemoryBytes: 8 * 1024 ** 3 },
      Engine: { EngineVersion: '0.1.0', Labels: {} },
    },
    Status: { State: state, Addr: '10.0.0.1' },
    ...(mgr ? { ManagerStatus: mgr } : {}),
  });
  return [
    node('node1aaaaaaaaaaaaaaaaaaaa', 'mgr-1', 'ready', 'active', { Leader: true, Reachability: 'reachable', Addr: '10.0.0.1:2377' }),
    node('node3cccccccccccccccccccc', 'worker-2', 'down', 'drain'),
    node('node2bbbbbbbbbbbbbbbbbbbb', 'worker-1', 'ready', 'active'),
  ];
}

export function fixtureServices(): Array<Service & { ServiceStatus?: object }> {
  return [
    {
      ...meta('svcwebaaaaaaaaaaaaaaaaaa', 42),
      Spec: {
        Name: 'web',
        TaskTemplate: { ContainerSpec: { Image: 'nginx:1.27@sha256:abcdef0123' } },
        Mode: { Replicated: { Replicas: 2 } },
        EndpointSpec: { Mode: 'vip', Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'ingress' }] },
      },
      Endpoint: { Spec: {}, Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'ingress' }] },
      ServiceStatus: { RunningTasks: 2, DesiredTasks: 2 },
    },
    {
      ...meta('svcmonbbbbbbbbbbbbbbbbbb', 7),
      Spec: {
        Name: 'mon',
        TaskTemplate: { ContainerSpec: { Image: 'prom/node-exporter' } },
        Mode: { Global: {} },
      },
      Endpoint: { Spec: {} },
      ServiceStatus: { RunningTasks: 1, DesiredTasks: 2 },
    },
  ];
}

export function fixtureTasks(): Task[] {
  const task = (id: string, serviceId: string, slot: number | undefined, nodeId: string, state: Task['Status']['State'], desired: Task['DesiredState'], secondsAgo: number, err?: string): Task => ({
    ...meta(id),
    Spec: { ContainerSpec: { Image: serviceId.startsWith('svcweb') ? 'nginx:1.27@sha256:abcdef0123' : 'prom/node-exporter' } },
    ServiceID: serviceId,
    ...(slot === undefined ? {} : { Slot: slot }),
    NodeID: nodeId,
    Status: { Timestamp: ago(secondsAgo), State: state, Message: state, ...(err ? { Err: err } : {}) },
    DesiredState: desired,
    SpecVersion: 42,
  });
  return [
    task('taskweb2xxxxxxxxxxxxxxxxx', 'svcwebaaaaaaaaaaaaaaaaaa', 2, 'node2bbbbbbbbbbbbbbbbbbbb', 'running', 'running', 5),
    task('taskweb1oldxxxxxxxxxxxxxx', 'svcwebaaaaaaaaaaaaaaaaaa', 1, 'node3cccccccccccccccccccc', 'failed', 'shutdown', 600, 'task: non-zero exit (1)'),
    task('taskweb1xxxxxxxxxxxxxxxxx', 'svcwebaaaaaaaaaaaaaaaaaa', 1, 'node1aaaaaaaaaaaaaaaaaaaa', 'running', 'running', 120),
  ];
}

export class FakeEngineApi {
  readonly requests: RecordedRequest[] = [];
  nodes = fixtureNodes();
  services = fixtureServices();
  tasks = fixtureTasks();
  private readonly routes: Array<{ method: string; re: RegExp; handler: Handler }> = [];
  private server: Server | undefined;
  host = '';

  constructor() {
    const byRef = <T extends { ID: string }>(list: T[], ref: string, name: (x: T) => string, kind: string): FakeReply => {
      const found = list.find((x) => x.ID === ref || x.ID.startsWith(ref) || name(x) === ref);
      return found ? { body: found } : { status: 404, body: { message: `${kind} ${ref} not found` } };
    };
    this.on('GET', /^\/services$/, () => ({ body: this.services }));
    this.on('GET', /^\/services\/([^/]+)$/, (_r, m) => byRef(this.services, decodeURIComponent(m[1] ?? ''), (s) => s.Spec.Name, 'service'));
    this.on('POST', /^\/services\/create$/, () => ({ status: 201, body: { ID: 'newsvcid0000000000000000', Warnings: [] } }));
    this.on('POST', /^\/services\/([^/]+)\/update$/, () => ({ body: { Warnings: [] } }));
    this.on('DELETE', /^\/services\/([^/]+)$/, (_r, m) => {
      const ref = decodeURIComponent(m[1] ?? '');
      const r = byRef(this.services, ref, (s) => s.Spec.Name, 'service');
      return r.status ? r : { status: 200, body: undefined };
    });
    this.on('GET', /^\/tasks$/, () => ({ body: this.tasks }));
    this.on('GET', /^\/nodes$/, () => ({ body: this.nodes }));
    this.on('GET', /^\/nodes\/([^/]+)$/, (_r, m) => byRef(this.nodes, decodeURIComponent(m[1] ?? ''), (n) => n.Description.Hostname, 'node'));
    this.on('POST', /^\/nodes\/([^/]+)\/update$/, () => ({ body: undefined }));
    this.on('DELETE', /^\/nodes\/([^/]+)$/, () => ({ body: undefined }));
    this.on('GET', /^\/info$/, () => ({
      body: {
        ID: 'engine-id',
        Name: 'mgr-1',
        ServerVersion: '0.1.0',
        Swarm: {
          NodeID: 'node1aaaaaaaaaaaaaaaaaaaa',
          NodeAddr: '10.0.0.1',
          LocalNodeState: 'active',
          ControlAvailable: true,
          RemoteManagers: [{ NodeID: 'node1aaaaaaaaaaaaaaaaaaaa', Addr: '10.0.0.1:2377' }],
          Nodes: 3,
          Managers: 1,
          Cluster: { ID: 'cluster' },
        },
      },
    }));
    this.on('GET', /^\/swarm$/, () => ({ body: { ID: 'cluster', JoinTokens: { Worker: 'SWWTKN-1-worker', Manager: 'SWMTKN-1-manager' } } }));
    this.on('GET', /^\/version$/, () => ({ body: { Version: '0.1.0', ApiVersion: '1.45', Os: 'linux', Arch: 'amd64' } }));
  }

  /** Adds (or overrides: later routes win) a handler for METHOD + path regex (no /v1.45 prefix). */
  on(method: string, re: RegExp, handler: Handler): this {
    this.routes.unshift({ method, re, handler });
    return this;
  }

  /** Requests other than reads, e.g. to assert that nothing was changed. */
  writes(): RecordedRequest[] {
    return this.requests.filter((r) => r.method !== 'GET');
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(({ status, body }) => {
        res.writeHead(status ?? 200, { 'content-type': 'application/json' });
        res.end(body === undefined ? '' : JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.host = `tcp://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private async handle(req: IncomingMessage): Promise<FakeReply> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    if (!url.pathname.startsWith('/v1.45/')) return { status: 400, body: { message: `fake: path without /v1.45: ${url.pathname}` } };
    const path = url.pathname.slice('/v1.45'.length);
    const rec: RecordedRequest = { method: req.method ?? 'GET', path, query: url.searchParams, body: text ? JSON.parse(text) : undefined };
    this.requests.push(rec);
    for (const r of this.routes) {
      const m = r.method === rec.method ? r.re.exec(path) : null;
      if (m) return r.handler(rec, m) ?? { body: undefined };
    }
    return { status: 404, body: { message: `fake: no route for ${rec.method} ${path}` } };
  }
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process against `host`, with output captured and the clock pinned. */
export async function cli(host: string | undefined, ...args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await run(host === undefined ? args : ['-H', host, ...args], {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    env: {},
    now: () => NOW,
  });
  return { code, stdout, stderr };
}
