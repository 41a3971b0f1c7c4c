// `-p/--publish`: short `[PUBLISHED:]TARGET[/PROTOCOL]` or long
// `published=P,target=T[,protocol=tcp|udp|sctp][,mode=ingress|host]`.

import type { PortConfig } from '../../store/objects.js';
import { invalidFlag } from '../errors.js';

const PROTOCOLS = ['tcp', 'udp', 'sctp'] as const;
const MODES = ['ingress', 'host'] as const;
const SYNTAX = 'expected [PUBLISHED:]TARGET[/PROTOCOL] or published=P,target=T[,protocol=tcp|udp|sctp][,mode=ingress|host]';

function port(flag: string, value: string, what: string, text: string): number {
  if (!/^\d+$/.test(text)) throw invalidFlag(flag, value, `invalid ${what} port "${text}": ${SYNTAX}`);
  const n = Number(text);
  if (n < 1 || n > 65535) throw invalidFlag(flag, value, `${what} port ${text} is out of range (1-65535)`);
  return n;
}

function protocol(flag: string, value: string, text: string): PortConfig['Protocol'] {
  const p = text.toLowerCase();
  if (!(PROTOCOLS as readonly string[]).includes(p)) {
    throw invalidFlag(flag, value, `unknown protocol "${text}" (expected tcp, udp or sctp)`);
  }
  return p as PortConfig['Protocol'];
}

export function parsePublish(flag: string, value: string): PortConfig {
  const v = value.trim();
  if (v.includes('=')) return parseLong(flag, value);
  const m = /^(?:([^:/]*):)?([^:/]*)(?:\/(.*))?$/.exec(v);
  if (!m || m[2] === undefined || m[2] === '') throw invalidFlag(flag, value, SYNTAX);
  const cfg: PortConfig = {
    Protocol: m[3] === undefined ? 'tcp' : protocol(flag, value, m[3]),
    TargetPort: port(flag, value, 'target', m[2]),
    PublishMode: 'ingress',
  };
  if (m[1] !== undefined) cfg.PublishedPort = port(flag, value, 'published', m[1]);
  return cfg;
}

function parseLong(flag: string, value: string): PortConfig {
  let target: number | undefined;
  let published: number | undefined;
  let proto: PortConfig['Protocol'] = 'tcp';
  let mode: PortConfig['PublishMode'] = 'ingress';
  for (const part of value.split(',')) {
    const i = part.indexOf('=');
    const k = (i < 0 ? part : part.slice(0, i)).trim().toLowerCase();
    const val = i < 0 ? '' : part.slice(i + 1).trim();
    switch (k) {
      case 'target':
        target = port(flag, value, 'target', val);
        break;
      case 'published':
        published = port(flag, value, 'published', val);
        break;
      case 'protocol':
        proto = protocol(flag, value, val);
        break;
      case 'mode':
        if (!(MODES as readonly string[]).includes(val)) {
          throw invalidFlag(flag, value, `unknown publish mode "${val}" (expected ingress or host)`);
        }
        mode = val as PortConfig['PublishMode'];
        break;
      default:
        throw invalidFlag(flag, value, `unknown field "${k}": ${SYNTAX}`);
    }
  }
  if (target === undefined) throw invalidFlag(flag, value, 'missing target port (target=PORT)');
  const cfg: PortConfig = { Protocol: proto, TargetPort: target, PublishMode: mode };
  if (published !== undefined) cfg.PublishedPort = published;
  return cfg;
}

/** `*:8080->80/tcp` (ingress), `8080->80/tcp` (host mode). */
export function formatPort(p: PortConfig): string {
  const pub = p.PublishedPort === undefined || p.PublishedPort === 0 ? '' : String(p.PublishedPort);
  const prefix = p.PublishMode === 'host' ? '' : '*:';
  return `${prefix}${pub}->${p.TargetPort}/${p.Protocol}`;
}
