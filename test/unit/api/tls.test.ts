// Mutual TLS on the control API: the PEM checks, the API served over HTTPS with client
// certificates required, and both CLIs (tsswarm's and the stock docker CLI) with and without
// the right certificates. Certificates are made by openssl in a temporary directory.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApiServer, startApiServer } from '../../../src/api/server.js';
import { run } from '../../../src/cli/program.js';
import { TlsConfigError, loadTlsFiles } from '../../../src/common/tls-files.js';
import { makeCerts, type CertSet } from '../../harness/tls-certs.js';
import { DOCKER, dockerCliSkip } from './docker-cli-harness.js';
import { managerInfo, seededStore, testLog } from './fixtures.js';

let certs: CertSet;
before(() => {
  certs = makeCerts();
});
after(() => certs.remove());

void describe('loadTlsFiles', () => {
  void test('a CA, a certificate it signed and that certificate’s key load', () => {
    const m = loadTlsFiles({ ca: certs.ca, cert: certs.serverCert, key: certs.serverKey });
    assert.match(m.subject, /CN=server/);
    assert.ok(m.cert.length > 0 && m.key.length > 0 && m.ca.length > 0);
  });

  void test('each problem names its file and what is wrong', () => {
    const bad = path.join(certs.dir, 'garbage.pem');
    writeFileSync(bad, 'not a certificate\n');
    const cases: Array<[Parameters<typeof loadTlsFiles>[0], string, RegExp]> = [
      [{ ca: path.join(certs.dir, 'nope.pem'), cert: certs.serverCert, key: certs.serverKey }, 'nope.pem', /cannot read the CA certificate: no such file/],
      [{ ca: bad, cert: certs.serverCert, key: certs.serverKey }, bad, /the CA certificate is not a PEM certificate/],
      [{ ca: certs.serverCert, cert: certs.serverCert, key: certs.serverKey }, certs.serverCert, /not a CA/],
      [{ ca: certs.ca, cert: bad, key: certs.serverKey }, bad, /the certificate is not a PEM certificate/],
      [{ ca: certs.ca, cert: certs.serverCert, key: bad }, bad, /the private key is not a PEM key/],
      [{ ca: certs.ca, cert: certs.serverCert, key: certs.clientKey }, certs.clientKey, /this key does not belong to the certificate/],
    ];
    for (const [files, file, re] of cases) {
      assert.throws(
        () => loadTlsFiles(files),
        (e: unknown) => e instanceof TlsConfigError && e.file.endsWith(path.basename(file)) && re.test(e.message),
        `${JSON.stringify(files)} → ${re}`,
      );
    }
    const later = new Date(Date.now() + 10 * 86_400_000);
    assert.throws(() => loadTlsFiles({ ca: certs.ca, cert: certs.serverCert, key: certs.serverKey }, later), /expired on/);
  });
});

