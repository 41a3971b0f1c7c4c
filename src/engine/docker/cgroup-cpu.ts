// A container's cumulative CPU time straight from its cgroup, found through the container's
// init PID: `/proc/PID/cgroup` names the cgroup, and the kernel's counter is read from
// cgroup v1's cpuacct.usage (ns) or cgroup v2's cpu.stat usage_usec. A file read per
// container instead of a stats call to the engine (which takes about a second per container
// and makes the engine read the same files). Used by DockerUsageSource; a container whose
// cgroup cannot be read this way (a remote engine, another PID namespace) goes through the
// engine's stats instead.
import { readFile } from 'node:fs/promises';

export interface CgroupPaths {
  /** cgroup v1: the path of the hierarchy that has the cpuacct controller. */
  cpuacct: string | undefined;
  /** cgroup v2: the unified hierarchy's path ("0::PATH"). */
  unified: string | undefined;
}

/** Parses /proc/PID/cgroup ("ID:CONTROLLERS:PATH" per line). */
export function parseProcCgroup(text: string): CgroupPaths {
  const out: CgroupPaths = { cpuacct: undefined, unified: undefined };
  for (const line of text.split('\n')) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const controllers = line.slice(first + 1, second);
    const p = line.slice(second + 1);
    if (!p.startsWith('/')) continue;
    if (line.slice(0, first) === '0' && controllers === '') out.unified = p;
    else if (controllers.split(',').includes('cpuacct')) out.cpuacct = p;
  }
  return out;
}

/** `usage_usec N` of a cgroup v2 cpu.stat, in ns; undefined when absent. */
export function parseCpuStatUsageNs(text: string): number | undefined {
  const m = /^usage_usec (\d+)$/m.exec(text);
  return m ? Number(m[1]) * 1000 : undefined;
}

/** Where cgroup hierarchies are mounted; tests point this elsewhere. */
export interface CgroupRoots {
  /** cgroup v1 cpuacct mounts to try, in order. */
  cpuacct: readonly string[];
  /** cgroup v2 mounts to try, in order (pure v2 hosts mount it at /sys/fs/cgroup). */
  unified: readonly string[];
}

export const DEFAULT_CGROUP_ROOTS: CgroupRoots = {
  cpuacct: ['/sys/fs/cgroup/cpuacct', '/sys/fs/cgroup/cpu,cpuacct'],
  unified: ['/sys/fs/cgroup', '/sys/fs/cgroup/unified'],
};

async function firstNumber(files: readonly string[], parse: (text: string) => number | undefined): Promise<number | undefined> {
  for (const f of files) {
    const text = await readFile(f, 'utf8').catch(() => undefined);
    const v = text === undefined ? undefined : parse(text);
    if (v !== undefined && Number.isFinite(v)) return v;
  }
  return undefined;
}

/**
 * The cumulative CPU time (ns) of the cgroup PID is in, provided that cgroup belongs to
 * `containerId` (its path names the id, as Docker's cgroupfs and systemd drivers both do):
 * a PID that exited and was reused by another process gives undefined, never a wrong count.
 */
export async function cgroupCpuNs(pid: number, containerId: string, roots: CgroupRoots = DEFAULT_CGROUP_ROOTS): Promise<number | undefined> {
  const text = await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const paths = parseProcCgroup(text);
  if (paths.cpuacct?.includes(containerId)) {
    const v = await firstNumber(roots.cpuacct.map((r) => `${r}${paths.cpuacct}/cpuacct.usage`), (t) => (/^\d+\s*$/.test(t) ? Number(t) : undefined));
    if (v !== undefined) return v;
  }
  if (paths.unified?.includes(containerId)) {
    return firstNumber(roots.unified.map((r) => `${r}${paths.unified}/cpu.stat`), parseCpuStatUsageNs);
  }
  return undefined;
}
