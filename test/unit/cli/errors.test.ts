import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { cli, FakeEngineApi } from './fake-engine-api.js';

const BIN = new URL('../../../bin/tsswarm.js', import.meta.url).pathname;

/** A port that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function runBin(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, TSSWARM_HOST: '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

void describe('errors and exit codes', () => {
  let fake: FakeEngineApi;
  before(async () => {
    fake = await new FakeEngineApi().start();
  });
  after(() => fake.stop());

  void it('unreachable API: one clear line, exit 1', async () => {
    const port = await closedPort();
    const r = await cli(`tcp://127.0.0.1:${port}`, 'service', 'ls');
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `tsswarm: cannot reach the manager API at tcp://127.0.0.1:${port}: connection refused (is the manager running? set -H or TSSWARM_HOST)\n`,
    );
  });

  void it('API 5xx with {"message"} is printed as is', async () => {
    fake.on('GET', /^\/nodes$/, () => ({ status: 503, body: { message: 'this node is not a swarm manager' } }));
    const r = await cli(fake.host, 'node', 'ls');
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'tsswarm: this node is not a swarm manager\n');
  });

  void it('API error without a JSON body still says what failed', async () => {
    fake.on('GET', /^\/swarm$/, () => ({ status: 500, body: undefined }));
    const r = await cli(fake.host, 'swarm', 'join-token', 'worker');
    assert.equal(r.stderr, 'tsswarm: GET /swarm: HTTP 500\n');
  });

  void it('a malformed -H is a usage error', async () => {
    const r = await cli('tcp://bad host', 'service', 'ls');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^tsswarm: invalid host "tcp:\/\/bad host": expected tcp:\/\/HOST:PORT\n/);
  });

  void it('bin/tsswarm.js: usage error on stderr once, exit 2', async () => {
    const r = await runBin(['service', 'create', '--replicas', 'abc', 'nginx']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      'tsswarm: invalid argument "abc" for "--replicas" flag: must be a non-negative integer\nSee \'tsswarm service create --help\'.\n',
    );
  });

  void it('bin/tsswarm.js: TSSWARM_HOST is used, API errors exit 1', async () => {
    const r = await runBin(['service', 'inspect', 'ghost'], { TSSWARM_HOST: fake.host });
    assert.equal(r.stderr, 'tsswarm: service ghost not found\n');
    assert.equal(r.code, 1);
    const ok = await runBin(['service', 'ls', '-q'], { TSSWARM_HOST: fake.host });
    assert.equal(ok.code, 0);
    assert.equal(ok.stdout, 'svcwebaaaaaaaaaaaaaaaaaa\nsvcmonbbbbbbbbbbbbbbbbbb\n');
  });
});
