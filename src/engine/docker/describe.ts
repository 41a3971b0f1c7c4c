// What a node reports about its engine when it registers with a manager.
import os from 'node:os';
import type Dockerode from 'dockerode';
import type { EngineDescription } from '../../worker/types.js';

/** The subset of `GET /info` read here. */
interface EngineInfo {
  Name?: string;
  OSType?: string;
  Architecture?: string;
  NCPU?: number;
  MemTotal?: number;
  ServerVersion?: string;
  Labels?: string[];
}

/** Node's names for CPU architectures → the engine's (uname) names, for the fallback. */
const NODE_ARCH_TO_ENGINE: Record<string, string> = {
  x64: 'x86_64',
  arm64: 'aarch64',
  arm: 'armv7l',
  ia32: 'i386',
  ppc64: 'ppc64le',
  s390x: 's390x',
};

export function parseEngineLabels(labels: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of labels ?? []) {
    const eq = entry.indexOf('=');
    if (eq <= 0) {
      if (entry !== '') out[entry] = '';
      continue;
    }
    out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}

export async function describeEngine(docker: Dockerode): Promise<EngineDescription> {
  const [info, version] = await Promise.all([
    docker.info() as Promise<EngineInfo>,
    docker.version().catch(() => undefined),
  ]);
  return {
    hostname: info.Name || os.hostname(),
    os: info.OSType || version?.Os || os.platform(),
    // The engine already reports uname names (x86_64, aarch64), as swarm nodes show them.
    arch: info.Architecture || version?.Arch || NODE_ARCH_TO_ENGINE[os.arch()] || os.arch(),
    nanoCpus: (info.NCPU ?? os.cpus().length) * 1e9,
    memoryBytes: info.MemTotal ?? os.totalmem(),
    engineVersion: version?.Version || info.ServerVersion || '',
    engineLabels: parseEngineLabels(info.Labels),
  };
}
