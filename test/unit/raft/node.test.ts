// Three RaftNodes in one process over real gRPC on 127.0.0.1: election,
// replication, linearizable reads, leader failure, restart and catch-up
// through a snapshot, and refusal of peers without the cluster secret.

import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { NotLeaderError } from '../../../src/raft/errors.js';
import { RaftNode, type StateMachine } from '../../../src/raft/node.js';
import { SnapshotMissingError } from '../../../src/raft/storage/errors.js';
import { GrpcTransport } from '../../../src/raft/transport-grpc.js';
import type { Entry } from '../../../src/raft/types.js';
import pino from 'pino';

const SECRET = 'test-cluster-secret';
const logger = pino({ level: 'silent' });
const enc = new TextEncoder();
const dec = new TextDecoder();

class KvFsm implements StateMachine {
  readonly data = new Map<string, string>();
  restores = 0;
  apply(e: Entry): void {
    const [k, v] = dec.decode(e.data).split('=');
    this.data.set(k ?? '', v ?? '');
  }
  takeSnapshot(): Uint8Array {
    return enc.encode(JSON.stringify([...this.data]));
  }
  restore(data: Uint8Array): void {
    this.restores++;
    this.data.clear();
    for (const [k, v] of JSON.parse(dec.decode(data)) as [string, string][]) this.data.set(k, v);
  }
}

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function waitFor<T>(what: string, fn: () => T | undefined, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Member {
  id: string;
  dir: string;
  address: string;
  fsm: KvFsm;
  node: RaftNode | undefined;
}

const TIMING = { tickMs: 20, electionTicks: 10, heartbeatTicks: 1, snapshotEntries: 30, catchUpEntries: 0 };

async function startMember(m: Member, peers: Record<string, string>, transport?: GrpcTransport): Promise<void> {
  m.fsm = new KvFsm();
  const t = transport ?? (await GrpcTransport.listen({ id: m.id, listen: m.address, secret: SECRET, logger }));
  try {
    m.node = await RaftNode.start({ id: m.id, dataDir: m.dir, peers, secret: SECRET, transport: t, fsm: m.fsm, logger, ...TIMING });
  } catch (e) {
    await t.stop(); // a transport we passed in stays ours
    throw e;
  }
}

function leaderOf(ms: Member[]): Member | undefined {
  const ls = ms.filter((m) => m.node?.isLeader);
  return ls.length === 1 ? ls[0] : undefined;
}

void describe('RaftNode over gRPC', () => {
  void it('elects, replicates, reads, fails over, restarts and catches up by snapshot', async () => {
    const members: Member[] = [];
    const transports: GrpcTransport[] = [];
    for (const id of ['a', 'b', 'c']) {
      const dir = await mkdtemp(join(tmpdir(), `raft-node-${id}-`));
      dirs.push(dir);
      const t = await GrpcTransport.listen({ id, listen: '127.0.0.1:0', secret: SECRET, logger });
      transports.push(t);
      members.push({ id, dir, address: t.address, fsm: new KvFsm(), node: undefined });
    }
    const peers = Object.fromEntries(members.map((m) => [m.id, m.address]));
    await Promise.all(members.map((m, i) => startMember(m, peers, transports[i])));
    try {
      const first = await waitFor('a leader', () => leaderOf(members));
      const follower = members.find((m) => m !== first) as Member;
      await waitFor('followers to learn the leader', () => members.every((m) => m.node?.leaderId === first.id));
      await assert.rejects(follower.node?.propose(enc.encode('x=0')) ?? Promise.resolve(), (e: unknown) => e instanceof NotLeaderError && e.leaderId === first.id);

      for (let i = 0; i < 10; i++) await first.node?.propose(enc.encode(`k${i}=v${i}`));
      await waitFor('replication', () => members.every((m) => m.fsm.data.get('k9') === 'v9'));

      // Linearizable read on a follower: after it resolves, the last write is visible.
      await first.node?.propose(enc.encode('r=1'));
      await follower.node?.readIndex();
      assert.equal(follower.fsm.data.get('r'), '1');

      // Kill the leader; a new one takes over.
      const killedAt = Date.now();
      await first.node?.stop();
      first.node = undefined;
      const rest = members.filter((m) => m !== first);
      const second = await waitFor('a new leader', () => leaderOf(rest));
      const failoverMs = Date.now() - killedAt;
      console.log(`failover with tick ${TIMING.tickMs} ms: ${failoverMs} ms`);
      assert.notEqual(second.id, first.id);

      // Enough writes for a snapshot and full compaction, so the old leader needs InstallSnapshot.
      for (let i = 0; i < 60; i++) await second.node?.propose(enc.encode(`m${i}=${i}`));
      assert.ok((second.node?.status().applied ?? 0) > 60);

      await startMember(first, peers);
      await waitFor('catch-up', () => first.fsm.data.get('m59') === '59' || undefined);
      assert.ok(first.fsm.restores >= 1, 'the restarted node was restored from a snapshot');
      assert.deepEqual(new Map(first.fsm.data), new Map(second.fsm.data));

      // And it keeps replicating afterwards.
      await second.node?.propose(enc.encode('after=1'));
      await waitFor('post-restart replication', () => members.every((m) => m.fsm.data.get('after') === '1'));
    } finally {
      await Promise.all(members.map((m) => m.node?.stop()));
    }
  });

  void it('adds a joining member, transfers leadership to it, and removes a member', async () => {
    const members: Member[] = [];
    const transports: GrpcTransport[] = [];
    for (const id of ['a', 'b', 'c', 'd']) {
      const dir = await mkdtemp(join(tmpdir(), `raft-join-${id}-`));
      dirs.push(dir);
      const t = await GrpcTransport.listen({ id, listen: '127.0.0.1:0', secret: SECRET, logger });
      transports.push(t);
      members.push({ id, dir, address: t.address, fsm: new KvFsm(), node: undefined });
    }
    const initial = members.slice(0, 3);
    const peers = Object.fromEntries(initial.map((m) => [m.id, m.address]));
    await Promise.all(initial.map((m, i) => startMember(m, peers, transports[i])));
    const d = members[3] as Member;
    try {
      const leader = await waitFor('a leader', () => leaderOf(initial));
      for (let i = 0; i < 5; i++) await leader.node?.propose(enc.encode(`k${i}=${i}`));
      // d knows nobody; it learns addresses from the leader's calls and the log.
      d.fsm = new KvFsm();
      d.node = await RaftNode.start({ id: 'd', dataDir: d.dir, peers: {}, join: true, secret: SECRET, transport: transports[3], fsm: d.fsm, logger, ...TIMING });
      await leader.node?.addMember('d', d.address);
      await waitFor('d to catch up', () => d.fsm.data.get('k4') === '4' || undefined);
      assert.deepEqual(d.node.status().voters, ['a', 'b', 'c', 'd']);

      await leader.node?.transferLeadership('d');
      await waitFor('d to lead', () => d.node?.isLeader || undefined);
      await d.node.propose(enc.encode('from-d=1'));
      await waitFor('replication from d', () => members.every((m) => m.fsm.data.get('from-d') === '1') || undefined);

      await d.node.removeMember(leader.id);
      await waitFor('removal applied everywhere', () =>
        members.filter((m) => m !== leader).every((m) => m.node?.status().voters.join() === ['a', 'b', 'c', 'd'].filter((x) => x !== leader.id).join()) || undefined);
      await d.node.propose(enc.encode('after-remove=1'));
      await waitFor('3-member cluster still commits', () => members.filter((m) => m !== leader).every((m) => m.fsm.data.get('after-remove') === '1') || undefined);
    } finally {
      await Promise.all(members.map((m) => m.node?.stop()));
    }
  });

  void it('a full-cluster restart recovers state from WAL and snapshots', async () => {
    const members: Member[] = [];
    for (const id of ['a', 'b', 'c']) {
      const dir = await mkdtemp(join(tmpdir(), `raft-restart-${id}-`));
      dirs.push(dir);
      const t = await GrpcTransport.listen({ id, listen: '127.0.0.1:0', secret: SECRET, logger });
      members.push({ id, dir, address: t.address, fsm: new KvFsm(), node: undefined });
      await t.stop(); // keep the port for RaftNode to bind
    }
    const peers = Object.fromEntries(members.map((m) => [m.id, m.address]));
    try {
      await Promise.all(members.map((m) => startMember(m, peers)));
      const leader = await waitFor('a leader', () => leaderOf(members));
      for (let i = 0; i < 45; i++) await leader.node?.propose(enc.encode(`k${i}=${i}`)); // crosses a snapshot
      await waitFor('replication', () => members.every((m) => m.fsm.data.get('k44') === '44') || undefined);
      const term = leader.node?.status().term ?? 0;
      await Promise.all(members.map((m) => m.node?.stop()));
      await Promise.all(members.map((m) => startMember(m, peers)));
      // Before any new leader commits, each node restores its own snapshot and
      // re-applies what it had committed.
      const again = await waitFor('a leader after restart', () => leaderOf(members));
      assert.ok((again.node?.status().term ?? 0) > term);
      await again.node?.propose(enc.encode('after=1'));
      await waitFor('all state back', () => members.every((m) => m.fsm.data.get('k44') === '44' && m.fsm.data.get('after') === '1') || undefined);
      assert.equal(members.every((m) => m.fsm.data.size === 46), true);
    } finally {
      await Promise.all(members.map((m) => m.node?.stop()));
    }
  });

  void it('a single-node cluster commits alone; a snapshot missing on restart is a clear error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'raft-single-'));
    dirs.push(dir);
    const m: Member = { id: 'solo', dir, address: '127.0.0.1:0', fsm: new KvFsm(), node: undefined };
    await startMember(m, { solo: '127.0.0.1:0' });
    try {
      await waitFor('self-election', () => m.node?.isLeader || undefined);
      for (let i = 0; i < 35; i++) await m.node?.propose(enc.encode(`s${i}=${i}`)); // crosses snapshotEntries
      await m.node?.readIndex();
      assert.equal(m.fsm.data.get('s34'), '34');
    } finally {
      await m.node?.stop();
    }
    // Recovery (as for --force-new-cluster): empty peers, no network, replay local state.
    const replayed = new KvFsm();
    const offline = await RaftNode.start({
      id: 'solo', dataDir: dir, peers: {}, secret: SECRET, fsm: replayed, logger, ...TIMING,
      transport: { address: 'offline', setHandler() {}, send() {}, setPeer() {}, removePeer() {}, stop: async () => {} },
    });
    await waitFor('local replay', () => replayed.data.get('s34') === '34' || undefined);
    await offline.stop();
    await assert.rejects(
      RaftNode.start({ id: 'solo', dataDir: dir, peers: { other: 'x:1' }, secret: SECRET, fsm: replayed, logger }),
      /initial peers must include this node/,
    );

    const snapDir = join(dir, 'snap');
    const files = (await readdir(snapDir)).filter((f) => f.endsWith('.snap'));
    assert.equal(files.length, 1);
    await unlink(join(snapDir, files[0] ?? ''));
    await assert.rejects(startMember(m, { solo: '127.0.0.1:0' }), (e: unknown) => e instanceof SnapshotMissingError && e.file.startsWith(snapDir));
  });

  void it('refuses a peer without the cluster secret', async () => {
    const t = await GrpcTransport.listen({ id: 'z', listen: '127.0.0.1:0', secret: SECRET, logger });
    let received = 0;
    t.setHandler(() => received++);
    try {
      const def = protoLoader.loadSync(join(import.meta.dirname, '../../../proto/raft.proto'), { keepCase: false, longs: Number, defaults: false });
      const pkg = grpc.loadPackageDefinition(def) as unknown as { tsswarm: { raft: { Raft: new (a: string, c: grpc.ChannelCredentials) => grpc.Client } } };
      const client = new pkg.tsswarm.raft.Raft(t.address, grpc.credentials.createInsecure()) as grpc.Client & {
        InstallSnapshot(m: object, md: grpc.Metadata, cb: (err: grpc.ServiceError | null) => void): void;
      };
      const md = new grpc.Metadata();
      md.set('x-raft-secret', 'wrong');
      md.set('x-raft-from', 'mallory');
      const err = await new Promise<grpc.ServiceError | null>((resolve) =>
        client.InstallSnapshot({ type: 'heartbeat', from: 'mallory', to: 'z', term: 99 }, md, resolve),
      );
      client.close();
      assert.equal(err?.code, grpc.status.UNAUTHENTICATED);
      assert.match(err?.details ?? '', /mallory refused: missing or wrong cluster secret/);
      assert.equal(received, 0);
    } finally {
      await t.stop();
    }
  });
});
