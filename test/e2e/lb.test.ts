// Load balancing end to end on the multi-host test bed: the routing mesh (a published port
// answers on every host, balanced over every task wherever it runs) and service VIPs (a client
// task reaches the service by name). Manager on host 1 (drain: no tasks, so every connection
// there crosses the overlay), workers on hosts 2 and 3.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { prettyNode } from '../../src/cli/commands/node/inspect.js';
import { OverlayDriver, type ProgrammedState } from '../../src/overlay/index.js';
import type { Node } from '../../src/store/objects.js';
import { Bed } from '../harness/bed.js';
import { ROOT, setHeartbeatPeriod, waitFor } from '../harness/cluster.js';
import { BedCluster, sandboxPrefix, serviceSpec, type RunningTask } from '../unit/worker-network/bed-cluster.js';

const skip = await Bed.unavailable();
const PROBE = path.join(ROOT, 'test/unit/worker-network/http-probe.ts');

interface ProbeLine {
  t: number;
  ok: boolean;
  body: string;
}

function parseProbe(out: string): ProbeLine[] {
  return out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [t = '0', status = '', ...rest] = l.split(' ');
      return { t: Number(t), ok: status === 'ok', body: rest.join(' ') };
    });
}

function countBy(lines: ProbeLine[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of lines) if (l.ok) m.set(l.body, (m.get(l.body) ?? 0) + 1);
  return m;
}

const hostname = (t: RunningTask): string => t.containerId.slice(0, 12);

