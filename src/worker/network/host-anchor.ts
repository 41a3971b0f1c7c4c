// The host ingress endpoint is an overlay "local endpoint" whose container is the host netns
// itself, and the overlay driver finds an endpoint's far side through the PID it recorded.
// If that PID were the worker's own, a worker restart would leave a dead PID behind and the
// driver would recreate the link (a blip in the routing mesh). So the endpoint is anchored on
// the longest-lived process of this netns: PID 1 on a real host (systemd shares the host's
// netns), the engine on the test bed (a netns per simulated host). It is re-chosen only when
// it leaves the netns (exits).
import { readdir, readFile, readlink } from 'node:fs/promises';

async function netnsOf(pid: number | 'self'): Promise<string | undefined> {
  try {
    return await readlink(`/proc/${pid}/ns/net`);
  } catch {
    return undefined;
  }
}

/** Start time (clock ticks since boot), field 22 of /proc/PID/stat. */
async function startTime(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const v = Number(fields[19]);
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

export class HostAnchor {
  private pid?: number;

  /** A long-lived PID in this process's netns (falls back to this process). */
  async get(): Promise<number> {
    const mine = await netnsOf('self');
    if (this.pid !== undefined && mine !== undefined && (await netnsOf(this.pid)) === mine) return this.pid;
    this.pid = (mine && (await oldestIn(mine))) || process.pid;
    return this.pid;
  }
}

async function oldestIn(netns: string): Promise<number | undefined> {
  if ((await netnsOf(1)) === netns) return 1;
  let best: { pid: number; start: number } | undefined;
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if ((await netnsOf(pid)) !== netns) continue;
    const start = await startTime(pid);
    if (start !== undefined && (!best || start < best.start)) best = { pid, start };
  }
  return best?.pid;
}
