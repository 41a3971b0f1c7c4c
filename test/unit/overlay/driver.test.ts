// OverlayDriver on a real kernel: three "hosts" (netns) on a private underlay 10.198.0.0/24
// that exists only inside the lab, each programmed by its own driver; "containers" are netns
// with a sleep process. Root only; skipped elsewhere. Everything is removed in after().
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { OverlayDriver, OverlaySyncError, macForIp } from '../../../src/overlay/index.js';
import type { OverlayDesiredState, OverlayNetwork, SyncReport } from '../../../src/overlay/index.js';
import { NetnsLab, canRunLab, inNs, sh, type LabContainer } from './netns-lab.js';

const log = pino({ level: process.env['TSSWARM_TEST_LOG'] ?? 'silent' });
const skip = await canRunLab();

const netA: OverlayNetwork = { id: 'netA', name: 'front', vni: 4097, subnet: '10.0.9.0/24', gateway: '10.0.9.1' };
const netB: OverlayNetwork = { id: 'netB', name: 'back', vni: 4098, subnet: '10.0.10.0/24', gateway: '10.0.10.1' };

interface Ep {
  taskId: string;
  host: number;
  c: LabContainer;
  net: OverlayNetwork;
  ip: string;
}

void describe('OverlayDriver on a 3-host netns lab', { skip }, () => {
  const lab = new NetnsLab();
  let drivers: OverlayDriver[] = [];
  let eps: Ep[] = [];
  const c: Record<string, LabContainer> = {};

  const newDriver = (i: number): OverlayDriver =>
    new OverlayDriver({ underlayAddr: lab.hosts[i]!.addr, log, hostNetns: lab.hosts[i]!.ns, sandboxPrefix: `tsovt${i + 1}` });

  /** What the manager would hand host i: its own endpoints as local, everyone else's as remote. */
  const stateFor = (i: number): OverlayDesiredState => ({
    networks: [netA, netB],
    local: eps.filter((e) => e.host === i).map((e) => ({ taskId: e.taskId, networkId: e.net.id, containerPid: e.c.pid, ip: e.ip, prefixLen: 24, mac: macForIp(e.ip) })),
    remote: eps.filter((e) => e.host !== i).map((e) => ({ taskId: e.taskId, networkId: e.net.id, ip: e.ip, mac: macForIp(e.ip), hostAddr: lab.hosts[e.host]!.addr })),
  });
  const syncAll = async (): Promise<SyncReport[]> => Promise.all(drivers.map((d, i) => d.sync(stateFor(i))));
  /** Up to 3 single pings (a loaded CI machine may lose one); false only if all fail. */
  const ping = async (from: LabContainer, ip: string): Promise<boolean> => {
    for (let i = 0; i < 3; i++) if ((await inNs(from.ns, ['busybox', 'ping', '-c1', '-W1', ip])).code === 0) return true;
    return false;
  };
  const total = (rs: SyncReport[]): number => rs.reduce((n, r) => n + r.changes, 0);

  before(async () => {
    await NetnsLab.sweep();
    await lab.setup(3);
    for (const name of ['c1', 'c2', 'c3', 'c4']) c[name] = await lab.container(name);
    // c1 (h1) is on both networks; c2 (h2) and c3 (h3) on A only; c4 (h2) on B only.
    eps = [
      { taskId: 't1a', host: 0, c: c['c1']!, net: netA, ip: '10.0.9.2' },
      { taskId: 't1b', host: 0, c: c['c1']!, net: netB, ip: '10.0.10.2' },
      { taskId: 't2', host: 1, c: c['c2']!, net: netA, ip: '10.0.9.3' },
      { taskId: 't3', host: 2, c: c['c3']!, net: netA, ip: '10.0.9.4' },
      { taskId: 't4', host: 1, c: c['c4']!, net: netB, ip: '10.0.10.3' },
    ];
    drivers = [0, 1, 2].map(newDriver);
  });

  after(async () => {
    for (const d of drivers) await d.teardown().catch(() => undefined);
    await lab.destroy();
  });

  void test('first sync builds sandboxes only where there are local endpoints', async () => {
    const [r1, r2, r3] = await syncAll();
    assert.equal(r1!.networksCreated, 2);
    assert.equal(r1!.localAdded, 2);
    assert.equal(r1!.remoteAdded, 3); // t2, t3 on A; t4 on B
    assert.equal(r2!.networksCreated, 2);
    assert.equal(r3!.networksCreated, 1); // h3 has nothing on B: no sandbox for it
    assert.equal(r3!.remoteAdded, 2); // t1a, t2 (B's remotes have nowhere to go)

    const p1 = await drivers[0]!.programmed();
    assert.deepEqual(p1.networks.map((n) => [n.sandbox, n.networkId, n.gateway, n.mtu]), [
      ['tsovt1-4097', 'netA', '10.0.9.1/24', 1450],
      ['tsovt1-4098', 'netB', '10.0.10.1/24', 1450],
    ]);
    assert.deepEqual(p1.networks[0]!.vxlan, { id: 4097, local: '10.198.0.11', port: 4789, learning: false, proxy: true, mtu: 1450, master: null, up: true });
    // Interface names follow network order in the container.
    assert.deepEqual(p1.networks.map((n) => n.local.map((l) => [l.taskId, l.ifName, l.ip, l.mac, l.mtu, l.mode])), [
      [['t1a', 'eth1', '10.0.9.2/24', '02:42:0a:00:09:02', 1450, 'bridge']],
      [['t1b', 'eth2', '10.0.10.2/24', '02:42:0a:00:0a:02', 1450, 'bridge']],
    ]);
    // No bridge and no veth: the container's interface is a macvlan child of the sandbox's vxlan0.
    assert.equal((await sh(['ip', '-n', 'tsovt1-4097', '-o', 'link', 'show', 'type', 'bridge'])).trim(), '');
    assert.match((await inNs(c['c1']!.ns, ['ip', '-d', '-o', 'link', 'show', 'dev', 'eth1'])).out, /macvlan mode bridge/);
    assert.deepEqual(p1.networks[0]!.remote, [
      { ip: '10.0.9.3', mac: '02:42:0a:00:09:03', hostAddrs: ['10.198.0.12'] },
      { ip: '10.0.9.4', mac: '02:42:0a:00:09:04', hostAddrs: ['10.198.0.13'] },
    ]);
    // Sandboxes never route (a new netns would inherit forwarding from the host).
    assert.equal((await sh(['ip', 'netns', 'exec', 'tsovt1-4097', 'sysctl', '-n', 'net.ipv4.ip_forward'])).trim(), '0');
    // The VXLAN socket is in the host netns (the underlay), not in the sandbox.
    assert.match(await sh(['ip', 'netns', 'exec', 'tsovt-h1', 'cat', '/proc/net/udp']), /:12B5 /);
    assert.doesNotMatch(await sh(['ip', 'netns', 'exec', 'tsovt1-4097', 'cat', '/proc/net/udp']), /:12B5 /);
  });

  void test('endpoints on different hosts ping each other over the overlay', async () => {
    assert.ok(await ping(c['c1']!, '10.0.9.3'), 'c1 (h1) -> c2 (h2) on A');
    assert.ok(await ping(c['c1']!, '10.0.9.4'), 'c1 (h1) -> c3 (h3) on A');
    assert.ok(await ping(c['c3']!, '10.0.9.3'), 'c3 (h3) -> c2 (h2) on A');
    assert.ok(await ping(c['c4']!, '10.0.10.2'), 'c4 (h2) -> c1 (h1) on B');
    assert.ok(await ping(c['c2']!, '10.0.9.1'), 'the gateway (gw0 in the local sandbox) answers');
  });

  void test('TCP over the overlay carries 1 MiB intact (full-size segments fit the MTU)', async () => {
    const server = await lab.startIn(c['c2']!.ns, [
      process.execPath,
      '-e',
      "require('net').createServer((s) => s.pipe(s)).listen(7000, '10.0.9.3')",
    ]);
    try {
      const client = `
        const net = require('net');
        const payload = Buffer.alloc(1 << 20, 'overlay!');
        const connect = (tries) => {
          const s = net.connect(7000, '10.0.9.3', () => s.end(payload));
          const got = [];
          s.on('data', (b) => got.push(b));
          s.on('end', () => { const all = Buffer.concat(got); console.log(all.length, all.equals(payload)); });
          s.on('error', (e) => (tries > 0 ? setTimeout(() => connect(tries - 1), 100) : console.log('error', e.message)));
        };
        connect(30);`;
      const r = await inNs(c['c1']!.ns, [process.execPath, '-e', client], 20_000);
      assert.equal(r.out.trim(), `${1 << 20} true`);
    } finally {
      lab.kill(server);
    }
  });

  void test('networks are isolated: no route across, and forced frames do not cross VNIs', async () => {
    assert.equal(await ping(c['c2']!, '10.0.10.3'), false, 'c2 (A only) has no route to B');
    // Force it: route and neighbour entry for c4 (B, same host h2) via c2's A interface.
    await inNs(c['c2']!.ns, ['ip', 'route', 'add', '10.0.10.0/24', 'dev', 'eth1']);
    await inNs(c['c2']!.ns, ['ip', 'neigh', 'replace', '10.0.10.3', 'lladdr', macForIp('10.0.10.3'), 'dev', 'eth1']);
    await inNs(c['c2']!.ns, ['ip', 'neigh', 'replace', '10.0.10.2', 'lladdr', macForIp('10.0.10.2'), 'dev', 'eth1']);
    try {
      assert.equal(await ping(c['c2']!, '10.0.10.3'), false, 'same host, other network');
      assert.equal(await ping(c['c2']!, '10.0.10.2'), false, 'other host, other network');
    } finally {
      await inNs(c['c2']!.ns, ['ip', 'route', 'del', '10.0.10.0/24', 'dev', 'eth1']);
      await inNs(c['c2']!.ns, ['ip', 'neigh', 'flush', 'dev', 'eth1']);
    }
    // A container on both networks reaches both.
    assert.ok(await ping(c['c1']!, '10.0.10.3'));
  });

  void test('a second sync with the same state changes nothing', async () => {
    const rs = await syncAll();
    assert.equal(total(rs), 0, JSON.stringify(rs));
    console.log(`idempotent resync: ${rs.map((r, i) => `h${i + 1} ${r.durationMs} ms / ${r.commands} commands`).join(', ')}`);
  });

  void test('adding one remote endpoint: timing, and the new endpoint is reachable', async () => {
    c['c5'] = await lab.container('c5');
    eps.push({ taskId: 't5', host: 2, c: c['c5']!, net: netA, ip: '10.0.9.5' });
    const local = await drivers[2]!.sync(stateFor(2));
    assert.equal(local.localAdded, 1);
    assert.equal(local.changes, 1);
    const times: number[] = [];
    for (const i of [0, 1]) {
      const t0 = performance.now();
      const r = await drivers[i]!.sync(stateFor(i));
      times.push(performance.now() - t0);
      assert.equal(r.remoteAdded, 1);
      assert.equal(r.changes, 1);
    }
    console.log(`sync adding one remote endpoint: ${times.map((t) => `${t.toFixed(1)} ms`).join(', ')} (local add on h3: ${local.durationMs} ms)`);
    for (const t of times) assert.ok(t < 1000, `sync took ${t} ms`);
    assert.ok(await ping(c['c1']!, '10.0.9.5'));
    assert.ok(await ping(c['c5']!, '10.0.9.3'));
  });

  void test('removing a remote endpoint removes its FDB and neighbour entries on every host', async () => {
    eps = eps.filter((e) => e.taskId !== 't5');
    const rs = await syncAll();
    assert.deepEqual(rs.map((r) => [r.localRemoved, r.remoteRemoved]), [[0, 1], [0, 1], [1, 0]]);
    for (const sb of ['tsovt1-4097', 'tsovt2-4097', 'tsovt3-4097']) {
      const fdb = await sh(['bridge', '-n', sb, 'fdb', 'show', 'dev', 'vxlan0']);
      const neigh = await sh(['ip', '-n', sb, 'neigh', 'show', 'dev', 'vxlan0']);
      assert.doesNotMatch(fdb, /02:42:0a:00:09:05/, sb);
      assert.doesNotMatch(neigh, /10\.0\.9\.5 /, sb);
    }
    assert.equal(await ping(c['c1']!, '10.0.9.5'), false);
    assert.match((await inNs(c['c5']!.ns, ['ip', '-o', 'link'])).out, /^1: lo/);
    assert.doesNotMatch((await inNs(c['c5']!.ns, ['ip', '-o', 'link'])).out, /eth1/);
  });

  void test('a sync repairs what was changed behind its back', async () => {
    await sh(['bridge', '-n', 'tsovt1-4097', 'fdb', 'del', macForIp('10.0.9.3'), 'dev', 'vxlan0', 'self']);
    await sh(['ip', '-n', 'tsovt1-4097', 'neigh', 'replace', '10.0.9.4', 'lladdr', '02:42:de:ad:be:ef', 'dev', 'vxlan0', 'nud', 'permanent']);
    await sh(['ip', '-n', 'tsovt1-4097', 'neigh', 'replace', '10.0.9.77', 'lladdr', '02:42:de:ad:be:ee', 'dev', 'vxlan0', 'nud', 'permanent']);
    await inNs(c['c2']!.ns, ['ip', 'link', 'del', 'eth1']);
    const [r1, r2] = await Promise.all([drivers[0]!.sync(stateFor(0)), drivers[1]!.sync(stateFor(1))]);
    assert.deepEqual([r1!.remoteUpdated, r1!.remoteRemoved, r1!.changes], [2, 1, 3]);
    assert.deepEqual([r2!.localAdded, r2!.changes], [1, 1]);
    assert.ok(await ping(c['c1']!, '10.0.9.3'));
    assert.ok(await ping(c['c1']!, '10.0.9.4'));
    assert.equal(total(await syncAll()), 0);
  });

  void test('forwarding switched on in a sandbox is switched off in place; the endpoint is kept', async () => {
    const fwd = async (): Promise<string> => (await sh(['ip', 'netns', 'exec', 'tsovt2-4097', 'sysctl', '-n', 'net.ipv4.ip_forward'])).trim();
    await sh(['ip', 'netns', 'exec', 'tsovt2-4097', 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    const ifindex = (await inNs(c['c2']!.ns, ['cat', '/sys/class/net/eth1/ifindex'])).out.trim();
    const r = await drivers[1]!.sync(stateFor(1));
    assert.deepEqual([r.networksUpdated, r.networksRebuilt, r.localAdded, r.changes], [1, 0, 0, 1]);
    assert.equal(await fwd(), '0');
    assert.equal((await inNs(c['c2']!.ns, ['cat', '/sys/class/net/eth1/ifindex'])).out.trim(), ifindex, 'the endpoint was kept');
    assert.equal(total(await syncAll()), 0);
    assert.ok(await ping(c['c1']!, '10.0.9.3'));
  });

  void test('two endpoints of one network on the same host talk directly, nothing on the underlay', async () => {
    c['c7'] = await lab.container('c7');
    eps.push({ taskId: 't7', host: 0, c: c['c7']!, net: netA, ip: '10.0.9.7' });
    const rs = await syncAll();
    assert.deepEqual(rs.map((r) => [r.localAdded, r.remoteAdded]), [[1, 0], [0, 1], [0, 1]]);
    const vxlanTx = async (): Promise<number> => Number((await inNs('tsovt1-4097', ['cat', '/sys/class/net/vxlan0/statistics/tx_packets'])).out);
    const tx0 = await vxlanTx();
    assert.ok(await ping(c['c1']!, '10.0.9.7'), 'local to local');
    assert.equal(await vxlanTx(), tx0, 'macvlan switched it locally: vxlan0 sent nothing');
    assert.ok(await ping(c['c7']!, '10.0.9.3'), 'new local to remote');
    assert.ok(await ping(c['c2']!, '10.0.9.7'), 'remote to new local');
  });

  void test('a sandbox whose VXLAN device was deleted is rebuilt and its endpoints come back', async () => {
    await sh(['ip', '-n', 'tsovt1-4097', 'link', 'del', 'vxlan0']);
    assert.equal(await ping(c['c1']!, '10.0.9.3'), false);
    const r = await drivers[0]!.sync(stateFor(0));
    // The endpoints went with vxlan0 (macvlan children), so nothing is left to remove.
    assert.deepEqual([r.networksRebuilt, r.localRemoved, r.localAdded], [1, 0, 2]);
    assert.ok(await ping(c['c1']!, '10.0.9.3'));
    assert.ok(await ping(c['c7']!, '10.0.9.2'));
    // c1 keeps eth1 for A (its B interface eth2 was never touched).
    assert.match((await inNs(c['c1']!.ns, ['ip', '-o', '-4', 'addr', 'show', 'dev', 'eth1'])).out, /10\.0\.9\.2\/24/);
    assert.equal(total(await syncAll()), 0);
  });

  void test('a fresh driver (worker restart) reads the same state and changes nothing; a live TCP connection survives', async () => {
    // An echo server in c2 and a client in c1 that keeps one connection busy (a message every
    // 50 ms for 2 s) while the drivers are replaced and resync.
    const server = await lab.startIn(c['c2']!.ns, [process.execPath, '-e', "require('net').createServer((s) => s.pipe(s)).listen(7001, '10.0.9.3')"]);
    const client = `
      const talk = (retries) => {
        const s = require('net').connect(7001, '10.0.9.3');
        let sent = 0, got = '', connected = false;
        s.on('connect', () => { connected = true; const t = setInterval(() => { if (sent === 40) { clearInterval(t); s.end(); } else s.write('x' + sent++ + ';'); }, 50); });
        s.on('data', (b) => (got += b));
        s.on('end', () => console.log('ok', got.split(';').length - 1));
        s.on('error', (e) => (!connected && retries > 0 ? setTimeout(() => talk(retries - 1), 100) : console.log('error', e.message)));
      };
      talk(50);`;
    try {
      const conversation = inNs(c['c1']!.ns, [process.execPath, '-e', client], 20_000);
      const before = await Promise.all(drivers.map((d) => d.programmed()));
      const ifindex = async (ct: LabContainer): Promise<string> => (await inNs(ct.ns, ['cat', '/sys/class/net/eth1/ifindex'])).out.trim();
      const idxBefore = [await ifindex(c['c1']!), await ifindex(c['c2']!)];
      drivers = [0, 1, 2].map(newDriver);
      const afterRestart = await Promise.all(drivers.map((d) => d.programmed()));
      assert.deepEqual(afterRestart, before);
      assert.equal(total(await syncAll()), 0);
      assert.deepEqual([await ifindex(c['c1']!), await ifindex(c['c2']!)], idxBefore, 'container interfaces were not recreated');
      assert.equal((await conversation).out.trim(), 'ok 40', 'the connection carried every message');
      assert.ok(await ping(c['c1']!, '10.0.9.3'));
    } finally {
      lab.kill(server);
    }
  });

  void test('another PID of the same container changes nothing', async () => {
    const ep = eps.find((e) => e.taskId === 't2')!;
    const other = await lab.startIn(c['c2']!.ns, ['sleep', '600']);
    ep.c = { ns: c['c2']!.ns, pid: other };
    assert.equal((await drivers[1]!.sync(stateFor(1))).changes, 0);
    assert.equal((await newDriver(1).sync(stateFor(1))).changes, 0, 'nor for a fresh driver');
    assert.ok(await ping(c['c1']!, '10.0.9.3'));
  });

  void test('an endpoint left in a running container after its task went is removed, by a fresh driver too', async () => {
    c['c8'] = await lab.container('c8');
    c['c9'] = await lab.container('c9');
    eps.push({ taskId: 't8', host: 0, c: c['c8']!, net: netA, ip: '10.0.9.8' }, { taskId: 't9', host: 0, c: c['c9']!, net: netA, ip: '10.0.9.9' });
    assert.equal((await drivers[0]!.sync(stateFor(0))).localAdded, 2);
    eps = eps.filter((e) => e.taskId !== 't8');
    // The same driver remembers where it put endpoints.
    assert.deepEqual(await drivers[0]!.sync(stateFor(0)).then((r) => [r.localRemoved, r.changes]), [1, 1]);
    assert.doesNotMatch((await inNs(c['c8']!.ns, ['ip', '-o', 'link'])).out, /eth1/);
    // A fresh one (worker restart) finds the endpoint by walking every netns.
    eps = eps.filter((e) => e.taskId !== 't9');
    drivers[0] = newDriver(0);
    assert.deepEqual(await drivers[0].sync(stateFor(0)).then((r) => [r.localRemoved, r.changes]), [1, 1]);
    assert.doesNotMatch((await inNs(c['c9']!.ns, ['ip', '-o', 'link'])).out, /eth1/);
    assert.equal(total(await syncAll()), 0);
  });

  void test('an endpoint whose container is gone fails alone, named in the error', async () => {
    const ghost = await lab.container('c6');
    lab.kill(ghost.pid);
    await new Promise((r) => setTimeout(r, 50));
    const state = stateFor(0);
    state.local.push({ taskId: 't6', networkId: 'netA', containerPid: ghost.pid, ip: '10.0.9.6', prefixLen: 24, mac: macForIp('10.0.9.6') });
    await assert.rejects(drivers[0]!.sync(state), (e: unknown) => {
      assert.ok(e instanceof OverlaySyncError);
      assert.equal(e.errors.length, 1);
      assert.equal(e.errors[0]!.taskId, 't6');
      assert.equal(e.errors[0]!.networkId, 'netA');
      assert.equal(e.errors[0]!.code, 'ENDPOINT_FAILED');
      return true;
    });
    assert.equal((await drivers[0]!.sync(stateFor(0))).changes, 0, 'the rest stayed programmed');
  });

  void test('the last local endpoint leaving tears the sandbox down', async () => {
    eps = eps.filter((e) => e.taskId !== 't3');
    const rs = await syncAll();
    assert.deepEqual([rs[2]!.networksRemoved, rs[2]!.localRemoved], [1, 1]);
    assert.deepEqual([rs[0]!.remoteRemoved, rs[1]!.remoteRemoved], [1, 1]);
    assert.deepEqual((await drivers[2]!.programmed()).networks, []);
    assert.doesNotMatch(await sh(['ip', 'netns', 'list']), /tsovt3-/);
    assert.doesNotMatch((await inNs(c['c3']!.ns, ['ip', '-o', 'link'])).out, /eth1/);
    // The VXLAN device went with it: its UDP socket is closed in h3.
    assert.doesNotMatch(await sh(['ip', 'netns', 'exec', 'tsovt-h3', 'cat', '/proc/net/udp']), /:12B5 /);
    assert.equal(total(await syncAll()), 0);
  });

  void test('teardown removes every sandbox the driver made', async () => {
    await drivers[0]!.teardown();
    assert.deepEqual((await drivers[0]!.programmed()).networks, []);
    assert.doesNotMatch(await sh(['ip', 'netns', 'list']), /tsovt1-/);
    assert.doesNotMatch((await inNs(c['c1']!.ns, ['ip', '-o', 'link'])).out, /eth[12]/);
  });
});
