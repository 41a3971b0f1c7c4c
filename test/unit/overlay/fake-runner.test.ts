// OverlayDriver against a scripted CommandRunner: the exact commands a first sync issues, and
// how a failing command turns into a typed error that names the network or endpoint. No root.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { CommandError, OverlayDriver, OverlaySyncError, macForIp } from '../../../src/overlay/index.js';
import type { CommandOptions, CommandResult, CommandRunner, OverlayDesiredState } from '../../../src/overlay/index.js';

const log = pino({ level: 'silent' });

/** Records commands; answers the read script with one container (PID 100, only lo and eth0). */
class FakeRunner implements CommandRunner {
  calls: Array<{ argv: string[]; input: string | undefined }> = [];
  constructor(private readonly failWhen: (argv: readonly string[], input: string | undefined) => boolean = () => false) {}
  run(argv: readonly string[], opts?: CommandOptions): Promise<CommandResult> {
    this.calls.push({ argv: [...argv], input: opts?.input });
    if (this.failWhen(argv, opts?.input)) return Promise.reject(new CommandError(argv, 2, null, 'RTNETLINK answers: Operation not permitted', opts?.input));
    if (argv[0] === 'sh') {
      const pids = argv.slice(5);
      const out = pids.map((pid) => `@@pid ${pid}\n[{"ifindex":1,"ifname":"lo","flags":["UP"],"mtu":65536},{"ifindex":2,"ifname":"eth0","flags":["UP"],"mtu":1500}]\n@@rc 0`);
      return Promise.resolve({ stdout: out.join('\n'), stderr: '' });
    }
    return Promise.resolve({ stdout: '', stderr: '' });
  }
}

const state: OverlayDesiredState = {
  networks: [{ id: 'netA', name: 'front', vni: 4097, subnet: '10.0.9.0/24', gateway: '10.0.9.1' }],
  local: [{ taskId: 't1', networkId: 'netA', containerPid: 100, ip: '10.0.9.2', prefixLen: 24, mac: macForIp('10.0.9.2') }],
  remote: [{ taskId: 't2', networkId: 'netA', ip: '10.0.9.3', mac: macForIp('10.0.9.3'), hostAddr: '192.0.2.2' }],
};

const driver = (run: CommandRunner, hostNetns?: string) =>
  new OverlayDriver({ underlayAddr: '192.0.2.1', log, run, hostNetns, readNetns: (pid) => Promise.resolve(pid === 100 ? '4026532537' : undefined) });

