// The nftables data path on a real kernel, in namespaces on 10.197.0.0/24 (see netns-bed.ts):
// round-robin from the host (its address and 127.0.0.1) and from a client, VIPs, updates that
// touch one service only, removeBackend, zero backends, idempotence, teardown, sync latency.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../../../src/common/log.js';
import { NftLoadBalancer } from '../../../src/lb/nft-load-balancer.js';
import type { Backend, LbDesiredState } from '../../../src/lb/types.js';
import {
  HOST_IP,
  canUseKernel,
  connectMany,
  hasConntrack,
  createBed,
  destroyBed,
  nsExec,
  setSysctl,
  startServer,
  tally,
  udpClient,
  type Bed,
} from './netns-bed.js';

const kernel = await canUseKernel();
const conntrack = await hasConntrack();
const WEB_PORT = 8080;
const API_PORT = 9090;
const DNS_PORT = 5353;
const LOCALNET = '/proc/sys/net/ipv4/conf/all/route_localnet';
const VIP = '10.197.0.200';

void describe('NftLoadBalancer (kernel, netns)', { skip: !kernel && 'needs root, ip and nft' }, () => {
  let bed: Bed;
  let lb: NftLoadBalancer;
  let all: Backend[];
  let dns: Backend[];
  const state = (web: Backend[], api: Backend[]): LbDesiredState => ({
    ingress: [
      { serviceId: 'web', protocol: 'tcp', publishedPort: WEB_PORT, backends: web },
      { serviceId: 'api', protocol: 'tcp', publishedPort: API_PORT, backends: api },
      { serviceId: 'dns', protocol: 'udp', publishedPort: DNS_PORT, backends: dns },
    ],
    vips: [{ serviceId: 'api', networkId: 'net1', vip: VIP, protocol: 'tcp', port: 80, backends: api }],
  });
  const mapJson = async (name: string): Promise<unknown> => {
    const j = JSON.parse(await nsExec(bed.host, 'nft', ['-j', 'list', 'map', 'ip', 'tsswarm', name])) as { nftables: unknown[] };
    return j.nftables.find((x) => typeof x === 'object' && x !== null && 'map' in x);
  };
  const even = (t: Record<string, number>, names: string[], each: number): void =>
    assert.deepEqual(t, Object.fromEntries(names.map((n) => [n, each])));

  before(async () => {
    bed = await createBed('n', 5);
    await Promise.all(bed.backends.map((b) => startServer(bed, b.ns, b.name, 80)));
    all = bed.backends.map((b, i) => ({ taskId: `t${i + 1}`, ip: b.ip, port: 80 }));
    dns = bed.backends.map((b, i) => ({ taskId: `d${i + 1}`, ip: b.ip, port: 80 }));
    lb = new NftLoadBalancer({ log: silentLogger, netns: bed.host });
  });

  after(async () => {
    await lb?.teardown().catch(() => undefined);
    if (bed) await destroyBed(bed);
  });

  void it('first sync replaces what a previous run left and builds the table', async () => {
    await nsExec(bed.host, 'nft', ['add table ip tsswarm; add chain ip tsswarm leftover']);
    const r = await lb.sync(state(all, all.slice(0, 4)));
    assert.ok(!(await nsExec(bed.host, 'nft', ['list', 'table', 'ip', 'tsswarm'])).includes('leftover'));
    assert.equal(r.changedServices, 3);
    console.log(`first sync (table build, 4 units): ${r.ms.toFixed(1)} ms`);
    assert.equal((await nsExec(bed.host, 'cat', [LOCALNET])).trim(), '1');
  });

  void it('100 connections from the host to its own address: 20 per backend', async () => {
    even(tally(await connectMany(bed.host, HOST_IP, WEB_PORT, 100)), ['b1', 'b2', 'b3', 'b4', 'b5'], 20);
  });

  void it('100 connections from the host to 127.0.0.1: 20 per backend, masqueraded', async () => {
    const replies = await connectMany(bed.host, '127.0.0.1', WEB_PORT, 100);
    even(tally(replies), ['b1', 'b2', 'b3', 'b4', 'b5'], 20);
    for (const r of replies) assert.equal(r.body?.split(' ')[1], HOST_IP, 'backend sees the host, not 127.0.0.1');
  });

  void it('100 connections from a client on the backends segment: balanced and masqueraded', async () => {
    const replies = await connectMany(bed.client, HOST_IP, WEB_PORT, 100);
    even(tally(replies), ['b1', 'b2', 'b3', 'b4', 'b5'], 20);
    for (const r of replies) assert.equal(r.body?.split(' ')[1], HOST_IP);
  });

  void it('VIP from a client and from the host: 25 per backend over 4', async () => {
    even(tally(await connectMany(bed.client, VIP, 80, 100)), ['b1', 'b2', 'b3', 'b4'], 25);
    even(tally(await connectMany(bed.host, VIP, 80, 100)), ['b1', 'b2', 'b3', 'b4'], 25);
  });

  void it('UDP: 100 new flows from the client, 20 per backend; a flow sticks to its backend', async () => {
    const c = udpClient(bed, bed.client, HOST_IP, DNS_PORT);
    const t: Record<string, number> = {};
    for (let i = 0; i < 100; i++) {
      const name = (await c.ask('new')).split(' ')[0] ?? '';
      t[name] = (t[name] ?? 0) + 1;
    }
    even(t, ['b1', 'b2', 'b3', 'b4', 'b5'], 20);
    const first = await c.ask('same');
    for (let i = 0; i < 5; i++) assert.equal(await c.ask('same'), first);
  });

  void it('does not capture the port on addresses that are not local', async () => {
    // 10.197.0.11:8080 is a backend address: nothing listens there, the kernel path must not DNAT it.
    const t = tally(await connectMany(bed.client, bed.backends[0]?.ip ?? '', WEB_PORT, 3));
    assert.deepEqual(t, { 'ERR:ECONNREFUSED': 3 });
  });

  void it('scaling api 4 -> 5 rewrites only api; the new backend gets traffic at once', async () => {
    const webBefore = await mapJson('ing_tcp_8080_be');
    const r = await lb.sync(state(all, all));
    console.log(`sync api 4->5 (2 units): ${r.ms.toFixed(1)} ms`);
    assert.equal(r.changedServices, 1);
    assert.deepEqual(await mapJson('ing_tcp_8080_be'), webBefore, 'web map untouched (same handle and elements)');
    const vipMap = (await mapJson('vip_10_197_0_200_tcp_80_be')) as { map: { elem: unknown[] } };
    assert.equal(vipMap.map.elem.length, 5);
    even(tally(await connectMany(bed.client, VIP, 80, 10)), ['b1', 'b2', 'b3', 'b4', 'b5'], 2);
    even(tally(await connectMany(bed.client, HOST_IP, API_PORT, 10)), ['b1', 'b2', 'b3', 'b4', 'b5'], 2);
  });

  void it('the same state again changes nothing', async () => {
    const r = await lb.sync(state(all, all));
    assert.equal(r.changedServices, 0);
  });

  void it('removeBackend: no new connection reaches the task, its conntrack entries are gone', async () => {
    const ctB3 = async (): Promise<string> =>
      nsExec(bed.host, 'conntrack', ['-L', '-r', bed.backends[2]?.ip ?? '', '-p', 'tcp', '--reply-port-src', '80']).catch(() => '');
    if (conntrack) assert.notEqual((await ctB3()).trim(), '', 'earlier connections to b3 are tracked');
    const t0 = performance.now();
    await lb.removeBackend('web', 't3');
    console.log(`removeBackend (map rewrite + conntrack -D): ${(performance.now() - t0).toFixed(1)} ms`);
    if (conntrack) assert.equal((await ctB3()).trim(), '', 'tracked connections to b3 were deleted');
    const t = tally(await connectMany(bed.client, HOST_IP, WEB_PORT, 100));
    even(t, ['b1', 'b2', 'b4', 'b5'], 25);
    // api still uses t3: removeBackend is per service.
    assert.equal(tally(await connectMany(bed.client, VIP, 80, 5)).b3, 1);
    // A stale state that still lists t3 does not bring it back while it drains.
    assert.equal((await lb.sync(state(all, all))).changedServices, 0);
    assert.equal(tally(await connectMany(bed.client, HOST_IP, WEB_PORT, 20)).b3, undefined);
    // Once the task has left the state, a later state may list it again (a new task with that ID).
    const noT3 = all.filter((b) => b.taskId !== 't3');
    await lb.sync(state(noT3, all));
    assert.equal((await lb.sync(state(all, all))).changedServices, 1);
  });

  void it('removeBackend on UDP: the flow on the task moves (its conntrack entry is deleted)', { skip: !conntrack && 'conntrack not installed' }, async () => {
    const c = udpClient(bed, bed.client, HOST_IP, DNS_PORT);
    const before = (await c.ask('new')).split(' ')[0] ?? '';
    assert.equal((await c.ask('same')).split(' ')[0], before, 'sticky while the task is in');
    const task = dns[bed.backends.findIndex((b) => b.name === before)];
    assert.ok(task);
    await lb.removeBackend('dns', task.taskId);
    const afterName = (await c.ask('same')).split(' ')[0];
    assert.ok(afterName && afterName !== before && !afterName.startsWith('ERR'), `flow moved from ${before} to ${afterName}`);
  });

  void it('zero backends: connections are refused at once, not left hanging', async () => {
    await lb.sync(state([], []));
    for (const [ns, host, port] of [
      [bed.client, HOST_IP, WEB_PORT],
      [bed.host, '127.0.0.1', WEB_PORT],
      [bed.client, VIP, 80],
      [bed.host, VIP, 80],
    ] as const) {
      const replies = await connectMany(ns, host, port, 3);
      assert.deepEqual(tally(replies), { 'ERR:ECONNREFUSED': 3 }, `${ns} -> ${host}:${port}`);
      for (const r of replies) assert.ok(r.ms < 500, `refused in ${r.ms} ms`);
    }
    await lb.sync(state(all, all));
    even(tally(await connectMany(bed.client, HOST_IP, WEB_PORT, 5)), ['b1', 'b2', 'b3', 'b4', 'b5'], 1);
  });

  void it('sync latency over 40 changes (one service each)', async () => {
    const times: number[] = [];
    for (let i = 0; i < 40; i++) {
      const n = 1 + (i % 5);
      const r = await lb.sync(state(all, all.slice(0, n === 5 ? 4 : n)));
      assert.ok(r.changedServices <= 1);
      times.push(r.ms);
    }
    times.sort((a, b) => a - b);
    const q = (p: number): string => (times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? 0).toFixed(1);
    console.log(`sync latency (1 service changed, 2 units): p50 ${q(0.5)} ms, p90 ${q(0.9)} ms, max ${q(1)} ms`);
    assert.ok((times[Math.floor(times.length / 2)] ?? 0) < 200);
  });

  void it('a table deleted behind its back is rebuilt on the next change', async () => {
    await nsExec(bed.host, 'nft', ['delete', 'table', 'ip', 'tsswarm']);
    await lb.sync(state(all, all.slice(0, 2)));
    even(tally(await connectMany(bed.client, HOST_IP, WEB_PORT, 10)), ['b1', 'b2', 'b3', 'b4', 'b5'], 2);
  });

  void it('route_localnet=1 does not expose 127.0.0.1-only services to other hosts (localnet-guard)', async () => {
    await startServer(bed, bed.host, 'loopback-only', 7000, '127.0.0.1');
    // Make the client send 127.0.0.1 to the host, as a hostile neighbour could.
    await nsExec(bed.client, 'ip', ['addr', 'flush', 'dev', 'lo']);
    await nsExec(bed.client, 'ip', ['route', 'add', '127.0.0.1/32', 'via', HOST_IP]);
    await setSysctl(bed.client, 'net/ipv4/conf/all/route_localnet', '1');
    assert.deepEqual(tally(await connectMany(bed.client, '127.0.0.1', 7000, 1)), { 'ERR:TIMEOUT': 1 }, 'dropped');
    await nsExec(bed.host, 'nft', ['flush', 'chain', 'ip', 'tsswarm', 'localnet-guard']);
    assert.deepEqual(tally(await connectMany(bed.client, '127.0.0.1', 7000, 1)), { 'loopback-only': 1 }, 'control: open without the guard');
  });

  void it('teardown removes the table', async () => {
    await lb.teardown();
    const tables = await nsExec(bed.host, 'nft', ['list', 'tables']);
    assert.ok(!tables.includes('tsswarm'), tables);
    assert.equal((await nsExec(bed.host, 'cat', [LOCALNET])).trim(), '0', 'route_localnet restored');
    assert.equal(tally(await connectMany(bed.client, HOST_IP, WEB_PORT, 2))['ERR:ECONNREFUSED'], 2);
  });
});
