// The userspace fallback on loopback only (127.0.0.1): the same balance, update, removeBackend,
// zero-backend and idempotence checks as the kernel path, plus UDP flows.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../../src/common/log.js';
import { UserspaceProxy } from '../../../src/lb/userspace-proxy.js';
import type { Backend, LbDesiredState } from '../../../src/lb/types.js';

const LO = '127.0.0.1';

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, LO, resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** One request on a new connection; resolves to the body or `ERR:<code>`. */
function once(port: number): Promise<{ text: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const req = http.get({ host: LO, port, agent: false, timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ text: body, ms: Date.now() - t0 }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ text: `ERR:${e.code ?? e.message}`, ms: Date.now() - t0 }));
  });
}

async function tally(port: number, n: number): Promise<Record<string, number>> {
  const t: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const { text } = await once(port);
    t[text] = (t[text] ?? 0) + 1;
  }
  return t;
}

const even = (names: string[], each: number): Record<string, number> => Object.fromEntries(names.map((n) => [n, each]));

void describe('UserspaceProxy (loopback)', () => {
  const servers: http.Server[] = [];
  const udpServers: dgram.Socket[] = [];
  let backends: Backend[] = [];
  let udpBackends: Backend[] = [];
  let proxy: UserspaceProxy;
  let web = 0;
  let api = 0;
  let dns = 0;
  const state = (w: Backend[], a: Backend[], d: Backend[] = []): LbDesiredState => ({
    ingress: [
      { serviceId: 'web', protocol: 'tcp', publishedPort: web, backends: w },
      { serviceId: 'api', protocol: 'tcp', publishedPort: api, backends: a },
      { serviceId: 'dns', protocol: 'udp', publishedPort: dns, backends: d },
    ],
    vips: [],
  });

  before(async () => {
    for (let i = 1; i <= 5; i++) {
      const s = http.createServer((_q, r) => r.end(`b${i}`));
      await new Promise<void>((resolve) => s.listen(0, LO, resolve));
      servers.push(s);
      backends.push({ taskId: `t${i}`, ip: LO, port: (s.address() as net.AddressInfo).port });
      const u = dgram.createSocket('udp4');
      u.on('message', (m, r) => u.send(`u${i}:${m.toString()}`, r.port, r.address));
      await new Promise<void>((resolve) => u.bind(0, LO, resolve));
      udpServers.push(u);
      udpBackends.push({ taskId: `u${i}`, ip: LO, port: u.address().port });
    }
    [web, api, dns] = [await freePort(), await freePort(), await freePort()];
    proxy = new UserspaceProxy({ log: silentLogger, bindAddress: LO });
  });

  after(async () => {
    await proxy?.teardown();
    for (const s of servers) s.close();
    for (const u of udpServers) u.close();
    backends = [];
    udpBackends = [];
  });

  void it('100 connections: 20 per backend', async () => {
    const r = await proxy.sync(state(backends, backends.slice(0, 4), udpBackends.slice(0, 3)));
    assert.equal(r.changedServices, 3);
    assert.deepEqual(await tally(web, 100), even(['b1', 'b2', 'b3', 'b4', 'b5'], 20));
    assert.deepEqual(await tally(api, 100), even(['b1', 'b2', 'b3', 'b4'], 25));
  });

  void it('api 4 -> 5 leaves web alone; the new backend gets traffic at once', async () => {
    const r = await proxy.sync(state(backends, backends, udpBackends.slice(0, 3)));
    assert.equal(r.changedServices, 1);
    assert.deepEqual(await tally(api, 10), even(['b1', 'b2', 'b3', 'b4', 'b5'], 2));
    assert.equal((await proxy.sync(state(backends, backends, udpBackends.slice(0, 3)))).changedServices, 0);
  });

  void it('removeBackend: no new connection reaches the task, even from a stale state', async () => {
    await proxy.removeBackend('web', 't3');
    assert.deepEqual(await tally(web, 100), even(['b1', 'b2', 'b4', 'b5'], 25));
    assert.equal((await proxy.sync(state(backends, backends, udpBackends.slice(0, 3)))).changedServices, 0);
    assert.equal((await tally(web, 20)).b3, undefined);
    assert.equal((await tally(api, 5)).b3, 1, 'other services keep the task');
  });

  void it('zero backends: the connection fails at once', async () => {
    await proxy.sync(state([], backends));
    for (let i = 0; i < 3; i++) {
      const { text, ms } = await once(web);
      assert.match(text, /^ERR:(ECONNRESET|ECONNREFUSED)$/);
      assert.ok(ms < 500, `failed after ${ms} ms`);
    }
  });

  void it('UDP: new flows are spread round-robin, a flow stays on its backend', async () => {
    await proxy.sync(state(backends, backends, udpBackends.slice(0, 3)));
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      const c = dgram.createSocket('udp4');
      const ask = (m: string): Promise<string> =>
        new Promise((resolve) => {
          c.once('message', (reply) => resolve(reply.toString()));
          c.send(m, dns, LO);
        });
      const a = await ask('x');
      const b = await ask('y');
      c.close();
      assert.equal(a.split(':')[0], b.split(':')[0], 'same flow, same backend');
      seen.push(a);
    }
    assert.deepEqual(seen, ['u1:x', 'u2:x', 'u3:x', 'u1:x', 'u2:x', 'u3:x']);
  });

  void it('a VIP that is not a local address is skipped with a warning, not an error every sync', async () => {
    const s = state(backends, backends, udpBackends.slice(0, 3));
    s.vips.push({ serviceId: 'api', networkId: 'n1', vip: '10.197.0.200', protocol: 'tcp', port: 80, backends });
    assert.equal((await proxy.sync(s)).changedServices, 1);
    assert.equal((await proxy.sync(s)).changedServices, 0);
    assert.equal((await proxy.sync(state(backends, backends, udpBackends.slice(0, 3)))).changedServices, 1);
  });

  void it('a published port already in use fails the sync, and is retried by the next', async () => {
    const blocker = net.createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, LO, resolve));
    const s = state(backends, backends, udpBackends.slice(0, 3));
    s.ingress.push({ serviceId: 'busy', protocol: 'tcp', publishedPort: port, backends });
    await assert.rejects(proxy.sync(s), /could not open ing_tcp_\d+: listen EADDRINUSE/);
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    assert.equal((await proxy.sync(s)).changedServices, 1);
    assert.equal((await once(port)).text.startsWith('b'), true);
    await proxy.sync(state(backends, backends, udpBackends.slice(0, 3)));
  });

  void it('teardown closes every port', async () => {
    await proxy.teardown();
    assert.match((await once(web)).text, /^ERR:ECONNREFUSED$/);
  });
});

