// What every command gets: where to write, the environment, a clock, and the API client.

import os from 'node:os';
import path from 'node:path';
import { TlsConfigError, loadTlsFiles } from '../common/tls-files.js';
import { ApiClient, DEFAULT_HOST, type ClientTls } from './client.js';
import { CliError } from './errors.js';
import type { ManagerModule, WorkerModule } from './commands/daemon/modules.js';

export interface CliIo {
  /** Writes to stdout verbatim (add the newline yourself, or use Ctx.println). */
  stdout(text: string): void;
  stderr(text: string): void;
  env: Record<string, string | undefined>;
  /** Milliseconds since the epoch; tests pin it so relative times are stable. */
  now(): number;
  /** All of standard input (`stack deploy -c -`); undefined when there is none to read. */
  stdin?: () => Promise<string>;
  /**
   * Loads the daemon modules. Defaults to lazy `import()` of src/manager/daemon.ts and
   * src/worker/daemon.ts (so client commands never load them); tests pass fakes.
   */
  loadManager?: () => Promise<ManagerModule>;
  loadWorker?: () => Promise<WorkerModule>;
}

/** The global TLS flags, as docker names them. */
export interface TlsFlags {
  tlsverify?: boolean;
  tlscacert?: string;
  tlscert?: string;
  tlskey?: string;
}

export class Ctx {
  readonly io: CliIo;
  private hostFlag: () => string | undefined;
  private tlsFlags: () => TlsFlags;
  private cached: ApiClient | undefined;

  constructor(io: CliIo, hostFlag: () => string | undefined, tlsFlags: () => TlsFlags = () => ({})) {
    this.io = io;
    this.hostFlag = hostFlag;
    this.tlsFlags = tlsFlags;
  }

  println(line = ''): void {
    this.io.stdout(line + '\n');
  }

  /** The manager address: -H, then TSSWARM_HOST, then tcp://127.0.0.1:2375. */
  host(): string {
    return this.hostFlag() ?? (this.io.env.TSSWARM_HOST || undefined) ?? DEFAULT_HOST;
  }

  /**
   * Mutual TLS to the API when asked for: --tlsverify (or TSSWARM_TLS_VERIFY=1, or any of
   * the file flags), with the files from the flags or else ca.pem, cert.pem and key.pem in
   * TSSWARM_CERT_PATH (default ~/.tsswarm). Undefined for plain HTTP.
   */
  tls(): ClientTls | undefined {
    const f = this.tlsFlags();
    const env = this.io.env.TSSWARM_TLS_VERIFY;
    const on = f.tlsverify === true || (env !== undefined && env !== '' && env !== '0') || f.tlscacert !== undefined || f.tlscert !== undefined || f.tlskey !== undefined;
    if (!on) return undefined;
    const dir = this.io.env.TSSWARM_CERT_PATH || path.join(this.io.env.HOME || os.homedir(), '.tsswarm');
    const files = { ca: f.tlscacert ?? path.join(dir, 'ca.pem'), cert: f.tlscert ?? path.join(dir, 'cert.pem'), key: f.tlskey ?? path.join(dir, 'key.pem') };
    try {
      const m = loadTlsFiles(files);
      return { ca: m.ca, cert: m.cert, key: m.key };
    } catch (err) {
      if (err instanceof TlsConfigError) throw new CliError(`TLS: ${err.message}`, { cause: err });
      throw err;
    }
  }

  client(): ApiClient {
    this.cached ??= new ApiClient(this.host(), this.tls());
    return this.cached;
  }
}
