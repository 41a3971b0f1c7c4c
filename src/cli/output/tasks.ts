// The task table shared by `service ps` and `node ps`.

import type { Node, Service, Task } from '../../store/objects.js';
import type { Column } from './format.js';
import { ago, capitalize } from './time.js';

export interface TaskRow {
  ID: string;
  Name: string;
  Image: string;
  Node: string;
  DesiredState: string;
  CurrentState: string;
  Error: string;
  Ports: string;
}

export const TASK_COLUMNS: readonly Column<TaskRow>[] = [
  { header: 'ID', field: 'ID' },
  { header: 'NAME', field: 'Name' },
  { header: 'IMAGE', field: 'Image' },
  { header: 'NODE', field: 'Node' },
  { header: 'DESIRED STATE', field: 'DesiredState' },
  { header: 'CURRENT STATE', field: 'CurrentState' },
  { header: 'ERROR', field: 'Error' },
  { header: 'PORTS', field: 'Ports' },
];

function taskTime(t: Task): number {
  return Date.parse(t.Status?.Timestamp ?? '') || Date.parse(t.CreatedAt ?? '') || 0;
}

/** Slot key: the slot for replicated tasks, the node for global ones. */
function slotKey(t: Task): string {
  return t.Slot !== undefined && t.Slot > 0 ? String(t.Slot).padStart(10, '0') : `~${t.NodeID ?? ''}`;
}

function baseName(t: Task, services: ReadonlyMap<string, Service>): string {
  const svc = services.get(t.ServiceID)?.Spec.Name ?? t.ServiceID.slice(0, 12);
  return t.Slot !== undefined && t.Slot > 0 ? `${svc}.${t.Slot}` : `${svc}.${t.NodeID ?? ''}`;
}

function stripDigest(image: string): string {
  const i = image.indexOf('@');
  return i < 0 ? image : image.slice(0, i);
}

/**
 * Rows sorted by service, then slot, newest task first; older tasks of the same slot are
 * history rows, shown as ` \_ web.1`.
 */
export function taskRows(
  tasks: readonly Task[],
  services: ReadonlyMap<string, Service>,
  nodes: ReadonlyMap<string, Node>,
  opts: { now: number; noTrunc: boolean },
): TaskRow[] {
  const sorted = [...tasks].sort((a, b) => {
    const sa = services.get(a.ServiceID)?.Spec.Name ?? a.ServiceID;
    const sb = services.get(b.ServiceID)?.Spec.Name ?? b.ServiceID;
    if (sa !== sb) return sa < sb ? -1 : 1;
    const ka = slotKey(a);
    const kb = slotKey(b);
    if (ka !== kb) return ka < kb ? -1 : 1;
    return taskTime(b) - taskTime(a);
  });
  let prev = '';
  return sorted.map((t) => {
    const key = `${t.ServiceID}/${slotKey(t)}`;
    const name = baseName(t, services);
    const history = key === prev;
    prev = key;
    const node = t.NodeID ? (nodes.get(t.NodeID)?.Description.Hostname ?? t.NodeID) : '';
    const err = t.Status?.Err ?? '';
    return {
      ID: opts.noTrunc ? t.ID : t.ID.slice(0, 12),
      Name: history ? ` \\_ ${name}` : name,
      Image: opts.noTrunc ? t.Spec.ContainerSpec.Image : stripDigest(t.Spec.ContainerSpec.Image),
      Node: node,
      DesiredState: capitalize(t.DesiredState),
      CurrentState: `${capitalize(t.Status?.State)} ${ago(t.Status?.Timestamp, opts.now)}`.trim(),
      Error: !opts.noTrunc && err.length > 40 ? `"${err.slice(0, 37)}…"` : err ? `"${err}"` : '',
      Ports: '',
    };
  });
}
