// Flag handling shared by init and join.

import path from 'node:path';
import { AddressError, parseHostPort } from '../../../common/addr.js';
import { invalidFlag } from '../../errors.js';

export const DEFAULT_DATA_DIR = '/var/lib/tsswarm';
export const DEFAULT_LISTEN_ADDR = '0.0.0.0:2377';
export const DEFAULT_API_ADDR = '127.0.0.1:2375';

/** Validates HOST:PORT (port optional) and returns it as given. */
export function checkAddr(flag: string, value: string, defaultPort: number): { host: string; port: number } {
  try {
    return parseHostPort(value, defaultPort, flag);
  } catch (err) {
    if (err instanceof AddressError) throw invalidFlag(flag, value, err.message.replace(/^invalid \S+ "[^"]*": /, ''));
    throw err;
  }
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host.startsWith('127.') || host === '::1';
}

export function absDataDir(dir: string | undefined): string {
  return path.resolve(dir ?? DEFAULT_DATA_DIR);
}

/** Rebuilds a child command line from flags: `--flag value` pairs and boolean switches. */
export function toArgs(values: Record<string, string | boolean | undefined>): string[] {
  const out: string[] = [];
  for (const [flag, v] of Object.entries(values)) {
    if (v === true) out.push(flag);
    else if (typeof v === 'string') out.push(flag, v);
  }
  return out;
}
