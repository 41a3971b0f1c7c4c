// "The first write committed after a leader crash": a service update (read the service, post
// its spec back with one label changed, at the version read) is tried on every surviving
// manager, a new attempt per manager every intervalMs without waiting for earlier ones (a
// request to a manager that still believes in the dead leader may hang until its time limit),
// until one is answered 2xx. Works for any Docker-shaped API on a unix socket: Docker Swarm
// (Engine API) and tsswarm (behind bench/lib/uds-forward.ts). A 2xx answer to the update
// means the leader committed it: neither system answers a write before it commits.
import { udsRequest } from './uds-http.js';

export interface WriteTarget {
  /** For reports: which manager. */
  name: string;
  sock: string;
  /** Version prefix, e.g. /v1.41. */
  api: string;
}

export interface FirstWriteOptions {
  /** The service to update (it must exist). */
  service: string;
  /** The label key written; its value is a fresh attempt number each time. */
  label: string;
  intervalMs: number;
  /** Limit of each HTTP request. */
  attemptTimeoutMs: number;
  /** Give up after this long (from the call). */
  limitMs: number;
  /** At most this many attempts in flight per target. */
  maxInFlight: number;
}

export interface FirstWrite {
  /** performance.now() when the first 2xx answer to an update arrived. */
  at: number;
  target: string;
  attempts: number;
  /** Failed attempts by error (status and message, shortened), most frequent first. */
  errors: Array<[string, number]>;
}

interface ServiceLike {
  ID: string;
  Version: { Index: number };
  Spec: { Labels?: Record<string, string> } & Record<string, unknown>;
}

function shorten(s: string): string {
  return s
    .replace(/\s+/g, ' ')
    .replace(/[a-z0-9]{25}/g, '<id>')
    .replace(/\d+\.\d+\.\d+\.\d+:\d+/g, '<addr>')
    .trim()
    .slice(0, 140);
}

async function attempt(t: WriteTarget, o: FirstWriteOptions, n: number): Promise<number> {
  const got = await udsRequest(t.sock, 'GET', `${t.api}/services/${o.service}`, undefined, o.attemptTimeoutMs);
  if (got.status !== 200) throw new Error(`read ${got.status}: ${got.text}`);
  const s = got.body as ServiceLike;
  const spec = { ...s.Spec, Labels: { ...(s.Spec.Labels ?? {}), [o.label]: String(n) } };
  const upd = await udsRequest(t.sock, 'POST', `${t.api}/services/${s.ID}/update?version=${s.Version.Index}`, spec, o.attemptTimeoutMs);
  if (upd.status < 200 || upd.status >= 300) throw new Error(`update ${upd.status}: ${upd.text}`);
  return performance.now();
}

/** Tries until the first committed write; throws after limitMs. Waits for its in-flight attempts before returning. */
export async function firstCommittedWrite(targets: WriteTarget[], o: FirstWriteOptions): Promise<FirstWrite> {
  if (targets.length === 0) throw new Error('firstCommittedWrite: no target');
  const deadline = performance.now() + o.limitMs;
  const maxAttempts = Math.ceil(o.limitMs / o.intervalMs) * targets.length + targets.length;
  const inFlight = new Map<string, number>();
  const pending = new Set<Promise<void>>();
  const errors = new Map<string, number>();
  let won: { at: number; target: string } | undefined;
  let attempts = 0;
  let wake: (() => void) | undefined;
  while (!won && performance.now() < deadline && attempts < maxAttempts) {
    for (const t of targets) {
      if ((inFlight.get(t.name) ?? 0) >= o.maxInFlight) continue;
      const n = ++attempts;
      inFlight.set(t.name, (inFlight.get(t.name) ?? 0) + 1);
      const p: Promise<void> = attempt(t, o, n)
        .then(
          (at) => {
            if (!won || at < won.at) won = { at, target: t.name };
            wake?.();
          },
          (err: unknown) => {
            const key = shorten(err instanceof Error ? err.message : String(err));
            errors.set(key, (errors.get(key) ?? 0) + 1);
          },
        )
        .finally(() => {
          inFlight.set(t.name, (inFlight.get(t.name) ?? 1) - 1);
          pending.delete(p);
        });
      pending.add(p);
    }
    if (won) break;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, o.intervalMs);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    wake = undefined;
  }
  await Promise.all([...pending]);
  const sortedErrors = [...errors].sort((a, b) => b[1] - a[1]);
  if (!won) throw new Error(`no write committed in ${o.limitMs} ms (${attempts} attempts; errors: ${JSON.stringify(sortedErrors.slice(0, 3))})`);
  return { at: won.at, target: won.target, attempts, errors: sortedErrors };
}
