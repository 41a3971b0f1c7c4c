// The read-back view of what a driver has programmed, in a stable order so two reads (say
// before and after a worker restart) compare with deepEqual.
import type { ObservedContainer, ObservedSandbox } from './observe.js';
import type { ProgrammedLocal, ProgrammedNetwork, ProgrammedRemote, ProgrammedState } from './types.js';

export function toProgrammed(sandboxes: readonly ObservedSandbox[], containers: ReadonlyMap<number, ObservedContainer>): ProgrammedState {
  const networks = sandboxes.map((sb): ProgrammedNetwork => {
    const br = sb.bridge;
    const vx = sb.vxlan;
    const local = sb.veths.map((v): ProgrammedLocal => {
      const c = v.alias !== undefined ? containers.get(v.alias.pid) : undefined;
      const peer =
        c !== undefined && c.netns === v.alias?.netns
          ? c.links?.find((l) => l.ifindex === v.link.peerIfindex && l.peerIfindex === v.link.ifindex)
          : undefined;
      const addr = peer?.addrs[0];
      return {
        taskId: v.alias?.taskId ?? '',
        containerPid: v.alias?.pid ?? 0,
        veth: v.link.name,
        ifName: peer?.name ?? null,
        ip: addr !== undefined ? `${addr.ip}/${addr.prefixLen}` : null,
        mac: peer?.mac ?? null,
        mtu: peer?.mtu ?? null,
      };
    });
    const dstsByMac = new Map<string, string[]>();
    for (const f of sb.fdb) dstsByMac.set(f.mac, [...(dstsByMac.get(f.mac) ?? []), f.dst!]);
    const remote: ProgrammedRemote[] = sb.neigh.map((n) => ({ ip: n.ip, mac: n.mac ?? '', hostAddrs: [...(dstsByMac.get(n.mac ?? '') ?? [])].sort() }));
    const withNeigh = new Set(sb.neigh.map((n) => n.mac));
    for (const [mac, dsts] of dstsByMac) if (!withNeigh.has(mac)) remote.push({ ip: null, mac, hostAddrs: [...dsts].sort() });
    const gw = br?.addrs[0];
    return {
      vni: sb.vni,
      sandbox: sb.name,
      networkId: br?.meta?.networkId ?? null,
      name: br?.meta?.name ?? null,
      gateway: gw !== undefined ? `${gw.ip}/${gw.prefixLen}` : null,
      mtu: br?.mtu ?? null,
      vxlan:
        vx !== undefined
          ? { id: vx.info.id ?? 0, local: vx.info.local ?? null, port: vx.info.port ?? null, learning: vx.info.learning, proxy: vx.info.proxy, mtu: vx.mtu, master: vx.master ?? null, up: vx.up }
          : null,
      local: local.sort((a, b) => cmp(a.taskId, b.taskId) || cmp(a.veth, b.veth)),
      remote: remote.sort((a, b) => cmp(a.ip ?? '~', b.ip ?? '~') || cmp(a.mac, b.mac)),
    };
  });
  return { networks: networks.sort((a, b) => a.vni - b.vni) };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
