// A test bed of network namespaces on 10.197.0.0/24 (which exists only inside them):
//
//   client ns (10.197.0.100) ─┐
//   backend ns b1..bN          ├─ br0 in the host ns (10.197.0.1/25), default route via .1
//   (10.197.0.11, .12, …)     ─┘
//
// The client sits on the same L2 segment as the backends, so a DNATed connection only works
// if the load balancer masquerades it (the backend would otherwise answer the client
// directly) — the same situation as a backend on another host. VIPs are taken from
// 10.197.0.128/25, off-link for everyone, so clients route them through the host.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export const HOST_IP = '10.197.0.1';
export const CLIENT_IP = '10.197.0.100';
export const backendIp = (i: number): string => `10.197.0.${10 + i}`;

export interface Bed {
  host: string;
  client: string;
  backends: { ns: string; name: string; ip: string }[];
  procs: ChildProcess[];
}

async function ip(...args: string[]): Promise<void> {
  await exec('ip', args);
}

/** True when this process can build namespaces and run nft (root, iproute2, nftables). */
export async function canUseKernel(): Promise<boolean> {
  if (process.getuid?.() !== 0) return false;
  try {
    await exec('nft', ['--version']);
    await exec('ip', ['-V']);
    return true;
  } catch {
    return false;
  }
}

/** conntrack(8) is what removeBackend uses to cut connections already on a task. */
export async function hasConntrack(): Promise<boolean> {
  return exec('conntrack', ['--version']).then(
    () => true,
    () => false,
  );
}

export async function createBed(tag: string, backends: number): Promise<Bed> {
  const p = `tslb${tag}${process.pid}`;
  const bed: Bed = { host: `${p}h`, client: `${p}c`, backends: [], procs: [] };
  for (let i = 1; i <= backends; i++) bed.backends.push({ ns: `${p}b${i}`, name: `b${i}`, ip: backendIp(i) });
  try {
    await build(bed);
  } catch (err) {
    await destroyBed(bed);
    throw err;
  }
  return bed;
}

async function build(bed: Bed): Promise<void> {
  const all = [bed.host, bed.client, ...bed.backends.map((b) => b.ns)];
  for (const ns of all) {
    await ip('netns', 'add', ns);
    await ip('-n', ns, 'link', 'set', 'lo', 'up');
  }
  await ip('-n', bed.host, 'link', 'add', 'br0', 'type', 'bridge');
  await ip('-n', bed.host, 'addr', 'add', `${HOST_IP}/25`, 'dev', 'br0');
  await ip('-n', bed.host, 'link', 'set', 'br0', 'up');
  // A real host reaches VIPs through some route (its default route will do); give this one
  // the VIP range, so the host's own connections to a VIP get as far as the nat output hook.
  await ip('-n', bed.host, 'route', 'add', '10.197.0.128/25', 'dev', 'br0');
  await setSysctl(bed.host, 'net/ipv4/conf/all/send_redirects', '0');
  const plug = async (ns: string, hostSide: string, addr: string): Promise<void> => {
    await ip('-n', bed.host, 'link', 'add', hostSide, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    await ip('-n', bed.host, 'link', 'set', hostSide, 'master', 'br0', 'up');
    await ip('-n', ns, 'addr', 'add', `${addr}/25`, 'dev', 'eth0');
    await ip('-n', ns, 'link', 'set', 'eth0', 'up');
    await ip('-n', ns, 'route', 'add', 'default', 'via', HOST_IP);
  };
  await plug(bed.client, 'vcl', CLIENT_IP);
  for (const [i, b] of bed.backends.entries()) await plug(b.ns, `vb${i + 1}`, b.ip);
}

const SERVER = `
const http = require('http');
const dgram = require('dgram');
const [name, port, bind, keepAlive] = process.argv.slice(1);
const udp = dgram.createSocket('udp4').on('message', (m, r) => udp.send(name + ' ' + r.address, r.port, r.address));
udp.bind(Number(port), bind || '0.0.0.0', () =>
  http.createServer((q, s) => { if (keepAlive !== 'keep-alive') s.setHeader('connection', 'close'); s.end(name + ' ' + q.socket.remoteAddress); })
    .listen(Number(port), bind || '0.0.0.0', () => console.log('ready')));
`;

/**
 * Starts an HTTP server and a UDP echo in `ns`, both answering "NAME REMOTE-ADDRESS" on `port`.
 * HTTP answers close the connection unless `keepAlive` (benchmarks).
 */
export function startServer(bed: Bed, ns: string, name: string, port: number, bind = '0.0.0.0', keepAlive = false): Promise<void> {
  const argv = ['netns', 'exec', ns, process.execPath, '-e', SERVER, name, String(port), bind, keepAlive ? 'keep-alive' : ''];
  const child = spawn('ip', argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  bed.procs.push(child);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`server ${name} exited (${code})`)));
    child.stdout?.once('data', () => resolve());
  });
}

