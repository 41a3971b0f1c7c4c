// init / join / leave with FAKE daemon modules (in-process) and a dummy process for leave.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ManagerModule, ManagerOptions, WorkerModule, WorkerOptions } from '../../../src/cli/commands/daemon/modules.js';
import { run } from '../../../src/cli/program.js';
import { makeCerts } from '../../harness/tls-certs.js';

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process; `onOutput` sees stdout as it is written. */
async function runCli(args: string[], extra: { loadManager?: () => Promise<ManagerModule>; loadWorker?: () => Promise<WorkerModule>; onOutput?: (s: string) => void } = {}): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    stdout: (s) => {
      stdout += s;
      extra.onOutput?.(stdout);
    },
    stderr: (s) => void (stderr += s),
    env: {},
    now: () => Date.now(),
    ...(extra.loadManager ? { loadManager: extra.loadManager } : {}),
    ...(extra.loadWorker ? { loadWorker: extra.loadWorker } : {}),
  });
  return { code, stdout, stderr };
}

/** A stand-in for a running node: a process whose command line mentions tsswarm. */
function dummyNode(): ChildProcess {
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'tsswarm-dummy-node'], { stdio: 'ignore' });
}

void describe('init / join / leave', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(path.join(tmpdir(), 'tsswarm-cli-daemon-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  void it('init (foreground): runs the manager, prints the join command, stops cleanly on SIGTERM', async () => {
    const dataDir = path.join(root, 'mgr');
    let opts: ManagerOptions | undefined;
    let stopped = 0;
    let pidDuringRun = '';
    const fakeManager: ManagerModule = {
      runManager: (o) => {
        opts = o;
        return Promise.resolve({
          nodeId: 'node0000000000000000000001',
          workerToken: 'SWMTKN-1-x-worker',
          managerToken: 'SWMTKN-1-x-manager',
          apiAddr: '127.0.0.1:2375',
          clusterAddr: '127.0.0.1:2377',
          workerJoinCommand: 'tsswarm join --token SWMTKN-1-x-worker 127.0.0.1:2377',
          managerJoinCommand: 'tsswarm join --token SWMTKN-1-x-manager 127.0.0.1:2377',
          stop: () => {
            stopped++;
            return Promise.resolve();
          },
        });
      },
    };
    const r = await runCli(['init', '--data-dir', dataDir, '--hostname', 'm1', '--availability', 'drain', '--listen-addr', '127.0.0.1:2377'], {
      loadManager: () => Promise.resolve(fakeManager),
      onOutput: (out) => {
        if (out.includes('To add a manager')) {
          pidDuringRun = readFileSync(path.join(dataDir, 'tsswarm.pid'), 'utf8').trim();
          setImmediate(() => process.kill(process.pid, 'SIGTERM'));
        }
      },
    });
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.equal(
      r.stdout,
      'Swarm initialized: current node (node0000000000000000000001) is now a manager.\n\n' +
        'To add a worker to this swarm, run the following command:\n\n' +
        '    tsswarm join --token SWMTKN-1-x-worker 127.0.0.1:2377\n\n' +
        "To add a manager to this swarm, run 'tsswarm swarm join-token manager' and follow the instructions.\n\n",
    );
    assert.deepEqual(opts, {
      listenAddr: '127.0.0.1:2377',
      apiAddr: '127.0.0.1:2375',
      dataDir,
      hostname: 'm1',
      availability: 'drain',
      allowRemoteApi: false,
      forceNewCluster: false,
    });
    assert.equal(pidDuringRun, String(process.pid));
    assert.equal(stopped, 1);
    assert.equal(existsSync(path.join(dataDir, 'tsswarm.pid')), false, 'pid file removed on stop');
  });

  void it('init: a failing manager is reported once, exit 1, pid file removed', async () => {
    const dataDir = path.join(root, 'failing');
    const r = await runCli(['init', '--data-dir', dataDir], {
      loadManager: () => Promise.resolve({ runManager: () => Promise.reject(new Error('cannot listen on 0.0.0.0:2377: address in use')) }),
    });
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'tsswarm: cannot start the manager: cannot listen on 0.0.0.0:2377: address in use\n');
    assert.equal(existsSync(path.join(dataDir, 'tsswarm.pid')), false);
  });

  void it('init: refuses a non-loopback --api-addr without --allow-remote-api, before touching the data dir', async () => {
    const dataDir = path.join(root, 'remote');
    const r = await runCli(['init', '--data-dir', dataDir, '--api-addr', '0.0.0.0:2375'], {
      loadManager: () => Promise.reject(new Error('must not load')),
    });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^tsswarm: --api-addr 0\.0\.0\.0:2375 is not a loopback address: without TLS the API has no authentication; serve it with --tlsverify/);
    assert.equal(existsSync(dataDir), false);
  });

  void it('init --tlsverify: all three files needed and checked first; then any --api-addr, and the manager gets the files', async () => {
    const certs = makeCerts();
    try {
      const dataDir = path.join(root, 'tls');
      const mustNotLoad = { loadManager: () => Promise.reject(new Error('must not load')) };
      const partial = await runCli(['init', '--data-dir', dataDir, '--tlsverify', '--tlscacert', certs.ca], mustNotLoad);
      assert.equal(partial.code, 2);
      assert.match(partial.stderr, /^tsswarm: --tlsverify needs --tlscert, --tlskey \(PEM files\)\n/);
      const wrongKey = await runCli(['init', '--data-dir', dataDir, '--tlsverify', '--tlscacert', certs.ca, '--tlscert', certs.serverCert, '--tlskey', certs.clientKey], mustNotLoad);
      assert.equal(wrongKey.code, 1);
      assert.match(wrongKey.stderr, /^tsswarm: TLS: \S+client-key\.pem: this key does not belong to the certificate in \S+server\.pem\n$/);
      assert.equal(existsSync(dataDir), false);

      let opts: ManagerOptions | undefined;
      const r = await runCli(['init', '--data-dir', dataDir, '--api-addr', '0.0.0.0:2376', '--tlsverify', '--tlscacert', certs.ca, '--tlscert', certs.serverCert, '--tlskey', certs.serverKey], {
        loadManager: () =>
          Promise.resolve({
            runManager: (o) => {
              opts = o;
              return Promise.reject(new Error('stop here'));
            },
          }),
      });
      assert.equal(r.code, 1);
      assert.equal(opts?.apiAddr, '0.0.0.0:2376');
      assert.deepEqual(opts?.apiTls, { ca: certs.ca, cert: certs.serverCert, key: certs.serverKey });
    } finally {
      certs.remove();
    }
  });

  void it('init: bad addresses and availability are usage errors', async () => {
    for (const args of [['--listen-addr', 'host:99999'], ['--api-addr', 'a b:1'], ['--availability', 'pause']]) {
      const r = await runCli(['init', '--data-dir', path.join(root, 'bad'), ...args]);
      assert.equal(r.code, 2, args.join(' '));
    }
  });

  void it('join (foreground): runs a worker with every manager address', async () => {
    const dataDir = path.join(root, 'w1');
    let opts: WorkerOptions | undefined;
    const r = await runCli(['join', '--token', 'SWMTKN-1-x-worker', '--data-dir', dataDir, '--hostname', 'w1', '--raft-addr', '127.0.0.1:4001', '--api-addr', '127.0.0.1:4002', '10.0.0.1:2377,10.0.0.2'], {
      loadWorker: () =>
        Promise.resolve({
          runWorker: (o) => {
            opts = o;
            return Promise.resolve({ nodeId: 'w1id', stop: () => Promise.resolve() });
          },
        }),
      onOutput: () => setImmediate(() => process.kill(process.pid, 'SIGINT')),
    });
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'This node joined a swarm as a worker.\n');
    // A worker keeps --raft-addr / --api-addr for a later node promote, and can start a manager then.
    const { startManager, ...rest } = opts ?? ({} as WorkerOptions);
    assert.equal(typeof startManager, 'function');
    assert.deepEqual(rest, { managerAddrs: ['10.0.0.1:2377', '10.0.0.2'], token: 'SWMTKN-1-x-worker', dataDir, hostname: 'w1', raftAddr: '127.0.0.1:4001', apiAddr: '127.0.0.1:4002' });
  });

  void it('join: usage errors (no token, bad availability, bad address)', async () => {
    const noToken = await runCli(['join', '127.0.0.1:2377']);
    assert.equal(noToken.code, 2);
    assert.match(noToken.stderr, /^tsswarm: required option '--token <token>' not specified\n/);
    const avail = await runCli(['join', '--token', 't', '--availability', 'pause', '127.0.0.1:2377']);
    assert.equal(avail.code, 2);
    assert.match(avail.stderr, /invalid argument "pause" for "--availability" flag: must be active or drain/);
    const addr = await runCli(['join', '--token', 't', 'host:port']);
    assert.equal(addr.code, 2);
    assert.match(addr.stderr, /invalid argument "host:port" for "MANAGER_ADDR" flag/);
    const none = await runCli(['join', '--token', 't']);
    assert.match(none.stderr, /^tsswarm: "join" requires exactly 1 argument.\n/);
  });

  void it('init -d refuses while the pid file names a live node; leave stops it', async () => {
    const dataDir = path.join(root, 'busy');
    const dummy = dummyNode();
    try {
      await runCli(['leave', '--data-dir', dataDir]).then((r) => assert.equal(r.code, 1));
      const { mkdirSync } = await import('node:fs');
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(path.join(dataDir, 'tsswarm.pid'), `${dummy.pid}\n`);
      writeFileSync(path.join(dataDir, 'ready.json'), '{}');
      const refused = await runCli(['init', '-d', '--data-dir', dataDir]);
      assert.equal(refused.code, 1);
      assert.equal(
        refused.stderr,
        `tsswarm: a node is already running from ${dataDir} (pid ${dummy.pid}); run tsswarm leave --data-dir ${dataDir} first\n`,
      );
      const exited = new Promise((r) => dummy.once('exit', r));
      const left = await runCli(['leave', '--data-dir', dataDir]);
      assert.equal(left.stderr, '');
      assert.equal(left.stdout, 'Node left the swarm.\n');
      await exited;
      assert.equal(existsSync(path.join(dataDir, 'tsswarm.pid')), false);
      assert.equal(existsSync(path.join(dataDir, 'ready.json')), false);
    } finally {
      dummy.kill('SIGKILL');
    }
  });

  void it('leave: clear errors when nothing runs there', async () => {
    const dataDir = path.join(root, 'stale');
    const r = await runCli(['leave', '--data-dir', dataDir]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `tsswarm: no node is running from ${dataDir} (no tsswarm.pid there)\n`);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(path.join(dataDir, 'tsswarm.pid'), '999999999\n');
    const stale = await runCli(['leave', '--data-dir', dataDir]);
    assert.equal(stale.stderr, `tsswarm: no node is running from ${dataDir} (pid 999999999 is gone; removed the stale tsswarm.pid)\n`);
    assert.equal(existsSync(path.join(dataDir, 'tsswarm.pid')), false);
  });
});
