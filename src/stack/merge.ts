// `stack deploy -c base.yml -c prod.yml`: later files win. Mappings (services, networks,
// environment, labels, deploy, …) merge key by key; lists (ports, command, constraints) and
// scalars are replaced whole by the later file's value.

import type { StackModel } from './model.js';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function mergeValue(a: unknown, b: unknown): unknown {
  if (b === undefined) return a;
  if (isPlainObject(a) && isPlainObject(b)) {
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = mergeValue(a[k], v);
    return out;
  }
  return structuredClone(b);
}

export function mergeStacks(models: readonly StackModel[]): StackModel {
  let out: StackModel = { services: {}, networks: {} };
  for (const m of models) out = mergeValue(out, m) as StackModel;
  return out;
}
