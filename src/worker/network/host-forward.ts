// Routing mesh traffic that arrives on the underlay and is DNATed to a task on the ingress
// network is *forwarded* by the host (eth0 → tsingress0 and back). Docker sets the iptables
// FORWARD policy to DROP, and an accept in an nftables table of our own would not override
// that (every base chain at a hook must accept), so the two accept rules go into iptables'
// FORWARD chain itself, where Docker's rules live. Idempotent (-C before -I).
import type { Logger } from 'pino';
import { spawnRunner, type CommandRunner } from '../../lb/index.js';

export async function ensureForwardAccept(ifName: string, log: Logger, run: CommandRunner = spawnRunner): Promise<boolean> {
  let ok = true;
  for (const dir of ['-i', '-o']) {
    const rule = ['FORWARD', dir, ifName, '-j', 'ACCEPT'];
    try {
      const check = await run('iptables', ['-w', '-C', ...rule]);
      if (check.code === 0) continue;
      const add = await run('iptables', ['-w', '-I', ...rule.slice(0, 1), '1', ...rule.slice(1)]);
      if (add.code !== 0) throw new Error(add.stderr.trim());
      log.info({ rule: rule.join(' ') }, 'network: iptables forward rule added');
    } catch (err) {
      ok = false;
      log.warn({ err, ifName }, 'network: cannot add the iptables FORWARD accept rule (mesh traffic from other hosts may be dropped)');
    }
  }
  return ok;
}
