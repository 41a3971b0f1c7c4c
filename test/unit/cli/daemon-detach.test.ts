// init -d / leave with the REAL manager in a detached child process (loopback ports, temp data dir):
// the ready handshake, the pid file, refusing a second start, and a child dying early.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { run } from '../../../src/cli/program.js';

/** The CLI in-process (the -d parent); the node itself runs in a real detached child. */
async function runBin(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    env: { TSSWARM_LOG_LEVEL: 'warn' },
  });
  return { code, stdout, stderr };
}

async function listen(): Promise<Server> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return srv;
}

async function freePort(): Promise<number> {
  const srv = await listen();
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

void describe('init -d (real manager, detached child)', { timeout: 60_000 }, () => {
  let root: string;
  before(() => {
    root = mkdtempSync(path.join(tmpdir(), 'tsswarm-cli-detach-'));
  });
  after(async () => {
    // Never leave a node behind, whatever failed.
    for (const dir of ['ok', 'early']) {
      const pidFile = path.join(root, dir, 'tsswarm.pid');
      if (existsSync(pidFile)) await runBin(['leave', '--force', '--data-dir', path.join(root, dir)]);
    }
    rmSync(root, { recursive: true, force: true });
  });

  void it('starts, hands over ready.json, refuses a second start, and leaves', async () => {
    const dataDir = path.join(root, 'ok');
    const api = `127.0.0.1:${await freePort()}`;
    const grpc = `127.0.0.1:${await freePort()}`;
    const r = await runBin(['init', '-d', '--listen-addr', grpc, '--api-addr', api, '--data-dir', dataDir, '--hostname', 'm1', '--availability', 'drain']);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Swarm initialized: current node \([0-9a-z]{25}\) is now a manager\.\n\nTo add a worker to this swarm, run the following command:\n\n {4}tsswarm join --token SWMTKN-1-\S+ 127\.0\.0\.1:\d+\n/);
    const pid = Number(readFileSync(path.join(dataDir, 'tsswarm.pid'), 'utf8'));
    const ready = JSON.parse(readFileSync(path.join(dataDir, 'ready.json'), 'utf8')) as { pid: number; role: string };
    assert.equal(ready.pid, pid);
    assert.equal(ready.role, 'manager');
    assert.ok(existsSync(path.join(dataDir, 'tsswarm.log')));

    const ls = await runBin(['-H', `tcp://${api}`, 'node', 'ls', '--format', '{{.Hostname}} {{.ManagerStatus}}']);
    assert.equal(ls.stdout, 'm1 Leader\n');

    const again = await runBin(['init', '-d', '--listen-addr', grpc, '--api-addr', api, '--data-dir', dataDir]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, new RegExp(`^tsswarm: a node is already running from .* \\(pid ${pid}\\); run tsswarm leave --data-dir .* first\\n$`));

    const left = await runBin(['leave', '--data-dir', dataDir]);
    assert.equal(left.stderr, '');
    assert.equal(left.stdout, 'Node left the swarm.\n');
    assert.throws(() => process.kill(pid, 0), 'the node process is gone');
    assert.equal(existsSync(path.join(dataDir, 'tsswarm.pid')), false);
    assert.equal(existsSync(path.join(dataDir, 'ready.json')), false);
  });

  void it('a child that dies during startup: the parent prints the log tail and exits 1', async () => {
    const dataDir = path.join(root, 'early');
    const busy = await listen();
    try {
      const api = `127.0.0.1:${(busy.address() as { port: number }).port}`;
      const r = await runBin(['init', '-d', '--listen-addr', `127.0.0.1:${await freePort()}`, '--api-addr', api, '--data-dir', dataDir]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^tsswarm: the node exited during startup \(code 1\); last lines of .*tsswarm\.log:\n/);
      assert.match(r.stderr, /tsswarm: cannot start the manager: cannot serve the API on/);
      assert.equal(existsSync(path.join(dataDir, 'tsswarm.pid')), false);
    } finally {
      busy.close();
    }
  });
});
