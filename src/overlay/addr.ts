// IPv4 and MAC helpers for the overlay (the overlay is IPv4-only, like Swarm's default).

/** Parses dotted-quad IPv4 into an unsigned 32-bit number; undefined when not valid. */
export function parseIPv4(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255 || (m[i]!.length > 1 && m[i]!.startsWith('0'))) return undefined;
    n = n * 256 + octet;
  }
  return n;
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export interface Cidr {
  /** Network address (host bits cleared). */
  base: number;
  prefixLen: number;
}

/** Parses A.B.C.D/N; host bits must be zero. */
export function parseCidr(cidr: string): Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(cidr);
  if (!m) return undefined;
  const addr = parseIPv4(m[1]!);
  const prefixLen = Number(m[2]);
  if (addr === undefined || prefixLen > 32) return undefined;
  const base = (addr & maskOf(prefixLen)) >>> 0;
  if (base !== addr) return undefined;
  return { base, prefixLen };
}

function maskOf(prefixLen: number): number {
  return prefixLen === 0 ? 0 : (0xffffffff << (32 - prefixLen)) >>> 0;
}

export function inCidr(ip: number, cidr: Cidr): boolean {
  return ((ip & maskOf(cidr.prefixLen)) >>> 0) === cidr.base;
}

/** Lower-case colon form of a MAC, or undefined when it is not 6 hex octets. */
export function normalizeMac(mac: string): string | undefined {
  const m = /^([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})$/i.exec(mac);
  return m ? m.slice(1).join(':').toLowerCase() : undefined;
}

/** Docker's MAC for an IPv4 address: 02:42 followed by the four address octets in hex. */
export function macForIp(ip: string): string {
  const n = parseIPv4(ip);
  if (n === undefined) throw new TypeError(`macForIp: "${ip}" is not an IPv4 address`);
  const octets = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  return ['02', '42', ...octets.map((o) => o.toString(16).padStart(2, '0'))].join(':');
}
