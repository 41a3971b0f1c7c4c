// The pure parts of the overlay driver: address helpers, desired-state checks, aliases, JSON
// parsing and the planner. No kernel, no root.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inCidr, macForIp, parseCidr, parseIPv4 } from '../../../src/overlay/addr.js';
import { normalizeState, type DesiredNetwork } from '../../../src/overlay/desired.js';
import { OverlayStateError } from '../../../src/overlay/errors.js';
import { parseJsonStream, type IpLink } from '../../../src/overlay/iproute-json.js';
import { formatEndpointAlias, formatNetworkAlias, parseEndpointAlias, parseNetworkAlias, parseSandboxName } from '../../../src/overlay/names.js';
import type { ObservedContainer, ObservedEndpoint, ObservedSandbox } from '../../../src/overlay/observe.js';
import { planSync, type Plan } from '../../../src/overlay/plan.js';
import { SANDBOX_SYSCTL_PATHS, parseSysctlDump, sysctlAssignments, sysctlFixes } from '../../../src/overlay/sysctls.js';
import type { OverlayDesiredState, OverlayNetwork } from '../../../src/overlay/types.js';

const UNDERLAY = '10.198.0.11';
const netA: OverlayNetwork = { id: 'netA', name: 'front', vni: 4097, subnet: '10.0.9.0/24', gateway: '10.0.9.1' };
const netB: OverlayNetwork = { id: 'netB', name: 'back', vni: 4098, subnet: '10.0.10.0/24', gateway: '10.0.10.1', mtu: 1400 };

function state(over: Partial<OverlayDesiredState> = {}): OverlayDesiredState {
  return {
    networks: [netA, netB],
    local: [
      { taskId: 't1', networkId: 'netA', containerPid: 100, ip: '10.0.9.2', prefixLen: 24, mac: macForIp('10.0.9.2') },
      { taskId: 't1', networkId: 'netB', containerPid: 100, ip: '10.0.10.2', prefixLen: 24, mac: macForIp('10.0.10.2') },
    ],
    remote: [
      { taskId: 't2', networkId: 'netA', ip: '10.0.9.3', mac: macForIp('10.0.9.3'), hostAddr: '10.198.0.12' },
      { taskId: 't3', networkId: 'netB', ip: '10.0.10.3', mac: macForIp('10.0.10.3'), hostAddr: '10.198.0.13' },
    ],
    ...over,
  };
}

const norm = (s: OverlayDesiredState) => normalizeState(s, { prefix: 'tsov', underlayAddr: UNDERLAY });

function link(over: Partial<IpLink> & { name: string; ifindex: number }): IpLink {
  return { up: true, mtu: 1450, mac: undefined, master: undefined, linkIndex: undefined, linkName: undefined, alias: undefined, kind: 'veth', data: undefined, addrs: [], ...over };
}

interface Observed {
  sandboxes: ObservedSandbox[];
  containers: Map<number, ObservedContainer>;
  endpoints: ObservedEndpoint[];
}

