// The multi-host test bed itself: two hosts, their engines, the underlay, a published port
// across hosts, a partition and its healing, a crashed engine, and a teardown that leaves
// nothing behind. Needs root; skipped elsewhere.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Bed } from '../../harness/bed.js';

const skip = await Bed.unavailable();

function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Processes whose command line names the bed's run or data dirs (looked at, never killed). */
function bedProcesses(): string[] {
  const out: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue;
    }
    if (/\/run\/tsbed\/|\/var\/lib\/tsbed\//.test(cmdline) && pidAlive(Number(entry))) out.push(`${entry} ${cmdline.slice(0, 160)}`);
  }
  return out;
}

function bedMounts(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => /\/var\/lib\/tsbed|\/run\/tsbed|\/run\/netns\/tsbed-/.test(l));
}

function bedCgroups(): string[] {
  const out: string[] = [];
  for (const tree of readdirSync('/sys/fs/cgroup')) if (existsSync(`/sys/fs/cgroup/${tree}/tsbed`)) out.push(`/sys/fs/cgroup/${tree}/tsbed`);
  return out;
}

function netnsNames(): string[] {
  return existsSync('/var/run/netns') ? readdirSync('/var/run/netns').filter((n) => n.startsWith('tsbed-')) : [];
}

const WEB_CMD = 'mkdir -p /www && echo hello-from-h2 >/www/index.html && exec httpd -f -p 80 -h /www';

