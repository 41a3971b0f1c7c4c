// Network aliases in the DNS table: an alias answers like the service's name, but only for
// clients on a network where the alias is set, and never over a service's own name.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTable, resolve } from '../../../src/dns/index.js';
import type { Endpoint__Output } from '../../../src/generated/tsswarm/dispatcher/v1/Endpoint.js';
import type { LbService__Output } from '../../../src/generated/tsswarm/dispatcher/v1/LbService.js';
import type { NetworkState__Output } from '../../../src/generated/tsswarm/dispatcher/v1/NetworkState.js';

const ep = (task: string, net: string, ip: string, service: string, running = true): Endpoint__Output => ({
  task_id: task,
  network_id: net,
  ip,
  prefix_len: 24,
  mac: '',
  node_id: 'n1',
  host_addr: '10.199.0.2',
  service_id: service,
  running,
});

const svc = (id: string, name: string, mode: 'vip' | 'dnsrr', vips: Record<string, string>, aliases: Record<string, string[]>): LbService__Output => ({
  service_id: id,
  name,
  endpoint_mode: mode,
  vips: Object.entries(vips).map(([network_id, ip]) => ({ network_id, ip })),
  ports: [],
  network_ids: Object.keys(vips),
  aliases: Object.entries(aliases).map(([network_id, names]) => ({ network_id, names })),
});

const net = (id: string, ingress = false): NetworkState__Output['networks'][number] => ({
  id,
  name: id,
  vni: 4096,
  subnet: '',
  gateway: '',
  ingress,
});

/**
 * front 10.0.1.0/24, back 10.0.2.0/24, side 10.0.3.0/24, ing = ingress 10.0.0.0/24.
 * demo_web (vip) on front+back+ing, aliases `web`,`WWW` on front only (and `web` on ingress,
 * which must never answer). demo_db (dnsrr) on back, alias `db`. A real service `api` on
 * side; demo_api with alias `api` on front and side; other_api with alias `api` on front.
 */
function view(overrides: { webAliases?: Record<string, string[]> } = {}): NetworkState__Output {
  return {
    networks: [net('front'), net('back'), net('side'), net('ing', true)],
    endpoints: [
      ep('w1', 'front', '10.0.1.3', 'sweb'),
      ep('w1', 'back', '10.0.2.3', 'sweb'),
      ep('w1', 'ing', '10.0.0.3', 'sweb'),
      ep('w2', 'front', '10.0.1.4', 'sweb'),
      ep('w2', 'back', '10.0.2.4', 'sweb'),
      ep('w3', 'front', '10.0.1.5', 'sweb', false),
      ep('d1', 'back', '10.0.2.5', 'sdb'),
      ep('d2', 'back', '10.0.2.6', 'sdb'),
      ep('d3', 'back', '10.0.2.7', 'sdb', false),
      ep('a1', 'side', '10.0.3.3', 'sapi'),
      ep('x1', 'front', '10.0.1.31', 'sdemoapi'),
      ep('x1', 'side', '10.0.3.31', 'sdemoapi'),
      ep('o1', 'front', '10.0.1.41', 'sotherapi'),
      // Clients: c1 on front, c2 on back, c3 on front+back, c4 on side.
      ep('c1', 'front', '10.0.1.9', 'sclient'),
      ep('c2', 'back', '10.0.2.9', 'sclient2'),
      ep('c3', 'front', '10.0.1.10', 'sclient3'),
      ep('c3', 'back', '10.0.2.10', 'sclient3'),
      ep('c4', 'side', '10.0.3.9', 'sclient4'),
    ],
    services: [
      svc('sweb', 'demo_web', 'vip', { front: '10.0.1.2', back: '10.0.2.2', ing: '10.0.0.2' }, overrides.webAliases ?? { front: ['web', 'WWW'], ing: ['web', 'mesh'] }),
      svc('sdb', 'demo_db', 'dnsrr', {}, { back: ['db'] }),
      svc('sapi', 'api', 'vip', { side: '10.0.3.2' }, {}),
      svc('sdemoapi', 'demo_api', 'vip', { front: '10.0.1.30', side: '10.0.3.30' }, { front: ['api'], side: ['api'] }),
      svc('sotherapi', 'other_api', 'vip', { front: '10.0.1.40' }, { front: ['api', 'Shared'] }),
    ],
    host_ingress: null,
  };
}

const C1 = '10.0.1.9';
const C2 = '10.0.2.9';
const C3 = '10.0.1.10';
const C4 = '10.0.3.9';