void describe('UserspaceProxy TCP streams', () => {
  const MB = 1024 * 1024;
  let proxy: UserspaceProxy;
  let backend: net.Server;
  let port = 0;
  let target: Backend;

  before(async () => {
    // Reads the whole request (until the client's FIN), then answers 1 MiB and closes.
    backend = net.createServer({ allowHalfOpen: true }, (s) => {
      let n = 0;
      s.on('data', (d: Buffer) => (n += d.length));
      s.on('end', () => s.end(Buffer.alloc(MB, n % 256)));
      s.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => backend.listen(0, LO, resolve));
    target = { taskId: 'big', ip: LO, port: (backend.address() as net.AddressInfo).port };
    port = await freePort();
    proxy = new UserspaceProxy({ log: silentLogger, bindAddress: LO });
    await proxy.sync({ ingress: [{ serviceId: 'big', protocol: 'tcp', publishedPort: port, backends: [target] }], vips: [] });
  });

  after(async () => {
    await proxy?.teardown();
    backend?.close();
  });

  void it('a client that half-closes after its request gets the whole reply', async () => {
    const got = await new Promise<number>((resolve, reject) => {
      const s = net.connect({ host: LO, port, allowHalfOpen: true });
      let n = 0;
      s.on('data', (d: Buffer) => (n += d.length));
      s.on('end', () => resolve(n));
      s.on('error', reject);
      s.end('request');
    });
    assert.equal(got, MB);
  });

  void it('removeBackend cuts the connections already on the task', async () => {
    const s = net.connect({ host: LO, port });
    await new Promise((resolve) => s.once('connect', resolve));
    const closed = new Promise<number>((resolve) => {
      const t0 = Date.now();
      s.on('error', () => undefined);
      s.once('close', () => resolve(Date.now() - t0));
    });
    await new Promise((resolve) => setTimeout(resolve, 50)); // let the proxy open its upstream
    await proxy.removeBackend('big', 'big');
    assert.ok((await closed) < 1000);
  });
});