void describe('multi-host test bed (deploy/bed/bed.sh)', { skip, timeout: 300_000 }, () => {
  let bed: Bed | undefined;
  let spawnedPid = 0;
  const mustBed = (): Bed => {
    assert.ok(bed, 'the bed did not come up');
    return bed;
  };

  before(async () => {
    const t0 = performance.now();
    bed = await Bed.up(2);
    console.log(`bed: up 2 took ${Math.round(performance.now() - t0)} ms`);
  });

  after(async () => {
    await bed?.down();
  });

  void it('gives each host its own engine, answering info', async () => {
    const b = mustBed();
    assert.deepEqual(
      b.hosts.map((h) => [h.name, h.addr, h.dockerHost]),
      [
        ['tsbed-h1', '10.199.0.11', 'unix:///run/tsbed/tsbed-h1/docker.sock'],
        ['tsbed-h2', '10.199.0.12', 'unix:///run/tsbed/tsbed-h2/docker.sock'],
      ],
    );
    const ids = new Set<string>();
    for (const h of b.hosts) {
      const r = await b.docker(h, ['info', '--format', '{{.ID}} {{.DockerRootDir}} {{json .Labels}}']);
      assert.equal(r.code, 0, r.stderr);
      const [id = '', root = '', labels = ''] = r.stdout.trim().split(' ');
      ids.add(id);
      assert.equal(root, `/var/lib/tsbed/${h.name}/docker`);
      assert.match(labels, new RegExp(`tsbed.host=${h.name}`));
      const img = await b.docker(h, ['image', 'inspect', '--format', '{{.Id}}', 'tsswarm/busybox:latest']);
      assert.equal(img.code, 0, `test image missing on ${h.name}: ${img.stderr}`);
    }
    assert.equal(ids.size, 2, 'the engines share an ID');
  });

  void it('connects the hosts over the underlay, and only the underlay', async () => {
    const b = mustBed();
    assert.ok(await b.ping(1, '10.199.0.12'), 'host1 cannot ping host2');
    assert.ok(await b.ping(2, 1), 'host2 cannot ping host1');
    const routes = await b.exec(1, 'ip', ['-4', 'route']);
    assert.equal(routes.code, 0, routes.stderr);
    assert.doesNotMatch(routes.stdout, /default/, 'a bed host must have no default route');
  });

  void it('reaches a port published on host2 from host1; cut partitions, heal restores', async () => {
    const b = mustBed();
    const run = await b.docker(2, ['run', '-d', '--name', 'web', '-p', '8080:80', 'tsswarm/busybox', 'sh', '-c', WEB_CMD]);
    assert.equal(run.code, 0, run.stderr);
    const get = () => b.httpGet(1, 'http://10.199.0.12:8080/', 2);

    let r = await get();
    for (let i = 0; i < 20 && r.code !== 0; i++) {
      await new Promise((res) => setTimeout(res, 250));
      r = await get();
    }
    assert.equal(r.code, 0, `GET from host1: exit ${r.code} ${r.signal ?? ''} ${r.stderr}`);
    assert.equal(r.stdout.trim(), 'hello-from-h2');

    await b.cut(2);
    r = await get();
    assert.notEqual(r.code, 0, 'host2 still reachable after cut');
    assert.equal(await b.ping(1, 2), false);

    await b.heal(2);
    r = await get();
    for (let i = 0; i < 20 && r.code !== 0; i++) {
      await new Promise((res) => setTimeout(res, 250));
      r = await get();
    }
    assert.equal(r.code, 0, `after heal: exit ${r.code} ${r.signal ?? ''} ${r.stderr}`);
    assert.equal(r.stdout.trim(), 'hello-from-h2');
  });

  void it('partitions a pair of hosts and heals it', async () => {
    const b = mustBed();
    await b.cut(1, 2);
    assert.equal(await b.ping(1, 2), false, 'host1 reaches host2 across a pairwise cut');
    assert.equal(await b.ping(2, 1), false, 'host2 reaches host1 across a pairwise cut');
    await b.heal(2, 1);
    assert.ok(await b.ping(1, 2), 'host1 cannot reach host2 after heal');
  });

  void it('runs spawned processes inside the host, with DOCKER_HOST set', async () => {
    const b = mustBed();
    const child = b.spawn(1, 'sh', ['-c', 'echo "$DOCKER_HOST"; ip -4 -o addr show eth0; exec busybox sleep 300']);
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
    for (let i = 0; i < 50 && !out.includes('eth0'); i++) await new Promise((res) => setTimeout(res, 100));
    assert.match(out, /^unix:\/\/\/run\/tsbed\/tsbed-h1\/docker\.sock$/m);
    assert.match(out, /10\.199\.0\.11\/24/);
    assert.ok(child.pid && pidAlive(child.pid));
    spawnedPid = child.pid;
  });

  void it('survives a crashed engine: kill host2, then down leaves nothing behind', async () => {
    const b = mustBed();
    const inspect = await b.docker(2, ['inspect', '--format', '{{.State.Pid}}', 'web']);
    assert.equal(inspect.code, 0, inspect.stderr);
    const containerPid = Number(inspect.stdout.trim());
    assert.ok(containerPid > 0 && pidAlive(containerPid));
    const enginePids = b.hosts.map((h) => Number(readFileSync(`/run/tsbed/${h.name}/docker.pid`, 'utf8').trim()));

    await b.kill(2);
    assert.equal(pidAlive(enginePids[1] ?? 0), false, 'dockerd of host2 survived kill');
    assert.ok(pidAlive(containerPid), 'the container should outlive its engine, as after a real dockerd crash');

    const t0 = performance.now();
    await b.down();
    console.log(`bed: down took ${Math.round(performance.now() - t0)} ms`);
    await b.down(); // idempotent

    assert.deepEqual(netnsNames(), []);
    assert.deepEqual(bedProcesses(), []);
    assert.equal(pidAlive(containerPid), false, 'container process left behind');
    if (spawnedPid) assert.equal(pidAlive(spawnedPid), false, 'spawned process left behind');
    for (const pid of enginePids) assert.equal(pidAlive(pid), false, `dockerd ${pid} left behind`);
    assert.deepEqual(bedMounts(), []);
    assert.deepEqual(bedCgroups(), []);
    assert.equal(existsSync('/var/lib/tsbed'), false, '/var/lib/tsbed left behind');
    assert.equal(existsSync('/run/tsbed'), false, '/run/tsbed left behind');
  });
});
