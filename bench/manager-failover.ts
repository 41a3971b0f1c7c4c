// Manager failover through the whole product, tsswarm beside Docker Swarm mode, in one run
// (issue 3; raft-failover.ts measures the Raft library alone): 3 managers; kill -9 the
// leader; time from the kill to the first write committed by the new leader, asked of the
// surviving managers through their APIs (bench/lib/first-write.ts: a service update, retried
// on every survivor every --interval-ms, each request limited to --attempt-timeout-ms).
//
// Both systems run on the same test bed (docs/design/test-bed.md), on hosts of their own so
// that the crash and "reboot" of one never touches the other:
//   hosts 1-3  a dockerd each, together a 3-manager Docker Swarm (docker swarm init / join
//              with the manager token). A crash is SIGKILL of the leader's dockerd (the
//              whole engine: containerd dies with it); it comes back with `bed.sh start`.
//   hosts 4-6  a tsswarm manager process each (Raft and gRPC on the underlay address, API on
//              the host's 127.0.0.1, reached through bench/lib/uds-forward.ts). A crash is
//              SIGKILL of the leader's process; it comes back with the same command line.
// With --systems of one system only, it runs on hosts 1-3. Timeouts are both systems'
// defaults (tsswarm: tick 100 ms, election after 10-20 ticks; Swarm: Docker's). t0 is taken
// just before the SIGKILL is sent, by this process, to the pid itself.
// Per trial: 1 s after the cluster was last seen healthy (every manager reachable, one leader
// that every manager agrees on, the probe service readable everywhere), find the leader, crash
// it, time the first committed write, restore the crashed manager, wait until healthy again (a
// manager still reported unreachable after 30 s while it follows the leader and serves reads is
// let go, counted and reported). Trials of the two systems alternate (order swapped every trial).
//
//   node --import tsx bench/manager-failover.ts [--trials 20] [--systems tsswarm,swarm]
//        [--interval-ms 25] [--attempt-timeout-ms 2000] [--max-in-flight 20] [--limit-s 60]
//        [--bed-wait-s 900] [--tsswarm-on bed|loopback]
// --tsswarm-on loopback: the tsswarm managers run on this machine's 127.0.0.1 instead (ports of
// their own), as this benchmark measured before the bed; with --systems tsswarm it needs no bed.
// --tsswarm-rev REV: run tsswarm from a copy of the sources at git revision REV (git archive), not
// from the checkout, so that edits made to the checkout during the run (managers are restarted
// every trial) do not mix code versions.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Bed } from '../test/harness/bed.js';
import { freePort, ROOT } from '../test/harness/cluster.js';
import { alive, killChild, readNodeId, spawnLocalLogged, spawnLogged, TSSWARM_BIN } from './lib/bed-procs.js';
import { snapshotRev, type Snapshot } from './lib/snapshot.js';
import { DOCKER_API, enginePid, sockOf, swarmLeave, swarmUp } from './lib/bed-swarm.js';
import { firstCommittedWrite, type FirstWrite } from './lib/first-write.js';
import { max, p50, poll } from './lib/stats.js';
import { udsJson, udsRequest } from './lib/uds-http.js';
import { teardownOnce, teardownOnSignals } from './lib/cleanup.js';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '20' },
    systems: { type: 'string', default: 'tsswarm,swarm' },
    'interval-ms': { type: 'string', default: '25' },
    'attempt-timeout-ms': { type: 'string', default: '2000' },
    'limit-s': { type: 'string', default: '60' },
    'bed-wait-s': { type: 'string', default: '900' },
    'max-in-flight': { type: 'string', default: '20' },
    'tsswarm-on': { type: 'string', default: 'bed' },
    'tsswarm-rev': { type: 'string' },
  },
});
const TRIALS = Number(values.trials);
const SYSTEMS = values.systems.split(',').map((s) => s.trim());
const INTERVAL_MS = Number(values['interval-ms']);
const ATTEMPT_TIMEOUT_MS = Number(values['attempt-timeout-ms']);
const LIMIT_MS = Number(values['limit-s']) * 1000;
const BED_WAIT_MS = Number(values['bed-wait-s']) * 1000;
/** Attempts in flight per survivor at most (requests that hang until their limit pile up otherwise). */
const MAX_IN_FLIGHT = Number(values['max-in-flight']);
if (!Number.isInteger(TRIALS) || TRIALS < 1 || TRIALS > 100) throw new Error('--trials must be 1..100');
if (!(INTERVAL_MS >= 5 && INTERVAL_MS <= 1000)) throw new Error('--interval-ms must be 5..1000');
if (!(ATTEMPT_TIMEOUT_MS >= 100 && ATTEMPT_TIMEOUT_MS <= 30_000)) throw new Error('--attempt-timeout-ms must be 100..30000');
if (!(LIMIT_MS >= 5000 && LIMIT_MS <= 300_000)) throw new Error('--limit-s must be 5..300');
if (!(BED_WAIT_MS >= 0 && BED_WAIT_MS <= 3_600_000)) throw new Error('--bed-wait-s must be 0..3600');
if (!Number.isInteger(MAX_IN_FLIGHT) || MAX_IN_FLIGHT < 1 || MAX_IN_FLIGHT > 200) throw new Error('--max-in-flight must be 1..200');
const TSSWARM_ON = values['tsswarm-on'];
if (TSSWARM_ON !== 'bed' && TSSWARM_ON !== 'loopback') throw new Error('--tsswarm-on: bed or loopback');
if (SYSTEMS.length === 0 || SYSTEMS.some((s) => s !== 'tsswarm' && s !== 'swarm')) throw new Error('--systems: tsswarm and/or swarm');

