// Starts a tsswarm cluster of real processes on loopback for tests and benchmarks: one
// manager and M workers, each with its own ports and temporary data dir. Teardown always
// kills what it started by pid and removes containers by the node-id label.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, open } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/tsswarm.js');

export interface ProcNode {
  name: string;
  role: 'manager' | 'worker';
  dataDir: string;
  args: string[];
  proc?: ChildProcess;
  nodeId?: string;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Ports this process has handed out. A port is only free while nobody binds it, and the
 * kernel may offer a just-closed one again at the next bind(0): two calls before either
 * port is taken (e.g. the listen, Raft and API ports of one worker) could get the same one.
 */
const handedOut = new Set<number>();

export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.listen(0, '127.0.0.1', () => {
        const addr = srv.address();
        const p = typeof addr === 'object' && addr ? addr.port : 0;
        srv.close(() => resolve(p));
      });
      srv.on('error', reject);
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('freePort: no port this process has not handed out already after 50 tries');
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      lastErr = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ''}`);
}

export async function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<RunResult> {
  try {
    const { stdout, stderr } = await execFileP(cmd, args, { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

/**
 * Sets the cluster's dispatcher heartbeat period through the API (a node is marked down
 * after 3 missed heartbeats; applied live) and returns the old period (ms). Restart tests
 * widen it so a worker that is slow to start on a loaded machine is not declared down.
 */
export async function setHeartbeatPeriod(api: (method: string, path: string, body?: unknown) => Promise<unknown>, ms: number): Promise<number> {
  const swarm = (await api('GET', '/swarm')) as { Version: { Index: number }; Spec: { Dispatcher: { HeartbeatPeriod: number } } };
  const old = swarm.Spec.Dispatcher.HeartbeatPeriod / 1e6;
  await api('POST', `/swarm/update?version=${swarm.Version.Index}`, { ...swarm.Spec, Dispatcher: { ...swarm.Spec.Dispatcher, HeartbeatPeriod: ms * 1e6 } });
  return old;
}

export interface ClusterOptions {
  workers: number;
  managerAvailability?: 'active' | 'drain';
  heartbeatPeriodMs?: number;
  name?: string;
}

export class TestCluster {
  readonly nodes: ProcNode[] = [];
  apiPort = 0;
  grpcPort = 0;
  raftPort = 0;
  workerToken = '';
  private constructor(readonly root: string) {}

  static async start(o: ClusterOptions): Promise<TestCluster> {
    const root = await mkdtemp(path.join(tmpdir(), `tsswarm-${o.name ?? 'test'}-`));
    const c = new TestCluster(root);
    try {
      await c.boot(o);
    } catch (err) {
      await c.teardown();
      throw err;
    }
    return c;
  }

  get host(): string {
    return `tcp://127.0.0.1:${this.apiPort}`;
  }

  get managerAddr(): string {
    return `127.0.0.1:${this.grpcPort}`;
  }

  private async boot(o: ClusterOptions): Promise<void> {
    this.apiPort = await freePort();
    this.grpcPort = await freePort();
    this.raftPort = await freePort();
    const manager: ProcNode = {
      name: 'manager1',
      role: 'manager',
      dataDir: path.join(this.root, 'manager1'),
      args: [
        'init',
        '--listen-addr', this.managerAddr,
        '--raft-addr', `127.0.0.1:${this.raftPort}`,
        '--api-addr', `127.0.0.1:${this.apiPort}`,
        '--data-dir', path.join(this.root, 'manager1'),
        '--hostname', 'manager1',
        '--availability', o.managerAvailability ?? 'drain',
      ],
    };
    this.nodes.push(manager);
    await this.startNode(manager, o.heartbeatPeriodMs);
    await waitFor('manager API', async () => (await fetch(`http://127.0.0.1:${this.apiPort}/_ping`)).ok);
    const swarm = (await this.api('GET', '/swarm')) as { JoinTokens: { Worker: string } };
    this.workerToken = swarm.JoinTokens.Worker;
    for (let i = 1; i <= o.workers; i++) {
      const name = `worker${i}`;
      const node: ProcNode = {
        name,
        role: 'worker',
        dataDir: path.join(this.root, name),
        args: ['join', '--token', this.workerToken, '--data-dir', path.join(this.root, name), '--hostname', name, this.managerAddr],
      };
      this.nodes.push(node);
      await this.startNode(node);
    }
    await this.waitReadyNodes(o.workers + 1);
  }

  async startNode(node: ProcNode, heartbeatPeriodMs?: number): Promise<void> {
    const log = await open(path.join(this.root, `${node.name}.log`), 'a');
    const env: NodeJS.ProcessEnv = { ...process.env, TSSWARM_LOG_LEVEL: process.env.TSSWARM_LOG_LEVEL ?? 'info' };
    if (heartbeatPeriodMs) env.TSSWARM_HEARTBEAT_MS = String(heartbeatPeriodMs);
    node.proc = spawn(process.execPath, [BIN, ...node.args], { stdio: ['ignore', log.fd, log.fd], env });
    node.proc.on('exit', () => void log.close().catch(() => {}));
    node.nodeId = await waitFor(`${node.name} identity`, async () => {
      if (node.proc?.exitCode !== null) throw new Error(`${node.name} exited early (code ${node.proc?.exitCode}); see ${this.root}/${node.name}.log`);
      const parsed = JSON.parse(await readFile(path.join(node.dataDir, 'node.json'), 'utf8')) as { nodeId: string };
      return parsed.nodeId;
    }, 30_000);
  }

  async waitReadyNodes(n: number, timeoutMs = 30_000): Promise<void> {
    await waitFor(`${n} ready nodes`, async () => {
      const nodes = (await this.api('GET', '/nodes')) as Array<{ Status: { State: string } }>;
      return nodes.filter((x) => x.Status.State === 'ready').length >= n;
    }, timeoutMs);
  }

  node(name: string): ProcNode {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  /** kill -9 (or another signal) and wait for the process to be gone. */
  async kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const n = this.node(name);
    const p = n.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    await exited;
  }

  async restart(name: string): Promise<void> {
    await this.startNode(this.node(name));
  }

  async api(method: string, urlPath: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`http://127.0.0.1:${this.apiPort}/v1.45${urlPath}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${urlPath}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
    return run(process.execPath, [BIN, '-H', this.host, ...args], env);
  }

  docker(args: string[]): Promise<RunResult> {
    return run('docker', ['-H', this.host, ...args], { DOCKER_CONFIG: path.join(this.root, 'docker-config'), DOCKER_CONTEXT: '' });
  }

  /** Containers the given node owns in the local engine (all of them: running or not). */
  async containers(nodeName?: string, onlyRunning = true): Promise<string[]> {
    const ids = nodeName ? [this.node(nodeName).nodeId] : this.nodes.map((n) => n.nodeId);
    const out: string[] = [];
    for (const id of ids) {
      if (!id) continue;
      const r = await run('docker', ['ps', ...(onlyRunning ? [] : ['-a']), '-q', '--filter', `label=com.tsswarm.node.id=${id}`]);
      out.push(...r.stdout.split('\n').filter(Boolean));
    }
    return out;
  }

  async teardown(): Promise<void> {
    for (const n of this.nodes) {
      const p = n.proc;
      if (p && p.exitCode === null && p.signalCode === null) {
        const exited = new Promise((r) => p.once('exit', r));
        p.kill('SIGKILL');
        await exited;
      }
    }
    for (const n of this.nodes) {
      if (!n.nodeId) continue;
      const r = await run('docker', ['ps', '-aq', '--filter', `label=com.tsswarm.node.id=${n.nodeId}`]);
      const ids = r.stdout.split('\n').filter(Boolean);
      if (ids.length > 0) await run('docker', ['rm', '-f', ...ids]);
    }
    if (!process.env.TSSWARM_KEEP_TEST_DIRS) await rm(this.root, { recursive: true, force: true });
  }
}
