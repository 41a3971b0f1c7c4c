// Overlay networks end to end on the multi-host test bed: manager on host 1 (drain), workers
// on hosts 2 and 3, real tsswarm processes and engines. Checks connectivity between every
// pair of tasks (ping + HTTP, by IP and by `tasks.web` from the worker's DNS resolver),
// service VIP by name, isolation between networks, clean-up of peer entries after a
// scale-down, and that a worker restart leaves the programmed data path identical.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { OverlayDriver, macForIp, type ProgrammedState } from '../../src/overlay/index.js';
import { Bed } from '../harness/bed.js';
import { waitFor } from '../harness/cluster.js';
import { BedCluster, sandboxPrefix, serviceSpec, type RunningTask } from '../unit/worker-network/bed-cluster.js';

const skip = await Bed.unavailable();

/**
 * Busybox shell: for each IP, one ping and one HTTP/1.0 GET (answer = the target's hostname).
 * `ips` is a list, or a shell word list such as a command substitution.
 */
function probeScript(ips: string[] | string): string {
  return [
    `for ip in ${typeof ips === 'string' ? ips : ips.join(' ')}; do`,
    '  if ping -c1 -W2 "$ip" >/dev/null 2>&1; then p=ok; else p=fail; fi',
    `  b=$(printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 "$ip" 80 2>/dev/null | tail -n1)`,
    '  echo "$ip $p $b"',
    'done',
  ].join('\n');
}

/** Addresses nslookup printed for the name (after the "Name:" line), sorted. */
function nslookupAddrs(out: string): string[] {
  const i = out.indexOf('Name:');
  if (i < 0) return [];
  return [...new Set(out.slice(i).match(/\b\d+\.\d+\.\d+\.\d+\b/g) ?? [])].sort();
}

const hostname = (t: RunningTask): string => t.containerId.slice(0, 12);

