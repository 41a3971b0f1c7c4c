// Scenario tests tied to sections of the Raft paper (Ongaro & Ousterhout,
// "In Search of an Understandable Consensus Algorithm") and the dissertation.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NotLeaderError } from '../../../src/raft/errors.js';
import { Cluster } from '../../raft/cluster.js';

function elect(c: Cluster, id: string): void {
  c.campaign(id);
  assert.equal(c.raft(id).role, 'leader', `${id} should have won`);
}

void describe('raft paper scenarios', () => {
  void it('§5.2 a single leader is elected by timeout and others follow', () => {
    const c = new Cluster(['a', 'b', 'c'], { seed: 7 });
    c.tick(undefined, 30);
    assert.equal(c.leaders().length, 1);
    const lead = c.leaders()[0] ?? '';
    for (const n of c.nodes.values()) assert.equal(n.raft.lead, lead);
  });

  void it('§5.3 proposals replicate and apply in order on every node', () => {
    const c = new Cluster(['a', 'b', 'c']);
    elect(c, 'a');
    for (let i = 0; i < 5; i++) c.propose('a', `x${i}`);
    for (const id of ['a', 'b', 'c']) assert.deepEqual(c.appliedText(id), ['x0', 'x1', 'x2', 'x3', 'x4']);
  });

  void it('§5.3 non-leaders reject proposals with NotLeaderError naming the leader', () => {
    const c = new Cluster(['a', 'b', 'c']);
    elect(c, 'a');
    assert.throws(
      () => c.raft('b').propose(new Uint8Array([1])),
      (e: unknown) => e instanceof NotLeaderError && e.leaderId === 'a' && e.nodeId === 'b',
    );
  });

  void it('§5.4.1 a node with a stale log cannot win an election', () => {
    const c = new Cluster(['a', 'b', 'c']);
    elect(c, 'a');
    c.isolate('c');
    c.propose('a', 'only-ab');
    c.heal();
    c.isolate('a');
    // c is behind b: b refuses its (pre)vote, so c cannot gather a majority.
    c.raft('c').campaign('election');
    c.stabilize();
    assert.notEqual(c.raft('c').role, 'leader');
  });

  void it('§5.4.2 figure 8: a leader never commits an entry of an older term by counting replicas', () => {
    const ids = ['n1', 'n2', 'n3', 'n4', 'n5'];
    const c = new Cluster(ids, { maxEntriesPerMsg: 1 });
    elect(c, 'n1');
    // n1 (term t) replicates X only to n2.
    for (const id of ['n3', 'n4', 'n5']) c.isolate(id);
    c.raft('n1').propose(new TextEncoder().encode('X'));
    c.stabilize();
    const xIndex = c.raft('n1').log.lastIndex();
    assert.equal(c.raft('n1').log.committed < xIndex, true);
    // n5 becomes leader (next term) with n3, n4 and writes Y; none of its appends get out.
    c.heal();
    c.isolate('n1');
    c.isolate('n2');
    c.drop = (m) => m.from === 'n5' && m.type === 'app';
    for (const id of ['n3', 'n4', 'n5']) c.raft(id).becomeFollower(c.raft(id).term, '');
    c.raft('n5').campaign('election');
    c.stabilize();
    assert.equal(c.raft('n5').role, 'leader');
    c.raft('n5').propose(new TextEncoder().encode('Y'));
    c.stabilize();
    c.drop = () => false;
    // n1 returns, wins with n2, n3, n4 and re-replicates X one entry per message.
    c.heal();
    c.isolate('n5');
    for (const id of ['n1', 'n2', 'n3', 'n4']) c.raft(id).becomeFollower(c.raft(id).term, '');
    let leaderTerm = 0;
    for (let round = 0; round < 50; round++) {
      const n1 = c.raft('n1');
      // n3 and n4 already voted in n5's term, so n1 needs a campaign in a later term.
      if (leaderTerm === 0 && c.inbox.length === 0) {
        n1.becomeFollower(n1.term, '');
        n1.campaign('election');
      }
      c.deliverRound();
      if (n1.role === 'leader') leaderTerm = n1.term;
      if (leaderTerm > 0 && n1.log.committed >= xIndex) {
        // Only legal once an entry of the leader's own term is on a majority.
        const holders = ids.filter((id) => c.raft(id).log.term(xIndex + 1) === leaderTerm);
        assert.ok(holders.length >= 3, `X committed at round ${round} with only [${holders.join(',')}] holding a term-${leaderTerm} entry`);
      }
    }
    assert.ok(leaderTerm > 0, 'n1 became leader again');
    assert.equal(c.raft('n1').log.committed > xIndex, true, 'X and the new entry eventually commit');
    // And once n5 rejoins, its Y is overwritten by X.
    c.heal();
    c.tick(undefined, 3);
    assert.deepEqual(c.appliedText('n5'), c.appliedText('n1'));
    assert.ok(c.appliedText('n5').includes('X'));
    assert.ok(!c.appliedText('n5').includes('Y'));
  });

  void it('§9.6 pre-vote: a partitioned node rejoining does not disrupt the leader', () => {
    const c = new Cluster(['a', 'b', 'c'], { preVote: true, checkQuorum: true });
    elect(c, 'a');
    const term = c.raft('a').term;
    c.isolate('c');
    c.tick(['c'], 100); // many election timeouts while isolated
    assert.equal(c.raft('c').term, term, 'pre-vote keeps the isolated node from bumping its term');
    c.heal();
    c.tick(undefined, 5);
    assert.equal(c.raft('a').role, 'leader');
    assert.equal(c.raft('a').term, term);
  });

  void it('§9.6 control: without pre-vote or check-quorum the same rejoin disrupts the leader', () => {
    const c = new Cluster(['a', 'b', 'c'], { preVote: false, checkQuorum: false });
    elect(c, 'a');
    const term = c.raft('a').term;
    c.isolate('c');
    c.tick(['c'], 100);
    assert.ok(c.raft('c').term > term);
    c.heal();
    c.tick(undefined, 1);
    assert.ok(c.raft('a').term > term, 'higher term from c forces a to step down');
  });

  void it('§6.2 check-quorum: an isolated leader steps down within two election timeouts', () => {
    const c = new Cluster(['a', 'b', 'c'], { checkQuorum: true });
    elect(c, 'a');
    c.isolate('a');
    c.tick(['a'], 19);
    assert.equal(c.raft('a').role, 'leader', 'still within the first check window');
    c.tick(['a'], 1);
    assert.equal(c.raft('a').role, 'follower');
  });

  void it('§6.2 check-quorum: followers with a live leader ignore vote requests (leader lease)', () => {
    const c = new Cluster(['a', 'b', 'c'], { checkQuorum: true, preVote: false });
    elect(c, 'a');
    const term = c.raft('a').term;
    c.raft('c').campaign('election'); // disruptive, higher term
    c.stabilize();
    assert.equal(c.raft('b').term, term, 'b stays in the lease and ignores c');
    assert.notEqual(c.raft('c').role, 'leader');
  });

  void it('§7 a lagging follower catches up through InstallSnapshot after compaction', () => {
    const c = new Cluster(['a', 'b', 'c']);
    elect(c, 'a');
    c.isolate('c');
    for (let i = 0; i < 20; i++) c.propose('a', `e${i}`);
    const a = c.node('a');
    const applied = a.raft.log.applied;
    a.storage.createSnapshot(applied, a.raft.confState(), new TextEncoder().encode('state'));
    a.storage.compact(applied);
    c.heal();
    c.tick(undefined, 3);
    assert.ok(c.sent.some((m) => m.type === 'snap' && m.to === 'c'), 'leader sent a snapshot');
    const cs = c.node('c');
    assert.equal(cs.storage.snapshot().meta.index, applied);
    assert.equal(new TextDecoder().decode(cs.storage.snapshot().data), 'state');
    c.propose('a', 'after');
    assert.equal(cs.raft.log.committed, a.raft.log.committed);
    assert.deepEqual(c.appliedText('c'), ['after']);
  });

  void it('§3.10 (dissertation) leader transfer: TimeoutNow hands leadership over without a timeout', () => {
    const c = new Cluster(['a', 'b', 'c']);
    elect(c, 'a');
    c.isolate('b');
    c.propose('a', 'x'); // b lags
    c.heal();
    c.raft('a').transferLeadership('b');
    c.stabilize();
    assert.equal(c.raft('b').role, 'leader');
    assert.equal(c.raft('a').role, 'follower');
    assert.ok(c.sent.some((m) => m.type === 'timeoutNow' && m.to === 'b'));
    c.propose('b', 'y');
    assert.deepEqual(c.appliedText('a'), ['x', 'y']);
  });

  void it('§6.4 (dissertation) ReadIndex needs a heartbeat quorum and returns the commit index', () => {
    const c = new Cluster(['a', 'b', 'c']);
    elect(c, 'a');
    c.propose('a', 'x');
    c.raft('a').readIndex('r1');
    c.stabilize();
    assert.deepEqual(c.node('a').readStates, [{ index: c.raft('a').log.committed, context: 'r1' }]);
    // A leader cut off from the quorum cannot confirm a read.
    c.isolate('a');
    c.raft('a').readIndex('r2');
    c.stabilize();
    assert.equal(c.node('a').readStates.length, 1);
    // A follower's read is forwarded to the leader and answered.
    c.heal();
    c.raft('b').readIndex('r3');
    c.stabilize();
    assert.deepEqual(c.node('b').readStates.map((r) => r.context), ['r3']);
  });

  void it('§4.1 (dissertation) single-server changes: add a node, remove the leader', () => {
    const c = new Cluster(['a', 'b', 'c']);
    elect(c, 'a');
    c.propose('a', 'x');
    c.add('d', []);
    c.raft('a').proposeConfChange({ type: 'add', nodeId: 'd' });
    c.stabilize();
    c.tick(undefined, 2);
    assert.deepEqual(c.raft('d').confState().voters, ['a', 'b', 'c', 'd']);
    assert.deepEqual(c.appliedText('d'), ['x']);
    c.raft('a').proposeConfChange({ type: 'remove', nodeId: 'a' });
    c.stabilize();
    assert.notEqual(c.raft('a').role, 'leader', 'removed leader steps down');
    c.tick(['b', 'c', 'd'], 40);
    const leaders = c.leaders();
    assert.equal(leaders.length, 1);
    assert.notEqual(leaders[0], 'a');
  });

  void it('§4.1 at most one conf change may be pending', () => {
    const c = new Cluster(['a', 'b', 'c']);
    elect(c, 'a');
    c.isolate('b');
    c.isolate('c');
    c.raft('a').proposeConfChange({ type: 'add', nodeId: 'd' });
    assert.throws(() => c.raft('a').proposeConfChange({ type: 'add', nodeId: 'e' }), /not yet applied/);
  });
});
