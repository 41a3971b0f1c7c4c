// The multi-host test bed (deploy/bed/bed.sh) for tests and benchmarks: N hosts on one
// machine, each a network namespace with its own dockerd, joined by a private underlay
// (10.199.0.0/24, host i = 10.199.0.(10+i)) on a bridge in a namespace of its own.
//
//   const bed = await Bed.up(2);              // in before(); Bed.unavailable() says why not
//   await bed.exec(1, 'busybox', ['ping', '-c1', bed.host(2).addr]);
//   const mgr = bed.spawn(1, 'node', [...]);  // runs in host 1's netns, DOCKER_HOST set
//   await bed.cut(2); await bed.heal(2); await bed.kill(2);
//   await bed.down();                         // in after(); idempotent
//
// The test process itself stays in the root namespace, which has no route to the underlay:
// reach a host's services through exec/spawn, or through unix sockets (as the engines are).
import { spawn as spawnChild, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BED_SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../deploy/bed/bed.sh');

export interface BedHost {
  /** Host name, also its netns name: PREFIX + index, e.g. tsbed-h1. */
  name: string;
  /** 1-based. */
  index: number;
  /** Underlay address, 10.199.0.(10+index). */
  addr: string;
  /** DOCKER_HOST for this host's engine, unix:///run/tsbed/NAME/docker.sock. */
  dockerHost: string;
  /** `ip netns` name (/var/run/netns/NAME). */
  netns: string;
}

export interface BedOptions {
  /** Host name prefix (default tsbed-h). Only one bed can be up at a time. */
  prefix?: string;
  /** Where test images come from: the host engine, a build (scripts/build-images.sh), either (auto), or none. */
  images?: 'auto' | 'host' | 'build' | 'none';
  /** Tear down leftovers of an earlier bed with this prefix first (default true). */
  fresh?: boolean;
  /** If another live process owns the bed, wait this long for it to be freed (default 120 s). */
  waitForFreeMs?: number;
  /** Keep /var/log/tsbed/HOST-dockerd.log after down (default: env TSBED_KEEP_LOGS is set). */
  keepLogs?: boolean;
  /** Limit for `bed.sh up` itself (default 180 s). */
  timeoutMs?: number;
}

export interface ExecResult {
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  timeoutMs?: number;
  input?: string;
}

/** A host by object, name or 1-based index. */
export type HostRef = BedHost | string | number;

const BUSY_EXIT = 75;

/** Runs a command to completion; never throws for a non-zero exit. SIGKILL at the timeout. */
function runCommand(cmd: string, args: string[], env: NodeJS.ProcessEnv, opts: ExecOptions = {}): Promise<ExecResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolve) => {
    const child = spawnChild(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      stderr += `\n[bed] killed after ${timeoutMs} ms: ${cmd} ${args.join(' ')}\n`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: 127, signal: null, stdout, stderr: stderr + String(err) });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128, signal, stdout, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

