// IPv4 address management for overlay networks: CIDR parsing, subnet carving from the
// default pool, and per-network address allocation. Pure: the caller derives what is in
// use from the store, so a crash can never leak an address.

export class IpamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IpamError';
  }
}

export interface Cidr {
  base: number; // network address as an unsigned 32-bit integer
  prefix: number;
}

export function ipToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new IpamError(`"${ip}" is not an IPv4 address`);
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) throw new IpamError(`"${ip}" is not an IPv4 address`);
    n = n * 256 + Number(p);
  }
  return n;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(text: string): Cidr {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(text.trim());
  if (!m) throw new IpamError(`invalid subnet "${text}": expected CIDR notation like 10.0.5.0/24`);
  const prefix = Number(m[2]);
  if (prefix < 8 || prefix > 29) throw new IpamError(`invalid subnet "${text}": prefix must be between /8 and /29`);
  const ip = ipToInt(m[1] ?? '');
  const base = prefix === 0 ? 0 : (ip & maskOf(prefix)) >>> 0;
  if (base !== ip) throw new IpamError(`invalid subnet "${text}": host bits are set (did you mean ${intToIp(base)}/${prefix}?)`);
  return { base, prefix };
}

export function formatCidr(c: Cidr): string {
  return `${intToIp(c.base)}/${c.prefix}`;
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function size(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function contains(c: Cidr, ip: number): boolean {
  return ip >= c.base && ip < c.base + size(c);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + size(b) && b.base < a.base + size(a);
}

/** The default address pool and the size of the subnets carved from it, as Docker's. */
export const DEFAULT_POOL = '10.0.0.0/8';
export const DEFAULT_SUBNET_PREFIX = 24;

/** The first /24 of the pool that overlaps none of `taken`. */
export function carveSubnet(taken: Cidr[], pool = parseCidr(DEFAULT_POOL), prefix = DEFAULT_SUBNET_PREFIX): Cidr {
  const step = 2 ** (32 - prefix);
  for (let base = pool.base; base < pool.base + size(pool); base += step) {
    const candidate = { base, prefix };
    if (!taken.some((t) => overlaps(t, candidate))) return candidate;
  }
  throw new IpamError(`address pool ${formatCidr(pool)} has no free /${prefix} left`);
}

/** The lowest free host address of `subnet` not in `used` (network, broadcast and gateway excluded). */
export function allocateAddress(subnet: Cidr, used: Set<number>, from?: number): number {
  const first = subnet.base + 1;
  const last = subnet.base + size(subnet) - 2;
  const start = from !== undefined && from >= first && from <= last ? from : first;
  for (let i = 0; i <= last - first; i++) {
    const ip = first + ((start - first + i) % (last - first + 1));
    if (!used.has(ip)) return ip;
  }
  throw new IpamError(`subnet ${formatCidr(subnet)} has no free address left`);
}

/** Docker-style MAC for an IPv4 address: 02:42 followed by the address bytes. */
export function macForIp(ip: string): string {
  const n = ipToInt(ip);
  const bytes = [0x02, 0x42, n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

export const MIN_VNI = 4096;
export const MAX_VNI = 16_777_215;

export function allocateVni(used: Set<number>): number {
  for (let v = MIN_VNI; v <= MAX_VNI; v++) if (!used.has(v)) return v;
  throw new IpamError('no free VXLAN ID left');
}
