// Linearizability checker in the style of Wing & Gong with Lowe's
// memoization (as in Porcupine): depth-first search over the order in which
// concurrent operations take effect, caching (linearized-set, state) pairs
// already explored. Histories over independent keys are checked per key.
//
// Operations whose outcome is unknown (client timed out) have return time
// Infinity and no output: they may take effect at any point after their
// call, or never (since nothing later can distinguish "never" from "at the end").

export interface Operation<I, O> {
  readonly input: I;
  /** Undefined when the outcome is unknown. */
  readonly output?: O;
  readonly call: number;
  /** Infinity when the outcome is unknown. */
  readonly ret: number;
}

export interface Model<S, I, O> {
  init(): S;
  /** Applies input to state; `ok` is false if `output` is impossible here. */
  step(state: S, input: I, output: O | undefined): { ok: boolean; state: S };
  stateKey(state: S): string;
  partition?(ops: readonly Operation<I, O>[]): Operation<I, O>[][];
}

export type CheckResult = 'ok' | 'illegal' | 'unknown';

interface Node {
  readonly op: number;
  readonly isCall: boolean;
  readonly time: number;
  match: Node | undefined; // call -> its return
  prev: Node | undefined;
  next: Node | undefined;
}

function buildList<I, O>(ops: readonly Operation<I, O>[]): Node {
  const events: Node[] = [];
  ops.forEach((o, i) => {
    const call: Node = { op: i, isCall: true, time: o.call, match: undefined, prev: undefined, next: undefined };
    const ret: Node = { op: i, isCall: false, time: o.ret, match: undefined, prev: undefined, next: undefined };
    call.match = ret;
    events.push(call, ret);
  });
  // Calls sort before returns at equal times: touching operations count as concurrent.
  events.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? a.op - b.op : a.isCall ? -1 : 1));
  const head: Node = { op: -1, isCall: false, time: -Infinity, match: undefined, prev: undefined, next: undefined };
  let prev = head;
  for (const e of events) {
    prev.next = e;
    e.prev = prev;
    prev = e;
  }
  return head;
}

function lift(call: Node): void {
  const ret = call.match as Node;
  (call.prev as Node).next = call.next;
  if (call.next) call.next.prev = call.prev;
  (ret.prev as Node).next = ret.next;
  if (ret.next) ret.next.prev = ret.prev;
}

function unlift(call: Node): void {
  const ret = call.match as Node;
  (ret.prev as Node).next = ret;
  if (ret.next) ret.next.prev = ret;
  (call.prev as Node).next = call;
  if (call.next) call.next.prev = call;
}

function flip(bits: Uint32Array, i: number): void {
  const w = i >>> 5;
  bits[w] = (bits[w] ?? 0) ^ (1 << (i & 31));
}

function checkSingle<S, I, O>(model: Model<S, I, O>, ops: readonly Operation<I, O>[], budget: { steps: number }): CheckResult {
  const head = buildList(ops);
  const linearized = new Uint32Array(Math.ceil(ops.length / 32));
  const seen = new Set<string>();
  const stack: { call: Node; state: S }[] = [];
  let state = model.init();
  let entry = head.next;
  while (head.next !== undefined) {
    if (--budget.steps < 0) return 'unknown';
    if (entry === undefined) return 'illegal'; // cannot happen: a return always ends the scan
    if (entry.isCall) {
      const op = ops[entry.op] as Operation<I, O>;
      const res = model.step(state, op.input, op.output);
      if (res.ok) {
        flip(linearized, entry.op);
        const key = `${linearized.join(',')}|${model.stateKey(res.state)}`;
        if (!seen.has(key)) {
          seen.add(key);
          stack.push({ call: entry, state });
          state = res.state;
          lift(entry);
          entry = head.next;
          continue;
        }
        flip(linearized, entry.op);
      }
      entry = entry.next;
    } else {
      // An operation returned before we could linearize it: backtrack.
      const top = stack.pop();
      if (!top) return 'illegal';
      state = top.state;
      flip(linearized, top.call.op);
      unlift(top.call);
      entry = top.call.next;
    }
  }
  return 'ok';
}

/**
 * Drops unknown-outcome operations that cannot matter: since they may take
 * effect "never", only ones with effects (e.g. writes) need exploring, and
 * unknown reads carry no information.
 */
export function checkOperations<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  opts: { maxSteps?: number; isReadOnly?: (i: I) => boolean } = {},
): CheckResult {
  const useful = history.filter((o) => !(o.output === undefined && opts.isReadOnly?.(o.input)));
  const parts = model.partition ? model.partition(useful) : [useful];
  const budget = { steps: opts.maxSteps ?? 5_000_000 };
  let result: CheckResult = 'ok';
  for (const p of parts) {
    const r = checkSingle(model, p, budget);
    if (r === 'illegal') return 'illegal';
    if (r === 'unknown') result = 'unknown';
  }
  return result;
}

// ---- models ------------------------------------------------------------------------

export type KvInput = { op: 'put'; key: string; value: string } | { op: 'get'; key: string };
/** A get's output is the value read (null for absent); a put's output is ignored. */
export type KvOutput = string | null;

export const kvModel: Model<string | null, KvInput, KvOutput> = {
  init: () => null,
  step(state, input, output) {
    if (input.op === 'put') return { ok: true, state: input.value };
    return { ok: output === undefined || output === state, state };
  },
  stateKey: (s) => (s === null ? '\u0000' : `=${s}`),
  partition(ops) {
    const byKey = new Map<string, Operation<KvInput, KvOutput>[]>();
    for (const o of ops) {
      const list = byKey.get(o.input.key) ?? [];
      list.push(o);
      byKey.set(o.input.key, list);
    }
    return [...byKey.values()];
  },
};

export function checkKv(history: readonly Operation<KvInput, KvOutput>[], maxSteps?: number): CheckResult {
  // An unknown-outcome write that no read observed may be taken as "never
  // happened" without loss of generality (values are unique), and dropping
  // it prunes the search a lot.
  const seen = new Set<string>();
  for (const o of history) if (o.input.op === 'get' && typeof o.output === 'string') seen.add(`${o.input.key}\u0000${o.output}`);
  const useful = history.filter((o) => !(o.output === undefined && o.input.op === 'put' && !seen.has(`${o.input.key}\u0000${o.input.value}`)));
  return checkOperations(kvModel, useful, { isReadOnly: (i) => i.op === 'get', ...(maxSteps !== undefined ? { maxSteps } : {}) });
}
