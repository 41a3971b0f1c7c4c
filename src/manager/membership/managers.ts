// Manager nodes as the store records them, and the quorum rules for changing them.
import type { Node } from '../../store/objects.js';
import type { ReadTx } from '../../store/store.js';

export function managerNodes(tx: Pick<ReadTx, 'all'>): Node[] {
  return tx.all('nodes').filter((n) => n.Spec.Role === 'manager' && n.ManagerStatus);
}

export function quorum(members: number): number {
  return Math.floor(members / 2) + 1;
}

/**
 * Why removing (or demoting) `nodeId` would leave the Raft group without a working
 * quorum, or undefined if it is safe. Counted over reachable managers, as Docker does.
 */
export function quorumLossReason(managers: Node[], nodeId: string): string | undefined {
  const target = managers.find((m) => m.ID === nodeId);
  if (!target) return undefined;
  if (managers.length === 1) return 'it is the last manager of the cluster';
  const remaining = managers.filter((m) => m.ID !== nodeId);
  const reachable = remaining.filter((m) => m.ManagerStatus?.Reachability !== 'unreachable').length;
  const need = quorum(remaining.length);
  if (reachable < need) {
    return `the remaining ${remaining.length} managers would have ${reachable} reachable, fewer than the ${need} a quorum needs`;
  }
  return undefined;
}
