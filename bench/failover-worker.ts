// Worker-failure benchmark on real Docker, tsswarm beside Docker Swarm mode, in one run:
// "a host running 5 of 10 replicas crashes (kill -9 of everything on it: engine, containers,
// the orchestrator's agent); time until 10 replicas run again on the live nodes".
//
// Both systems run on the same 3-host test bed (docs/design/test-bed.md), at the same time:
//   host 1  tsswarm manager (availability drain)   + Docker Swarm manager (drained)
//   host 2  tsswarm worker on host 2's engine      + that engine is a Swarm worker
//   host 3  tsswarm worker on host 3's engine      + that engine is a Swarm worker
// Per trial and system: create a 10-replica tsswarm/web service (5 + 5 on hosts 2 and 3),
// t0, `bed.kill(h2, {all: true})` (dockerd, its containers and shims, the tsswarm worker all
// get SIGKILL), then poll the manager every --poll-ms until 10 tasks are running on nodes
// other than host 2's. Then the service is removed, host 2 is "rebooted" (`bed.start`) and
// its tsswarm worker restarted, so the next trial starts from 5 + 5 again. The trials of the
// two systems are interleaved (the order alternates). Defaults of both systems are kept:
// tsswarm 1 s heartbeat period, down after 3 missed; Swarm 5 s period x 3 grace.
//
// The benchmark process stays in the root namespace: it reaches every engine through its unix
// socket, and the tsswarm API (127.0.0.1:2375 in host 1) through a unix-socket forwarder run in
// host 1 (bench/lib/uds-forward.ts). Services are created through the API with the same body
// for both systems (no published ports: Swarm's routing mesh needs IPVS, which this kernel
// lacks). Traffic stays on loopback, unix sockets and the bed's underlay.
//
//   node --import tsx bench/failover-worker.ts [--trials 5] [--poll-ms 100] [--limit-s 120]
//                                               [--systems tsswarm,swarm] [--cut]
// --cut: host 2's link is cut just before the kill (healed after its reboot): its kernel then
// cannot close the dead processes' connections (FIN/RST), as with a real machine crash. Without
// it the netns' kernel lives on and closes them; neither system marks a node down for that.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Bed } from '../test/harness/bed.js';
import { ROOT } from '../test/harness/cluster.js';
import { filtersQuery, udsJson, udsRequest } from './lib/uds-http.js';
import { max, p50, poll } from './lib/stats.js';
import { readNodeId, spawnLogged, TSSWARM_BIN as BIN } from './lib/bed-procs.js';
import { checkedDocker, DOCKER_API, sockOf, swarmUp } from './lib/bed-swarm.js';
import { teardownOnce, teardownOnSignals } from './lib/cleanup.js';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '5' },
    'poll-ms': { type: 'string', default: '100' },
    'limit-s': { type: 'string', default: '120' },
    systems: { type: 'string', default: 'tsswarm,swarm' },
    cut: { type: 'boolean', default: false },
  },
});
const TRIALS = Number(values.trials);
const POLL_MS = Number(values['poll-ms']);
const LIMIT_MS = Number(values['limit-s']) * 1000;
const SYSTEMS = values.systems.split(',').map((s) => s.trim());
/** Cut host 2's link just before the kill, so no FIN/RST leaves it (a dead machine sends nothing). */
const CUT = values.cut;
if (!Number.isInteger(TRIALS) || TRIALS < 1 || TRIALS > 100) throw new Error('--trials must be 1..100');
if (!(POLL_MS >= 10 && POLL_MS <= 5000)) throw new Error('--poll-ms must be 10..5000');
if (!(LIMIT_MS >= 10_000 && LIMIT_MS <= 600_000)) throw new Error('--limit-s must be 10..600');
for (const s of SYSTEMS) if (s !== 'tsswarm' && s !== 'swarm') throw new Error(`unknown system ${s}`);

const IMAGE = 'tsswarm/web:latest';
const REPLICAS = 10;
const TS_API = '/v1.45';
const MGR = 1;
const VICTIM = 2;
const SURVIVOR = 3;
const SWARM_PORT = 2477; // 2377 on host 1 is tsswarm's
const SWARM_DATA_PATH_PORT = 4790; // keep Swarm's VXLAN port away from tsswarm's 4789