describe('load balancing on the bed (routing mesh + VIPs)', { skip, timeout: 600_000 }, () => {
  let c: BedCluster;
  let front = '';

  /** COUNT sequential new connections from inside `host` to URL. */
  async function probe(host: number, url: string, count: number, intervalMs = 0, timeoutMs = 2000): Promise<ProbeLine[]> {
    const r = await c.bed.exec(host, process.execPath, ['--import', 'tsx', PROBE, url, String(count), String(intervalMs), String(timeoutMs)], {}, { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    return parseProbe(r.stdout);
  }

  /** A probe running in the background until stopped; returns its lines. */
  function background(host: number, url: string, intervalMs: number, timeoutMs: number): { stop: () => Promise<ProbeLine[]> } {
    const child = c.bed.spawn(host, process.execPath, ['--import', 'tsx', PROBE, url, '0', String(intervalMs), String(timeoutMs)], { cwd: ROOT });
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
    return {
      stop: async () => {
        const exited = new Promise((res) => child.once('exit', res));
        child.kill('SIGTERM');
        await exited;
        return parseProbe(out);
      },
    };
  }

  before(async () => {
    c = await BedCluster.start(3);
    front = await c.createNetwork('front');
    await c.createService(serviceSpec('web', { replicas: 5, networks: ['front'], ports: [[8080, 80]] }));
    await c.createService(serviceSpec('client', { replicas: 1, networks: ['front'], image: 'tsswarm/busybox', args: ['sleep', '3600'] }));
  });

  after(async () => {
    await c?.down();
  });

  test('every node probed its data path at start, logged it with the reason, and node inspect shows it', async () => {
    const nodes = (await c.api('GET', '/nodes')) as Node[];
    assert.equal(nodes.length, 3);
    for (const n of nodes) {
      assert.equal(n.Description.TSSwarm?.LoadBalancer, 'nftables', `${n.Description.Hostname}: ${JSON.stringify(n.Description)}`);
      assert.match(prettyNode(n), /^Load Balancer:\s+nftables$/m);
    }
    for (const h of [1, 2, 3]) {
      const lines = (await readFile(path.join(c.dir, `h${h}.log`), 'utf8')).split('\n').filter((l) => l.includes('"lb.mode"'));
      const modeLines = lines.map((l) => JSON.parse(l) as { msg?: string; reason?: string }).filter((l) => l.msg?.startsWith('load balancer mode'));
      assert.equal(modeLines.length, 1, `h${h}: logged once: ${JSON.stringify(lines)}`);
      assert.equal(modeLines[0]?.msg, 'load balancer mode: nftables');
      assert.match(modeLines[0]?.reason ?? '', /nft can create tables/);
    }
  });

  test('100 sequential connections to :8080 on one node → each of the 5 tasks answers exactly 20 (host address and 127.0.0.1), and the same through a node without tasks', async () => {
    const tasks = await c.running('web', 5);
    const names = tasks.map(hostname).sort();
    const h2 = c.bed.host(2).addr;
    // Wait for the mesh to be programmed everywhere (the first answers after "running").
    for (const h of [1, 2, 3]) {
      await waitFor(`mesh on host ${h}`, async () => {
        const l = await probe(h, `http://${c.bed.host(h).addr}:8080/`, 5, 0, 1000);
        return l.every((x) => x.ok) ? true : undefined;
      }, 30_000, 500);
    }
    const results: Record<string, number> = {};
    for (const [host, url] of [
      [2, `http://${h2}:8080/`],
      [2, 'http://127.0.0.1:8080/'],
      [1, `http://${c.bed.host(1).addr}:8080/`],
      [1, 'http://127.0.0.1:8080/'],
      [3, `http://${h2}:8080/`],
    ] as const) {
      const t0 = Date.now();
      const lines = await probe(host, url, 100);
      const counts = countBy(lines);
      assert.equal(lines.filter((l) => !l.ok).length, 0, `failures from host ${host} to ${url}`);
      assert.deepEqual([...counts.keys()].sort(), names, `every task answers (${url} from host ${host})`);
      assert.deepEqual([...counts.values()], [20, 20, 20, 20, 20], `exactly 20 each (${url} from host ${host}): ${JSON.stringify([...counts])}`);
      results[`h${host} → ${url}`] = Date.now() - t0;
    }
    console.log(`# 100 connections each, ms: ${JSON.stringify(results)}`);
  });

  test('a task’s container is killed: failed requests stay within a short window', async () => {
    const tasks = await c.running('web', 5);
    const victim = tasks.find((t) => t.host === 3) ?? tasks[0];
    assert.ok(victim);
    // Through host 2's published port from host 1: the victim is remote for both.
    const bg = background(1, `http://${c.bed.host(2).addr}:8080/`, 20, 500);
    await new Promise((r) => setTimeout(r, 1_500));
    const killedAt = Date.now();
    const k = await c.bed.docker(victim.host, ['kill', victim.containerId]);
    assert.equal(k.code, 0, k.stderr);
    await new Promise((r) => setTimeout(r, 4_000));
    const lines = await bg.stop();
    const failed = lines.filter((l) => !l.ok);
    const afterKill = lines.filter((l) => l.t >= killedAt);
    const lastFail = failed.length > 0 ? Math.max(...failed.map((l) => l.t)) : killedAt;
    const window = failed.length > 0 ? lastFail + 500 - killedAt : 0;
    console.log(`# kill: ${failed.length} failed of ${afterKill.length} requests after the kill; failure window ≈ ${window} ms (last failed request started ${lastFail - killedAt} ms after the kill, 500 ms timeout)`);
    assert.ok(lines.filter((l) => l.t < killedAt).every((l) => l.ok), 'no failure before the kill');
    assert.ok(window < 3_000, `failure window ${window} ms`);
    // The last second only sees live tasks.
    const tail = lines.filter((l) => l.t > Date.now() - 1_000);
    assert.ok(tail.every((l) => l.ok && l.body !== hostname(victim)));
    await c.running('web', 5); // the replacement
  });

  test('scale 5 → 8: every new task gets traffic within 1 s of running', async () => {
    const before5 = await c.running('web', 5);
    const old = new Set(before5.map((t) => t.id));
    const bg = background(2, 'http://127.0.0.1:8080/', 10, 1000);
    await new Promise((r) => setTimeout(r, 500));
    await c.scale('web', 8);
    // When the API first shows each new task running (polled every 50 ms).
    const seenRunning = new Map<string, number>();
    await waitFor('8 running', async () => {
      for (const t of await c.tasks('web')) {
        if (!old.has(t.ID) && t.DesiredState === 'running' && t.Status.State === 'running' && !seenRunning.has(t.ID)) seenRunning.set(t.ID, Date.now());
      }
      return seenRunning.size === 3 ? true : undefined;
    }, 60_000, 50);
    const eight = await c.running('web', 8);
    await new Promise((r) => setTimeout(r, 2_500));
    const lines = await bg.stop();
    const failed = lines.filter((l) => !l.ok);
    assert.equal(failed.length, 0, `no failed request while scaling up: ${JSON.stringify(failed)}`);
    const all = await c.tasks('web');
    const fromApi: number[] = [];
    const fromStart: number[] = [];
    for (const t of eight.filter((x) => !old.has(x.id))) {
      const info = all.find((x) => x.ID === t.id) as { Status: { Timestamp?: string } } | undefined;
      const first = lines.find((l) => l.ok && l.body === hostname(t));
      assert.ok(first, `new task ${t.id} got no traffic`);
      fromApi.push(first.t - (seenRunning.get(t.id) ?? NaN));
      fromStart.push(first.t - Date.parse(info?.Status.Timestamp ?? ''));
    }
    console.log(`# scale 5→8: first request to each new task, ms after the API showed it running: ${JSON.stringify(fromApi)}; after its container was seen started (executor timestamp, includes plugging): ${JSON.stringify(fromStart)}`);
    assert.equal(fromApi.length, 3);
    assert.ok(fromApi.every((d) => d <= 1_000), `within 1 s of running: ${JSON.stringify(fromApi)}`);
  });

  test('scale 8 → 5: no request fails while tasks are removed', async () => {
    await c.running('web', 8);
    const bg = background(3, `http://${c.bed.host(2).addr}:8080/`, 10, 1000);
    await new Promise((r) => setTimeout(r, 500));
    await c.scale('web', 5);
    await c.running('web', 5);
    await new Promise((r) => setTimeout(r, 1_500));
    const lines = await bg.stop();
    const failed = lines.filter((l) => !l.ok);
    console.log(`# scale 8→5: ${failed.length} failed of ${lines.length} requests`);
    assert.equal(failed.length, 0, `failed while scaling down: ${JSON.stringify(failed)}`);
    await c.scale('web', 8);
  });

  test('a client task reaches the service by DNS name and VIP, balanced over every task', async () => {
    const tasks = await c.running('web', 8);
    const [client] = await c.running('client', 1);
    assert.ok(client);
    const svc = (await c.api('GET', '/services/web')) as { Endpoint: { VirtualIPs: Array<{ NetworkID: string; Addr: string }> } };
    const vip = svc.Endpoint.VirtualIPs.find((v) => v.NetworkID === front)?.Addr.split('/')[0];
    assert.ok(vip);
    const ns = await c.sh(client, 'nslookup web');
    assert.match(ns.stdout, new RegExp(`Address:\\s+${vip.replace(/\./g, '\\.')}\\b`), ns.stdout);
    for (const target of ['web', vip]) {
      const r = await c.sh(client, `for i in $(seq 40); do printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${target} 80 | tail -n1; done`, 120_000);
      const counts = new Map<string, number>();
      for (const b of r.stdout.trim().split('\n')) counts.set(b, (counts.get(b) ?? 0) + 1);
      assert.deepEqual([...counts.keys()].sort(), tasks.map(hostname).sort(), `${target}: every task answers`);
      assert.deepEqual([...counts.values()], Array(8).fill(5), `${target}: 40 connections → 5 per task: ${JSON.stringify([...counts])}`);
    }
  });

  test('a worker restart leaves the mesh as it was (same links, same nft table) and it keeps balancing', async () => {
    await c.running('web', 8);
    const snapshot = async (): Promise<string> => {
      const r = await c.bed.exec(2, 'sh', ['-c', 'ip -o link show tsingress0 | cut -d" " -f1-2; ip -4 -o addr show tsingress0; nft list table ip tsswarm | grep -v handle']);
      return r.stdout;
    };
    const read = (): Promise<ProgrammedState> => new OverlayDriver({ underlayAddr: c.bed.host(2).addr, sandboxPrefix: sandboxPrefix(2), log: pino({ level: 'silent' }) }).programmed();
    const before = await snapshot();
    const progBefore = await read();
    assert.match(before, /tsingress0/);
    // The restart must stay within the heartbeat grace, or the node is marked down and its
    // tasks move (then the mesh changes, rightly). A loaded machine takes several seconds to
    // start a worker, so the grace is widened for this test only.
    const period = await setHeartbeatPeriod((m, p, b) => c.api(m, p, b), 5_000);
    const log = path.join(c.dir, 'h2.log');
    const sessions = async (): Promise<number> => (await readFile(log, 'utf8')).split('"session open"').length;
    const sessionsBefore = await sessions();
    const t0 = Date.now();
    await c.stopWorker(2);
    await c.startWorker(2);
    await waitFor('the restarted worker’s session', async () => (await sessions()) > sessionsBefore, 60_000, 100);
    console.log(`# worker restart: new session ${Date.now() - t0} ms after the stop began`);
    await c.waitReady([2]);
    await setHeartbeatPeriod((m, p, b) => c.api(m, p, b), period);
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal(await snapshot(), before);
    // Only the host endpoint's recorded pid (the worker's own) may differ.
    const strip = (p: ProgrammedState): unknown => JSON.parse(JSON.stringify(p, (k, v: unknown) => (k === 'containerPid' ? 0 : v)));
    assert.deepEqual(strip(await read()), strip(progBefore));
    const lines = await probe(3, `http://${c.bed.host(2).addr}:8080/`, 40);
    assert.deepEqual([...countBy(lines).values()], Array(8).fill(5), 'balanced over the 8 tasks');
  });
});