function bedScript(args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return runCommand('bash', [BED_SCRIPT, ...args], process.env, opts);
}

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (!alive(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export class Bed {
  private readonly children = new Set<ChildProcess>();
  private downPromise: Promise<void> | undefined;
  private isDown = false;
  private readonly exitHook = (): void => this.downSync();

  private constructor(
    readonly prefix: string,
    readonly hosts: BedHost[],
    private readonly keepLogs: boolean,
  ) {
    // Last resort if a test never calls down(): a synchronous teardown when the process exits.
    process.on('exit', this.exitHook);
  }

  /** Why the bed cannot run here, or undefined if it can (for `{ skip }` in tests). */
  static async unavailable(): Promise<string | undefined> {
    if (process.platform !== 'linux') return 'the test bed needs Linux';
    if (process.getuid?.() !== 0) return 'the test bed needs root (network namespaces, dockerd)';
    const r = await runCommand('bash', ['-c', 'for c in ip nsenter dockerd docker iptables findmnt flock busybox; do command -v $c >/dev/null || echo $c; done'], process.env);
    const missing = r.stdout.split('\n').filter(Boolean);
    return missing.length ? `the test bed needs: ${missing.join(', ')}` : undefined;
  }

  /** Brings up an n-host bed (or takes over a stale one); on failure tears down what it made. */
  static async up(n: number, opts: BedOptions = {}): Promise<Bed> {
    const prefix = opts.prefix ?? 'tsbed-h';
    const args = ['up', String(n), '--name', prefix, '--images', opts.images ?? 'auto', '--owner', String(process.pid)];
    if (opts.fresh !== false) args.push('--fresh');
    const keepLogs = opts.keepLogs ?? Boolean(process.env.TSBED_KEEP_LOGS);
    const freeBy = Date.now() + (opts.waitForFreeMs ?? 120_000);
    for (;;) {
      const r = await bedScript(args, { timeoutMs: opts.timeoutMs ?? 180_000 });
      if (r.code === BUSY_EXIT && Date.now() < freeBy) {
        await new Promise((res) => setTimeout(res, 1000));
        continue;
      }
      if (r.code !== 0) {
        if (r.code !== BUSY_EXIT) await bedScript(['down', '--name', prefix, ...(keepLogs ? ['--keep-logs'] : [])], { timeoutMs: 120_000 });
        throw new Error(`bed.sh up ${n} failed (exit ${r.code}):\n${r.stderr.trim()}`);
      }
      const hosts = r.stdout
        .split('\n')
        .filter(Boolean)
        .map((line): BedHost => {
          const [name = '', addr = '', dockerHost = '', netns = ''] = line.split('\t');
          return { name, index: Number(name.slice(prefix.length)), addr, dockerHost, netns };
        });
      if (hosts.length !== n || hosts.some((h) => !h.name || !h.addr || !h.dockerHost)) {
        await bedScript(['down', '--name', prefix], { timeoutMs: 120_000 });
        throw new Error(`bed.sh up ${n}: unexpected output:\n${r.stdout}`);
      }
      return new Bed(prefix, hosts, keepLogs);
    }
  }

  host(ref: HostRef): BedHost {
    if (typeof ref === 'object') return ref;
    const h = typeof ref === 'number' ? this.hosts.find((x) => x.index === ref) : this.hosts.find((x) => x.name === ref);
    if (!h) throw new Error(`no bed host ${String(ref)} (have ${this.hosts.map((x) => x.name).join(', ')})`);
    return h;
  }

  /** Runs cmd in the host's netns (DOCKER_HOST = its engine) and waits for it. */
  exec(ref: HostRef, cmd: string, args: string[] = [], env: NodeJS.ProcessEnv = {}, opts: ExecOptions = {}): Promise<ExecResult> {
    this.assertUp();
    return runCommand('bash', [BED_SCRIPT, 'exec', this.host(ref).name, '--', cmd, ...args], { ...process.env, ...env }, { timeoutMs: 30_000, ...opts });
  }

  /** `docker …` against the host's engine, run inside the host's netns. */
  docker(ref: HostRef, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return this.exec(ref, 'docker', args, {}, opts);
  }

  /**
   * Starts a long-running process in the host's netns, DOCKER_HOST set to its engine. The
   * returned pid is the command's own (bash and nsenter exec into it). down() kills it.
   */
  spawn(ref: HostRef, cmd: string, args: string[] = [], opts: SpawnOptions = {}): ChildProcess {
    this.assertUp();
    const child = spawnChild('bash', [BED_SCRIPT, 'exec', this.host(ref).name, '--', cmd, ...args], {
      ...opts,
      env: { ...process.env, ...opts.env },
    });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /** One ICMP echo from one host to an address (default: another host's underlay address). */
  async ping(from: HostRef, to: HostRef | string, timeoutSec = 1): Promise<boolean> {
    const addr = typeof to === 'string' && /^\d+\.\d+\.\d+\.\d+$/.test(to) ? to : this.host(to).addr;
    const r = await this.exec(from, 'busybox', ['ping', '-c', '1', '-W', String(timeoutSec), addr], {}, { timeoutMs: (timeoutSec + 5) * 1000 });
    return r.code === 0;
  }

  /**
   * HTTP GET from inside a host (curl, else GNU wget: Debian's static busybox wget segfaults).
   * code 0 and the body on stdout on a 2xx answer.
   */
  httpGet(from: HostRef, url: string, timeoutSec = 2): Promise<ExecResult> {
    const script = 'if command -v curl >/dev/null; then exec curl -fsS -m "$1" "$2"; else exec wget -qO- -T "$1" -t 1 "$2"; fi';
    return this.exec(from, 'sh', ['-c', script, 'http-get', String(timeoutSec), url], {}, { timeoutMs: (timeoutSec + 5) * 1000 });
  }

  /**
   * Partitions a host from all others (its link to the underlay bridge goes down), or, with
   * a peer, only the two from each other (drop rules on the bridge, both directions).
   */
  async cut(ref: HostRef, peer?: HostRef): Promise<void> {
    await this.script(['cut', this.host(ref).name, ...(peer === undefined ? [] : [this.host(peer).name])]);
  }

  /** Undoes cut(ref, peer); without a peer: link up and every pairwise cut of the host gone. */
  async heal(ref: HostRef, peer?: HostRef): Promise<void> {
    await this.script(['heal', this.host(ref).name, ...(peer === undefined ? [] : [this.host(peer).name])]);
  }

  /** SIGKILLs the host's dockerd (containers and shims live on); all: every process of the host. */
  async kill(ref: HostRef, opts: { all?: boolean } = {}): Promise<void> {
    await this.script(['kill', this.host(ref).name, ...(opts.all ? ['--all'] : [])]);
  }

  /** Boots the host's engine again after kill(): what survived is killed first, as in a reboot. */
  async start(ref: HostRef): Promise<void> {
    await this.script(['start', this.host(ref).name], 90_000);
  }

  async status(): Promise<string> {
    return (await this.script(['status', '--name', this.prefix])).stdout;
  }

  /** Kills what spawn() started (by pid), then tears the whole bed down. Safe to call twice. */
  down(): Promise<void> {
    this.downPromise ??= this.doDown().catch((err: unknown) => {
      this.downPromise = undefined; // let a later call try again
      throw err;
    });
    return this.downPromise;
  }

  private async doDown(): Promise<void> {
    const children = [...this.children];
    for (const c of children) if (alive(c)) c.kill('SIGTERM');
    const exited = await Promise.all(children.map((c) => waitExit(c, 5000)));
    children.forEach((c, i) => {
      if (!exited[i] && alive(c)) c.kill('SIGKILL');
    });
    await Promise.all(children.map((c) => waitExit(c, 2000)));
    const r = await bedScript(['down', '--name', this.prefix, ...(this.keepLogs ? ['--keep-logs'] : [])], { timeoutMs: 180_000 });
    if (r.code !== 0) throw new Error(`bed.sh down failed (exit ${r.code}):\n${r.stderr.trim()}`);
    this.isDown = true;
    process.off('exit', this.exitHook);
  }

  private downSync(): void {
    if (this.isDown) return;
    for (const c of this.children) if (alive(c)) c.kill('SIGKILL');
    spawnSync('bash', [BED_SCRIPT, 'down', '--name', this.prefix], { stdio: 'inherit', timeout: 120_000 });
    this.isDown = true;
  }

  private assertUp(): void {
    if (this.isDown || this.downPromise) throw new Error('the bed is down');
  }

  private async script(args: string[], timeoutMs = 30_000): Promise<ExecResult> {
    this.assertUp();
    const r = await bedScript(args, { timeoutMs });
    if (r.code !== 0) throw new Error(`bed.sh ${args.join(' ')} failed (exit ${r.code}):\n${r.stderr.trim()}`);
    return r;
  }
}