const t00 = performance.now();
function log(msg: string): void {
  console.error(`[${((performance.now() - t00) / 1000).toFixed(1).padStart(6)} s] ${msg}`);
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/**
 * When the tsswarm worker of host 2 was seen to die (its exit event): the moment the kill landed.
 * `bed.sh kill` takes a few hundred ms (bash, cgroup walk) before and after the SIGKILL, so t0,
 * taken before it, makes every figure a little pessimistic; this one is the tighter start.
 */
let victimDiedAt: number | undefined;

interface TaskLike {
  NodeID?: string;
  Status?: { State?: string };
}
interface NodeLike {
  ID: string;
  Status?: { State?: string };
}

interface TrialResult {
  system: string;
  trial: number;
  /** t0 (just before the kill) -> 10 running on live nodes; undefined if it never happened. */
  ms?: number;
  /** From the death of host 2's processes (tsswarm worker exit event) -> 10 running; if known. */
  fromDeathMs?: number;
  /** t0 -> the manager first reports host 2's node down. */
  downMs?: number;
  /** How long `bed.sh kill --all` itself took (t0 is before it). */
  killMs: number;
  /** Replicas on host 2 just before the crash. */
  onVictim: number;
  error?: string;
}

/** What a system must offer for a trial; both sides drive their manager over a unix socket. */
interface System {
  readonly name: string;
  /** Unix socket of the manager API, and its version prefix. */
  readonly sock: string;
  readonly api: string;
  nodeOf(host: number): string;
  /** Called after host 2 has been rebooted (engine up again). */
  afterRestart(): Promise<void>;
}

// --- tsswarm on the bed ------------------------------------------------------------------

class TsswarmSide implements System {
  readonly name = 'tsswarm';
  readonly api = TS_API;
  readonly sock: string;
  private token = '';
  private readonly nodeIds = new Map<number, string>();
  private readonly procs = new Map<string, ChildProcess>();

  constructor(
    private readonly bed: Bed,
    private readonly dir: string,
  ) {
    this.sock = path.join(dir, 'tsswarm-api.sock');
  }

  nodeOf(host: number): string {
    const id = this.nodeIds.get(host);
    if (!id) throw new Error(`no tsswarm node on host ${host}`);
    return id;
  }

  private async spawnLogged(name: string, host: number, args: string[]): Promise<ChildProcess> {
    const child = await spawnLogged(this.bed, host, this.dir, name, args);
    this.procs.set(name, child);
    return child;
  }

  private readNodeId(name: string): Promise<string> {
    return readNodeId(this.dir, name, this.procs.get(name));
  }

  async start(): Promise<void> {
    const h1 = this.bed.host(MGR);
    await this.spawnLogged('manager', MGR, [
      BIN, 'init',
      '--listen-addr', `${h1.addr}:2377`,
      '--advertise-addr', h1.addr,
      '--api-addr', '127.0.0.1:2375',
      '--data-dir', path.join(this.dir, 'manager'),
      '--hostname', 'h1',
      '--availability', 'drain',
    ]);
    this.nodeIds.set(MGR, await this.readNodeId('manager'));
    await this.spawnLogged('api-forward', MGR, ['--import', 'tsx', path.join(ROOT, 'bench/lib/uds-forward.ts'), this.sock, '127.0.0.1:2375']);
    await poll('tsswarm API (through the forwarder)', async () => (await udsRequest(this.sock, 'GET', '/_ping', undefined, 2000)).status === 200, {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    const swarm = (await udsJson(this.sock, 'GET', `${TS_API}/swarm`)) as { JoinTokens: { Worker: string } };
    this.token = swarm.JoinTokens.Worker;
    for (const h of [VICTIM, SURVIVOR]) await this.startWorker(h);
    await this.waitReady([MGR, VICTIM, SURVIVOR], 30_000);
  }

  async startWorker(host: number): Promise<void> {
    const h = this.bed.host(host);
    const name = `h${host}`;
    await this.spawnLogged(name, host, [
      BIN, 'join',
      '--token', this.token,
      '--data-dir', path.join(this.dir, name),
      '--hostname', name,
      '--advertise-addr', h.addr,
      `${this.bed.host(MGR).addr}:2377`,
    ]);
    if (host === VICTIM) this.procs.get(name)?.once('exit', () => (victimDiedAt = performance.now()));
    this.nodeIds.set(host, await this.readNodeId(name));
  }

  async waitReady(hosts: number[], timeoutMs: number): Promise<void> {
    await waitNodesReady(this, hosts, timeoutMs);
  }

  async afterRestart(): Promise<void> {
    await this.startWorker(VICTIM);
    await this.waitReady([VICTIM], 60_000);
  }
}

// --- Docker Swarm mode on the bed ----------------------------------------------------------

class SwarmSide implements System {
  readonly name = 'swarm';
  readonly api = DOCKER_API;
  readonly sock: string;
  private readonly nodeIds = new Map<number, string>();

  constructor(private readonly bed: Bed) {
    this.sock = sockOf(bed, MGR);
  }

  nodeOf(host: number): string {
    const id = this.nodeIds.get(host);
    if (!id) throw new Error(`no swarm node on host ${host}`);
    return id;
  }

  async start(): Promise<void> {
    const ids = await swarmUp(this.bed, { managers: [MGR], workers: [VICTIM, SURVIVOR], port: SWARM_PORT, dataPathPort: SWARM_DATA_PATH_PORT });
    for (const [h, id] of ids) this.nodeIds.set(h, id);
    await checkedDocker(this.bed, MGR, ['node', 'update', '--availability', 'drain', this.nodeOf(MGR)]);
    await waitNodesReady(this, [MGR, VICTIM, SURVIVOR], 60_000);
  }

  async afterRestart(): Promise<void> {
    await waitNodesReady(this, [VICTIM], 90_000);
  }
}

async function waitNodesReady(s: System, hosts: number[], timeoutMs: number): Promise<void> {
  await poll(
    `${s.name} nodes ${hosts.map((h) => `h${h}`).join(',')} ready`,
    async () => {
      const nodes = (await udsJson(s.sock, 'GET', `${s.api}/nodes`)) as NodeLike[];
      return hosts.every((h) => nodes.some((n) => n.ID === s.nodeOf(h) && n.Status?.State === 'ready'));
    },
    { timeoutMs, intervalMs: 200 },
  );
}

// --- one trial ------------------------------------------------------------------------------

async function runningByNode(s: System, service: string): Promise<Map<string, number>> {
  const tasks = (await udsJson(s.sock, 'GET', `${s.api}/tasks?${filtersQuery({ service: [service], 'desired-state': ['running'] })}`)) as TaskLike[];
  const byNode = new Map<string, number>();
  for (const t of tasks) if (t.Status?.State === 'running' && t.NodeID) byNode.set(t.NodeID, (byNode.get(t.NodeID) ?? 0) + 1);
  return byNode;
}

async function engineRunning(bed: Bed, host: number): Promise<number> {
  const list = (await udsJson(sockOf(bed, host), 'GET', `${DOCKER_API}/containers/json`)) as unknown[];
  return list.length;
}

async function trial(bed: Bed, s: System, i: number): Promise<TrialResult> {
  const service = `fo-${s.name}-${i}`;
  const victim = s.nodeOf(VICTIM);
  const res: TrialResult = { system: s.name, trial: i, killMs: NaN, onVictim: NaN };
  const created = await udsRequest(s.sock, 'POST', `${s.api}/services/create`, {
    Name: service,
    TaskTemplate: { ContainerSpec: { Image: IMAGE } },
    Mode: { Replicated: { Replicas: REPLICAS } },
  });
  if (created.status !== 201 && created.status !== 200) throw new Error(`${s.name}: create ${service}: ${created.status} ${created.text.trim()}`);
  try {
    const placed = await poll(
      `${s.name}: ${REPLICAS} replicas of ${service} running`,
      async () => {
        const by = await runningByNode(s, service);
        const total = [...by.values()].reduce((a, b) => a + b, 0);
        return total === REPLICAS ? by : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 200 },
    );
    res.onVictim = placed.get(victim) ?? 0;
    await sleep(1000); // a heartbeat or two after the last start, on both systems alike

    victimDiedAt = undefined;
    const t0 = performance.now();
    if (CUT) await bed.cut(VICTIM);
    await bed.kill(VICTIM, { all: true });
    res.killMs = performance.now() - t0;
    try {
      const end = await poll(
        `${s.name}: ${REPLICAS} running on live nodes`,
        async () => {
          const [by, nodes] = await Promise.all([runningByNode(s, service), udsJson(s.sock, 'GET', `${s.api}/nodes`) as Promise<NodeLike[]>]);
          const now = performance.now() - t0;
          if (res.downMs === undefined && nodes.some((n) => n.ID === victim && n.Status?.State === 'down')) res.downMs = now;
          let live = 0;
          for (const [node, n] of by) if (node !== victim) live += n;
          return live >= REPLICAS ? performance.now() : undefined;
        },
        { timeoutMs: LIMIT_MS, intervalMs: POLL_MS },
      );
      res.ms = end - t0;
      if (victimDiedAt !== undefined && victimDiedAt >= t0) res.fromDeathMs = end - victimDiedAt;
    } catch (err) {
      res.error = String(err);
    }
    const onSurvivor = await engineRunning(bed, SURVIVOR).catch(() => NaN);
    log(
      `${s.name} trial ${i}: ${res.ms === undefined ? `FAILED (${res.error})` : `${Math.round(res.ms)} ms (${res.fromDeathMs === undefined ? '?' : Math.round(res.fromDeathMs)} ms from the death)`}` +
        ` (node down at ${res.downMs === undefined ? '?' : Math.round(res.downMs)} ms, kill took ${Math.round(res.killMs)} ms,` +
        ` ${res.onVictim} replicas were on host 2, ${onSurvivor} containers now run on host 3's engine)`,
    );
  } finally {
    const del = await udsRequest(s.sock, 'DELETE', `${s.api}/services/${service}`).catch((err: unknown) => ({ status: 0, text: String(err) }));
    if (del.status !== 200 && del.status !== 204) log(`${s.name}: remove ${service}: ${del.status} ${del.text.trim()}`);
    await poll(`host 3's engine free of ${service}`, async () => (await engineRunning(bed, SURVIVOR)) === 0, { timeoutMs: 60_000, intervalMs: 200 });
  }
  return res;
}

/** Host 2 "reboots": its engine starts again (what survived is killed first), its tsswarm worker too. */
async function restoreVictim(bed: Bed, systems: System[]): Promise<void> {
  const t = performance.now();
  if (CUT) await bed.heal(VICTIM);
  await bed.start(VICTIM);
  for (const s of systems) await s.afterRestart();
  log(`host 2 restored in ${Math.round(performance.now() - t)} ms`);
}

// --- main -------------------------------------------------------------------------------------

const results: TrialResult[] = [];
const notes: string[] = [];
let bed: Bed | undefined;
let dir: string | undefined;
const cleanup = teardownOnce(async () => {
  if (bed) {
    log('tearing the bed down');
    await bed.down().catch((err: unknown) => log(`bed down failed: ${String(err)}`));
  }
  if (dir && !process.env.TSSWARM_KEEP_TEST_DIRS && !process.exitCode) await rm(dir, { recursive: true, force: true });
});
teardownOnSignals(cleanup, log);

const why = await Bed.unavailable();
if (why) {
  console.error(`the test bed cannot run here: ${why}`);
  process.exit(1);
}

try {
  dir = await mkdtemp(path.join(tmpdir(), 'tsswarm-failover-'));
  log('bringing up a 3-host bed');
  bed = await Bed.up(3, { images: 'auto' });
  const active: System[] = [];
  if (SYSTEMS.includes('tsswarm')) {
    const ts = new TsswarmSide(bed, dir);
    await ts.start();
    active.push(ts);
    log('tsswarm: manager on host 1 (drain), workers on hosts 2 and 3: ready');
  }
  if (SYSTEMS.includes('swarm')) {
    const sw = new SwarmSide(bed);
    try {
      await sw.start();
      active.push(sw);
      log('swarm: manager on host 1 (drain), workers on hosts 2 and 3: ready');
    } catch (err) {
      const msg = `Docker Swarm mode could not run on the bed: ${String(err)}`;
      notes.push(msg);
      log(msg);
    }
  }
  if (active.length === 0) throw new Error('no system to measure');

  for (let i = 1; i <= TRIALS; i++) {
    const order = i % 2 === 1 ? active : [...active].reverse();
    for (const s of order) {
      try {
        results.push(await trial(bed, s, i));
      } catch (err) {
        const msg = `${s.name} trial ${i} aborted: ${String(err)}`;
        log(msg);
        results.push({ system: s.name, trial: i, killMs: NaN, onVictim: NaN, error: msg });
      }
      // Whatever happened, host 2 comes back for the next trial (a no-op if it never died).
      await restoreVictim(bed, active);
    }
  }
} catch (err) {
  log(`benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  if (dir) log(`logs of the tsswarm processes are kept in ${dir}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}

// --- report ------------------------------------------------------------------------------------

interface Summary {
  system: string;
  trials: number;
  ok: number;
  p50: number;
  max: number;
  ms: Array<number | null>;
  fromDeathP50: number;
  fromDeathMs: Array<number | null>;
  downMs: Array<number | null>;
}
const summaries: Summary[] = [];
for (const name of ['tsswarm', 'swarm']) {
  const rs = results.filter((r) => r.system === name);
  if (rs.length === 0) continue;
  const ok = rs.filter((r) => r.ms !== undefined).map((r) => r.ms as number);
  summaries.push({
    system: name,
    trials: rs.length,
    ok: ok.length,
    p50: Math.round(p50(ok)),
    max: Math.round(max(ok)),
    ms: rs.map((r) => (r.ms === undefined ? null : Math.round(r.ms))),
    fromDeathP50: Math.round(p50(rs.filter((r) => r.fromDeathMs !== undefined).map((r) => r.fromDeathMs as number))),
    fromDeathMs: rs.map((r) => (r.fromDeathMs === undefined ? null : Math.round(r.fromDeathMs))),
    downMs: rs.map((r) => (r.downMs === undefined ? null : Math.round(r.downMs))),
  });
}
const ts = summaries.find((s) => s.system === 'tsswarm');
const sw = summaries.find((s) => s.system === 'swarm');
const ratioP50 = ts && sw ? +(ts.p50 / sw.p50).toFixed(3) : null;
const ratioMax = ts && sw ? +(ts.max / sw.max).toFixed(3) : null;

console.log('');
console.log(`worker failure on the 3-host bed: host 2 (5 of 10 replicas) crashes (engine, containers, agent: SIGKILL${CUT ? '; its link cut first' : ''});`);
console.log(`time from the kill request (t0) until 10 replicas run on live nodes, polled every ${POLL_MS} ms; defaults of both systems`);
console.log(`("from death": from the moment host 2's tsswarm worker died, i.e. when the SIGKILL landed, ~0.3-0.6 s after t0)`);
console.log(`(tsswarm: heartbeat 1 s, down after 3 missed; Docker Swarm: heartbeat 5 s x 3 grace)`);
console.table(
  summaries.map((s) => ({
    system: s.system,
    'ok/trials': `${s.ok}/${s.trials}`,
    'p50 (ms)': s.p50,
    'max (ms)': s.max,
    'each trial (ms)': s.ms.map((x) => (x === null ? 'fail' : x)).join(' '),
    'p50 from death (ms)': s.fromDeathP50,
    'node down at (ms)': s.downMs.map((x) => (x === null ? '?' : x)).join(' '),
  })),
);
if (ratioP50 !== null) console.log(`tsswarm / swarm: p50 ${ratioP50}, max ${ratioMax}`);
for (const n of notes) console.log(`note: ${n}`);
console.log(
  JSON.stringify({
    bench: 'failover-worker',
    mode: CUT ? 'bed, link cut + kill' : 'bed, kill',
    replicas: REPLICAS,
    trials: TRIALS,
    pollMs: POLL_MS,
    results: summaries,
    ratio: { p50: ratioP50, max: ratioMax },
    notes,
  }),
);
