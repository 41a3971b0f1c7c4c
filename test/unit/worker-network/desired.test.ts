// The network agent's pure parts: view → overlay / routing mesh / VIP states, the DNS table,
// and the DNS server answering real UDP queries on loopback. No root.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { describe, test } from 'node:test';
import dnsPacket from 'dns-packet';
import { pino } from 'pino';
import { buildTable, DnsServer, resolve, upstreamsFromResolvConf } from '../../../src/dns/index.js';
import type { Endpoint__Output } from '../../../src/generated/tsswarm/dispatcher/v1/Endpoint.js';
import { HOST_INGRESS_IFNAME, lbState, overlayState, underlayAddrOf, vipTargetsFor, vipTableScript, type NetworkView } from '../../../src/worker/network/index.js';

const log = pino({ level: 'silent' });

function ep(task: string, net: string, ip: string, node: string, svc: string, running = true): Endpoint__Output {
  return { task_id: task, network_id: net, ip, prefix_len: 24, mac: `02:42:${ip}`, node_id: node, host_addr: `10.199.0.${node.slice(1)}`, service_id: svc, running };
}

const view: NetworkView = {
  networks: [
    { id: 'ing', name: 'ingress', vni: 4096, subnet: '10.0.0.0/24', gateway: '10.0.0.1', ingress: true },
    { id: 'front', name: 'front', vni: 4097, subnet: '10.0.1.0/24', gateway: '10.0.1.1', ingress: false },
    { id: 'back', name: 'back', vni: 4098, subnet: '10.0.2.0/24', gateway: '10.0.2.1', ingress: false },
  ],
  endpoints: [
    ep('w1', 'front', '10.0.1.3', 'n2', 'web'),
    ep('w1', 'ing', '10.0.0.3', 'n2', 'web'),
    ep('w2', 'front', '10.0.1.4', 'n3', 'web'),
    ep('w2', 'ing', '10.0.0.4', 'n3', 'web'),
    ep('w3', 'front', '10.0.1.5', 'n3', 'web', false),
    ep('w3', 'ing', '10.0.0.5', 'n3', 'web', false),
    ep('c1', 'front', '10.0.1.9', 'n2', 'client'),
    ep('d1', 'back', '10.0.2.3', 'n2', 'db'),
    ep('node:n3', 'ing', '10.0.0.12', 'n3', ''),
  ],
  services: [
    { service_id: 'web', name: 'web', endpoint_mode: 'vip', vips: [{ network_id: 'ing', ip: '10.0.0.2' }, { network_id: 'front', ip: '10.0.1.2' }], ports: [{ protocol: 'tcp', target_port: 80, published_port: 8080, publish_mode: 'ingress' }], network_ids: ['ing', 'front'], aliases: [] },
    { service_id: 'client', name: 'client', endpoint_mode: 'vip', vips: [{ network_id: 'front', ip: '10.0.1.8' }], ports: [], network_ids: ['front'], aliases: [] },
    { service_id: 'db', name: 'db', endpoint_mode: 'dnsrr', vips: [], ports: [], network_ids: ['back'], aliases: [] },
  ],
  host_ingress: ep('', 'ing', '10.0.0.11', 'n2', ''),
};

describe('network agent desired state', () => {
  test('overlay: local endpoints only for running containers, the rest remote, plus the host ingress endpoint', () => {
    const s = overlayState({ view, nodeId: 'n2', running: new Map([['w1', { taskId: 'w1', pid: 42 }]]), hostPid: 7 });
    assert.equal(s.networks.length, 3);
    assert.deepEqual(
      s.local.map((l) => [l.taskId, l.networkId, l.containerPid, l.ifName]),
      [
        ['w1', 'front', 42, undefined],
        ['w1', 'ing', 42, undefined],
        ['host:n2', 'ing', 7, HOST_INGRESS_IFNAME],
      ],
    );
    assert.deepEqual(s.remote.map((r) => r.taskId).sort(), ['node:n3', 'w2', 'w2', 'w3', 'w3']);
    assert.equal(underlayAddrOf(view, 'n2'), '10.199.0.2');
  });

  test('routing mesh: published port → running tasks on the ingress network, target port', () => {
    const s = lbState(view);
    assert.deepEqual(s.ingress, [
      { serviceId: 'web', protocol: 'tcp', publishedPort: 8080, backends: [{ taskId: 'w1', ip: '10.0.0.3', port: 80 }, { taskId: 'w2', ip: '10.0.0.4', port: 80 }] },
    ]);
    assert.deepEqual(s.vips, []);
  });

  test('VIPs: only on the container’s networks, never ingress or dnsrr; empty backends rejected', () => {
    assert.deepEqual(vipTargetsFor(view, 'c1'), [
      { serviceId: 'web', networkId: 'front', vip: '10.0.1.2', backends: ['10.0.1.3', '10.0.1.4'] },
      { serviceId: 'client', networkId: 'front', vip: '10.0.1.8', backends: ['10.0.1.9'] },
    ]);
    assert.deepEqual(vipTargetsFor(view, 'd1'), []);
    const script = vipTableScript([{ serviceId: 's', networkId: 'n', vip: '10.0.1.2', backends: [] }]);
    assert.match(script, /ip daddr 10\.0\.1\.2 meta l4proto tcp reject with tcp reset/);
    assert.match(vipTableScript(vipTargetsFor(view, 'c1')), /dnat to numgen inc mod 2 map \{ 0 : 10\.0\.1\.3, 1 : 10\.0\.1\.4 \}/);
    assert.equal(vipTableScript([]), '');
  });
});

