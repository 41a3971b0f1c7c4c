// A throwaway multi-"host" lab made of plain network namespaces, for the overlay driver tests.
// core netns: bridge tsovt0 = the underlay 10.198.0.0/24 (exists only in these namespaces);
// host netns tsovt-hN: ul0 with 10.198.0.1N; container netns tsovt-cN with a `sleep` as PID.
// Everything is named tsovt*, and destroy() removes all of it (processes by PID).
import { execFile, spawn } from 'node:child_process';
import { readlink } from 'node:fs/promises';
import { promisify } from 'node:util';

const exec = promisify(execFile);
export const LAB_PREFIX = 'tsovt';
const CORE = `${LAB_PREFIX}-core`;
const UNDERLAY_BRIDGE = `${LAB_PREFIX}0`;

export async function sh(argv: string[], input?: string): Promise<string> {
  const [file, ...args] = argv;
  if (input === undefined) return (await exec(file!, args, { timeout: 30_000 })).stdout;
  return await new Promise((resolve, reject) => {
    const c = spawn(file!, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (b: Buffer) => (out += b.toString()));
    c.stderr.on('data', (b: Buffer) => (err += b.toString()));
    c.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${argv.join(' ')}: ${code}: ${err}`))));
    c.stdin.end(input);
  });
}

/** Runs a command inside a named netns; resolves with exit code and output (never rejects on exit code). */
export async function inNs(ns: string, argv: string[], timeoutMs = 10_000): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await exec('ip', ['netns', 'exec', ns, ...argv], { timeout: timeoutMs });
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

export async function canRunLab(): Promise<string | false> {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  try {
    await sh(['ip', 'netns', 'add', `${LAB_PREFIX}-probe`]);
    await sh(['ip', '-n', `${LAB_PREFIX}-probe`, 'link', 'add', 'vxprobe', 'type', 'vxlan', 'id', '42', 'dstport', '4789']);
    return false;
  } catch (e) {
    return `kernel/iproute2 cannot make netns + vxlan here: ${(e as Error).message}`;
  } finally {
    await sh(['ip', 'netns', 'del', `${LAB_PREFIX}-probe`]).catch(() => undefined);
  }
}

export interface LabHost {
  ns: string;
  addr: string;
}

export interface LabContainer {
  ns: string;
  pid: number;
}

export class NetnsLab {
  readonly hosts: LabHost[] = [];
  readonly pids = new Set<number>();
  private readonly containers = new Set<string>();

  /** Removes anything tsovt* a crashed earlier run left behind. */
  static async sweep(): Promise<void> {
    const names = await listLabNetns();
    for (const ns of names) {
      for (const pid of (await sh(['ip', 'netns', 'pids', ns]).catch(() => '')).split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
    for (const ns of names) await sh(['ip', 'netns', 'del', ns]).catch(() => undefined);
  }

  async setup(hostCount: number): Promise<void> {
    await sh(['ip', 'netns', 'add', CORE]);
    await sh(['ip', '-n', CORE, '-batch', '-'], `link set lo up\nlink add ${UNDERLAY_BRIDGE} type bridge\nlink set ${UNDERLAY_BRIDGE} up\n`);
    for (let i = 1; i <= hostCount; i++) {
      const ns = `${LAB_PREFIX}-h${i}`;
      const addr = `10.198.0.${10 + i}`;
      await sh(['ip', 'netns', 'add', ns]);
      await sh(['ip', '-n', ns, 'link', 'add', 'ul0', 'type', 'veth', 'peer', 'name', `${LAB_PREFIX}-p${i}`, 'netns', CORE]);
      await sh(['ip', '-n', ns, '-batch', '-'], `link set lo up\naddr add ${addr}/24 dev ul0\nlink set ul0 up\n`);
      await sh(['ip', '-n', CORE, '-batch', '-'], `link set ${LAB_PREFIX}-p${i} master ${UNDERLAY_BRIDGE} up\n`);
      this.hosts.push({ ns, addr });
    }
  }

  /** A "container": its own netns with a sleep process in it whose PID the driver is given. */
  async container(name: string): Promise<LabContainer> {
    const ns = `${LAB_PREFIX}-${name}`;
    if (!this.containers.has(ns)) {
      await sh(['ip', 'netns', 'add', ns]);
      await sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
      this.containers.add(ns);
    }
    return { ns, pid: await this.startIn(ns, ['sleep', '600']) };
  }

  /** Starts a long-lived process in a netns; its PID is recorded for destroy(). */
  async startIn(ns: string, argv: string[]): Promise<number> {
    const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: 'ignore' });
    child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start ${argv.join(' ')} in ${ns}`);
    this.pids.add(pid);
    // `ip netns exec` enters the netns then execs: wait until the PID is in the new netns.
    const self = await readlink('/proc/self/ns/net');
    // Generous: on a loaded 2-core CI machine a fork+exec can take a while.
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const now = await readlink(`/proc/${pid}/ns/net`).catch(() => self);
      if (now !== self) return pid;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`process ${pid} did not enter ${ns}`);
  }

  kill(pid: number): void {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    this.pids.delete(pid);
  }

  async destroy(): Promise<void> {
    for (const pid of [...this.pids]) this.kill(pid);
    await NetnsLab.sweep();
  }
}

async function listLabNetns(): Promise<string[]> {
  const out = await sh(['ip', '-json', 'netns', 'list']).catch(() => '');
  const rows = out.trim() === '' ? [] : (JSON.parse(out) as Array<{ name: string }>);
  return rows.map((r) => r.name).filter((n) => n.startsWith(LAB_PREFIX));
}
