// N tsswarm managers as real processes on loopback (the first inits, the others join with
// the manager token), each with its own ports and data dir. Processes are killed by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, run, waitFor, ROOT } from './cluster.js';

const BIN = path.join(ROOT, 'bin/tsswarm.js');

export interface ManagerProc {
  name: string;
  apiPort: number;
  grpcPort: number;
  raftPort: number;
  dataDir: string;
  args: string[];
  proc?: ChildProcess;
}

export class ManagerCluster {
  readonly managers: ManagerProc[] = [];
  private constructor(readonly root: string) {}

  static async start(n: number): Promise<ManagerCluster> {
    const c = new ManagerCluster(await mkdtemp(path.join(tmpdir(), 'tsswarm-managers-')));
    try {
      for (let i = 1; i <= n; i++) {
        const m: ManagerProc = { name: `m${i}`, apiPort: await freePort(), grpcPort: await freePort(), raftPort: await freePort(), dataDir: path.join(c.root, `m${i}`), args: [] };
        const common = ['--listen-addr', `127.0.0.1:${m.grpcPort}`, '--raft-addr', `127.0.0.1:${m.raftPort}`, '--api-addr', `127.0.0.1:${m.apiPort}`,
          '--data-dir', m.dataDir, '--hostname', m.name, '--availability', 'drain'];
        if (i === 1) m.args = ['init', ...common];
        else {
          const token = (await c.api(c.managers[0]!, 'GET', '/swarm')) as { JoinTokens: { Manager: string } };
          m.args = ['join', '--token', token.JoinTokens.Manager, ...common, `127.0.0.1:${c.managers[0]!.grpcPort}`];
        }
        c.managers.push(m);
        await c.startManager(m);
      }
      await waitFor('all managers reachable', async () => {
        const nodes = (await c.api(c.managers[0]!, 'GET', '/nodes')) as Array<{ ManagerStatus?: { Reachability: string } }>;
        return nodes.filter((x) => x.ManagerStatus?.Reachability === 'reachable').length === n;
      }, 30_000, 200);
    } catch (err) {
      await c.teardown();
      throw err;
    }
    return c;
  }

  async startManager(m: ManagerProc): Promise<void> {
    const log = await open(path.join(this.root, `${m.name}.log`), 'a');
    m.proc = spawn(process.execPath, [BIN, ...m.args], { stdio: ['ignore', log.fd, log.fd], env: { ...process.env, TSSWARM_LOG_LEVEL: 'info' } });
    m.proc.on('exit', () => void log.close().catch(() => {}));
    await waitFor(`${m.name} API`, async () => {
      if (m.proc?.exitCode !== null) throw new Error(`${m.name} exited (code ${m.proc?.exitCode}); see ${this.root}/${m.name}.log`);
      return (await fetch(`http://127.0.0.1:${m.apiPort}/_ping`)).ok;
    }, 30_000, 100);
  }

  alive(): ManagerProc[] {
    return this.managers.filter((m) => m.proc && m.proc.exitCode === null && m.proc.signalCode === null);
  }

  async kill(m: ManagerProc): Promise<void> {
    const p = m.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  }

  /** The manager the cluster currently reports as leader, asked of any live manager. */
  async leader(): Promise<ManagerProc | undefined> {
    for (const m of this.alive()) {
      try {
        const nodes = (await this.api(m, 'GET', '/nodes')) as Array<{ Description: { Hostname: string }; ManagerStatus?: { Leader: boolean } }>;
        const name = nodes.find((n) => n.ManagerStatus?.Leader)?.Description.Hostname;
        const found = this.managers.find((x) => x.name === name);
        if (found && this.alive().includes(found)) return found;
      } catch {
        // try the next one
      }
    }
    return undefined;
  }

  async api(m: ManagerProc, method: string, urlPath: string, body?: unknown, timeoutMs = 10_000): Promise<unknown> {
    const res = await fetch(`http://127.0.0.1:${m.apiPort}/v1.45${urlPath}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    if (!res.ok) throw Object.assign(new Error(`${m.name} ${method} ${urlPath}: ${res.status} ${text}`), { status: res.status });
    return text ? JSON.parse(text) : undefined;
  }

  async teardown(): Promise<void> {
    for (const m of this.managers) await this.kill(m);
    for (const m of this.managers) {
      const id = await import('node:fs/promises').then((fs) => fs.readFile(path.join(m.dataDir, 'node.json'), 'utf8')).then((t) => (JSON.parse(t) as { nodeId: string }).nodeId, () => '');
      if (!id) continue;
      const r = await run('docker', ['ps', '-aq', '--filter', `label=com.tsswarm.node.id=${id}`]);
      const ids = r.stdout.split('\n').filter(Boolean);
      if (ids.length > 0) await run('docker', ['rm', '-f', ...ids]);
    }
    if (!process.env.TSSWARM_KEEP_TEST_DIRS) await rm(this.root, { recursive: true, force: true });
  }
}
