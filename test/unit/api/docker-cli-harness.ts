// The stock docker CLI against an in-process API server (real HTTP on 127.0.0.1, a seeded
// store, fake task maker): shared by the tests that check docker CLI compatibility.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApiServer, startApiServer } from '../../../src/api/server.js';
import type { Store } from '../../../src/store/store.js';
import { FakeTaskMaker } from './fake-orchestrator.js';
import { managerInfo, seededStore, testLog } from './fixtures.js';

export const DOCKER = '/usr/local/bin/docker';
/** `skip` option for a describe(): the reason, or false when the docker CLI is here. */
export const dockerCliSkip: string | false = existsSync(DOCKER) ? false : `${DOCKER} not installed`;
/** Upper bound for one CLI command; `service create/scale` wait ~5 s to verify convergence. */
const COMMAND_TIMEOUT_MS = 30_000;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class DockerCliHarness {
  private constructor(
    readonly store: Store,
    readonly app: FastifyInstance,
    readonly maker: FakeTaskMaker,
    readonly host: string,
    readonly configDir: string,
    /** Every request the server answered: `METHOD url -> status`. */
    readonly requests: string[],
  ) {}

  static async start(): Promise<DockerCliHarness> {
    const store = await seededStore();
    const maker = new FakeTaskMaker(store);
    maker.start();
    const app = buildApiServer({ store, log: testLog, info: managerInfo() });
    const requests: string[] = [];
    app.addHook('onResponse', async (req, reply) => {
      requests.push(`${req.method} ${decodeURIComponent(req.originalUrl)} -> ${reply.statusCode}`);
    });
    const host = await startApiServer(app, '127.0.0.1', 0);
    return new DockerCliHarness(store, app, maker, host, mkdtempSync(path.join(os.tmpdir(), 'tsswarm-docker-config-')), requests);
  }

  async stop(): Promise<void> {
    this.maker.stop();
    await this.app.close();
    rmSync(this.configDir, { recursive: true, force: true });
    if (testLog.isLevelEnabled('debug')) for (const r of this.requests) testLog.debug(r);
  }

  /** Runs `docker -H tcp://HOST ARGS…` with a private config and none of the user's DOCKER_* settings. */
  docker(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> {
    const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: this.configDir, DOCKER_CLI_HINTS: 'false', ...extraEnv };
    for (const k of ['DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_API_VERSION']) delete env[k];
    return new Promise((resolve) => {
      execFile(DOCKER, ['-H', `tcp://${this.host}`, ...args], { env, timeout: COMMAND_TIMEOUT_MS }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
      });
    });
  }
}
