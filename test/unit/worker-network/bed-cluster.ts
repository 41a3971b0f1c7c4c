// A tsswarm cluster on the multi-host test bed, for the overlay / load-balancing e2e tests
// (test/e2e/overlay.test.ts, test/e2e/lb.test.ts) and bench/overlay-throughput.ts. Not a test.
//
// Host 1: manager (availability drain: it still runs a worker agent, so its host is in the
// routing mesh, but it gets no tasks), hosts 2..N: workers. Every process runs inside its
// host's netns (bed.spawn); the test reaches the manager API through a unix-socket
// forwarder (bench/lib/uds-forward.ts), and containers through each host's engine.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { filtersQuery, udsJson, udsRequest } from '../../../bench/lib/uds-http.js';
import { Bed, type ExecResult } from '../../harness/bed.js';
import { ROOT, waitFor } from '../../harness/cluster.js';

const BIN = path.join(ROOT, 'bin/tsswarm.js');
export const API = '/v1.45';

export interface TaskInfo {
  ID: string;
  NodeID?: string;
  Slot?: number;
  DesiredState: string;
  Status: { State: string; ContainerStatus?: { ContainerID?: string } };
  NetworksAttachments?: Array<{ Network: { ID: string; Spec?: { Name?: string } }; Addresses: string[] }>;
}

export interface RunningTask {
  id: string;
  host: number;
  containerId: string;
  /** network id → IPv4 address (no prefix) */
  addrs: Map<string, string>;
}

export class BedCluster {
  readonly sock: string;
  private token = '';
  readonly nodeIds = new Map<number, string>();
  private readonly procs = new Map<string, ChildProcess>();

  private constructor(
    readonly bed: Bed,
    readonly dir: string,
  ) {
    this.sock = path.join(dir, 'api.sock');
  }

  /** Bed with `hosts` hosts, manager on host 1, workers on the others; all nodes ready. */
  static async start(hosts: number): Promise<BedCluster> {
    const bed = await Bed.up(hosts, { waitForFreeMs: 600_000 });
    await removeSandboxes(hosts); // left by an earlier run that was killed
    const dir = await mkdtemp(path.join(tmpdir(), 'tsswarm-net-e2e-'));
    const c = new BedCluster(bed, dir);
    try {
      await c.startManager();
      for (let h = 2; h <= hosts; h++) await c.startWorker(h);
      await c.waitReady([...Array(hosts).keys()].map((i) => i + 1));
    } catch (err) {
      await c.down(true);
      throw err;
    }
    return c;
  }

  private async spawnLogged(name: string, host: number, args: string[]): Promise<ChildProcess> {
    const logFile = await open(path.join(this.dir, `${name}.log`), 'a');
    // Netns names are machine-wide: each bed host's overlay sandboxes get their own prefix.
    const env: NodeJS.ProcessEnv = { TSSWARM_LOG_LEVEL: process.env.TSSWARM_LOG_LEVEL ?? 'info', TSSWARM_SANDBOX_PREFIX: sandboxPrefix(host) };
    const child = this.bed.spawn(host, process.execPath, args, { cwd: ROOT, stdio: ['ignore', logFile.fd, logFile.fd], env });
    child.once('exit', () => void logFile.close().catch(() => undefined));
    this.procs.set(name, child);
    return child;
  }

  private async readNodeId(name: string): Promise<string> {
    const child = this.procs.get(name);
    return waitFor(`${name} node identity`, async () => {
      if (child && (child.exitCode !== null || child.signalCode !== null)) throw new Error(`${name} exited; see ${this.dir}/${name}.log`);
      const parsed = JSON.parse(await readFile(path.join(this.dir, name, 'node.json'), 'utf8')) as { nodeId?: string };
      return parsed.nodeId;
    });
  }

