// Issue 6's benchmark: the routing mesh against what a user would set up by hand, with the
// same five containers behind each path, in one run.
//   (a) mesh    wrk → 127.0.0.1:8080, the tsswarm published port (nftables DNAT, 5 replicas)
//   (b) nginx   wrk → 127.0.0.1:8081, Debian's nginx, upstream = the 5 task addresses,
//               round-robin, keep-alive to the upstreams (config: bench/lib/nginx-lb.ts)
//   (c) direct  wrk → one task's address:80, nothing in between
// Each with HTTP keep-alive and with "Connection: close", the same wrk threads, connections
// and duration for every path, rounds interleaved (a b c a b c …); medians and ratios.
// Then the time from a task change (the API shows a new task running / the scale-down
// request) to the new map being in force on every node (`nft monitor` in each host).
//
//   node --import tsx bench/lb-nginx.ts [--rounds 3] [--seconds 6] [--conns 50] [--threads 2] [--changes 5]
//
// Where: the test bed (test/harness/bed.ts), manager on host 1 (drain), worker on host 2 with
// the 5 replicas; wrk and nginx run inside host 2 and "loopback" is host 2's 127.0.0.1. A
// cluster of nodes on this machine's own loopback cannot be used: nodes whose underlay is
// 127.0.0.1 turn their network agent off (no routing mesh), see network-agent.ts goInert.
// Backends: tsswarm/web-static (nginx, keep-alive, answers from memory), because tsswarm/web
// forks a shell per connection and would be the bottleneck of every path.
// Needs root, wrk and nginx (apt-get install wrk nginx-light).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { Bed } from '../test/harness/bed.js';
import { ROOT, waitFor } from '../test/harness/cluster.js';
import { BedCluster, serviceSpec } from '../test/unit/worker-network/bed-cluster.js';
import { nginxLbConf } from './lib/nginx-lb.js';
import { p50 } from './lib/stats.js';
import { parseWrk, wrkArgs, type WrkResult } from './lib/wrk.js';

const exec = promisify(execFile);
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '6' },
    conns: { type: 'string', default: '50' },
    threads: { type: 'string', default: '2' },
    changes: { type: 'string', default: '5' },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const CONNS = Number(values.conns);
const THREADS = Number(values.threads);
const CHANGES = Number(values.changes);
const IMAGE = 'tsswarm/web-static';
const MESH_PORT = 8080;
const NGINX_PORT = 8081;
const WORKER = 2;

type PathName = 'mesh' | 'nginx' | 'direct';
const PATHS: PathName[] = ['mesh', 'nginx', 'direct'];

const skip = await Bed.unavailable();
if (skip) {
  console.error(`lb-nginx: ${skip}`);
  process.exit(2);
}
for (const tool of ['wrk', 'nginx']) {
  await exec('sh', ['-c', `command -v ${tool}`]).catch(() => {
    console.error(`lb-nginx: ${tool} is not installed (apt-get install wrk nginx-light)`);
    process.exit(2);
  });
}

