// Looks objects up the way the Docker daemon does: full ID, then exact name, then a
// unique ID prefix. An ambiguous prefix or name is a 400, nothing at all a 404.
import type { ReadTx } from '../store/store.js';
import type { Node, Service, Task } from '../store/objects.js';
import { invalid, notFound } from './errors.js';

type Reader = Pick<ReadTx, 'get' | 'all'>;

function pick<T extends { ID: string }>(
  kind: 'service' | 'node' | 'task',
  ref: string,
  byId: T | undefined,
  all: T[],
  nameOf: (o: T) => string[],
): T {
  if (ref === '') throw notFound(kind, ref);
  if (byId) return byId;
  const named = all.filter((o) => nameOf(o).includes(ref));
  if (named.length === 1 && named[0]) return named[0];
  if (named.length > 1) throw invalid(`${kind} ${ref} is ambiguous (${named.length} matches found)`);
  const prefixed = all.filter((o) => o.ID.startsWith(ref));
  if (prefixed.length === 1 && prefixed[0]) return prefixed[0];
  if (prefixed.length > 1) throw invalid(`${kind} ${ref} is ambiguous (${prefixed.length} matches found)`);
  throw notFound(kind, ref);
}

/** A service by ID, name or unique ID prefix. */
export function resolveService(tx: Reader, ref: string): Service {
  return pick('service', ref, tx.get('services', ref), tx.all('services'), (s) => [s.Spec.Name]);
}

/** A node by ID, hostname (or Spec.Name), unique ID prefix, or `self` (= `selfId`). */
export function resolveNode(tx: Reader, ref: string, selfId?: string): Node {
  const id = ref === 'self' && selfId ? selfId : ref;
  return pick('node', ref, tx.get('nodes', id), tx.all('nodes'), (n) =>
    n.Spec.Name ? [n.Spec.Name, n.Description.Hostname] : [n.Description.Hostname],
  );
}

/** A task by ID or unique ID prefix. */
export function resolveTask(tx: Reader, ref: string): Task {
  return pick('task', ref, tx.get('tasks', ref), tx.all('tasks'), () => []);
}
