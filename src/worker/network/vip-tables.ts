// Service VIPs, balanced inside each task container's own netns (as Swarm does): a small
// nftables table `tsswarm_vip` whose nat output chain DNATs a connection to a VIP to one of
// the service's running tasks, round-robin (`numgen inc`), on every port. The VIP is on the
// container's overlay subnet, so the route lookup (eth1, on-link) succeeds and the output
// hook sees the packet; the backend answers the client's own overlay address directly, so
// no masquerade is needed. A VIP with no backend rejects at once (TCP reset / ICMP).
//
// Why not src/lb's VipRule: it is keyed by VIP:port, and the view carries no port list for
// a VIP (Swarm VIPs forward every port). One whole table per container, replaced atomically
// (`add; delete; table {…}`) when it changes — a container sees a handful of VIPs.
import type { Logger } from 'pino';
import { spawnRunner, type CommandRunner } from '../../lb/index.js';
import type { VipTarget } from './desired.js';

export const VIP_TABLE = 'tsswarm_vip';

/** The whole table for one container; '' when it has no VIP to balance. */
export function vipTableScript(targets: VipTarget[]): string {
  if (targets.length === 0) return '';
  const nat: string[] = [];
  const reject: string[] = [];
  const chains: string[] = [];
  targets.forEach((t, i) => {
    if (t.backends.length === 0) {
      reject.push(`    ip daddr ${t.vip} meta l4proto tcp reject with tcp reset`, `    ip daddr ${t.vip} reject`);
      return;
    }
    const map = t.backends.map((ip, k) => `${k} : ${ip}`).join(', ');
    nat.push(`    ip daddr ${t.vip} jump vip${i}`);
    chains.push(`  chain vip${i} {`, `    dnat to numgen inc mod ${t.backends.length} map { ${map} } comment "svc ${t.serviceId}"`, '  }');
  });
  return [
    `add table ip ${VIP_TABLE}`,
    `delete table ip ${VIP_TABLE}`,
    `table ip ${VIP_TABLE} {`,
    '  chain output {',
    '    type nat hook output priority -100; policy accept;',
    ...nat,
    '  }',
    '  chain output_filter {',
    '    type filter hook output priority 0; policy accept;',
    ...reject,
    '  }',
    ...chains,
    '}',
    '',
  ].join('\n');
}

interface Applied {
  pid: number;
  script: string;
}

/** Keeps each local container's VIP table equal to its targets; only changed tables are rewritten. */
export class VipTables {
  private readonly applied = new Map<string, Applied>();

  constructor(
    private readonly log: Logger,
    private readonly run: CommandRunner = spawnRunner,
  ) {}

  /** `containers`: task id → pid and targets. Returns how many tables were rewritten. */
  async sync(containers: Map<string, { pid: number; targets: VipTarget[] }>): Promise<{ changed: number; errors: number }> {
    for (const id of [...this.applied.keys()]) if (!containers.has(id)) this.applied.delete(id); // its netns is gone with it
    let changed = 0;
    let errors = 0;
    await Promise.all(
      [...containers].map(async ([taskId, { pid, targets }]) => {
        const script = vipTableScript(targets);
        const before = this.applied.get(taskId);
        if (before && before.pid === pid && before.script === script) return;
        if (!before && script === '') {
          this.applied.set(taskId, { pid, script });
          return;
        }
        const text = script === '' ? `add table ip ${VIP_TABLE}\ndelete table ip ${VIP_TABLE}\n` : script;
        try {
          const r = await this.run('nsenter', ['-t', String(pid), '-n', 'nft', '-f', '-'], { input: text });
          if (r.code !== 0) throw new Error(`nft exited ${r.code}: ${r.stderr.trim()}`);
          this.applied.set(taskId, { pid, script });
          changed++;
        } catch (err) {
          errors++;
          this.applied.delete(taskId);
          this.log.warn({ err, taskId, pid }, 'vip table: update failed');
        }
      }),
    );
    return { changed, errors };
  }
}