const IMAGE = 'tsswarm/web:latest';
const PROBE = 'probe';
const TS_API = '/v1.45';
const SETTLE_MS = 1000;
const HEALTHY_LIMIT_MS = 120_000;
const REACHABLE_LIMIT_MS = 30_000;

const t00 = performance.now();
function log(msg: string): void {
  console.error(`[${((performance.now() - t00) / 1000).toFixed(1).padStart(6)} s] ${msg}`);
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface NodeLike {
  ID: string;
  ManagerStatus?: { Leader?: boolean; Reachability?: string };
}

/** What a trial needs of a system: 3 managers on bed hosts, each with a Docker-shaped API on a unix socket. */
interface ManagerSystem {
  readonly name: string;
  readonly api: string;
  readonly hosts: number[];
  sock(host: number): string;
  nodeId(host: number): string;
  /** Whether this benchmark believes the host's manager runs (not crashed by it). */
  isUp(host: number): boolean;
  /** SIGKILLs the host's manager; resolves to performance.now() just before the signal went out. */
  crash(host: number): Promise<number>;
  /** Brings a crashed manager back (same identity and data). */
  restore(host: number): Promise<void>;
}

// --- Docker Swarm: 3 manager engines --------------------------------------------------------

class SwarmManagers implements ManagerSystem {
  readonly name = 'swarm';
  readonly api = DOCKER_API;
  private ids = new Map<number, string>();
  private readonly down = new Set<number>();

  constructor(
    private readonly bed: Bed,
    readonly hosts: number[],
  ) {}

  sock(host: number): string {
    return sockOf(this.bed, host);
  }
  nodeId(host: number): string {
    const id = this.ids.get(host);
    if (!id) throw new Error(`no swarm node on host ${host}`);
    return id;
  }
  isUp(host: number): boolean {
    return !this.down.has(host);
  }

  async start(): Promise<void> {
    this.ids = await swarmUp(this.bed, { managers: this.hosts });
    await createProbe(this);
  }

  /** Swarm's Raft settings as the cluster reports them (ticks of Docker's 1 s tick). */
  async raftSpec(): Promise<string> {
    const sw = (await udsJson(this.sock(this.hosts[0]!), 'GET', `${this.api}/swarm`)) as { Spec?: { Raft?: Record<string, unknown> } };
    return JSON.stringify(sw.Spec?.Raft ?? {});
  }

  async crash(host: number): Promise<number> {
    const pid = await enginePid(this.bed, host);
    this.down.add(host);
    const t0 = performance.now();
    process.kill(pid, 'SIGKILL');
    return t0;
  }

  async restore(host: number): Promise<void> {
    await this.bed.kill(host); // confirms the engine is gone (a no-op once it is)
    await this.bed.start(host);
    this.down.delete(host);
  }

  async leave(): Promise<void> {
    for (const e of await swarmLeave(this.bed, this.hosts.filter((h) => this.isUp(h)))) log(`swarm: ${e}`);
  }
}

// --- tsswarm: 3 manager processes -----------------------------------------------------------

/** Addresses of one tsswarm manager: cluster (gRPC), Raft, advertised, API (all host:port but advertise). */
interface ManagerAddrs {
  listen: string;
  raft: string;
  advertise: string;
  api: string;
}

/** Where the tsswarm managers run: a bed host each, or this machine's loopback. */
interface Placement {
  readonly where: string;
  addrs(host: number): ManagerAddrs;
  spawn(host: number, name: string, args: string[]): Promise<ChildProcess>;
}

class BedPlacement implements Placement {
  readonly where = 'bed';
  constructor(
    private readonly bed: Bed,
    private readonly dir: string,
  ) {}
  addrs(host: number): ManagerAddrs {
    const a = this.bed.host(host).addr;
    return { listen: `${a}:2377`, raft: `${a}:2378`, advertise: a, api: '127.0.0.1:2375' };
  }
  /** bed.down() kills what this started. */
  spawn(host: number, name: string, args: string[]): Promise<ChildProcess> {
    return spawnLogged(this.bed, host, this.dir, name, args);
  }
}

/** Every manager on 127.0.0.1 with ports of its own, as bench/manager-failover.ts measured before the bed. */
class LoopbackPlacement implements Placement {
  readonly where = 'loopback';
  private readonly ports = new Map<number, ManagerAddrs>();
  private readonly children = new Set<ChildProcess>();
  constructor(private readonly dir: string) {}
  async init(hosts: number[]): Promise<void> {
    for (const h of hosts) {
      this.ports.set(h, { listen: `127.0.0.1:${await freePort()}`, raft: `127.0.0.1:${await freePort()}`, advertise: '127.0.0.1', api: `127.0.0.1:${await freePort()}` });
    }
  }
  addrs(host: number): ManagerAddrs {
    const a = this.ports.get(host);
    if (!a) throw new Error(`no loopback ports for manager ${host}`);
    return a;
  }
  async spawn(_host: number, name: string, args: string[]): Promise<ChildProcess> {
    const child = await spawnLocalLogged(this.dir, name, args);
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }
  async stopAll(): Promise<void> {
    for (const c of [...this.children]) await killChild(c);
  }
}

class TsswarmManagers implements ManagerSystem {
  readonly name = 'tsswarm';
  readonly api = TS_API;
  private readonly ids = new Map<number, string>();
  private readonly args = new Map<number, string[]>();
  private readonly procs = new Map<number, ChildProcess>();

  constructor(
    private readonly place: Placement,
    readonly hosts: number[],
    private readonly dir: string,
    /** bin/tsswarm.js of the sources to run. */
    private readonly bin: string,
  ) {}

  sock(host: number): string {
    return path.join(this.dir, `api-h${host}.sock`);
  }
  nodeId(host: number): string {
    const id = this.ids.get(host);
    if (!id) throw new Error(`no tsswarm node on host ${host}`);
    return id;
  }
  isUp(host: number): boolean {
    return alive(this.procs.get(host));
  }

  private common(host: number): string[] {
    const a = this.place.addrs(host);
    return [
      '--listen-addr', a.listen,
      '--raft-addr', a.raft,
      '--advertise-addr', a.advertise,
      '--api-addr', a.api,
      '--data-dir', path.join(this.dir, `m${host}`),
      '--hostname', `m${host}`,
      '--availability', 'drain',
    ];
  }

  async start(): Promise<void> {
    const [first, ...others] = this.hosts;
    if (first === undefined) throw new Error('no tsswarm host');
    for (const h of this.hosts) {
      await this.place.spawn(h, `fwd-h${h}`, ['--import', 'tsx', path.join(ROOT, 'bench/lib/uds-forward.ts'), this.sock(h), this.place.addrs(h).api]);
    }
    this.args.set(first, [this.bin, 'init', ...this.common(first)]);
    await this.launch(first);
    const swarm = (await udsJson(this.sock(first), 'GET', `${TS_API}/swarm`)) as { JoinTokens: { Manager: string } };
    for (const h of others) {
      this.args.set(h, [this.bin, 'join', '--token', swarm.JoinTokens.Manager, ...this.common(h), this.place.addrs(first).listen]);
      await this.launch(h);
    }
    await createProbe(this);
  }

  private async launch(host: number): Promise<void> {
    const args = this.args.get(host);
    if (!args) throw new Error(`no command line for host ${host}`);
    const child = await this.place.spawn(host, `m${host}`, args);
    this.procs.set(host, child);
    this.ids.set(host, await readNodeId(this.dir, `m${host}`, child));
    await poll(`tsswarm m${host} API`, async () => (await udsRequest(this.sock(host), 'GET', '/_ping', undefined, 1000)).status === 200, { timeoutMs: 30_000, intervalMs: 100 });
  }

  async crash(host: number): Promise<number> {
    const child = this.procs.get(host);
    if (!child || !alive(child)) throw new Error(`tsswarm m${host} is not running`);
    const exited = new Promise((r) => child.once('exit', r));
    const t0 = performance.now();
    child.kill('SIGKILL');
    await exited;
    return t0;
  }

  async restore(host: number): Promise<void> {
    if (!this.isUp(host)) await this.launch(host);
  }
}

// --- shared steps ---------------------------------------------------------------------------

async function createProbe(s: ManagerSystem): Promise<void> {
  const first = s.hosts[0];
  if (first === undefined) throw new Error('no host');
  await udsJson(s.sock(first), 'POST', `${s.api}/services/create`, {
    Name: PROBE,
    TaskTemplate: { ContainerSpec: { Image: IMAGE } },
    Mode: { Replicated: { Replicas: 0 } },
  });
}

/**
 * The leader's host if every manager answers, reports the same leader and reads the probe
 * service (a read through the leader in both systems), and, if reachable is set, reports every
 * manager reachable.
 */
async function healthyLeader(s: ManagerSystem, reachable: boolean): Promise<number | undefined> {
  const byId = new Map(s.hosts.map((h) => [s.nodeId(h), h]));
  let leader: number | undefined;
  for (const h of s.hosts) {
    if (!s.isUp(h)) return undefined;
    const nodes = (await udsJson(s.sock(h), 'GET', `${s.api}/nodes`, undefined, 2000)) as NodeLike[];
    const managers = nodes.filter((n) => byId.has(n.ID));
    if (managers.length !== s.hosts.length) return undefined;
    if (reachable && managers.some((n) => n.ManagerStatus?.Reachability !== 'reachable')) return undefined;
    const leaders = managers.filter((n) => n.ManagerStatus?.Leader);
    if (leaders.length !== 1) return undefined;
    const l = byId.get(leaders[0]!.ID);
    if (leader !== undefined && l !== leader) return undefined;
    leader = l;
    if ((await udsRequest(s.sock(h), 'GET', `${s.api}/services/${PROBE}`, undefined, 2000)).status !== 200) return undefined;
  }
  return leader;
}

/** Times a system was let go on without every manager reported reachable (see waitHealthy). */
const unreachableWaivers = new Map<string, number>();

/**
 * Waits for every manager reachable and one leader all agree on. If that has not happened in
 * REACHABLE_LIMIT_MS while every manager does follow that one leader and serves reads (tsswarm
 * was seen to report a restarted manager unreachable and down for good while it followed the
 * leader), goes on without it, and counts it.
 */
async function waitHealthy(s: ManagerSystem): Promise<number> {
  try {
    return await poll(`${s.name}: 3 reachable managers agreeing on a leader`, () => healthyLeader(s, true), { timeoutMs: REACHABLE_LIMIT_MS, intervalMs: 200 });
  } catch (err) {
    const leader = await poll(`${s.name}: 3 managers agreeing on a leader`, () => healthyLeader(s, false), { timeoutMs: HEALTHY_LIMIT_MS, intervalMs: 200 });
    const nodes = (await udsJson(s.sock(leader), 'GET', `${s.api}/nodes`, undefined, 2000).catch(() => [])) as NodeLike[];
    const bad = s.hosts.filter((h) => nodes.find((n) => n.ID === s.nodeId(h))?.ManagerStatus?.Reachability !== 'reachable');
    unreachableWaivers.set(s.name, (unreachableWaivers.get(s.name) ?? 0) + 1);
    log(`${s.name}: WARNING: ${String(err).slice(0, 120)}; every manager follows h${leader} and serves reads, but h${bad.join(', h')} still reported unreachable: going on`);
    return leader;
  }
}

interface TrialResult {
  system: string;
  trial: number;
  ms?: number;
  killed?: number;
  /** Host of the manager whose write succeeded first. */
  via?: string;
  /** The leader after the failover, if read. */
  newLeader?: number;
  attempts?: number;
  errors?: Array<[string, number]>;
  /** Crash-to-healthy-again, restore included. */
  recoverMs?: number;
  error?: string;
}

async function trial(s: ManagerSystem, i: number): Promise<TrialResult> {
  const res: TrialResult = { system: s.name, trial: i };
  // The previous trial (or the start-up) ended with waitHealthy; after a settling second, the leader.
  await sleep(SETTLE_MS);
  const leader = await poll(`${s.name}: the managers agreeing on a leader`, () => healthyLeader(s, false), { timeoutMs: HEALTHY_LIMIT_MS, intervalMs: 200 });
  res.killed = leader;
  const survivors = s.hosts.filter((h) => h !== leader);
  const t0 = await s.crash(leader);
  try {
    let fw: FirstWrite | undefined;
    try {
      fw = await firstCommittedWrite(
        survivors.map((h) => ({ name: `h${h}`, sock: s.sock(h), api: s.api })),
        { service: PROBE, label: 'bench.write', intervalMs: INTERVAL_MS, attemptTimeoutMs: ATTEMPT_TIMEOUT_MS, limitMs: LIMIT_MS, maxInFlight: MAX_IN_FLIGHT },
      );
      res.ms = fw.at - t0;
      res.via = fw.target;
      res.attempts = fw.attempts;
      res.errors = fw.errors;
    } catch (err) {
      res.error = String(err);
    }
    const nodes = (await udsJson(s.sock(survivors[0]!), 'GET', `${s.api}/nodes`, undefined, 5000).catch(() => [])) as NodeLike[];
    const lid = nodes.find((n) => n.ManagerStatus?.Leader)?.ID;
    res.newLeader = s.hosts.find((h) => lid !== undefined && s.nodeId(h) === lid);
  } finally {
    await s.restore(leader);
  }
  await waitHealthy(s);
  res.recoverMs = performance.now() - t0;
  const top = (res.errors ?? []).slice(0, 2).map(([e, n]) => `${n}x ${e}`).join('; ');
  log(
    `${s.name} trial ${i}: ${res.ms === undefined ? `FAILED (${res.error})` : `${Math.round(res.ms)} ms`}: killed h${leader}, write via ${res.via ?? '?'},` +
      ` new leader h${res.newLeader ?? '?'}, ${res.attempts ?? '?'} attempts, healthy again after ${Math.round(res.recoverMs)} ms${top ? `; errors: ${top}` : ''}`,
  );
  return res;
}

// --- main -----------------------------------------------------------------------------------

const results: TrialResult[] = [];
const notes: string[] = [];
let bed: Bed | undefined;
let dir: string | undefined;
let swarm: SwarmManagers | undefined;
let loopback: LoopbackPlacement | undefined;
let snapshot: Snapshot | undefined;
const cleanup = teardownOnce(async () => {
  if (swarm) await swarm.leave().catch((err: unknown) => log(`swarm leave failed: ${String(err)}`));
  if (loopback) await loopback.stopAll();
  if (snapshot) await snapshot.remove();
  if (bed) {
    log('tearing the bed down');
    await bed.down().catch((err: unknown) => log(`bed down failed: ${String(err)}`));
  }
  if (dir && !process.env.TSSWARM_KEEP_TEST_DIRS && !process.exitCode) await rm(dir, { recursive: true, force: true });
});
teardownOnSignals(cleanup, log, report);

const needBed = SYSTEMS.includes('swarm') || TSSWARM_ON === 'bed';
const why = needBed ? await Bed.unavailable() : undefined;
if (why) {
  console.error(`the test bed cannot run here: ${why}`);
  process.exit(1);
}

try {
  dir = await mkdtemp(path.join(tmpdir(), 'tsswarm-mgr-failover-'));
  // Both systems on the bed: hosts of their own (a Swarm host's "reboot" kills every process on it).
  const both = SYSTEMS.includes('swarm') && SYSTEMS.includes('tsswarm') && TSSWARM_ON === 'bed';
  if (needBed) {
    log(`bringing up a ${both ? 6 : 3}-host bed (waiting up to ${BED_WAIT_MS / 1000} s if it is busy)`);
    bed = await Bed.up(both ? 6 : 3, { images: 'none', waitForFreeMs: BED_WAIT_MS });
  }
  const active: ManagerSystem[] = [];
  if (SYSTEMS.includes('tsswarm')) {
    const hosts = both ? [4, 5, 6] : [1, 2, 3];
    let place: Placement;
    if (TSSWARM_ON === 'bed' && bed) place = new BedPlacement(bed, dir);
    else {
      loopback = new LoopbackPlacement(dir);
      await loopback.init(hosts);
      place = loopback;
    }
    let bin = TSSWARM_BIN;
    if (values['tsswarm-rev'] !== undefined) {
      snapshot = await snapshotRev(values['tsswarm-rev']);
      bin = path.join(snapshot.root, 'bin/tsswarm.js');
      log(`tsswarm: running the sources of ${snapshot.sha.slice(0, 12)} (${values['tsswarm-rev']}) from ${snapshot.root}`);
    }
    const ts = new TsswarmManagers(place, hosts, dir, bin);
    await ts.start();
    active.push(ts);
    log(`tsswarm: managers ${place.where === 'bed' ? `on bed hosts ${hosts.join(', ')}` : 'on loopback'}`);
  }
  if (SYSTEMS.includes('swarm') && bed) {
    swarm = new SwarmManagers(bed, [1, 2, 3]);
    try {
      await swarm.start();
      active.push(swarm);
      const raft = await swarm.raftSpec();
      notes.push(`Docker Swarm's Raft settings: ${raft}`);
      log(`swarm: managers on hosts ${swarm.hosts.join(', ')}; Raft ${raft}`);
    } catch (err) {
      const msg = `Docker Swarm could not run on the bed: ${String(err)}`;
      notes.push(msg);
      log(msg);
    }
  }
  if (active.length === 0) throw new Error('no system to measure');
  for (const s of active) log(`${s.name}: leader h${await waitHealthy(s)}`);

  for (let i = 1; i <= TRIALS; i++) {
    for (const s of i % 2 === 1 ? active : [...active].reverse()) {
      try {
        results.push(await trial(s, i));
      } catch (err) {
        const msg = `${s.name} trial ${i} aborted: ${String(err)}`;
        log(msg);
        results.push({ system: s.name, trial: i, error: msg });
      }
    }
  }
} catch (err) {
  log(`benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  if (dir) log(`logs of the tsswarm processes are kept in ${dir}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
report();

// --- report ---------------------------------------------------------------------------------

interface Summary {
  system: string;
  trials: number;
  ok: number;
  p50: number;
  max: number;
  min: number;
  ms: Array<number | null>;
  errors: Array<[string, number]>;
}
/** Prints the table and a JSON line for the trials done so far. */
function report(): void {
  const summaries: Summary[] = [];
  for (const name of ['tsswarm', 'swarm']) {
    const rs = results.filter((r) => r.system === name);
    if (rs.length === 0) continue;
    const ok = rs.filter((r) => r.ms !== undefined).map((r) => r.ms as number);
    const errors = new Map<string, number>();
    for (const r of rs) for (const [e, n] of r.errors ?? []) errors.set(e, (errors.get(e) ?? 0) + n);
    summaries.push({
      system: name,
      trials: rs.length,
      ok: ok.length,
      p50: Math.round(p50(ok)),
      max: Math.round(max(ok)),
      min: Math.round(ok.length ? Math.min(...ok) : NaN),
      ms: rs.map((r) => (r.ms === undefined ? null : Math.round(r.ms))),
      errors: [...errors].sort((a, b) => b[1] - a[1]).slice(0, 5),
    });
  }
  const ts = summaries.find((s) => s.system === 'tsswarm');
  const sw = summaries.find((s) => s.system === 'swarm');
  const ratio = ts && sw ? { p50: +(sw.p50 / ts.p50).toFixed(2), max: +(sw.max / ts.max).toFixed(2) } : null;

  console.log('');
  console.log(`manager failover, 3 managers (tsswarm on ${TSSWARM_ON === 'bed' ? 'bed hosts' : 'loopback'}, Swarm on bed hosts), SIGKILL of the leader (tsswarm: its process; Swarm: its whole dockerd),`);
  console.log(`time until a surviving manager answers 2xx to a service update (tried on each survivor every ${INTERVAL_MS} ms); defaults of both systems`);
  console.table(
    summaries.map((s) => ({
      system: s.system,
      'ok/trials': `${s.ok}/${s.trials}`,
      'p50 (ms)': s.p50,
      'max (ms)': s.max,
      'min (ms)': s.min,
      'each trial (ms)': s.ms.map((x) => (x === null ? 'fail' : x)).join(' '),
    })),
  );
  if (ratio) console.log(`swarm / tsswarm: p50 ${ratio.p50}x, max ${ratio.max}x`);
  for (const s of summaries) for (const [e, n] of s.errors) console.log(`${s.system}: failed attempts: ${n}x ${e}`);
  for (const [name, n] of unreachableWaivers) notes.push(`${name}: ${n} time(s) a manager stayed reported unreachable ${REACHABLE_LIMIT_MS / 1000} s after its restart although it followed the leader; trials went on`);
  for (const n of notes) console.log(`note: ${n}`);
  console.log(JSON.stringify({ bench: 'manager-failover', tsswarmOn: TSSWARM_ON, tsswarmRev: snapshot?.sha ?? 'checkout', trials: TRIALS, intervalMs: INTERVAL_MS, results: summaries, ratio, notes }));
}
