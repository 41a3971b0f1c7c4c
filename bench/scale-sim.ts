// Scale benchmark on SIMULATED workers: a real manager (in its own process, real gRPC,
// durable store) and N simulated agents in this process. Measures `service create
// --replicas R` until all R tasks are running, placements/s, manager CPU and memory, and
// the p99 latency of `node ls` during the burst.
//   node --import tsx bench/scale-sim.ts [--nodes 1000,5000] [--replicas 10000]
import { spawn } from 'node:child_process';
import { mkdtemp, open, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SimulatedFleet } from '../src/engine/simulated/fleet.js';
import { silentLogger } from '../src/common/log.js';
import { freePort, waitFor, ROOT } from '../test/harness/cluster.js';

const { values } = parseArgs({
  options: { nodes: { type: 'string', default: '1000,5000' }, replicas: { type: 'string', default: '10000' } },
});
const nodeCounts = values.nodes.split(',').map(Number);
const replicas = Number(values.replicas);

interface ProcStat {
  cpuTicks: number;
  rssBytes: number;
}

async function procStat(pid: number): Promise<ProcStat> {
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuTicks: Number(stat[11]) + Number(stat[12]), rssBytes: rssKb * 1024 };
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

async function runOnce(nodes: number): Promise<Record<string, number | string>> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tsswarm-bench-'));
  const apiPort = await freePort();
  const grpcPort = await freePort();
  const api = `http://127.0.0.1:${apiPort}/v1.45`;
  const logFile = path.join(tmpdir(), `tsswarm-bench-manager-${nodes}.log`);
  const logFd = await open(logFile, 'w');
  const manager = spawn(
    process.execPath,
    [path.join(ROOT, 'bin/tsswarm.js'), 'init', '--listen-addr', `127.0.0.1:${grpcPort}`, '--api-addr', `127.0.0.1:${apiPort}`,
      '--data-dir', dir, '--hostname', 'bench-manager', '--availability', 'drain'],
    { stdio: ['ignore', logFd.fd, logFd.fd], env: { ...process.env, TSSWARM_LOG_LEVEL: 'warn' } },
  );
  let fleet: SimulatedFleet | undefined;
  try {
    await waitFor('manager API', async () => (await fetch(`${api}/_ping`)).ok, 30_000);
    const swarm = (await (await fetch(`${api}/swarm`)).json()) as { JoinTokens: { Worker: string } };
    const t0 = Date.now();
    fleet = await SimulatedFleet.start({
      size: nodes,
      token: swarm.JoinTokens.Worker,
      managerAddrs: [`127.0.0.1:${grpcPort}`],
      log: silentLogger,
    });
    await waitFor('nodes ready', async () => {
      const list = (await (await fetch(`${api}/nodes`)).json()) as Array<{ Status: { State: string } }>;
      return list.filter((n) => n.Status.State === 'ready').length >= nodes;
    }, 120_000, 250);
    const joinMs = Date.now() - t0;

    const before = await procStat(manager.pid ?? 0);
    const latencies: number[] = [];
    let probing = true;
    const prober = (async () => {
      while (probing) {
        const s = performance.now();
        await (await fetch(`${api}/nodes`)).arrayBuffer();
        latencies.push(performance.now() - s);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    const start = performance.now();
    const res = await fetch(`${api}/services/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        Name: 'bench',
        TaskTemplate: { ContainerSpec: { Image: 'tsswarm/web:latest' } },
        Mode: { Replicated: { Replicas: replicas } },
      }),
    });
    if (!res.ok) throw new Error(`service create: ${res.status} ${await res.text()}`);
    let peakRss = 0;
    await waitFor('all replicas running (simulated)', async () => {
      peakRss = Math.max(peakRss, (await procStat(manager.pid ?? 0)).rssBytes);
      return fleet!.runningTasks() >= replicas;
    }, 300_000, 50);
    const allRunningMs = performance.now() - start;
    // The manager's view: every task recorded as running.
    await waitFor('store shows all running', async () => {
      const svc = (await (await fetch(`${api}/services?status=true`)).json()) as Array<{ ServiceStatus?: { RunningTasks: number } }>;
      return (svc[0]?.ServiceStatus?.RunningTasks ?? 0) >= replicas;
    }, 300_000, 100);
    const storeRunningMs = performance.now() - start;
    probing = false;
    await prober;
    const after = await procStat(manager.pid ?? 0);
    const cpuSeconds = (after.cpuTicks - before.cpuTicks) / 100;
    return {
      nodes,
      replicas,
      'join all nodes (s)': +(joinMs / 1000).toFixed(2),
      'all running on workers (s)': +(allRunningMs / 1000).toFixed(2),
      'all running in store (s)': +(storeRunningMs / 1000).toFixed(2),
      'placements/s end to end': Math.round(replicas / (allRunningMs / 1000)),
      'manager CPU (s)': +cpuSeconds.toFixed(2),
      'manager peak RSS (MiB)': Math.round(Math.max(peakRss, after.rssBytes) / 2 ** 20),
      'node ls p50 (ms)': +percentile(latencies, 50).toFixed(1),
      'node ls p99 (ms)': +percentile(latencies, 99).toFixed(1),
      'node ls samples': latencies.length,
    };
  } finally {
    await fleet?.stop();
    if (manager.exitCode !== null) console.error(`manager exited early (${manager.exitCode}); its log: ${logFile}`);
    manager.kill('SIGKILL');
    await logFd.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const rows = [];
for (const n of nodeCounts) {
  const row = await runOnce(n);
  console.log(JSON.stringify(row));
  rows.push(row);
}
console.table(rows);
