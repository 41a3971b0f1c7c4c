// The pure half of the load balancer: flattening a desired state into units, diffing, and the
// nft script each change produces (no kernel needed).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../../src/common/log.js';
import { LbStateError } from '../../../src/lb/errors.js';
import { NftLoadBalancer } from '../../../src/lb/nft-load-balancer.js';
import { addUnit, baseTable, deleteUnit, rewriteUnit } from '../../../src/lb/nft-script.js';
import { diffUnits, unitsOf } from '../../../src/lb/units.js';
import type { Backend, LbDesiredState } from '../../../src/lb/types.js';

const be = (n: number, port = 80): Backend[] => Array.from({ length: n }, (_, i) => ({ taskId: `t${i}`, ip: `10.0.1.${i + 2}`, port }));
const st = (webN: number, apiN: number): LbDesiredState => ({
  ingress: [{ serviceId: 'web', protocol: 'tcp', publishedPort: 8080, backends: be(webN) }],
  vips: [{ serviceId: 'api', networkId: 'n1', vip: '10.0.9.2', protocol: 'udp', port: 53, backends: be(apiN, 5353) }],
});
const T = { table: 'tsswarm', masqMark: 0x2000 };

void describe('units and diff', () => {
  void it('names units after their frontend', () => {
    assert.deepEqual([...unitsOf(st(2, 1)).keys()], ['ing_tcp_8080', 'vip_10_0_9_2_udp_53']);
  });

  void it('rejects a published port or VIP:port claimed twice, and bad addresses', () => {
    const s = st(1, 1);
    s.ingress.push({ serviceId: 'other', protocol: 'tcp', publishedPort: 8080, backends: [] });
    assert.throws(() => unitsOf(s), (e) => e instanceof LbStateError && /claimed by services web and other/.test(e.message));
    const udp = st(1, 1);
    udp.ingress.push({ serviceId: 'other', protocol: 'udp', publishedPort: 8080, backends: [] });
    assert.equal(unitsOf(udp).size, 3, 'tcp and udp on one port are two frontends');
    assert.throws(() => unitsOf({ ingress: [], vips: [{ ...st(1, 1).vips[0]!, vip: 'fd00::1' }] }), LbStateError);
    assert.throws(() => unitsOf({ ingress: [{ ...st(1, 1).ingress[0]!, publishedPort: 70000 }], vips: [] }), LbStateError);
    assert.throws(() => unitsOf({ ingress: [{ ...st(1, 1).ingress[0]!, backends: [{ taskId: 'x', ip: '', port: 1 }] }], vips: [] }), LbStateError);
  });

  void it('diff: only the service whose addresses changed', () => {
    const d = diffUnits(unitsOf(st(3, 2)), unitsOf(st(3, 3)));
    assert.deepEqual([d.added.length, d.changed.length, d.removed.length], [0, 1, 0]);
    assert.deepEqual([...d.services], ['api']);
  });

  void it('diff: task IDs alone do not change rules; order does', () => {
    const a = unitsOf(st(3, 0));
    const renamed = st(3, 0);
    renamed.ingress[0]!.backends.forEach((b) => (b.taskId += 'x'));
    assert.equal(diffUnits(a, unitsOf(renamed)).services.size, 0);
    const reordered = st(3, 0);
    reordered.ingress[0]!.backends.reverse();
    assert.deepEqual([...diffUnits(a, unitsOf(reordered)).services], ['web']);
  });

  void it('diff: a frontend moving to another service counts both services', () => {
    const moved = st(1, 1);
    moved.ingress[0]!.serviceId = 'web2';
    const d = diffUnits(unitsOf(st(1, 1)), unitsOf(moved));
    assert.deepEqual([...d.services].sort(), ['web', 'web2']);
  });

  void it('diff: added and removed units', () => {
    const d = diffUnits(unitsOf(st(1, 1)), unitsOf({ ingress: [], vips: [] }));
    assert.deepEqual(d.removed.map((u) => u.name), ['ing_tcp_8080', 'vip_10_0_9_2_udp_53']);
  });
});

void describe('NftLoadBalancer options', () => {
  void it('refuses a table name or mark nft would choke on', () => {
    assert.throws(() => new NftLoadBalancer({ log: silentLogger, table: 'a b; flush ruleset' }), LbStateError);
    assert.throws(() => new NftLoadBalancer({ log: silentLogger, masqMark: 0 }), LbStateError);
    assert.doesNotThrow(() => new NftLoadBalancer({ log: silentLogger, table: 'tsswarm_test', masqMark: 0x10000 }));
  });
});

void describe('nft script', () => {
  const [web, api] = [...unitsOf(st(2, 0)).values()];

  void it('base table replaces any previous one in the same transaction', () => {
    const b = baseTable(T);
    assert.deepEqual(b.slice(0, 3), ['add table ip tsswarm', 'delete table ip tsswarm', 'table ip tsswarm {']);
    assert.ok(b.some((l) => l.includes('meta mark & 0x00002000 == 0x00002000 masquerade')));
  });

  void it('a unit: map of index -> ip . port, one numgen rule, one dispatch element', () => {
    const l = addUnit(T, web!);
    assert.ok(l.includes('add element ip tsswarm ing_tcp_8080_be { 0 : 10.0.1.2 . 80, 1 : 10.0.1.3 . 80 }'));
    assert.ok(l.some((x) => x.includes('dnat ip to numgen inc mod 2 map @ing_tcp_8080_be')));
    assert.ok(l.includes('add element ip tsswarm ingress-ports { tcp . 8080 : jump ing_tcp_8080 }'));
  });

  void it('zero backends: reject (tcp reset for tcp), no map elements', () => {
    const l = rewriteUnit(T, api!);
    assert.deepEqual(l.slice(0, 2), ['flush chain ip tsswarm vip_10_0_9_2_udp_53', 'flush map ip tsswarm vip_10_0_9_2_udp_53_be']);
    assert.match(l[2] ?? '', /meta l4proto udp reject comment "svc api"$/);
    assert.equal(l.length, 3);
    assert.match(rewriteUnit(T, { ...web!, backends: [] })[2] ?? '', /reject with tcp reset/);
  });

  void it('delete: dispatch element first, then chain and map', () => {
    assert.deepEqual(deleteUnit(T, api!), [
      'delete element ip tsswarm vip-ports { 10.0.9.2 . udp . 53 }',
      'delete chain ip tsswarm vip_10_0_9_2_udp_53',
      'delete map ip tsswarm vip_10_0_9_2_udp_53_be',
    ]);
  });

  void it('comments carry only safe characters', () => {
    const l = addUnit(T, { ...web!, serviceId: 'a"b; drop' });
    assert.ok(l.some((x) => x.endsWith('comment "svc a_b__drop"')));
  });
});