describe('overlay networks on the bed (3 hosts)', { skip, timeout: 600_000 }, () => {
  let c: BedCluster;
  let front = '';
  let back = '';
  const log = pino({ level: 'silent' });

  before(async () => {
    c = await BedCluster.start(3);
    front = await c.createNetwork('front');
    back = await c.createNetwork('back');
    await c.createService(serviceSpec('web', { replicas: 6, networks: ['front'] }));
    await c.createService(serviceSpec('other', { replicas: 2, networks: ['back'] }));
  });

  after(async () => {
    await c?.down();
  });

  test('every task pings and fetches HTTP from every other task, by IP and by tasks.web; web resolves to the VIP', async () => {
    const tasks = await c.running('web', 6);
    assert.deepEqual(new Set(tasks.map((t) => t.host)), new Set([2, 3]), 'tasks on both workers');
    const ips = tasks.map((t) => t.addrs.get(front) ?? '').sort();
    assert.ok(ips.every((ip) => ip !== ''));
    const byIp = new Map(tasks.map((t) => [t.addrs.get(front) ?? '', t]));
    const t0 = Date.now();
    for (const t of tasks) {
      const others = ips.filter((ip) => ip !== t.addrs.get(front));
      // The data path is programmed asynchronously after "running": allow a few seconds.
      const out = await waitFor(`probe from ${t.id}`, async () => {
        const r = await c.sh(t, probeScript(others), 60_000);
        const lines = r.stdout.trim().split('\n');
        return lines.length === others.length && lines.every((l) => l.split(' ')[1] === 'ok' && l.split(' ')[2]) ? lines : undefined;
      }, 20_000, 500);
      for (const line of out) {
        const [ip = '', , body = ''] = line.split(' ');
        const target = byIp.get(ip);
        assert.ok(target, `unknown ip ${ip}`);
        assert.equal(body, hostname(target), `HTTP from ${t.id} to ${ip}`);
      }
      // By name: tasks.web lists every task; then the same probes through those addresses.
      const ns = await c.sh(t, 'nslookup tasks.web');
      assert.deepEqual(nslookupAddrs(ns.stdout), ips, `tasks.web from ${t.id}:\n${ns.stdout}${ns.stderr}`);
      const viaName = await c.sh(t, probeScript(`$(nslookup tasks.web | sed -n '/Name:/,$p' | grep -o '[0-9]*[.][0-9]*[.][0-9]*[.][0-9]*' | sort -u)`), 60_000);
      assert.equal(viaName.stdout.trim().split('\n').filter((l) => / ok \S+$/.test(l)).length, 6, viaName.stdout);
    }
    console.log(`# all-pairs probes (30 pings + 60 HTTP): ${Date.now() - t0} ms`);

    // The service name resolves to its VIP, and the VIP balances over the tasks.
    const svc = (await c.api('GET', '/services/web')) as { Endpoint: { VirtualIPs: Array<{ NetworkID: string; Addr: string }> } };
    const vip = svc.Endpoint.VirtualIPs.find((v) => v.NetworkID === front)?.Addr.split('/')[0];
    const client = tasks[0];
    assert.ok(vip && client);
    const ns = await c.sh(client, 'nslookup web');
    assert.deepEqual(nslookupAddrs(ns.stdout), [vip]);
    const r = await c.sh(client, `for i in $(seq 12); do printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 web 80 | tail -n1; done`);
    const seen = new Set(r.stdout.trim().split('\n'));
    assert.equal(seen.size, 6, `12 requests to the VIP reach all 6 tasks: ${r.stdout}`);
  });

  test('two networks are isolated (addresses and names)', async () => {
    const web = await c.running('web', 6);
    const other = await c.running('other', 2);
    const o = other[0];
    const w = web.find((t) => t.host === o?.host) ?? web[0];
    assert.ok(o && w);
    const webIps = web.map((t) => t.addrs.get(front) ?? '');
    const otherIps = other.map((t) => t.addrs.get(back) ?? '');
    const fromOther = await c.sh(o, probeScript(webIps), 90_000);
    assert.ok(fromOther.stdout.trim().split('\n').every((l) => / fail ?$/.test(l)), `back → front must fail:\n${fromOther.stdout}`);
    const fromWeb = await c.sh(w, probeScript(otherIps), 60_000);
    assert.ok(fromWeb.stdout.trim().split('\n').every((l) => / fail ?$/.test(l)), `front → back must fail:\n${fromWeb.stdout}`);
    const ns = await c.sh(o, 'nslookup web; nslookup tasks.web');
    assert.deepEqual(nslookupAddrs(ns.stdout), [], `web is not visible from back:\n${ns.stdout}`);
    // …while the other network works within itself.
    const peer = other[1];
    assert.ok(peer);
    const ok = await c.sh(o, probeScript([peer.addrs.get(back) ?? '']));
    assert.match(ok.stdout, / ok \S+$/m);
    // An outside name is forwarded to the host's resolver, which the bed cannot reach: it
    // fails fast (SERVFAIL), it does not hang.
    const t0 = Date.now();
    const ext = await c.sh(o, 'nslookup example.com');
    assert.ok(Date.now() - t0 < 3_000, `outside name answered in ${Date.now() - t0} ms`);
    assert.deepEqual(nslookupAddrs(ext.stdout), [], ext.stdout);
    assert.match(ext.stdout + ext.stderr, /SERVFAIL/);
  });

  test('scale-down: the removed tasks’ FDB and neighbour entries are gone on every host', async () => {
    const before6 = await c.running('web', 6);
    // Before: every task is known (FDB + neighbour) on the other worker.
    for (const t of before6) {
      const other = t.host === 2 ? 3 : 2;
      const dp = await c.dataPath(other);
      assert.ok(dp.includes(macForIp(t.addrs.get(front) ?? '')) && dp.includes(`${t.addrs.get(front)} `), `host ${other} knows ${t.id}:\n${dp}`);
    }
    const scaledAt = Date.now();
    await c.scale('web', 3);
    // DNS follows at once: poll tasks.web (from any of the 6 that still answers) until it lists 3.
    let dnsAnswer: string[] = [];
    await waitFor('tasks.web lists 3 tasks', async () => {
      for (const t of before6) {
        const r = await c.sh(t, 'nslookup tasks.web');
        if (r.code !== 0 && !r.stdout.includes('Name:')) continue; // that container is gone
        dnsAnswer = nslookupAddrs(r.stdout);
        return dnsAnswer.length === 3 ? true : undefined;
      }
      return undefined;
    }, 10_000, 20);
    const dnsMs = Date.now() - scaledAt;
    const kept = await c.running('web', 3);
    assert.deepEqual(dnsAnswer, kept.map((t) => t.addrs.get(front) ?? '').sort(), 'tasks.web = the kept tasks');
    console.log(`# scale 6→3: tasks.web lists only the 3 kept tasks ${dnsMs} ms after the scale request (one docker exec + nslookup per poll ≈ 100+ ms)`);
    assert.ok(dnsMs < 1_500, `DNS follows within ~1 s: ${dnsMs} ms`);
    const keptIds = new Set(kept.map((t) => t.id));
    const removed = before6.filter((t) => !keptIds.has(t.id));
    const gone = removed.map((t) => t.addrs.get(front) ?? '');
    const t0 = Date.now();
    for (const h of [1, 2, 3]) {
      await waitFor(`host ${h} without the removed tasks' entries`, async () => {
        const dp = await c.dataPath(h);
        return gone.every((ip) => !dp.includes(` ${ip} `) && !dp.includes(macForIp(ip))) ? true : undefined;
      }, 10_000, 200);
    }
    console.log(`# scale 6→3: entries gone on every host ${Date.now() - t0} ms after the 3 tasks were seen running`);
    // The kept tasks are still known on the other host, if it still takes part in the network
    // (a host with no task left on it deletes its sandbox).
    for (const t of kept) {
      const other = t.host === 2 ? 3 : 2;
      if (!kept.some((k) => k.host === other)) continue;
      const dp = await c.dataPath(other);
      assert.ok(dp.includes(macForIp(t.addrs.get(front) ?? '')), `host ${other} still has ${t.id}`);
    }
  });

  test('a worker restart leaves the programmed data path identical', async () => {
    const tasks = await c.running('web', 3);
    const read = (h: number): Promise<ProgrammedState> =>
      new OverlayDriver({ underlayAddr: c.bed.host(h).addr, sandboxPrefix: sandboxPrefix(h), log }).programmed();
    const before2 = await read(2);
    const before3 = await read(3);
    const dp3 = await c.dataPath(3);
    assert.ok(before2.networks.length > 0);
    assert.match(dp3, / dst /, 'host 3 has peer entries');
    await c.stopWorker(2);
    await c.startWorker(2);
    await c.waitReady([2]);
    await c.running('web', 3);
    await new Promise((r) => setTimeout(r, 3_000)); // first sync and a few view pushes
    assert.deepEqual(await read(2), before2);
    assert.deepEqual(await read(3), before3);
    assert.equal(await c.dataPath(3), dp3);
    // And it still carries traffic across hosts.
    const a = tasks.find((t) => t.host === 2);
    const b = tasks.find((t) => t.host === 3);
    if (a && b) {
      const r = await c.sh(a, probeScript([b.addrs.get(front) ?? '']));
      assert.match(r.stdout, / ok \S+$/m);
    }
  });
});
