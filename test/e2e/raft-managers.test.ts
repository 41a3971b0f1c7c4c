// Managers replicate the cluster state: 3 and 5 real manager processes on loopback while
// clients write (compare-and-set on a service label) and read through any manager, and a
// loop kill -9s the leader (sometimes a follower) and restarts it. Afterwards every
// acknowledged write is on every manager in the same order, and the clients' history is
// linearizable.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManagerCluster, type ManagerProc } from '../harness/managers.js';
import { waitFor } from '../harness/cluster.js';
import { checkKv, type KvInput, type KvOutput, type Operation } from '../raft/linearizability.js';

interface Svc {
  ID: string;
  Version: { Index: number };
  Spec: { Name: string; Labels?: Record<string, string> } & Record<string, unknown>;
}

const CHAOS_MS = Number(process.env.TSSWARM_CHAOS_MS ?? 25_000);
const CLIENTS = 3;

function pick<T>(xs: T[]): T | undefined {
  return xs[Math.floor(Math.random() * xs.length)];
}

async function chaos(size: number): Promise<void> {
  const c = await ManagerCluster.start(size);
  const history: Operation<KvInput, KvOutput>[] = [];
  const acked: string[] = [];
  let failovers = 0;
  const failoverMs: number[] = [];
  try {
    const first = c.managers[0] as ManagerProc;
    await c.api(first, 'POST', '/services/create', {
      Name: 'reg',
      Labels: { k: 'init' },
      TaskTemplate: { ContainerSpec: { Image: 'tsswarm/web' } },
      Mode: { Replicated: { Replicas: 0 } },
    });
    history.push({ input: { op: 'put', key: 'k', value: 'init' }, output: null, call: 0, ret: performance.now() });
    const deadline = Date.now() + CHAOS_MS;
    let seq = 0;

    const client = async (id: number) => {
      while (Date.now() < deadline) {
        const m = pick(c.alive());
        if (!m) continue;
        if (Math.random() < 0.5) {
          const call = performance.now();
          try {
            const s = (await c.api(m, 'GET', '/services/reg', undefined, 3000)) as Svc;
            history.push({ input: { op: 'get', key: 'k' }, output: s.Spec.Labels?.k ?? null, call, ret: performance.now() });
          } catch {
            // a failed read constrains nothing
          }
        } else {
          const value = `c${id}-${++seq}`;
          let s: Svc;
          try {
            s = (await c.api(m, 'GET', '/services/reg', undefined, 3000)) as Svc;
          } catch {
            continue;
          }
          const spec = { ...s.Spec, Labels: { ...(s.Spec.Labels ?? {}), k: value, [`w-${value}`]: String(s.Version.Index) } };
          const call = performance.now();
          try {
            await c.api(m, 'POST', `/services/${s.ID}/update?version=${s.Version.Index}`, spec, 5000);
            history.push({ input: { op: 'put', key: 'k', value }, output: null, call, ret: performance.now() });
            acked.push(value);
          } catch (err) {
            const status = (err as { status?: number }).status;
            // 409 (version moved) and 400 are definite refusals; anything else may have applied.
            if (status !== 409 && status !== 400) history.push({ input: { op: 'put', key: 'k', value }, call, ret: Infinity });
          }
        }
        await new Promise((r) => setTimeout(r, 5 + id));
      }
    };

    const killer = async () => {
      while (Date.now() < deadline - 4000) {
        await new Promise((r) => setTimeout(r, 3000));
        const leader = await c.leader();
        const victim = Math.random() < 0.75 ? leader : pick(c.alive().filter((m) => m !== leader));
        if (!victim) continue;
        const t0 = performance.now();
        await c.kill(victim);
        if (victim === leader) {
          failovers++;
          // Time until a surviving manager commits a write again (a label bump).
          await waitFor('a write commits after failover', async () => {
            const m = pick(c.alive());
            if (!m) return false;
            try {
              const s = (await c.api(m, 'GET', '/services/reg', undefined, 2000)) as Svc;
              await c.api(m, 'POST', `/services/${s.ID}/update?version=${s.Version.Index}`, s.Spec, 2000);
              return true;
            } catch {
              return false;
            }
          }, 20_000, 50);
          failoverMs.push(performance.now() - t0);
        }
        await new Promise((r) => setTimeout(r, 500));
        await c.startManager(victim);
      }
    };

    await Promise.all([...Array.from({ length: CLIENTS }, (_, i) => client(i)), killer()]);
    // Every manager back, and converged on the same state.
    for (const m of c.managers) if (!c.alive().includes(m)) await c.startManager(m);
    const labels = await waitFor('all managers converge', async () => {
      const seen = await Promise.all(c.managers.map(async (m) => JSON.stringify(((await c.api(m, 'GET', '/services/reg')) as Svc).Spec.Labels)));
      return seen.every((x) => x === seen[0]) ? (JSON.parse(seen[0] ?? '{}') as Record<string, string>) : false;
    }, 30_000, 200);

    console.log(`${size} managers: ${history.length} ops, ${acked.length} acknowledged writes, ${failovers} leader kills, failover to first write (ms): ${failoverMs.map(Math.round).join(', ')}`);
    assert.ok(acked.length > 20, `too few acknowledged writes (${acked.length}) to mean anything`);
    assert.ok(failovers >= 1, 'the leader was never killed');
    for (const v of acked) assert.ok(labels[`w-${v}`] !== undefined, `acknowledged write ${v} is missing`);
    // Same order everywhere: each write records the version it was applied on; these are distinct.
    const bases = acked.map((v) => Number(labels[`w-${v}`]));
    assert.equal(new Set(bases).size, bases.length, 'two acknowledged writes claim the same base version');
    const result = checkKv(history, 5_000_000);
    assert.notEqual(result, 'illegal', 'the client history is not linearizable');
  } finally {
    await c.teardown();
  }
}

describe('Raft-replicated managers under kill -9', { timeout: 240_000 }, () => {
  after(() => undefined);
  test('3 managers', async () => chaos(3));
  test('5 managers', async () => chaos(5));
});