void describe('the API over mutual TLS', () => {
  let app: FastifyInstance;
  let host: string;

  before(async () => {
    const store = await seededStore();
    app = buildApiServer({ store, log: testLog, info: managerInfo(), tls: loadTlsFiles({ ca: certs.ca, cert: certs.serverCert, key: certs.serverKey }) });
    host = `tcp://${await startApiServer(app, '127.0.0.1', 0)}`;
  });
  after(() => app.close());

  async function tsswarm(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await run(['-H', host, ...args], { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), env, now: () => Date.now() });
    return { code, stdout, stderr };
  }
  const withCerts = (ca: string, cert: string, key: string): string[] => ['--tlsverify', '--tlscacert', ca, '--tlscert', cert, '--tlskey', key];

  void test('tsswarm CLI: the right certificates work, by flags and by TSSWARM_CERT_PATH', async () => {
    const r = await tsswarm({}, ...withCerts(certs.ca, certs.clientCert, certs.clientKey), 'node', 'ls');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /mgr-1/);
    const dir = path.join(certs.dir, 'cert-path');
    mkdirSync(dir, { recursive: true });
    copyFileSync(certs.ca, path.join(dir, 'ca.pem'));
    copyFileSync(certs.clientCert, path.join(dir, 'cert.pem'));
    copyFileSync(certs.clientKey, path.join(dir, 'key.pem'));
    const viaEnv = await tsswarm({ TSSWARM_TLS_VERIFY: '1', TSSWARM_CERT_PATH: dir }, 'node', 'ls');
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
  });

  void test('tsswarm CLI: no TLS, a client certificate of another CA, or another CA: refused, and the message says why', async () => {
    const plain = await tsswarm({}, 'node', 'ls');
    assert.equal(plain.code, 1);
    assert.match(plain.stderr, /cannot reach the manager API at tcp:\/\/127\.0\.0\.1:\d+: connection reset \(if the manager serves TLS, use --tlsverify\)/);
    const rogueClient = await tsswarm({}, ...withCerts(certs.ca, certs.rogueCert, certs.rogueKey), 'node', 'ls');
    assert.equal(rogueClient.code, 1);
    // TLS 1.3: the refusal may arrive as the server's alert or as the connection closing.
    assert.match(rogueClient.stderr, /TLS: the manager (refused this client certificate|closed the connection \(it may have refused this client certificate\))\n$/);
    const rogueCa = await tsswarm({}, ...withCerts(certs.rogueCa, certs.rogueCert, certs.rogueKey), 'node', 'ls');
    assert.equal(rogueCa.code, 1);
    assert.match(rogueCa.stderr, /TLS: the manager's certificate is not signed by the CA in --tlscacert/);
    const missing = await tsswarm({}, ...withCerts(certs.ca, certs.clientCert, path.join(certs.dir, 'missing-key.pem')), 'node', 'ls');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /TLS: \S+missing-key\.pem: cannot read the private key: no such file/);
  });

  void test('a follower forwards a write to the leader over TLS, presenting its own certificate', async () => {
    const tls = loadTlsFiles({ ca: certs.ca, cert: certs.serverCert, key: certs.serverKey });
    const leaderStore = await seededStore();
    const leader = buildApiServer({ store: leaderStore, log: testLog, info: managerInfo(), tls });
    const leaderAddr = await startApiServer(leader, '127.0.0.1', 0);
    const follower = buildApiServer({ store: await seededStore(), log: testLog, info: managerInfo({ isLeader: () => false, leaderApiAddr: () => leaderAddr }), tls });
    const followerHost = `tcp://${await startApiServer(follower, '127.0.0.1', 0)}`;
    try {
      let stderr = '';
      const code = await run(['-H', followerHost, ...withCerts(certs.ca, certs.clientCert, certs.clientKey), 'network', 'create', '-d', 'overlay', 'forwarded'], {
        stdout: () => undefined,
        stderr: (s) => void (stderr += s),
        env: {},
        now: () => Date.now(),
      });
      assert.equal(code, 0, stderr);
      assert.ok(leaderStore.all('networks').some((n) => n.Name === 'forwarded'), 'the write landed in the leader');
    } finally {
      await follower.close();
      await leader.close();
    }
  });

  void test('tsswarm CLI with --tlsverify against a plain HTTP API: says it does not speak TLS', async () => {
    const store = await seededStore();
    const plainApp = buildApiServer({ store, log: testLog, info: managerInfo() });
    const plainHost = `tcp://${await startApiServer(plainApp, '127.0.0.1', 0)}`;
    try {
      let stderr = '';
      const code = await run(['-H', plainHost, ...withCerts(certs.ca, certs.clientCert, certs.clientKey), 'node', 'ls'], {
        stdout: () => undefined,
        stderr: (s) => void (stderr += s),
        env: {},
        now: () => Date.now(),
      });
      assert.equal(code, 1);
      assert.match(stderr, /TLS: the manager does not speak TLS on this address/);
    } finally {
      await plainApp.close();
    }
  });

  void test('the stock docker CLI with --tlsverify works; without its certificate it is refused', { skip: dockerCliSkip }, async () => {
    const docker = (args: string[]): Promise<{ code: number; out: string }> =>
      new Promise((resolve) => {
        const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: path.join(certs.dir, 'docker-config'), DOCKER_CLI_HINTS: 'false' };
        for (const k of ['DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH']) delete env[k];
        execFile(DOCKER, ['-H', host, ...args], { env, timeout: 20_000 }, (err, stdout, stderr) => {
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` });
        });
      });
    const ok = await docker([...withCerts(certs.ca, certs.clientCert, certs.clientKey), 'node', 'ls']);
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /mgr-1/);
    const noCert = await docker(['--tlsverify', '--tlscacert', certs.ca, 'node', 'ls']);
    assert.notEqual(noCert.code, 0, noCert.out);
    const plain = await docker(['node', 'ls']);
    assert.notEqual(plain.code, 0, plain.out);
  });
});