  private async startManager(): Promise<void> {
    const h1 = this.bed.host(1);
    await this.spawnLogged('h1', 1, [
      BIN, 'init',
      '--listen-addr', `${h1.addr}:2377`,
      '--advertise-addr', h1.addr,
      '--api-addr', '127.0.0.1:2375',
      '--data-dir', path.join(this.dir, 'h1'),
      '--hostname', 'h1',
      '--availability', 'drain',
    ]);
    this.nodeIds.set(1, await this.readNodeId('h1'));
    await this.spawnLogged('api-forward', 1, ['--import', 'tsx', path.join(ROOT, 'bench/lib/uds-forward.ts'), this.sock, '127.0.0.1:2375']);
    await waitFor('manager API', async () => (await udsRequest(this.sock, 'GET', '/_ping', undefined, 2000)).status === 200, 30_000, 200);
    const swarm = (await this.api('GET', '/swarm')) as { JoinTokens: { Worker: string } };
    this.token = swarm.JoinTokens.Worker;
  }

  /** Starts (or restarts) the worker on `host`, with the same data dir and so the same node id. */
  async startWorker(host: number): Promise<void> {
    const h = this.bed.host(host);
    const name = `h${host}`;
    await this.spawnLogged(name, host, [
      BIN, 'join', '--token', this.token, '--data-dir', path.join(this.dir, name), '--hostname', name, '--advertise-addr', h.addr, `${this.bed.host(1).addr}:2377`,
    ]);
    this.nodeIds.set(host, await this.readNodeId(name));
  }

  /** SIGTERMs the worker process of `host` and waits for it to exit. */
  async stopWorker(host: number): Promise<void> {
    const child = this.procs.get(`h${host}`);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((res) => child.once('exit', res));
    child.kill('SIGTERM');
    await exited;
  }

  async waitReady(hosts: number[], timeoutMs = 30_000): Promise<void> {
    await waitFor(
      `nodes ${hosts.join(',')} ready`,
      async () => {
        const nodes = (await this.api('GET', '/nodes')) as Array<{ ID: string; Status?: { State?: string } }>;
        return hosts.every((h) => nodes.some((n) => n.ID === this.nodeIds.get(h) && n.Status?.State === 'ready'));
      },
      timeoutMs,
      200,
    );
  }

  api(method: string, p: string, body?: unknown): Promise<unknown> {
    return udsJson(this.sock, method, `${API}${p}`, body, 15_000);
  }

  hostOfNode(nodeId: string | undefined): number {
    for (const [h, id] of this.nodeIds) if (id === nodeId) return h;
    throw new Error(`no host runs node ${nodeId}`);
  }

  async createNetwork(name: string): Promise<string> {
    const r = (await this.api('POST', '/networks/create', { Name: name, Driver: 'overlay' })) as { Id: string };
    return r.Id;
  }

  async createService(spec: Record<string, unknown>): Promise<string> {
    const r = (await this.api('POST', '/services/create', spec)) as { ID: string };
    return r.ID;
  }

  async scale(name: string, replicas: number): Promise<void> {
    const s = (await this.api('GET', `/services/${name}`)) as { Version: { Index: number }; Spec: { Mode: { Replicated?: { Replicas?: number } } } };
    s.Spec.Mode = { Replicated: { Replicas: replicas } };
    await this.api('POST', `/services/${name}/update?version=${s.Version.Index}`, s.Spec);
  }

  async tasks(service: string): Promise<TaskInfo[]> {
    return (await this.api('GET', `/tasks?${filtersQuery({ service: [service] })}`)) as TaskInfo[];
  }

  /** Waits until exactly `n` tasks of the service run (desired running) and returns them with containers. */
  async running(service: string, n: number, timeoutMs = 60_000): Promise<RunningTask[]> {
    return waitFor(
      `${n} running tasks of ${service}`,
      async () => {
        const all = await this.tasks(service);
        const live = all.filter((t) => t.DesiredState === 'running' && t.Status.State === 'running');
        const stopping = all.filter((t) => t.DesiredState !== 'running' && t.Status.State === 'running');
        if (live.length !== n || stopping.length > 0) return undefined;
        const out: RunningTask[] = [];
        for (const t of live) {
          const host = this.hostOfNode(t.NodeID);
          const cid = t.Status.ContainerStatus?.ContainerID ?? (await this.containerOf(host, t.ID));
          if (!cid) return undefined;
          const addrs = new Map<string, string>();
          for (const a of t.NetworksAttachments ?? []) {
            const ip = a.Addresses[0]?.split('/')[0];
            if (ip) addrs.set(a.Network.ID, ip);
          }
          out.push({ id: t.ID, host, containerId: cid, addrs });
        }
        return out;
      },
      timeoutMs,
      250,
    );
  }