// The backend image, built from the host's nginx, then copied into the worker host's engine.
await exec('bash', [path.join(ROOT, 'scripts/build-images.sh'), '--web-static'], { maxBuffer: 16 << 20 });
const c = await BedCluster.start(2);
let nginxStarted = false;
let dir = '';
try {
  dir = await mkdtemp(path.join(tmpdir(), 'tsswarm-lb-nginx-'));
  const tar = path.join(dir, 'image.tar');
  await exec('docker', ['save', '-o', tar, IMAGE]);
  const loaded = await c.bed.docker(WORKER, ['load', '-i', tar], { timeoutMs: 120_000 });
  if (loaded.code !== 0) throw new Error(`docker load into host ${WORKER}: ${loaded.stderr}`);
  await rm(tar);

  await c.createService(serviceSpec('web', { replicas: 5, image: IMAGE, ports: [[MESH_PORT, 80]] }));
  const tasks = await c.running('web', 5);
  const ips = tasks.map((t) => [...t.addrs.values()][0] ?? '');
  if (ips.some((ip) => ip === '') || tasks.some((t) => t.host !== WORKER)) throw new Error(`expected 5 tasks on host ${WORKER} with an address: ${JSON.stringify(tasks)}`);
  const curl = (url: string) => c.bed.exec(WORKER, 'curl', ['-s', '-m', '2', url]);
  await waitFor('the routing mesh on host 2', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const r = await curl(`http://127.0.0.1:${MESH_PORT}/`);
      if (r.code !== 0) return undefined;
      seen.add(r.stdout.trim());
    }
    return seen.size === 5;
  }, 30_000, 300);

  const conf = path.join(dir, 'nginx.conf');
  await writeFile(conf, nginxLbConf({ dir, listen: `127.0.0.1:${NGINX_PORT}`, backends: ips.map((ip) => `${ip}:80`) }));
  const nginx = await c.bed.exec(WORKER, 'nginx', ['-e', path.join(dir, 'error.log'), '-c', conf]); // daemonizes; stopped by its pid file
  if (nginx.code !== 0) throw new Error(`nginx: ${nginx.stderr}`);
  nginxStarted = true;
  await waitFor('nginx', async () => (await curl(`http://127.0.0.1:${NGINX_PORT}/`)).code === 0, 10_000, 200);

  const url: Record<PathName, string> = {
    mesh: `http://127.0.0.1:${MESH_PORT}/`,
    nginx: `http://127.0.0.1:${NGINX_PORT}/`,
    direct: `http://${ips[0]}:80/`,
  };
  const pids: string[] = [];
  for (const t of tasks) pids.push((await c.bed.docker(WORKER, ['inspect', '-f', '{{.State.Pid}}', t.containerId])).stdout.trim());
  // Every path reaches the backends from host 2's address on the ingress network; with
  // Connection: close a run leaves ~10^4 TIME_WAIT sockets in the backends and TIME_WAIT
  // entries in host 2's conntrack. The next path's SYNs then hit them: a tuple the mesh
  // masqueraded clashes in conntrack with a direct connection's (dropped), and a TIME_WAIT
  // socket refuses a SYN whose timestamps come from another clock (TcpExtPAWSTimewait), so
  // the client waits 1 s for a SYN retransmit. That is an artefact of alternating paths
  // between one pair of addresses, so each run starts clean: those TIME_WAIT states only.
  const settle = async (): Promise<void> => {
    const script = ['conntrack -D -p tcp --state TIME_WAIT >/dev/null 2>&1 || true', ...pids.map((pid) => `nsenter -t ${pid} -n ss -K state time-wait >/dev/null`)].join('\n');
    const r = await c.bed.exec(WORKER, 'sh', ['-c', script]);
    if (r.code !== 0) throw new Error(`clearing TIME_WAIT state: ${r.stderr}`);
  };
  const synRetrans = async (): Promise<number> => Number(/TcpExtTCPSynRetrans\s+(\d+)/.exec((await c.bed.exec(WORKER, 'nstat', ['-a', '-s', '-z', 'TcpExtTCPSynRetrans'])).stdout)?.[1] ?? NaN);
  // CPU used by everything of host 2 (wrk, nginx, the backends, and the softirq work they
  // run), from its cgroup: a per-request cost that other work on the machine does not skew
  // as much as req/s. NaN where the bed has no unified cgroup tree.
  const cpuUsec = async (): Promise<number> => {
    for (const root of ['/sys/fs/cgroup/unified', '/sys/fs/cgroup']) {
      const stat = await readFile(`${root}/tsbed/${c.bed.host(WORKER).name}/cpu.stat`, 'utf8').catch(() => '');
      const v = /usage_usec (\d+)/.exec(stat)?.[1];
      if (v) return Number(v);
    }
    return NaN;
  };
  const results = new Map<string, WrkResult[]>();
  const retrans = new Map<string, number>();
  const cpuPerReq = new Map<string, number[]>();
  const wrk = async (p: PathName, close: boolean): Promise<WrkResult> => {
    const r = await c.bed.exec(WORKER, 'wrk', wrkArgs(url[p], { threads: THREADS, conns: CONNS, seconds: SECONDS, close }), {}, { timeoutMs: (SECONDS + 30) * 1000 });
    return parseWrk(url[p], r);
  };
  console.log(`wrk -t${THREADS} -c${CONNS} -d${SECONDS}s --latency, ${ROUNDS} interleaved rounds, inside bed host ${WORKER}; 5 × ${IMAGE} on host ${WORKER}; task addresses ${ips.join(' ')}`);
  for (let round = 1; round <= ROUNDS; round++) {
    for (const close of [false, true]) {
      for (const p of PATHS) {
        await settle();
        const syn0 = await synRetrans();
        const cpu0 = await cpuUsec();
        const r = await wrk(p, close);
        const cpu = ((await cpuUsec()) - cpu0) / r.requests;
        const syn = (await synRetrans()) - syn0;
        const key = `${p}/${close ? 'close' : 'keepalive'}`;
        results.set(key, [...(results.get(key) ?? []), r]);
        retrans.set(key, (retrans.get(key) ?? 0) + syn);
        cpuPerReq.set(key, [...(cpuPerReq.get(key) ?? []), cpu]);
        console.log(`  round ${round} ${key.padEnd(16)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms  errors ${r.errors}  SYN retransmits ${syn}  host-2 CPU ${cpu.toFixed(0)} µs/req`);
      }
    }
  }

  const med = (key: string, f: (r: WrkResult) => number): number => p50((results.get(key) ?? []).map(f));
  console.log('\n| connections | path | req/s (median) | p50 ms | p99 ms | errors | SYN retransmits | host-2 CPU µs/req |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const mode of ['keepalive', 'close']) {
    for (const p of PATHS) {
      const k = `${p}/${mode}`;
      const errs = (results.get(k) ?? []).reduce((a, r) => a + r.errors, 0);
      console.log(`| ${mode} | ${label(p)} | ${med(k, (r) => r.rps).toFixed(0)} | ${med(k, (r) => r.p50Ms).toFixed(2)} | ${med(k, (r) => r.p99Ms).toFixed(2)} | ${errs} | ${retrans.get(k) ?? 0} | ${p50(cpuPerReq.get(k) ?? []).toFixed(0)} |`);
    }
  }
  console.log('\n| connections | (a)/(b) req/s | (a)/(c) req/s | p99 (a) vs (b) ms | target (a) ≥ 1.5 × (b), p99 (a) ≤ (b) |');
  console.log('| --- | ---: | ---: | ---: | --- |');
  for (const mode of ['keepalive', 'close']) {
    const rps = (p: PathName) => med(`${p}/${mode}`, (r) => r.rps);
    const p99 = (p: PathName) => med(`${p}/${mode}`, (r) => r.p99Ms);
    const ab = rps('mesh') / rps('nginx');
    const met = ab >= 1.5 && p99('mesh') <= p99('nginx');
    console.log(`| ${mode} | ${ab.toFixed(2)} | ${(rps('mesh') / rps('direct')).toFixed(2)} | ${p99('mesh').toFixed(2)} vs ${p99('nginx').toFixed(2)} | ${met ? 'met' : 'NOT met'} |`);
  }

  await stopNginx();
  await measureSync().catch((err: unknown) => console.error(`lb-nginx: sync measurement failed: ${err instanceof Error ? err.message : String(err)}`));
} finally {
  await stopNginx().catch((err: unknown) => console.error(`lb-nginx: stopping nginx: ${String(err)}`));
  await c.down();
  if (dir) await rm(dir, { recursive: true, force: true });
}

