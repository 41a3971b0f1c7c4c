// The worker end of a promotion (PromotedNode) with a stand-in for runManager: a failure
// before the Join is retried and leaves no replica data; a failure after it keeps the
// data; a demotion stops the component and removes the data; role messages apply in order.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { silentLogger } from '../../../src/common/log.js';
import type { ManagerOptions, RunningManager } from '../../../src/manager/daemon.js';
import { PromotedNode, readPromotedAddrs } from '../../../src/manager/membership/promoted-node.js';

const promotion = {
  role: 'manager',
  raft_secret: 'secret',
  raft_peers: { m1: '127.0.0.1:2378' },
  manager_token: 'SWMTKN-1-m',
  cluster_addr: '127.0.0.1:5001',
  raft_addr: '127.0.0.1:5002',
  api_addr: '127.0.0.1:5003',
};
const worker = { ...promotion, role: 'worker', raft_secret: '', raft_peers: {}, manager_token: '', cluster_addr: '', raft_addr: '', api_addr: '' };

function running(stops: string[]): RunningManager {
  return { nodeId: 'n', workerToken: '', managerToken: '', workerJoinCommand: '', managerJoinCommand: '', apiAddr: '127.0.0.1:5003', clusterAddr: '127.0.0.1:5001', stop: async () => void stops.push('stopped') };
}

/** Writes what runManager would (the replica's directory), then fails or starts. */
function starter(dataDir: string, outcomes: Array<'fail-before-join' | 'fail-after-join' | 'ok'>, calls: ManagerOptions[], stops: string[]) {
  return async (o: ManagerOptions): Promise<RunningManager> => {
    calls.push(o);
    await mkdir(path.join(dataDir, 'manager', 'raft', 'wal'), { recursive: true });
    const outcome = outcomes.shift() ?? 'ok';
    if (outcome === 'ok') return running(stops);
    throw Object.assign(new Error(outcome), { notAdded: outcome === 'fail-before-join' });
  };
}

void describe('PromotedNode', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const newDir = async () => {
    const d = await mkdtemp(path.join(tmpdir(), 'tsswarm-promoted-'));
    dirs.push(d);
    return d;
  };

  void it('starts the component with the worker flags and the promotion; demotion stops it and removes the replica data', async () => {
    const dataDir = await newDir();
    const calls: ManagerOptions[] = [];
    const stops: string[] = [];
    const p = new PromotedNode({ dataDir, hostname: 'w1', raftAddr: '127.0.0.1:6002', start: starter(dataDir, ['ok'], calls, stops), knownManagers: () => ['127.0.0.1:2377'], log: silentLogger });
    p.onRoleChange(promotion);
    p.onRoleChange(promotion); // the same message again (a new session): no second start
    await p.settled();
    assert.equal(p.isManager, true);
    assert.equal(calls.length, 1);
    const o = calls[0]!;
    assert.equal(o.listenAddr, '0.0.0.0:5001');
    assert.equal(o.raftAddr, '127.0.0.1:6002', "the worker's own --raft-addr is what it binds");
    assert.equal(o.advertiseAddr, '127.0.0.1');
    assert.equal(o.runAgent, false, 'the worker keeps its own agent');
    assert.deepEqual(o.promotion, { raftSecret: 'secret', raftPeers: { m1: '127.0.0.1:2378' }, managerToken: 'SWMTKN-1-m', joinAddrs: ['127.0.0.1:2377'] });
    assert.equal((await readPromotedAddrs(dataDir))?.apiAddr, '127.0.0.1:5003', 'kept for a restart');

    p.onRoleChange(worker);
    await p.settled();
    assert.equal(p.isManager, false);
    assert.deepEqual(stops, ['stopped']);
    assert.equal(existsSync(path.join(dataDir, 'manager')), false);
    await p.stop();
  });

  void it('a failure before the Join leaves no data and is retried; one after it keeps the data', async () => {
    const dataDir = await newDir();
    const calls: ManagerOptions[] = [];
    const p = new PromotedNode({ dataDir, start: starter(dataDir, ['fail-before-join', 'ok'], calls, []), knownManagers: () => [], log: silentLogger });
    p.onRoleChange(promotion);
    await p.settled();
    assert.equal(p.isManager, false);
    assert.equal(existsSync(path.join(dataDir, 'manager')), false, 'never a member: nothing kept');
    const deadline = Date.now() + 5000;
    while (!p.isManager && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await p.settled();
    assert.equal(p.isManager, true, 'retried');
    assert.equal(calls.length, 2);
    await p.stop();

    const dir2 = await newDir();
    const p2 = new PromotedNode({ dataDir: dir2, start: starter(dir2, ['fail-after-join'], [], []), knownManagers: () => [], log: silentLogger });
    p2.onRoleChange(promotion);
    await p2.settled();
    assert.equal(p2.isManager, false);
    assert.equal(existsSync(path.join(dir2, 'manager', 'raft', 'wal')), true, 'a member: its replica data stays for a restart');
    await p2.stop();
  });

  void it('"worker" for a node that never finished a promotion removes what it left', async () => {
    const dataDir = await newDir();
    await mkdir(path.join(dataDir, 'manager'), { recursive: true });
    await writeFile(path.join(dataDir, 'manager', 'promoted.json'), JSON.stringify({ listenAddr: 'a', raftAddr: 'b', apiAddr: 'c' }));
    const p = new PromotedNode({ dataDir, start: () => Promise.reject(new Error('not called')), knownManagers: () => [], log: silentLogger });
    p.onRoleChange(worker);
    await p.settled();
    assert.equal(existsSync(path.join(dataDir, 'manager')), false);
    await p.stop();
  });
});
