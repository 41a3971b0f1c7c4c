// Requests per second through the load balancer, kernel vs userspace, on the namespace bed
// of test/unit/lb (client -> host 10.197.0.1 -> 3 backends running node HTTP servers).
// wrk runs in the client namespace; every byte stays inside the bed's namespaces.
// Run (root, wrk installed): node --import tsx bench/lb-throughput.ts [--seconds 5] [--conns 32]
//
// Rows: direct to one backend (routed, no NAT) for reference; nftables DNAT on :8080;
// UserspaceProxy on :8081 (a child process inside the host namespace). Each with HTTP
// keep-alive and with "Connection: close" (a new connection, and a new balancing decision,
// per request). Backends are node servers, so on a small machine they bound the figures.
import { spawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { silentLogger } from '../src/common/log.js';
import { NftLoadBalancer } from '../src/lb/nft-load-balancer.js';
import { UserspaceProxy } from '../src/lb/userspace-proxy.js';
import type { Backend, LbDesiredState } from '../src/lb/types.js';
import { HOST_IP, createBed, destroyBed, startServer, type Bed } from '../test/unit/lb/netns-bed.js';

const exec = promisify(execFile);
const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(name);
  return i > 0 ? (process.argv[i + 1] ?? dflt) : dflt;
};
const state = (port: number, backends: Backend[]): LbDesiredState => ({
  ingress: [{ serviceId: 'web', protocol: 'tcp', publishedPort: port, backends }],
  vips: [],
});

// Child role: run a UserspaceProxy inside the host namespace until stdin closes.
if (process.argv[2] === '--child-userspace') {
  const backends = JSON.parse(process.argv[4] ?? '[]') as Backend[];
  const proxy = new UserspaceProxy({ log: silentLogger });
  await proxy.sync(state(Number(process.argv[3]), backends));
  console.log('ready');
  process.stdin.resume().on('end', () => void proxy.teardown().then(() => process.exit(0)));
} else {
  await main();
}

async function wrk(ns: string, url: string, close: boolean): Promise<string> {
  const seconds = arg('--seconds', '5');
  const args = ['-t2', `-c${arg('--conns', '32')}`, `-d${seconds}s`, '--timeout', '2s', '--latency', url];
  if (close) args.unshift('-H', 'Connection: close');
  const { stdout } = await exec('ip', ['netns', 'exec', ns, 'wrk', ...args], { timeout: (Number(seconds) + 30) * 1000 });
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? '?';
  const p50 = /50%\s+(\S+)/.exec(stdout)?.[1] ?? '?';
  const p99 = /99%\s+(\S+)/.exec(stdout)?.[1] ?? '?';
  const errors = /Socket errors: (.*)/.exec(stdout)?.[1] ?? 'none';
  return `${rps.padStart(10)} req/s   p50 ${p50.padStart(8)}   p99 ${p99.padStart(8)}   socket errors: ${errors}`;
}

async function main(): Promise<void> {
  let bed: Bed | undefined;
  let lb: NftLoadBalancer | undefined;
  try {
    bed = await createBed('w', 3);
    const b = bed;
    await Promise.all(b.backends.map((x) => startServer(b, x.ns, x.name, 80, '0.0.0.0', true)));
    const backends = b.backends.map((x, i) => ({ taskId: `t${i}`, ip: x.ip, port: 80 }));
    lb = new NftLoadBalancer({ log: silentLogger, netns: b.host });
    await lb.sync(state(8080, backends));

    const self = fileURLToPath(import.meta.url);
    const child = spawn('ip', ['netns', 'exec', b.host, process.execPath, '--import', 'tsx', self, '--child-userspace', '8081', JSON.stringify(backends)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    b.procs.push(child);
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`userspace proxy exited (${code})`)));
      child.stdout.once('data', () => resolve());
    });

    const first = b.backends[0]?.ip ?? '';
    console.log(`wrk -t2 -c${arg('--conns', '32')} -d${arg('--seconds', '5')}s from the client namespace; 3 node HTTP backends`);
    for (const close of [false, true]) {
      console.log(close ? '\nConnection: close (new connection per request)' : '\nkeep-alive');
      console.log(`  direct (1 backend) ${await wrk(b.client, `http://${first}:80/`, close)}`);
      console.log(`  nftables (3)       ${await wrk(b.client, `http://${HOST_IP}:8080/`, close)}`);
      console.log(`  userspace (3)      ${await wrk(b.client, `http://${HOST_IP}:8081/`, close)}`);
    }
    child.stdin.end();
  } finally {
    await lb?.teardown().catch(() => undefined);
    if (bed) await destroyBed(bed);
  }
}