describe('DNS table', () => {
  const table = buildTable(view, new Map([['c1', ['172.31.2.5']], ['lonely', ['172.31.2.9']]]));
  test('service → VIP, tasks.service → running tasks, per the client’s networks', () => {
    assert.deepEqual(resolve(table, '172.31.2.5', 'web', 'A'), { rcode: 'NOERROR', addrs: ['10.0.1.2'] });
    assert.deepEqual(resolve(table, '172.31.2.5', 'tasks.web.', 'A'), { rcode: 'NOERROR', addrs: ['10.0.1.3', '10.0.1.4'] });
    assert.deepEqual(resolve(table, '172.31.2.5', 'WEB', 'AAAA'), { rcode: 'NOERROR', addrs: [] });
    // db is on "back" only: c1 (front) must not see it; d1 (back) does, dnsrr → task IPs.
    assert.equal(resolve(table, '172.31.2.5', 'db', 'A').rcode, 'NXDOMAIN');
    assert.deepEqual(resolve(table, '10.0.2.3', 'db', 'A'), { rcode: 'NOERROR', addrs: ['10.0.2.3'] });
    assert.equal(resolve(table, '10.0.2.3', 'web', 'A').rcode, 'NXDOMAIN');
    assert.equal(resolve(table, '172.31.2.5', 'example.com', 'A').rcode, 'NXDOMAIN');
    assert.equal(resolve(table, '192.0.2.1', 'web', 'A').rcode, 'REFUSED');
    // A local task on no network is a client too (outside names get forwarded), sees no service.
    assert.equal(resolve(table, '172.31.2.9', 'web', 'A').rcode, 'NXDOMAIN');
  });

  test('the server answers over UDP and picks up a new table at once', async () => {
    const srv = new DnsServer({ host: '127.0.0.1', port: 0, log });
    const { port } = await srv.start();
    const client = dgram.createSocket('udp4');
    const ask = (name: string): Promise<dnsPacket.DecodedPacket & { rcode?: string }> =>
      new Promise((res) => {
        client.once('message', (m) => res(dnsPacket.decode(m)));
        client.send(dnsPacket.encode({ type: 'query', id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name }] }), port, '127.0.0.1');
      });
    try {
      assert.equal((await ask('web')).rcode, 'REFUSED');
      srv.setTable(buildTable(view, new Map([['c1', ['127.0.0.1']]])));
      const a = await ask('tasks.web');
      assert.equal(a.rcode, 'NOERROR');
      assert.equal(a.id, 7);
      assert.deepEqual(a.answers?.map((x) => (x as { data: string }).data), ['10.0.1.3', '10.0.1.4']);
      assert.equal((await ask('nope')).rcode, 'NXDOMAIN');
    } finally {
      client.close();
      srv.stop();
    }
  });

  test('outside names go to the upstreams; a dead upstream gives SERVFAIL; single labels never leave', async () => {
    assert.deepEqual(upstreamsFromResolvConf('search x\nnameserver 10.1.1.1\nnameserver ::1\nnameserver 172.31.2.1\n', '172.31.2.1'), [{ host: '10.1.1.1', port: 53 }]);
    // A fake upstream answering every A query with 192.0.2.7.
    const up = dgram.createSocket('udp4');
    up.on('message', (m, r) => {
      const q = dnsPacket.decode(m);
      up.send(dnsPacket.encode({ type: 'response', id: q.id ?? 0, questions: q.questions ?? [], answers: [{ type: 'A', class: 'IN', name: q.questions?.[0]?.name ?? '', ttl: 5, data: '192.0.2.7' }] }), r.port, r.address);
    });
    await new Promise<void>((r) => up.bind(0, '127.0.0.1', () => r()));
    const upPort = up.address().port;
    const dead = dgram.createSocket('udp4');
    await new Promise<void>((r) => dead.bind(0, '127.0.0.1', () => r())); // bound, never answers
    const srv = new DnsServer({ host: '127.0.0.1', port: 0, log, upstreams: [{ host: '127.0.0.1', port: upPort }] });
    const { port } = await srv.start();
    srv.setTable(buildTable(view, new Map([['c1', ['127.0.0.1']]])));
    const client = dgram.createSocket('udp4');
    const ask = (name: string, to = port): Promise<dnsPacket.DecodedPacket & { rcode?: string }> =>
      new Promise((res) => {
        client.once('message', (m) => res(dnsPacket.decode(m)));
        client.send(dnsPacket.encode({ type: 'query', id: 9, questions: [{ type: 'A', name }] }), to, '127.0.0.1');
      });
    try {
      const a = await ask('example.com');
      assert.equal(a.rcode, 'NOERROR');
      assert.deepEqual(a.answers?.map((x) => (x as { data: string }).data), ['192.0.2.7']);
      assert.equal((await ask('nosuchservice')).rcode, 'NXDOMAIN');
      assert.equal((await ask('tasks.nosuch')).rcode, 'NXDOMAIN');
      assert.equal((await ask('web')).rcode, 'NOERROR');
    } finally {
      srv.stop();
    }
    const srv2 = new DnsServer({ host: '127.0.0.1', port: 0, log, upstreams: [{ host: '127.0.0.1', port: dead.address().port }] });
    const p2 = (await srv2.start()).port;
    srv2.setTable(buildTable(view, new Map([['c1', ['127.0.0.1']]])));
    try {
      const t0 = Date.now();
      assert.equal((await ask('example.com', p2)).rcode, 'SERVFAIL');
      assert.ok(Date.now() - t0 < 3_000);
    } finally {
      srv2.stop();
      client.close();
      up.close();
      dead.close();
    }
  });
});
