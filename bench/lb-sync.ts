// Sync latency of the nftables load balancer: time from sync() being called to the kernel
// maps being in force, on tables of 10 to 1,000 services (each one published port and one
// VIP, 5 backends). Runs in a scratch network namespace; no packet is sent.
// Run (root): node --import tsx bench/lb-sync.ts [--changes N] [--sizes 10,100,1000]
//
// Reported per size: the first sync (whole table in one transaction), one service scaled
// 5 -> 6 -> 5 (p50/p90/max over --changes syncs), removeBackend, and an unchanged sync.
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../src/common/log.js';
import { NftLoadBalancer } from '../src/lb/nft-load-balancer.js';
import type { Backend, LbDesiredState } from '../src/lb/types.js';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(name);
  return i > 0 ? (process.argv[i + 1] ?? dflt) : dflt;
};
const CHANGES = Number(arg('--changes', '40'));
const SIZES = arg('--sizes', '10,100,500,1000').split(',').map(Number);
const NS = `tslbbench${process.pid}`;

function backends(service: number, n: number): Backend[] {
  // Addresses only live in the maps (nothing is sent); keep them inside 10.197.0.0/24 anyway.
  return Array.from({ length: n }, (_, i) => ({ taskId: `s${service}t${i}`, ip: `10.197.0.${2 + ((service * 7 + i) % 120)}`, port: 8000 + i }));
}

function state(services: number, scaled: number | undefined, scaledTo: number): LbDesiredState {
  const s: LbDesiredState = { ingress: [], vips: [] };
  for (let i = 0; i < services; i++) {
    const bs = backends(i, i === scaled ? scaledTo : 5);
    s.ingress.push({ serviceId: `svc${i}`, protocol: 'tcp', publishedPort: 20000 + i, backends: bs });
    s.vips.push({ serviceId: `svc${i}`, networkId: 'net', vip: '10.197.0.200', protocol: 'tcp', port: 10000 + i, backends: bs });
  }
  return s;
}

const q = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? NaN;
const f = (x: number): string => x.toFixed(1).padStart(7);

if (process.getuid?.() !== 0) {
  console.error('lb-sync: needs root (network namespace + nft)');
  process.exit(1);
}
execFileSync('ip', ['netns', 'add', NS]);
try {
  console.log(`nft ${execFileSync('nft', ['--version']).toString().trim()}, ${CHANGES} changes per size, times in ms`);
  console.log('services  units   first-sync   change p50   p90     max   removeBackend  unchanged');
  for (const n of SIZES) {
    const lb = new NftLoadBalancer({ log: silentLogger, netns: NS });
    const first = await lb.sync(state(n, undefined, 5));
    const times: number[] = [];
    for (let c = 0; c < CHANGES; c++) {
      const r = await lb.sync(state(n, c % n, c % 2 === 0 ? 6 : 5));
      if (r.changedServices !== 1) throw new Error(`expected 1 changed service, got ${r.changedServices}`);
      times.push(r.ms);
    }
    await lb.sync(state(n, undefined, 5));
    const t0 = performance.now();
    await lb.removeBackend('svc0', 's0t1');
    const rm = performance.now() - t0;
    const same = await lb.sync(state(n, undefined, 5));
    console.log(
      `${String(n).padStart(8)}  ${String(2 * n).padStart(5)}  ${f(first.ms)}     ${f(q(times, 0.5))}  ${f(q(times, 0.9))} ${f(q(times, 1))}  ${f(rm)}        ${f(same.ms)}`,
    );
    await lb.teardown();
  }
} finally {
  execFileSync('ip', ['netns', 'del', NS]);
}
