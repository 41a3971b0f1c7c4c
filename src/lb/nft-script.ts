// Renders nft(8) scripts for the tsswarm table. Pure: strings in, strings out.
//
// Layout of `table ip <table>` (see docs/design/load-balancing.md):
//   map ingress-ports  proto . port       : jump <unit chain>   (local destinations only)
//   map vip-ports      vip . proto . port : jump <unit chain>
//   chain dispatch     looks the packet up in both maps; called from the nat hooks
//   chain prerouting   nat, prerouting  — traffic from other hosts and from local containers
//   chain output       nat, output      — connections made by the host itself (127.0.0.1 too)
//   chain postrouting  nat, postrouting — masquerade whatever a unit chain DNATed
//   chain localnet-guard  filter, input — drop new connections to 127/8 that arrive from
//                      outside (the hole route_localnet=1 would otherwise open)
//   per unit: map <name>_be (index -> ip . port) and chain <name> with one rule,
//     `dnat ip to numgen inc mod N map @<name>_be`, or a reject when N = 0.
import type { LbUnit } from './units.js';

export interface TableOptions {
  table: string;
  /** Packet-mark bit set on DNATed packets so postrouting masquerades them. */
  masqMark: number;
}

const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

/** Removes any previous table and creates the skeleton, in one transaction with what follows. */
export function baseTable(o: TableOptions): string[] {
  const t = o.table;
  const m = hex(o.masqMark);
  return [
    `add table ip ${t}`,
    `delete table ip ${t}`,
    `table ip ${t} {`,
    '  map ingress-ports { type inet_proto . inet_service : verdict; }',
    '  map vip-ports { type ipv4_addr . inet_proto . inet_service : verdict; }',
    '  chain dispatch {',
    '    ip daddr . meta l4proto . th dport vmap @vip-ports',
    '    fib daddr type local meta l4proto . th dport vmap @ingress-ports',
    '  }',
    '  chain prerouting { type nat hook prerouting priority dstnat; policy accept; jump dispatch; }',
    '  chain output { type nat hook output priority -100; policy accept; jump dispatch; }',
    `  chain postrouting { type nat hook postrouting priority srcnat; policy accept; meta mark & ${m} == ${m} masquerade; }`,
    '  chain localnet-guard { type filter hook input priority filter; policy accept; iif != "lo" ip daddr 127.0.0.0/8 ct state new,invalid drop; }',
    '}',
  ];
}

function dispatchMap(u: LbUnit): string {
  return u.kind === 'vip' ? 'vip-ports' : 'ingress-ports';
}

function dispatchKey(u: LbUnit): string {
  return u.kind === 'vip' ? `${u.vip ?? ''} . ${u.protocol} . ${u.port}` : `${u.protocol} . ${u.port}`;
}

/** nft comments are quoted strings: keep service IDs to a safe alphabet. */
function comment(u: LbUnit): string {
  return `"svc ${u.serviceId.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 100)}"`;
}

/** The map's elements and the chain's single rule, for a unit whose chain and map are empty. */
function body(o: TableOptions, u: LbUnit): string[] {
  const t = o.table;
  const n = u.backends.length;
  if (n === 0) {
    const reject = u.protocol === 'tcp' ? 'reject with tcp reset' : 'reject';
    return [`add rule ip ${t} ${u.name} meta l4proto ${u.protocol} ${reject} comment ${comment(u)}`];
  }
  const elems = u.backends.map((b, i) => `${i} : ${b.ip} . ${b.port}`).join(', ');
  return [
    `add element ip ${t} ${u.name}_be { ${elems} }`,
    `add rule ip ${t} ${u.name} meta l4proto ${u.protocol} meta mark set meta mark | ${hex(o.masqMark)} ` +
      `dnat ip to numgen inc mod ${n} map @${u.name}_be comment ${comment(u)}`,
  ];
}

export function addUnit(o: TableOptions, u: LbUnit): string[] {
  const t = o.table;
  return [
    `add map ip ${t} ${u.name}_be { typeof numgen inc mod 1 : ip daddr . ${u.protocol} dport; }`,
    `add chain ip ${t} ${u.name}`,
    ...body(o, u),
    `add element ip ${t} ${dispatchMap(u)} { ${dispatchKey(u)} : jump ${u.name} }`,
  ];
}

/** Rewrites one unit's chain and map in place; nothing else in the table is touched. */
export function rewriteUnit(o: TableOptions, u: LbUnit): string[] {
  const t = o.table;
  return [`flush chain ip ${t} ${u.name}`, `flush map ip ${t} ${u.name}_be`, ...body(o, u)];
}

export function deleteUnit(o: TableOptions, u: LbUnit): string[] {
  const t = o.table;
  return [
    `delete element ip ${t} ${dispatchMap(u)} { ${dispatchKey(u)} }`,
    `delete chain ip ${t} ${u.name}`,
    `delete map ip ${t} ${u.name}_be`,
  ];
}
