// The read-back view of what a driver has programmed, in a stable order so two reads (say
// before and after a worker restart) compare with deepEqual.
import type { ObservedEndpoint, ObservedSandbox } from './observe.js';
import type { ProgrammedLocal, ProgrammedNetwork, ProgrammedRemote, ProgrammedState } from './types.js';

export function toProgrammed(sandboxes: readonly ObservedSandbox[], endpoints: readonly ObservedEndpoint[]): ProgrammedState {
  const networks = sandboxes.map((sb): ProgrammedNetwork => {
    const vx = sb.vxlan;
    const local = endpoints
      .filter((o) => o.sandbox === sb.name)
      .map((o): ProgrammedLocal => {
        const addr = o.link.addrs[0];
        const mode = o.link.data?.['mode'];
        return {
          taskId: o.taskId,
          containerPid: o.pid,
          ifName: o.link.name,
          ip: addr !== undefined ? `${addr.ip}/${addr.prefixLen}` : null,
          mac: o.link.mac ?? null,
          mtu: o.link.mtu,
          mode: typeof mode === 'string' ? mode : null,
        };
      });
    const dstsByMac = new Map<string, string[]>();
    for (const f of sb.fdb) dstsByMac.set(f.mac, [...(dstsByMac.get(f.mac) ?? []), f.dst!]);
    const remote: ProgrammedRemote[] = sb.neigh.map((n) => ({ ip: n.ip, mac: n.mac ?? '', hostAddrs: [...(dstsByMac.get(n.mac ?? '') ?? [])].sort() }));
    const withNeigh = new Set(sb.neigh.map((n) => n.mac));
    for (const [mac, dsts] of dstsByMac) if (!withNeigh.has(mac)) remote.push({ ip: null, mac, hostAddrs: [...dsts].sort() });
    const gw = sb.gateway?.addrs[0];
    return {
      vni: sb.vni,
      sandbox: sb.name,
      networkId: vx?.meta?.networkId ?? null,
      name: vx?.meta?.name ?? null,
      gateway: gw !== undefined ? `${gw.ip}/${gw.prefixLen}` : null,
      mtu: vx?.mtu ?? null,
      vxlan:
        vx !== undefined
          ? { id: vx.info.id ?? 0, local: vx.info.local ?? null, port: vx.info.port ?? null, learning: vx.info.learning, proxy: vx.info.proxy, mtu: vx.mtu, master: vx.master ?? null, up: vx.up }
          : null,
      local: local.sort((a, b) => cmp(a.taskId, b.taskId) || a.containerPid - b.containerPid || cmp(a.ifName, b.ifName)),
      remote: remote.sort((a, b) => cmp(a.ip ?? '~', b.ip ?? '~') || cmp(a.mac, b.mac)),
    };
  });
  return { networks: networks.sort((a, b) => a.vni - b.vni) };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
