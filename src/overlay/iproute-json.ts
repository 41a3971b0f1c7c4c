// Parsing `ip -json` / `bridge -json` output into the few fields the driver needs. The input
// is treated as unknown: a missing or odd field reads as undefined, never as a crash.

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** Splits `ip -json -batch` output (one JSON array per command, concatenated) into arrays. */
export function parseJsonStream(text: string): unknown[][] {
  const out: unknown[][] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === ']' || c === '}') {
      depth--;
      if (depth === 0) {
        const v: unknown = JSON.parse(text.slice(start, i + 1));
        out.push(Array.isArray(v) ? v : [v]);
      }
    }
  }
  return out;
}

export interface IpAddr {
  ip: string;
  prefixLen: number;
}

export interface IpLink {
  ifindex: number;
  name: string;
  up: boolean;
  mtu: number;
  mac: string | undefined;
  master: string | undefined;
  /** `link_index`: a macvlan's parent (a veth's peer) in another netns, as an ifindex there. */
  linkIndex: number | undefined;
  /** `link`: the same, by name, when the parent is in the same netns (iproute2 prints one or the other). */
  linkName: string | undefined;
  alias: string | undefined;
  kind: string | undefined;
  data: Json | undefined;
  /** IPv4 addresses only. */
  addrs: IpAddr[];
}

/** Links from `ip -json [-d] addr show` (or link show: then addrs is empty). */
export function parseLinks(rows: unknown[]): IpLink[] {
  const links: IpLink[] = [];
  for (const r of rows) {
    if (!isObj(r)) continue;
    const ifindex = num(r['ifindex']);
    const name = str(r['ifname']);
    if (ifindex === undefined || name === undefined) continue;
    const flags = Array.isArray(r['flags']) ? r['flags'] : [];
    const info = isObj(r['linkinfo']) ? r['linkinfo'] : undefined;
    const addrs: IpAddr[] = [];
    for (const a of Array.isArray(r['addr_info']) ? r['addr_info'] : []) {
      if (!isObj(a) || a['family'] !== 'inet') continue;
      const ip = str(a['local']);
      const prefixLen = num(a['prefixlen']);
      if (ip !== undefined && prefixLen !== undefined) addrs.push({ ip, prefixLen });
    }
    links.push({
      ifindex,
      name,
      up: flags.includes('UP'),
      mtu: num(r['mtu']) ?? 0,
      mac: str(r['address'])?.toLowerCase(),
      master: str(r['master']),
      linkIndex: num(r['link_index']),
      linkName: str(r['link']),
      alias: str(r['ifalias']),
      kind: str(info?.['info_kind']),
      data: info !== undefined && isObj(info['info_data']) ? info['info_data'] : undefined,
      addrs,
    });
  }
  return links;
}

export interface VxlanInfo {
  id: number | undefined;
  local: string | undefined;
  port: number | undefined;
  learning: boolean;
  proxy: boolean;
}

export function vxlanInfo(data: Json | undefined): VxlanInfo {
  return {
    id: num(data?.['id']),
    local: str(data?.['local']),
    port: num(data?.['port']),
    learning: data?.['learning'] === true,
    proxy: data?.['proxy'] === true,
  };
}

export interface NeighEntry {
  ip: string;
  mac: string | undefined;
  dev: string | undefined;
  permanent: boolean;
}

export function parseNeigh(rows: unknown[]): NeighEntry[] {
  const out: NeighEntry[] = [];
  for (const r of rows) {
    if (!isObj(r)) continue;
    const ip = str(r['dst']);
    if (ip === undefined || ip.includes(':')) continue;
    const state = Array.isArray(r['state']) ? r['state'] : [];
    out.push({ ip, mac: str(r['lladdr'])?.toLowerCase(), dev: str(r['dev']), permanent: state.includes('PERMANENT') });
  }
  return out;
}

export interface FdbEntry {
  mac: string;
  dev: string | undefined;
  /** Remote VTEP for a VXLAN entry; undefined for the bridge's own entries. */
  dst: string | undefined;
  /** Set for the bridge's (master) entries; the VXLAN device's own table has none. */
  master: string | undefined;
  permanent: boolean;
}

export function parseFdb(rows: unknown[]): FdbEntry[] {
  const out: FdbEntry[] = [];
  for (const r of rows) {
    if (!isObj(r)) continue;
    const mac = str(r['mac']);
    if (mac === undefined) continue;
    out.push({ mac: mac.toLowerCase(), dev: str(r['ifname']), dst: str(r['dst']), master: str(r['master']), permanent: r['state'] === 'permanent' });
  }
  return out;
}