void describe('OverlayDriver with a scripted runner', () => {
  void test('a first sync: one read, then sandbox, vxlan (made in the host netns), endpoint, peers', async () => {
    const run = new FakeRunner();
    const report = await driver(run, 'hostns').sync(state);
    assert.equal(report.changes, 3);
    assert.equal(report.commands, run.calls.length);
    const lines = run.calls.map((c) => [c.argv.filter((a) => !a.includes('\n')).join(' '), ...(c.input?.trim().split('\n') ?? [])]);
    assert.deepEqual(lines.slice(1), [
      ['ip netns add tsov-4097'],
      ['nsenter --net=/var/run/netns/tsov-4097 sysctl -e -qw net.ipv4.ip_forward=0 net.bridge.bridge-nf-call-iptables=0 net.bridge.bridge-nf-call-ip6tables=0 net.bridge.bridge-nf-call-arptables=0'],
      [
        'ip -n tsov-4097 -batch -',
        'link set lo up',
        'link add br0 mtu 1450 type bridge',
        'link set br0 addrgenmode none',
        'link set br0 alias tsov1,net=netA,name=front',
        'addr add 10.0.9.1/24 dev br0',
        'link set br0 up',
      ],
      [
        'ip -n hostns -batch -',
        'link add vx-4097 type vxlan id 4097 dstport 4789 local 192.0.2.1 nolearning proxy',
        'link set vx-4097 netns tsov-4097',
      ],
      [
        'ip -n tsov-4097 -batch -',
        'link set vx-4097 name vxlan0',
        'link set vxlan0 mtu 1450',
        'link set vxlan0 addrgenmode none',
        'link set vxlan0 master br0',
        'link set vxlan0 up',
      ],
      [
        'ip -n tsov-4097 -batch -',
        `link add ${run.calls[6]!.input!.split(' ')[2]} mtu 1450 type veth peer name eth1 address 02:42:0a:00:09:02 mtu 1450 netns 100`,
        ...run.calls[6]!.input!.trim().split('\n').slice(1),
      ],
      ['nsenter --net=/proc/100/ns/net ip -batch -', 'addr add 10.0.9.2/24 dev eth1', 'link set eth1 up'],
      ['bridge -n tsov-4097 -batch -', 'fdb append 02:42:0a:00:09:03 dev vxlan0 dst 192.0.2.2 self permanent'],
      ['ip -n tsov-4097 -batch -', 'neigh replace 10.0.9.3 lladdr 02:42:0a:00:09:03 dev vxlan0 nud permanent'],
    ]);
    assert.match(run.calls[6]!.input!, /link set ve[0-9a-f]{11} alias tsov1,task=t1,pid=100,ns=4026532537\n/);
  });

  void test('a failing endpoint is cleaned up and reported with its network, task and command', async () => {
    const run = new FakeRunner((argv) => argv[0] === 'nsenter' && argv[1] === '--net=/proc/100/ns/net');
    const err = await driver(run).sync(state).catch((e: unknown) => e);
    assert.ok(err instanceof OverlaySyncError);
    assert.equal(err.errors.length, 1);
    const e = err.errors[0]!;
    assert.deepEqual([e.code, e.networkId, e.vni, e.taskId], ['ENDPOINT_FAILED', 'netA', 4097, 't1']);
    assert.ok(e.cause instanceof CommandError);
    assert.equal(e.cause.exitCode, 2);
    assert.match(e.message, /network netA \(vni 4097\) endpoint t1: adding eth1 in container pid 100 failed: nsenter .*Operation not permitted/);
    // Our end of the half-made veth is deleted; the peers of the network are still programmed.
    assert.ok(run.calls.some((c) => /^ip -n tsov-4097 link del ve[0-9a-f]{11}$/.test(c.argv.join(' '))));
    assert.ok(run.calls.some((c) => c.argv[0] === 'bridge'));
    assert.equal(err.report.networksCreated, 1);
  });

  void test('a failing sandbox is undone and skips its endpoints; the vxlan name clash is retried once', async () => {
    let clashes = 0;
    const run = new FakeRunner((argv, input) => {
      if (input?.includes('type vxlan') && clashes === 0) {
        clashes++;
        throw new CommandError(argv, 2, null, 'RTNETLINK answers: File exists', input);
      }
      return input?.includes('link set vx-4097 name vxlan0') ?? false;
    });
    const err = await driver(run).sync(state).catch((e: unknown) => e);
    assert.ok(err instanceof OverlaySyncError);
    assert.deepEqual(err.errors.map((e) => [e.code, e.networkId, e.taskId]), [['SANDBOX_FAILED', 'netA', undefined]]);
    const cmds = run.calls.map((c) => c.argv.join(' '));
    assert.ok(cmds.includes('ip link del vx-4097'), 'stale temporary device removed before the retry');
    assert.ok(cmds.includes('ip netns del tsov-4097'), 'half-made sandbox deleted');
    assert.ok(!run.calls.some((c) => c.input?.includes('type veth')), 'no endpoint into a broken sandbox');
  });

  void test('calls on one driver run one at a time', async () => {
    let inFlight = 0;
    let most = 0;
    const inner = new FakeRunner();
    const run: CommandRunner = {
      async run(argv, opts) {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((r) => setTimeout(r, 1));
        inFlight--;
        return inner.run(argv, opts);
      },
    };
    const d = driver(run);
    const single = { ...state, remote: [] };
    await Promise.all([d.programmed(), d.sync(single), d.programmed(), d.teardown()]);
    // With one network and no remotes nothing inside one call overlaps, so any concurrency
    // above 1 would mean two calls interleaved.
    assert.equal(most, 1);
  });
});