  async containerOf(host: number, taskId: string): Promise<string | undefined> {
    const r = await this.bed.docker(host, ['ps', '-q', '--no-trunc', '--filter', `label=com.tsswarm.task.id=${taskId}`]);
    return r.stdout.trim().split('\n')[0] || undefined;
  }

  /** Runs a shell script inside a task's container. */
  sh(t: { host: number; containerId: string }, script: string, timeoutMs = 30_000): Promise<ExecResult> {
    return this.bed.docker(t.host, ['exec', t.containerId, 'sh', '-c', script], { timeoutMs });
  }

  /** The overlay data path of a host as `ip`/`bridge` show it: sorted FDB and neighbour lines per sandbox. */
  async dataPath(host: number): Promise<string> {
    const script = [
      `for ns in $(ip netns list | awk '{print $1}' | grep "^${sandboxPrefix(host)}-" | sort); do`,
      '  echo "== $ns"',
      '  ip netns exec "$ns" bridge fdb show dev vxlan0 | grep " dst " | sort',
      '  ip netns exec "$ns" ip neigh show dev vxlan0 | sort',
      'done',
    ].join('\n');
    const r = await this.bed.exec(host, 'sh', ['-c', script]);
    return r.stdout;
  }

  /** Stops every process, removes their containers (bed down), and the temp dir unless asked to keep it. */
  async down(keepDir = false): Promise<void> {
    await this.bed.down();
    await removeSandboxes(this.bed.hosts.length);
    if (!keepDir && !process.env.TSSWARM_KEEP_E2E) await rm(this.dir, { recursive: true, force: true });
  }
}

/** The overlay sandbox prefix of a bed host's worker (netns `tsb<host>-<vni>`). */
export function sandboxPrefix(host: number): string {
  return `tsb${host}`;
}

/** Deletes every overlay sandbox netns the bed's workers made (bed.sh only removes the hosts). */
export async function removeSandboxes(hosts: number): Promise<void> {
  const { execFile } = await import('node:child_process');
  const list = await new Promise<string>((res) => execFile('ip', ['netns', 'list'], (_e, out) => res(String(out))));
  const prefixes = [...Array(hosts).keys()].map((i) => `${sandboxPrefix(i + 1)}-`);
  const names = list.split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => prefixes.some((p) => n.startsWith(p)));
  for (const n of names) await new Promise((res) => execFile('ip', ['netns', 'del', n], res));
}

/** A service spec in the Engine API shape. */
export function serviceSpec(name: string, o: { replicas: number; networks?: string[]; image?: string; args?: string[]; ports?: Array<[number, number]>; mode?: 'vip' | 'dnsrr' }): Record<string, unknown> {
  return {
    Name: name,
    TaskTemplate: {
      ContainerSpec: { Image: o.image ?? 'tsswarm/web', ...(o.args ? { Args: o.args } : {}), StopGracePeriod: 1_000_000_000 },
      Networks: (o.networks ?? []).map((n) => ({ Target: n })),
      RestartPolicy: { Condition: 'any', Delay: 0 },
    },
    Mode: { Replicated: { Replicas: o.replicas } },
    EndpointSpec: {
      Mode: o.mode ?? 'vip',
      Ports: (o.ports ?? []).map(([published, target]) => ({ Protocol: 'tcp', PublishedPort: published, TargetPort: target, PublishMode: 'ingress' })),
    },
  };
}