const CLIENT = `
const net = require('net');
const [host, port, count] = process.argv.slice(1);
function once() {
  return new Promise((resolve) => {
    const t0 = Date.now(); let buf = '';
    const s = net.connect({ host, port: Number(port) });
    s.setTimeout(3000, () => { s.destroy(); resolve({ err: 'TIMEOUT', ms: Date.now() - t0 }); });
    s.on('connect', () => s.write('GET / HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n'));
    s.on('data', (d) => (buf += d));
    s.on('error', (e) => resolve({ err: e.code, ms: Date.now() - t0 }));
    s.on('close', () => resolve({ body: buf.split('\\r\\n\\r\\n')[1], ms: Date.now() - t0 }));
  });
}
(async () => { const out = []; for (let i = 0; i < Number(count); i++) out.push(await once()); console.log(JSON.stringify(out)); })();
`;

export interface Reply {
  body?: string;
  err?: string;
  ms: number;
}

/** `count` sequential new TCP connections from inside `ns` to host:port, one request each. */
export async function connectMany(ns: string, host: string, port: number, count: number): Promise<Reply[]> {
  const { stdout } = await exec('ip', ['netns', 'exec', ns, process.execPath, '-e', CLIENT, host, String(port), String(count)], {
    timeout: 120_000,
  });
  return JSON.parse(stdout) as Reply[];
}

/** Replies counted by backend name (first word of the body); errors under "ERR:<code>". */
export function tally(replies: Reply[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const r of replies) {
    const k = r.err !== undefined ? `ERR:${r.err}` : (r.body ?? '').split(' ')[0] ?? '';
    t[k] = (t[k] ?? 0) + 1;
  }
  return t;
}

const UDP_CLIENT = `
const dgram = require('dgram');
const [host, port, firstPort] = process.argv.slice(1);
let sock;
let next = Number(firstPort);
const send = (s) => {
  const t = setTimeout(() => { s.removeAllListeners('message'); console.log('ERR:TIMEOUT'); }, 1500);
  s.once('message', (m) => { clearTimeout(t); console.log(m.toString()); });
  s.send('q', Number(port), host);
};
require('readline').createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'same' && sock) return send(sock);
  // A new flow needs a new 5-tuple: an ephemeral port the kernel hands out again would
  // match the previous flow's conntrack entry and reach the same backend.
  if (sock) sock.close();
  sock = dgram.createSocket('udp4');
  sock.bind(next++, () => send(sock));
});
`;

/**
 * A UDP client process in `ns`: ask('new') sends from a fresh socket on a source port not used
 * before (a new flow), ask('same') from the previous one (the same conntrack entry); resolves
 * to the reply or "ERR:TIMEOUT".
 */
export function udpClient(bed: Bed, ns: string, host: string, port: number): { ask(kind: 'new' | 'same'): Promise<string> } {
  const firstPort = 20000 + 1000 * bed.procs.length; // distinct per client process of the bed
  const argv = ['netns', 'exec', ns, process.execPath, '-e', UDP_CLIENT, host, String(port), String(firstPort)];
  const child = spawn('ip', argv, { stdio: ['pipe', 'pipe', 'inherit'] });
  bed.procs.push(child);
  const waiting: ((line: string) => void)[] = [];
  let buf = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      waiting.shift()?.(line);
    }
  });
  return {
    ask: (kind) =>
      new Promise<string>((resolve) => {
        waiting.push(resolve);
        child.stdin?.write(`${kind}\n`);
      }),
  };
}

/** Writes /proc/sys/PATH inside `ns` (no dependency on procps' sysctl). */
export async function setSysctl(ns: string, path: string, value: string): Promise<void> {
  await exec('ip', ['netns', 'exec', ns, 'sh', '-c', 'echo "$1" > "/proc/sys/$2"', 'sh', value, path]);
}

export async function nsExec(ns: string, cmd: string, args: string[]): Promise<string> {
  const { stdout } = await exec('ip', ['netns', 'exec', ns, cmd, ...args]);
  return stdout;
}

/** Kills the bed's processes by pid, waits for them, and deletes its namespaces; never throws. */
export async function destroyBed(bed: Bed): Promise<void> {
  await Promise.all(
    bed.procs.map(async (p) => {
      if (p.exitCode !== null || p.signalCode !== null || p.pid === undefined) return;
      const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        return; // already gone
      }
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000))]);
    }),
  );
  for (const ns of [bed.host, bed.client, ...bed.backends.map((b) => b.ns)]) {
    for (let attempt = 0; attempt < 3; attempt++) {
      const ok = await ip('netns', 'del', ns).then(
        () => true,
        (err: { stderr?: string }) => /No such file|not found/i.test(err.stderr ?? ''),
      );
      if (ok) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