/** The kernel state a driver leaves behind for `nets` (container netns "ns100" for PID 100). */
function programmedAs(nets: DesiredNetwork[]): Observed {
  const containerLinks: IpLink[] = [link({ name: 'lo', ifindex: 1, kind: undefined }), link({ name: 'eth0', ifindex: 2 })];
  const endpoints: ObservedEndpoint[] = [];
  const sandboxes = nets.map((dn, i): ObservedSandbox => {
    const [gw, len] = dn.gatewayCidr.split('/');
    for (const ep of dn.local) {
      const l = link({
        name: `eth${i + 1}`,
        ifindex: 20 + i,
        linkIndex: 3,
        kind: 'macvlan',
        data: { mode: 'bridge' },
        mac: ep.mac,
        mtu: dn.mtu,
        alias: formatEndpointAlias({ sandbox: dn.sandbox, taskId: ep.taskId }),
        addrs: [{ ip: ep.ip, prefixLen: ep.prefixLen }],
      });
      containerLinks.push(l);
      endpoints.push({ sandbox: dn.sandbox, taskId: ep.taskId, pid: 100, netns: 'ns100', link: l });
    }
    return {
      name: dn.sandbox,
      vni: dn.net.vni,
      vxlan: {
        ...link({ name: 'vxlan0', ifindex: 3, kind: 'vxlan', mtu: dn.mtu, alias: dn.networkAlias }),
        info: { id: dn.net.vni, local: UNDERLAY, port: 4789, learning: false, proxy: true },
        meta: parseNetworkAlias(dn.networkAlias),
      },
      gateway: link({ name: 'gw0', ifindex: 4, kind: 'macvlan', linkName: 'vxlan0', data: { mode: 'bridge' }, mtu: dn.mtu, addrs: [{ ip: gw!, prefixLen: Number(len) }] }),
      strays: [],
      neigh: dn.remote.map((r) => ({ ip: r.ip, mac: r.mac, dev: 'vxlan0', permanent: true })),
      fdb: dn.remote.map((r) => ({ mac: r.mac, dev: 'vxlan0', dst: r.hostAddr, master: undefined, permanent: true })),
      sysctls: new Map([['net.ipv4.ip_forward', '0']]),
    };
  });
  return { sandboxes, containers: new Map([[100, { pid: 100, netns: 'ns100', links: containerLinks }]]), endpoints };
}

function plan(s: OverlayDesiredState, observed: Observed): Plan {
  return planSync({ desired: norm(s), ...observed, underlayAddr: UNDERLAY });
}

const emptyContainer = (pid: number, names: string[] = ['lo', 'eth0']): [number, ObservedContainer] => [
  pid,
  { pid, netns: `ns${pid}`, links: names.map((name, i) => link({ name, ifindex: i + 1 })) },
];