function label(p: PathName): string {
  return p === 'mesh' ? '(a) tsswarm mesh, 5 replicas' : p === 'nginx' ? '(b) nginx round-robin, 5' : '(c) one container directly';
}

async function stopNginx(): Promise<void> {
  if (!nginxStarted) return;
  nginxStarted = false;
  // By the pid in nginx's own pid file (QUIT: graceful); the bed's teardown would kill it anyway.
  const r = await c.bed.exec(WORKER, 'sh', ['-c', `kill -QUIT "$(cat ${path.join(dir, 'nginx.pid')})"`]);
  if (r.code !== 0) throw new Error(r.stderr);
}

/**
 * Task change → new map on every node, seen by `nft monitor` in each host: a unit's rewrite
 * (flush chain + map, elements, rule, one transaction) shows as `add rule ip tsswarm
 * ing_tcp_PORT …` when it commits (nft monitor prints neither the elements nor the rule's
 * dnat of an incremental rewrite, so the rule event is what is timed). Nothing else rewrites
 * the unit during a change. Scale-up: from the moment the API first shows the new task running
 * (polled every 20 ms) to the rewrite on the last host. Scale-down: from the update request to
 * the rewrite on the last host (removeBackend taking the stopping task out, before its container
 * stops).
 */
async function measureSync(): Promise<void> {
  const hosts = [1, 2];
  /** Per host: when the unit was first rewritten since the last clear. */
  const seen: Array<Map<'rewrite', number>> = hosts.map(() => new Map());
  const raw: string[][] = hosts.map(() => []);
  const monitors = hosts.map((h, i) => {
    // Line-buffered: nft's stdout is a pipe here, and its events must arrive when they happen.
    const m = c.bed.spawn(h, 'stdbuf', ['-oL', 'nft', 'monitor']);
    let buf = '';
    m.stdout?.setEncoding('utf8').on('data', (d: string) => {
      const now = Date.now();
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) {
        raw[i]?.push(l);
        if (l.startsWith(`add rule ip tsswarm ing_tcp_${MESH_PORT} `) && !seen[i]?.has('rewrite')) seen[i]?.set('rewrite', now);
      }
    });
    return m;
  });
  await new Promise((r) => setTimeout(r, 500));
  const up: number[] = [];
  const down: number[] = [];
  try {
    for (let i = 0; i < CHANGES; i++) {
      for (const s of seen) s.clear();
      const before = new Set((await c.tasks('web')).map((t) => t.ID));
      await c.scale('web', 6);
      const runningAt = await waitFor('the 6th task running', async () => {
        const t = (await c.tasks('web')).find((x) => !before.has(x.ID) && x.Status.State === 'running');
        return t ? Date.now() : undefined;
      }, 60_000, 20);
      const everywhere = (what: string) => waitFor(what, async () => (seen.every((s) => s.has('rewrite')) ? Math.max(...seen.map((s) => s.get('rewrite') ?? 0)) : undefined), 10_000, 10);
      const all6 = await everywhere('the unit rewritten with 6 backends on every host');
      up.push(all6 - runningAt);
      await c.running('web', 6);
      await new Promise((r) => setTimeout(r, 300));
      for (const s of seen) s.clear();
      const t0 = Date.now();
      await c.scale('web', 5);
      const all5 = await everywhere('the unit rewritten with 5 backends on every host');
      down.push(all5 - t0);
      await c.running('web', 5);
    }
  } catch (err) {
    for (const [i, lines] of raw.entries()) console.error(`nft monitor on host ${hosts[i]}, last lines:\n  ${lines.slice(-5).join('\n  ')}`);
    throw err;
  } finally {
    for (const m of monitors) m.kill('SIGTERM');
  }
  const fmt = (xs: number[]) => `median ${p50(xs).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms (${xs.join(', ')})`;
  console.log(`\ntask change → updated maps on both nodes (${CHANGES} × scale 5 → 6 → 5, nft monitor in each host):`);
  console.log(`  scale-up, API shows the new task running → 6 backends in every host's map: ${fmt(up)}`);
  console.log(`  scale-down, update request → the stopping task out of every host's map: ${fmt(down)}`);
}
