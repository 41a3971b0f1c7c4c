// Flag handling shared by init and join.

import type { Command } from 'commander';
import path from 'node:path';
import { AddressError, parseHostPort } from '../../../common/addr.js';
import { TlsConfigError, loadTlsFiles, type TlsFiles } from '../../../common/tls-files.js';
import { CliError, invalidFlag, UsageError } from '../../errors.js';

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

/** The API's mutual TLS flags of `init` and `join`, named as dockerd names them. */
export interface DaemonTlsFlags {
  tlsverify?: boolean;
  tlscacert?: string;
  tlscert?: string;
  tlskey?: string;
}

/** Adds --tlsverify, --tlscacert, --tlscert and --tlskey to a daemon command. */
export function addTlsFlags(cmd: Command): Command {
  return cmd
    .option('--tlsverify', 'serve the API over TLS and require client certificates signed by --tlscacert')
    .option('--tlscacert <file>', "CA that signs the clients' certificates (PEM)")
    .option('--tlscert <file>', "this manager's certificate (PEM; also presented to the leader when forwarding)")
    .option('--tlskey <file>', "this manager's private key (PEM)");
}

/**
 * The TLS files when --tlsverify (or any of the file flags) is given: all three are needed,
 * and they are checked now, so a bad file fails the command before anything starts.
 */
export function tlsFilesFrom(flags: DaemonTlsFlags): TlsFiles | undefined {
  const given = flags.tlscacert !== undefined || flags.tlscert !== undefined || flags.tlskey !== undefined;
  if (!flags.tlsverify && !given) return undefined;
  const missing = (['tlscacert', 'tlscert', 'tlskey'] as const).filter((k) => flags[k] === undefined).map((k) => `--${k}`);
  if (missing.length > 0) throw new UsageError(`--tlsverify needs ${missing.join(', ')} (PEM files)`);
  const files = { ca: path.resolve(flags.tlscacert!), cert: path.resolve(flags.tlscert!), key: path.resolve(flags.tlskey!) };
  try {
    loadTlsFiles(files);
  } catch (err) {
    if (err instanceof TlsConfigError) throw new CliError(`TLS: ${err.message}`, { cause: err });
    throw err;
  }
  return files;
}

/** The same flags again, for a detached child. */
export function tlsArgs(files: TlsFiles | undefined): Record<string, string | boolean | undefined> {
  return files === undefined ? {} : { '--tlsverify': true, '--tlscacert': files.ca, '--tlscert': files.cert, '--tlskey': files.key };
}
