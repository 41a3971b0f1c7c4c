// What every command gets: where to write, the environment, a clock, and the API client.

import { ApiClient, DEFAULT_HOST } from './client.js';
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

export class Ctx {
  readonly io: CliIo;
  private hostFlag: () => string | undefined;
  private cached: ApiClient | undefined;

  constructor(io: CliIo, hostFlag: () => string | undefined) {
    this.io = io;
    this.hostFlag = hostFlag;
  }

  println(line = ''): void {
    this.io.stdout(line + '\n');
  }

  /** The manager address: -H, then TSSWARM_HOST, then tcp://127.0.0.1:2375. */
  host(): string {
    return this.hostFlag() ?? (this.io.env.TSSWARM_HOST || undefined) ?? DEFAULT_HOST;
  }

  client(): ApiClient {
    this.cached ??= new ApiClient(this.host());
    return this.cached;
  }
}
