// `ports:` of a compose service → Engine API PortConfigs. Short syntax goes through the
// CLI's `--publish` parser (`8080:80`, `8080:80/udp`, `80`), with ranges (`8000-8002:80-82`)
// expanded first; the long syntax (target, published, protocol, mode) is read field by field.

import type { PortConfig } from '../store/objects.js';
import { parsePublish } from '../cli/parse/publish.js';
import { describe, type Path, type Reader } from './reader.js';

/** Most ports one range may expand to (a typo like 1-65535 should not make 65k entries). */
const MAX_RANGE = 1000;

function range(r: Reader, path: Path, text: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!m) return r.fail(path, `invalid port or range "${text}"`);
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (hi < lo || hi - lo >= MAX_RANGE) r.fail(path, `invalid port range "${text}"`);
  return [lo, hi];
}

function shortSyntax(r: Reader, path: Path, spec: string): PortConfig[] {
  const m = /^(?:(.*):)?([^:/]+)(?:\/(.*))?$/.exec(spec.trim());
  if (!m) return [r.parse(spec, path, parsePublish)];
  const [, published, target, proto] = m;
  if (published !== undefined && published.includes(':')) {
    r.fail(path, `a host IP in a port mapping is not supported by swarm services (they publish on every address of the node), got ${describe(spec)}`);
  }
  if (!(target ?? '').includes('-') && !(published ?? '').includes('-')) return [r.parse(spec, path, parsePublish)];
  const [tlo, thi] = range(r, path, target ?? '');
  const pub = published === undefined ? undefined : range(r, path, published);
  if (pub && pub[1] - pub[0] !== thi - tlo) r.fail(path, `published and target ranges differ in size, got ${describe(spec)}`);
  const out: PortConfig[] = [];
  for (let i = 0; i <= thi - tlo; i++) {
    const one = `${pub ? `${pub[0] + i}:` : ''}${tlo + i}${proto === undefined ? '' : `/${proto}`}`;
    out.push(r.parse(one, path, parsePublish));
  }
  return out;
}

function longSyntax(r: Reader, path: Path, v: unknown): PortConfig {
  const o = r.map(v, path, { known: ['target', 'published', 'protocol', 'mode'], ignored: ['host_ip', 'name', 'app_protocol'] }) ?? {};
  const target = r.int(o.target, [...path, 'target'], 65535);
  if (target === undefined || target === 0) r.fail([...path, 'target'], 'a target port between 1 and 65535 is required');
  const published = r.int(o.published, [...path, 'published'], 65535);
  const cfg: PortConfig = {
    Protocol: r.choice(o.protocol, [...path, 'protocol'], ['tcp', 'udp', 'sctp'] as const) ?? 'tcp',
    TargetPort: target,
    PublishMode: r.choice(o.mode, [...path, 'mode'], ['ingress', 'host'] as const) ?? 'ingress',
  };
  if (published) cfg.PublishedPort = published;
  return cfg;
}

export function readPorts(r: Reader, v: unknown, path: Path): PortConfig[] | undefined {
  const items = r.list(v, path);
  if (!items) return undefined;
  return items.flatMap((item, i) => {
    const p = [...path, i];
    if (typeof item === 'number' || typeof item === 'string') return shortSyntax(r, p, String(item));
    return [longSyntax(r, p, item)];
  });
}