const a = (...addrs: string[]) => ({ rcode: 'NOERROR', addrs });
const NX = { rcode: 'NXDOMAIN', addrs: [] };

describe('dns table: network aliases', () => {
  const table = buildTable(view(), new Map());

  test('an alias resolves to the VIP on the network where it is set, case-insensitively', () => {
    assert.deepEqual(resolve(table, C1, 'web', 'A'), a('10.0.1.2'));
    assert.deepEqual(resolve(table, C1, 'Web.', 'A'), a('10.0.1.2'));
    assert.deepEqual(resolve(table, C1, 'www', 'A'), a('10.0.1.2'));
    assert.deepEqual(resolve(table, C1, 'web', 'AAAA'), a());
    // The service's own name still answers.
    assert.deepEqual(resolve(table, C1, 'demo_web', 'A'), a('10.0.1.2'));
  });

  test('an alias does not answer on another network the client shares with the service', () => {
    // c2 shares "back" with demo_web, where no alias is set: the name answers, the alias does not.
    assert.deepEqual(resolve(table, C2, 'demo_web', 'A'), a('10.0.2.2'));
    assert.deepEqual(resolve(table, C2, 'web', 'A'), NX);
    assert.deepEqual(resolve(table, C2, 'tasks.web', 'A'), NX);
    // c3 is on front and back: the alias gives the front VIP only, the name both.
    assert.deepEqual(resolve(table, C3, 'web', 'A'), a('10.0.1.2'));
    assert.deepEqual(resolve(table, C3, 'demo_web', 'A').addrs.sort(), ['10.0.1.2', '10.0.2.2']);
    // Aliases set on the ingress network never answer, as names there do not.
    assert.deepEqual(resolve(table, C1, 'mesh', 'A'), NX);
    // A client on none of the service's networks sees neither.
    assert.deepEqual(resolve(table, C4, 'web', 'A'), NX);
    assert.deepEqual(resolve(table, C4, 'demo_web', 'A'), NX);
  });

  test('tasks.ALIAS: running tasks on the alias network only', () => {
    assert.deepEqual(resolve(table, C1, 'tasks.web', 'A'), a('10.0.1.3', '10.0.1.4'));
    assert.deepEqual(resolve(table, C3, 'TASKS.WWW', 'A'), a('10.0.1.3', '10.0.1.4'));
  });

  test('dnsrr: the alias answers with the running tasks, as does tasks.ALIAS', () => {
    assert.deepEqual(resolve(table, C2, 'db', 'A'), a('10.0.2.5', '10.0.2.6'));
    assert.deepEqual(resolve(table, C2, 'tasks.db', 'A'), a('10.0.2.5', '10.0.2.6'));
    assert.deepEqual(resolve(table, C1, 'db', 'A'), NX);
  });

  test('collisions: a visible service name wins over aliases; aliases of one name answer together', () => {
    // c4 (side) sees the real `api` and demo_api's alias `api` on side: the real service wins.
    assert.deepEqual(resolve(table, C4, 'api', 'A'), a('10.0.3.2'));
    assert.deepEqual(resolve(table, C4, 'tasks.api', 'A'), a('10.0.3.3'));
    // c1 (front) cannot see the real `api`: the aliases of demo_api and other_api on front answer.
    assert.deepEqual(resolve(table, C1, 'api', 'A').addrs.sort(), ['10.0.1.30', '10.0.1.40']);
    assert.deepEqual(resolve(table, C1, 'tasks.api', 'A').addrs.sort(), ['10.0.1.31', '10.0.1.41']);
    assert.deepEqual(resolve(table, C1, 'shared', 'A'), a('10.0.1.40'));
    // On back neither the name nor any alias `api` exists.
    assert.deepEqual(resolve(table, C2, 'api', 'A'), NX);
  });

  test('an alias removed from the spec stops answering; the name keeps answering', () => {
    const after = buildTable(view({ webAliases: { front: ['www'] } }), new Map());
    assert.deepEqual(resolve(after, C1, 'web', 'A'), NX);
    assert.deepEqual(resolve(after, C1, 'tasks.web', 'A'), NX);
    assert.deepEqual(resolve(after, C1, 'www', 'A'), a('10.0.1.2'));
    assert.deepEqual(resolve(after, C1, 'demo_web', 'A'), a('10.0.1.2'));
    const none = buildTable(view({ webAliases: {} }), new Map());
    assert.deepEqual(resolve(none, C1, 'www', 'A'), NX);
  });
});
