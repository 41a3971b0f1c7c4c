// Jepsen-style run of real RaftNodes (WAL, snapshots, timers) over an
// in-memory faulty network: clients write and read through ReadIndex while a
// nemesis partitions, drops, and crash-restarts nodes. The client history
// must be linearizable and all replicas must converge afterwards.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import pino from 'pino';
import { NotLeaderError, RaftError } from '../../../src/raft/errors.js';
import { RaftNode, type StateMachine } from '../../../src/raft/node.js';
import type { Entry } from '../../../src/raft/types.js';
import { type KvInput, type KvOutput, type Operation, checkKv } from '../../raft/linearizability.js';
import { MemHub } from '../../raft/mem-transport.js';
import { mulberry32, pick } from '../../raft/prng.js';

const logger = pino({ level: 'silent' });
const enc = new TextEncoder();
const dec = new TextDecoder();
const RUN_MS = Number(process.env['RAFT_NEMESIS_MS'] ?? 5000);

class KvFsm implements StateMachine {
  data = new Map<string, string>();
  apply(e: Entry): void {
    const [k, v] = dec.decode(e.data).split('=');
    this.data.set(k ?? '', v ?? '');
  }
  takeSnapshot(): Uint8Array {
    return enc.encode(JSON.stringify([...this.data]));
  }
  restore(data: Uint8Array): void {
    this.data = new Map(JSON.parse(dec.decode(data)) as [string, string][]);
  }
}

interface Member {
  id: string;
  dir: string;
  fsm: KvFsm;
  node: RaftNode | undefined;
}

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

void test(`nemesis: ${RUN_MS} ms of partitions, drops and crash-restarts keep KV linearizable`, async () => {
  const rand = mulberry32(Number(process.env['RAFT_NEMESIS_SEED'] ?? 7));
  const hub = new MemHub(rand);
  const ids = ['a', 'b', 'c'];
  const peers = Object.fromEntries(ids.map((id) => [id, id]));
  const members: Member[] = [];
  for (const id of ids) {
    const dir = await mkdtemp(join(tmpdir(), `raft-nemesis-${id}-`));
    dirs.push(dir);
    members.push({ id, dir, fsm: new KvFsm(), node: undefined });
  }
  const start = async (m: Member): Promise<void> => {
    m.fsm = new KvFsm();
    m.node = await RaftNode.start({
      id: m.id, dataDir: m.dir, peers, secret: 's', transport: hub.connect(m.id), fsm: m.fsm, logger,
      tickMs: 10, electionTicks: 10, heartbeatTicks: 1, snapshotEntries: 25, catchUpEntries: 5,
      proposalTimeoutMs: 1500, readTimeoutMs: 800,
    });
  };
  await Promise.all(members.map(start));

  const history: Operation<KvInput, KvOutput>[] = [];
  let clock = 0;
  const now = (): number => ++clock;
  let seq = 0;
  let stop = false;
  const counts = { ok: 0, unknown: 0, refused: 0, crashes: 0, partitions: 0 };

  const client = async (): Promise<void> => {
    while (!stop) {
      // Like a real client: try a random node, follow its hint about the leader.
      let m = pick(rand, members);
      const hinted = members.find((x) => x.id === m.node?.leaderId);
      if (hinted?.node && rand() < 0.8) m = hinted;
      const node = m.node;
      if (!node) {
        await sleep(5);
        continue;
      }
      const key = pick(rand, ['x', 'y']);
      if (rand() < 0.5) {
        const value = `v${++seq}`;
        const call = now();
        try {
          await node.propose(enc.encode(`${key}=${value}`));
          history.push({ input: { op: 'put', key, value }, output: null, call, ret: now() });
          counts.ok++;
        } catch (e) {
          if (!(e instanceof RaftError)) throw e;
          if (e instanceof NotLeaderError) counts.refused++; // refused before proposing: never happened
          else {
            history.push({ input: { op: 'put', key, value }, call, ret: Infinity });
            counts.unknown++;
          }
        }
      } else {
        const call = now();
        try {
          await node.readIndex();
          history.push({ input: { op: 'get', key }, output: m.fsm.data.get(key) ?? null, call, ret: now() });
          counts.ok++;
        } catch (e) {
          if (!(e instanceof RaftError)) throw e;
          counts.refused++;
        }
      }
      await sleep(1);
    }
  };

  const nemesis = async (): Promise<void> => {
    let first = true;
    while (!stop) {
      await sleep(150 + Math.floor(rand() * 200));
      const x = first ? 0.6 : rand(); // always crash-restart at least once
      first = false;
      if (x < 0.3) {
        hub.isolate(pick(rand, ids));
        counts.partitions++;
      } else if (x < 0.5) {
        hub.heal();
      } else if (x < 0.7) {
        const up = members.filter((m) => m.node);
        if (up.length < 2) continue;
        const victim = pick(rand, up);
        const n = victim.node;
        victim.node = undefined;
        await n?.stop();
        counts.crashes++;
        await sleep(100 + Math.floor(rand() * 300));
        await start(victim);
      } else {
        hub.dropRate = rand() * 0.2;
      }
    }
  };

  try {
    await run();
  } finally {
    stop = true;
    await Promise.all(members.map((m) => m.node?.stop()));
  }

  async function run(): Promise<void> {
    const clients = [client(), client(), client(), nemesis()];
    await sleep(RUN_MS);
    stop = true;
    await Promise.all(clients);

    // Heal and let everyone converge, then check.
    hub.heal();
    hub.dropRate = 0;
    for (const m of members) if (!m.node) await start(m);
    const deadline = Date.now() + 15_000;
    let final: string | undefined;
    for (;;) {
      const leader = members.find((m) => m.node?.isLeader);
      if (leader) {
        try {
          await leader.node?.propose(enc.encode('final=1'));
          final = 'final';
        } catch {
          /* leadership moved: retry */
        }
      }
      if (final && members.every((m) => m.fsm.data.get('final') === '1')) break;
      if (Date.now() > deadline) assert.fail(`cluster did not converge: ${JSON.stringify(members.map((m) => m.node?.status()))}`);
      await sleep(20);
    }
    const snapshots = members.map((m) => JSON.stringify([...m.fsm.data].sort()));
    assert.equal(new Set(snapshots).size, 1, 'replicas converge to the same state');
    console.log(`nemesis: ${JSON.stringify(counts)}, history ${history.length} ops`);
    assert.ok(counts.ok > 50, `too few successful operations: ${counts.ok}`);
    assert.ok(counts.crashes > 0);
    const t0 = Date.now();
    const verdict = checkKv(history);
    console.log(`linearizability check: ${verdict} in ${Date.now() - t0} ms`);
    assert.notEqual(verdict, 'illegal', 'client history is linearizable');
  }
});