void describe('overlay helpers', () => {
  void test('macForIp is Docker-style 02:42 + the IPv4 octets', () => {
    assert.equal(macForIp('10.0.9.3'), '02:42:0a:00:09:03');
    assert.equal(macForIp('192.168.255.1'), '02:42:c0:a8:ff:01');
    assert.throws(() => macForIp('10.0.9'), TypeError);
  });

  void test('IPv4 and CIDR parsing', () => {
    assert.equal(parseIPv4('10.0.9.256'), undefined);
    assert.equal(parseIPv4('10.0.09.1'), undefined);
    assert.deepEqual(parseCidr('10.0.9.0/24'), { base: parseIPv4('10.0.9.0'), prefixLen: 24 });
    assert.equal(parseCidr('10.0.9.1/24'), undefined, 'host bits set');
    assert.ok(inCidr(parseIPv4('10.0.9.254')!, parseCidr('10.0.9.0/24')!));
    assert.ok(!inCidr(parseIPv4('10.0.10.1')!, parseCidr('10.0.9.0/24')!));
  });

  void test('aliases round-trip any id and stay batch-safe', () => {
    const a = formatEndpointAlias({ sandbox: 'tsov-4097', taskId: 'we ird#id,x=1' });
    assert.doesNotMatch(a, /[\s#"']/);
    assert.deepEqual(parseEndpointAlias(a), { sandbox: 'tsov-4097', taskId: 'we ird#id,x=1' });
    assert.deepEqual(parseNetworkAlias(formatNetworkAlias({ networkId: 'n 1', name: 'a,b' })), { networkId: 'n 1', name: 'a,b' });
    // An alias of the bridge + veth layout (pid and netns, no sandbox) is not an endpoint.
    assert.equal(parseEndpointAlias('tsov1,task=t1,pid=42,ns=4026532537'), undefined);
    assert.equal(parseEndpointAlias('someone else'), undefined);
    assert.equal(parseSandboxName('tsov', 'tsov-4097'), 4097);
    assert.equal(parseSandboxName('tsov', 'tsovt-h1'), undefined);
    assert.equal(parseSandboxName('tsov', 'tsov-04097'), undefined);
  });

  void test('parseJsonStream splits ip -batch -json output', () => {
    assert.deepEqual(parseJsonStream('[{"a":"]["}]\n[]\n[{"b":1},{"c":"\\"["}]\n'), [[{ a: '][' }], [], [{ b: 1 }, { c: '"[' }]]);
  });
});

void describe('sandbox sysctls', () => {
  void test('the read-back dump parses into names; other lines are ignored', () => {
    assert.deepEqual(SANDBOX_SYSCTL_PATHS, ['/proc/sys/net/ipv4/ip_forward']);
    const dump = ['/proc/sys/net/ipv4/ip_forward:1', '/proc/sys/net/bridge/bridge-nf-call-iptables:1', '/proc/sys/net/ipv4/tcp_mem:1 2 3', 'garbage', ''].join('\n');
    assert.deepEqual([...parseSysctlDump(dump)], [['net.ipv4.ip_forward', '1']]);
    assert.deepEqual(sysctlFixes(parseSysctlDump(dump)), ['net.ipv4.ip_forward=0']);
  });

  void test('creation writes forwarding off', () => {
    assert.deepEqual(sysctlAssignments(), ['net.ipv4.ip_forward=0']);
  });
});

void describe('normalizeState', () => {
  void test('only networks with a local endpoint get a sandbox; remotes on this host or unknown networks are ignored', () => {
    const s = state();
    s.networks.push({ id: 'netC', name: 'c', vni: 5000, subnet: '10.0.11.0/24', gateway: '10.0.11.1' });
    s.remote.push({ taskId: 't9', networkId: 'netC', ip: '10.0.11.9', mac: macForIp('10.0.11.9'), hostAddr: '10.198.0.12' });
    s.remote.push({ taskId: 't8', networkId: 'netA', ip: '10.0.9.8', mac: macForIp('10.0.9.8'), hostAddr: UNDERLAY });
    s.remote.push({ taskId: 't7', networkId: 'netZ', ip: '10.0.99.7', mac: macForIp('10.0.99.7'), hostAddr: '10.198.0.12' });
    const n = norm(s);
    assert.deepEqual(n.networks.map((d) => [d.sandbox, d.mtu, d.gatewayCidr, d.remote.length]), [
      ['tsov-4097', 1450, '10.0.9.1/24', 1],
      ['tsov-4098', 1400, '10.0.10.1/24', 1],
    ]);
    assert.equal(n.warnings.length, 1);
    assert.match(n.warnings[0]!, /remote endpoint t8 on network netA: hostAddr 10\.198\.0\.11 is this host/);
    assert.deepEqual(n.ignored, ['remote endpoint t7 on network netZ: network not in state.networks']);
  });

  void test('an inconsistent state is rejected whole, every problem named', () => {
    const s = state();
    s.networks.push({ id: 'netC', name: 'c', vni: 4097, subnet: '10.0.11.0/24', gateway: '10.0.12.1' });
    s.local.push({ taskId: 't5', networkId: 'nope', containerPid: 1, ip: '10.0.9.5', prefixLen: 24, mac: macForIp('10.0.9.5') });
    s.local.push({ taskId: 't6', networkId: 'netA', containerPid: 1, ip: '10.0.99.6', prefixLen: 24, mac: 'zz' });
    s.remote.push({ taskId: 't7', networkId: 'netA', ip: '10.0.9.2', mac: macForIp('10.0.9.7'), hostAddr: '10.198.0.12' });
    try {
      norm(s);
      assert.fail('expected OverlayStateError');
    } catch (e) {
      assert.ok(e instanceof OverlayStateError);
      const all = e.problems.join('\n');
      assert.match(all, /network netC: vni 4097 is used by another network/);
      assert.match(all, /network netC: gateway 10\.0\.12\.1 is outside 10\.0\.11\.0\/24/);
      assert.match(all, /local endpoint t5 on network nope: unknown or invalid network/);
      assert.match(all, /local endpoint t6 on network netA: ip 10\.0\.99\.6 is outside/);
      assert.match(all, /local endpoint t6 on network netA: mac "zz"/);
      assert.match(all, /remote endpoint t7 on network netA: ip 10\.0\.9\.2 is used twice/);
    }
  });
});

void describe('planSync', () => {
  void test('nothing programmed: create both sandboxes, endpoints named eth1/eth2 in network order', () => {
    const p = plan(state(), { sandboxes: [], containers: new Map([emptyContainer(100)]), endpoints: [] });
    assert.deepEqual(p.networks.map((n) => n.action), ['create', 'create']);
    assert.deepEqual(p.networks.map((n) => n.add.map((a) => a.ifName)), [['eth1'], ['eth2']]);
    assert.deepEqual(p.networks.map((n) => n.peers.fdbAppend.length + n.peers.neighReplace.length), [2, 2]);
    assert.deepEqual(p.counts, { ...zero, networksCreated: 2, localAdded: 2, remoteAdded: 2 });
  });

  void test('exactly what is programmed: no changes at all', () => {
    const observed = programmedAs(norm(state()).networks);
    const p = plan(state(), observed);
    assert.deepEqual(p.counts, zero);
    assert.deepEqual(p.removals, []);
    for (const n of p.networks) {
      assert.equal(n.action, 'keep');
      assert.deepEqual([n.add, n.removeLinks, n.networkAlias, n.sysctls], [[], [], undefined, []]);
      assert.deepEqual(n.peers, { fdbDel: [], fdbAppend: [], neighDel: [], neighReplace: [] });
    }
    assert.deepEqual(p.endpointRemovals, []);
  });

  void test('a renamed network only gets a new vxlan0 alias', () => {
    const observed = programmedAs(norm(state()).networks);
    const s = state({ networks: [{ ...netA, name: 'frontend' }, netB] });
    const p = plan(s, observed);
    assert.deepEqual(p.networks.map((n) => [n.action, n.networkAlias]), [['keep', formatNetworkAlias({ networkId: 'netA', name: 'frontend' })], ['keep', undefined]]);
    assert.deepEqual(p.counts, { ...zero, networksUpdated: 1 });
  });

  void test('a sandbox of the bridge + veth layout (vxlan0 enslaved to br0) is rebuilt; its strays go with it', () => {
    const observed = programmedAs(norm(state()).networks);
    const sb = observed.sandboxes[0]!;
    sb.vxlan!.master = 'br0';
    sb.gateway = undefined;
    sb.strays = ['br0', 've0123456789a'];
    const p = plan(state(), observed);
    assert.equal(p.networks[0]!.action, 'rebuild');
    assert.match(p.networks[0]!.reason!, /enslaved/);
    assert.deepEqual(p.removals.map((r) => [r.sandbox, r.links, r.hasVxlan]), [['tsov-4097', ['br0', 've0123456789a'], true]]);
    assert.deepEqual(p.networks[0]!.add.map((a) => a.ifName), ['eth1']);
  });

  void test('gw0 missing, on another parent, or with another address: rebuilt', () => {
    for (const [breakIt, reason] of [
      [(sb: ObservedSandbox) => (sb.gateway = undefined), /no gateway/],
      [(sb: ObservedSandbox) => (sb.gateway!.linkName = 'eth0'), /not a bridge-mode child/],
      [(sb: ObservedSandbox) => (sb.gateway!.data = { mode: 'private' }), /not a bridge-mode child/],
      [(sb: ObservedSandbox) => (sb.gateway!.addrs = [{ ip: '10.0.9.254', prefixLen: 24 }]), /gateway address differs/],
    ] as const) {
      const observed = programmedAs(norm(state()).networks);
      breakIt(observed.sandboxes[0]!);
      const p = plan(state(), observed);
      assert.deepEqual(p.networks.map((n) => n.action), ['rebuild', 'keep']);
      assert.match(p.networks[0]!.reason!, reason);
    }
  });

  void test('endpoints: a leftover naming no sandbox goes; a duplicate of a kept one goes; a non-bridge mode is remade', () => {
    const observed = programmedAs(norm(state()).networks);
    const extra = (name: string, sandbox: string, taskId: string, over: Partial<IpLink> = {}): void => {
      const l = link({ name, ifindex: 40 + observed.endpoints.length, kind: 'macvlan', linkIndex: 3, data: { mode: 'bridge' }, ...over });
      observed.containers.get(100)!.links!.push(l);
      observed.endpoints.push({ sandbox, taskId, pid: 100, netns: 'ns100', link: l });
    };
    extra('eth7', 'tsov-5000', 'gone');
    extra('eth8', 'tsov-4097', 't1', { mac: macForIp('10.0.9.2'), addrs: [{ ip: '10.0.9.2', prefixLen: 24 }] });
    observed.endpoints[1]!.link.data = { mode: 'vepa' }; // t1 on netB
    const p = plan(state(), observed);
    assert.deepEqual(
      p.endpointRemovals.map((r) => [r.ifName, r.sandbox, r.taskId]),
      [
        ['eth7', 'tsov-5000', 'gone'],
        ['eth8', 'tsov-4097', 't1'],
        ['eth2', 'tsov-4098', 't1'],
      ],
    );
    // netB's endpoint is made again under the name its old one frees.
    assert.deepEqual(p.networks.map((n) => n.add.map((a) => a.ifName)), [[], ['eth2']]);
    assert.deepEqual(p.counts, { ...zero, localRemoved: 3, localAdded: 1 });
  });

  void test('remote changes: a stale entry goes, a moved MAC is re-pointed, a new one is added', () => {
    const observed = programmedAs(norm(state()).networks);
    const s = state();
    s.remote = [
      { taskId: 't2', networkId: 'netA', ip: '10.0.9.3', mac: macForIp('10.0.9.3'), hostAddr: '10.198.0.14' }, // moved host
      { taskId: 't4', networkId: 'netA', ip: '10.0.9.4', mac: macForIp('10.0.9.4'), hostAddr: '10.198.0.12' }, // new
    ]; // t3 (netB) left
    const p = plan(s, observed);
    const [a, b] = p.networks;
    assert.deepEqual(a!.peers, {
      fdbDel: ['02:42:0a:00:09:03'],
      fdbAppend: [
        { mac: '02:42:0a:00:09:03', dst: '10.198.0.14' },
        { mac: '02:42:0a:00:09:04', dst: '10.198.0.12' },
      ],
      neighDel: [],
      neighReplace: [{ ip: '10.0.9.4', mac: '02:42:0a:00:09:04' }],
    });
    assert.deepEqual(b!.peers, { fdbDel: ['02:42:0a:00:0a:03'], fdbAppend: [], neighDel: ['10.0.10.3'], neighReplace: [] });
    assert.deepEqual(p.counts, { ...zero, remoteAdded: 1, remoteUpdated: 1, remoteRemoved: 1 });
  });

  void test('a sandbox whose VXLAN device has another local address is rebuilt, its endpoints re-added', () => {
    const observed = programmedAs(norm(state()).networks);
    observed.sandboxes[0]!.vxlan!.info.local = '10.198.0.99';
    const p = plan(state(), observed);
    assert.equal(p.networks[0]!.action, 'rebuild');
    assert.equal(p.networks[0]!.reason, 'vxlan parameters differ');
    assert.deepEqual(p.removals.map((r) => [r.sandbox, r.reason, r.links, r.hasVxlan]), [['tsov-4097', 'rebuild', ['gw0'], true]]);
    // eth1 goes with vxlan0, so the re-added endpoint gets the same name back.
    assert.deepEqual(p.networks[0]!.add.map((a) => a.ifName), ['eth1']);
    assert.deepEqual(p.counts, { ...zero, networksRebuilt: 1, localRemoved: 1, localAdded: 1, remoteAdded: 1 });
  });

  void test('a network without local endpoints any more loses its sandbox', () => {
    const observed = programmedAs(norm(state()).networks);
    const s = state();
    s.local = s.local.filter((l) => l.networkId === 'netA');
    const p = plan(s, observed);
    assert.deepEqual(p.removals.map((r) => [r.sandbox, r.reason, r.hasVxlan]), [['tsov-4098', 'unwanted', true]]);
    assert.deepEqual(p.networks.map((n) => n.net.sandbox), ['tsov-4097']);
    assert.deepEqual(p.counts, { ...zero, networksRemoved: 1, localRemoved: 1 });
  });

  void test('a container interface with the wrong address is recreated; a new PID in the same netns is no change', () => {
    const observed = programmedAs(norm(state()).networks);
    observed.containers.get(100)!.links![2]!.addrs = [{ ip: '10.0.9.99', prefixLen: 24 }];
    const s = state();
    s.local[1]!.containerPid = 101; // another process of the same container
    observed.containers.set(101, { ...observed.containers.get(100)!, pid: 101 });
    const p = plan(s, observed);
    assert.deepEqual(p.endpointRemovals.map((r) => [r.pid, r.ifName]), [[100, 'eth1']]);
    assert.deepEqual(p.networks.map((n) => n.add.map((x) => x.ifName)), [['eth1'], []]);
    assert.deepEqual(p.counts, { ...zero, localRemoved: 1, localAdded: 1 });
  });

  void test('sandbox sysctls: forwarding on is fixed in place; one not read is no change', () => {
    const observed = programmedAs(norm(state()).networks);
    observed.sandboxes[0]!.sysctls.set('net.ipv4.ip_forward', '1');
    observed.sandboxes[1]!.sysctls = new Map();
    const p = plan(state(), observed);
    assert.deepEqual(p.networks.map((n) => n.action), ['keep', 'keep']);
    assert.deepEqual(p.networks.map((n) => n.sysctls), [['net.ipv4.ip_forward=0'], []]);
    assert.deepEqual(p.counts, { ...zero, networksUpdated: 1 });
  });

  void test('names: lowest free ethN, explicit names honoured first, a gone container is a problem', () => {
    const s = state({ networks: [netA, netB], remote: [] });
    s.local = [
      { taskId: 'a', networkId: 'netA', containerPid: 200, ip: '10.0.9.2', prefixLen: 24, mac: macForIp('10.0.9.2') },
      { taskId: 'a', networkId: 'netB', containerPid: 200, ip: '10.0.10.2', prefixLen: 24, mac: macForIp('10.0.10.2'), ifName: 'eth2' },
      { taskId: 'b', networkId: 'netA', containerPid: 300, ip: '10.0.9.3', prefixLen: 24, mac: macForIp('10.0.9.3') },
    ];
    const containers = new Map([emptyContainer(200, ['lo', 'eth0', 'eth1']), [300, { pid: 300, netns: undefined, links: undefined }] as [number, ObservedContainer]]);
    const p = planSync({ desired: norm(s), sandboxes: [], containers, endpoints: [], underlayAddr: UNDERLAY });
    assert.deepEqual(p.networks.map((n) => n.add.map((a) => [a.ep.taskId, a.ifName])), [[['a', 'eth3']], [['a', 'eth2']]]);
    assert.deepEqual(p.problems.map((x) => [x.taskId, x.net.net.id]), [['b', 'netA']]);
  });
});

const zero = {
  networksCreated: 0,
  networksRebuilt: 0,
  networksUpdated: 0,
  networksRemoved: 0,
  localAdded: 0,
  localRemoved: 0,
  remoteAdded: 0,
  remoteUpdated: 0,
  remoteRemoved: 0,
};
