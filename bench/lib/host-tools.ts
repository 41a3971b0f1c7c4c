// Host tools a benchmark needs (iperf3, ethtool, …), which a fresh machine may lack: checks for
// them and, when running as root, installs the missing ones with apt-get, saying so; otherwise
// tells the user which apt-get command to run. Benchmarks are run on demand, never in CI.
import { spawnSync } from 'node:child_process';

/** Thrown when a tool is missing and cannot be installed here. */
export class MissingToolError extends Error {
  constructor(
    readonly tools: string[],
    detail: string,
  ) {
    super(`missing: ${tools.join(', ')}. Install with: apt-get install ${tools.join(' ')}${detail ? ` (${detail})` : ''}`);
    this.name = 'MissingToolError';
  }
}

/** The tools (command names, which are also their Debian package names) not on PATH. */
export function missingTools(tools: string[]): string[] {
  return tools.filter((t) => spawnSync('sh', ['-c', `command -v "$1" >/dev/null`, 'check', t]).status !== 0);
}

function aptGet(args: string[], timeoutMs: number): { ok: boolean; out: string } {
  const r = spawnSync('apt-get', args, { encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-3).join(' | ') };
}

/**
 * Makes sure every tool is on PATH. As root, installs what is missing (`apt-get install -y`,
 * after one `apt-get update` if the first try fails) and reports each step through `say`;
 * otherwise, or if that fails, throws MissingToolError naming the apt-get command to run.
 */
export function ensureTools(tools: string[], say: (msg: string) => void): void {
  const missing = missingTools(tools);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) throw new MissingToolError(missing, 'as root');
  say(`${missing.join(', ')} not installed; running as root, so installing: apt-get install -y ${missing.join(' ')}`);
  let r = aptGet(['install', '-y', '--no-install-recommends', ...missing], 300_000);
  if (!r.ok) {
    say('apt-get install failed; running apt-get update and trying once more');
    aptGet(['update'], 300_000);
    r = aptGet(['install', '-y', '--no-install-recommends', ...missing], 300_000);
  }
  const still = missingTools(missing);
  if (still.length > 0) throw new MissingToolError(still, `apt-get said: ${r.out}`);
  say(`installed ${missing.join(', ')}`);
}
