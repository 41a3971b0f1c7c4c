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
  new OverlayDriver({
    underlayAddr: '192.0.2.1',
    log,
    run,
    hostNetns,
    readNetns: (pid) => Promise.resolve(pid === 100 ? '4026532537' : undefined),
    scanNetns: () => Promise.resolve([]),
  });

void describe('OverlayDriver with a scripted runner', () => {
  void test('a first sync: one read, then sandbox, vxlan (made in the host netns), endpoint, peers', async () => {
    const run = new FakeRunner();
    const report = await driver(run, 'hostns').sync(state);
    assert.equal(report.changes, 3);
    assert.equal(report.commands, run.calls.length);
    const lines = run.calls.map((c) => [c.argv.filter((a) => !a.includes('\n')).join(' '), ...(c.input?.trim().split('\n') ?? [])]);
    const tmp = /link add (mv[0-9a-f]{11}) /.exec(run.calls[5]!.input ?? '')?.[1];
    assert.ok(tmp, 'the endpoint is made under a temporary name in the sandbox');
    assert.deepEqual(lines.slice(1), [
      ['ip netns add tsov-4097'],
      ['nsenter --net=/var/run/netns/tsov-4097 sysctl -e -qw net.ipv4.ip_forward=0'],
      [
        'ip -n hostns -batch -',
        'link add vx-4097 type vxlan id 4097 dstport 4789 local 192.0.2.1 nolearning proxy',
        'link set vx-4097 netns tsov-4097',
      ],
      [
        'ip -n tsov-4097 -batch -',
        'link set lo up',
        'link set vx-4097 name vxlan0',
        'link set vxlan0 mtu 1450',
        'link set vxlan0 addrgenmode none',
        'link set vxlan0 alias tsov1,net=netA,name=front',
        'link set vxlan0 up',
        'link add gw0 link vxlan0 address 02:42:0a:00:09:01 type macvlan mode bridge',
        'link set gw0 addrgenmode none',
        'addr add 10.0.9.1/24 dev gw0',
        'link set gw0 up',
      ],
      [
        'ip -n tsov-4097 -batch -',
        `link add ${tmp} link vxlan0 address 02:42:0a:00:09:02 type macvlan mode bridge`,
        `link set ${tmp} alias tsov1,sb=tsov-4097,task=t1`,
        `link set dev ${tmp} netns 100 name eth1`,
      ],
      ['nsenter --net=/proc/100/ns/net ip -batch -', 'link set eth1 addrgenmode none', 'addr add 10.0.9.2/24 dev eth1', 'link set eth1 up'],
      ['bridge -n tsov-4097 -batch -', 'fdb append 02:42:0a:00:09:03 dev vxlan0 dst 192.0.2.2 self permanent'],
      ['ip -n tsov-4097 -batch -', 'neigh replace 10.0.9.3 lladdr 02:42:0a:00:09:03 dev vxlan0 nud permanent'],
    ]);
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
    // The half-made endpoint (already moved in) is deleted; the peers of the network are still programmed.
    assert.ok(run.calls.some((c) => c.argv.join(' ') === 'nsenter --net=/proc/100/ns/net ip link del eth1'));
    assert.ok(run.calls.some((c) => c.argv[0] === 'bridge'));
    assert.equal(err.report.networksCreated, 1);
  });

  void test('an endpoint that cannot move into its container is deleted in the sandbox, not in the container', async () => {
    const run = new FakeRunner((_argv, input) => input?.includes('netns 100 name eth1') ?? false);
    const err = await driver(run).sync(state).catch((e: unknown) => e);
    assert.ok(err instanceof OverlaySyncError);
    assert.deepEqual(err.errors.map((e) => [e.code, e.taskId]), [['ENDPOINT_FAILED', 't1']]);
    const cmds = run.calls.map((c) => c.argv.join(' '));
    assert.ok(cmds.some((c) => /^ip -n tsov-4097 link del mv[0-9a-f]{11}$/.test(c)), 'the temporary link in the sandbox is deleted');
    // The eth1 in the container may be someone else's (a name clash is one way the move fails).
    assert.ok(!cmds.some((c) => c.includes('link del eth1')));
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
    assert.ok(!run.calls.some((c) => c.input?.includes('netns 100')), 'no endpoint into a broken sandbox');
  });

  void test('a kernel without macvlan: the error says which link type is missing and what to load', async () => {
    const run = new FakeRunner((argv, input) => {
      if (input?.includes('type macvlan')) throw new CommandError(argv, 2, null, 'Error: Unknown device type.', input);
      return false;
    });
    const err = await driver(run).sync(state).catch((e: unknown) => e);
    assert.ok(err instanceof OverlaySyncError);
    assert.match(err.errors[0]!.message, /creating sandbox failed \(this kernel has no macvlan link type: load its module, e\.g\. modprobe macvlan\)/);
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
