import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readFile, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Store } from '../../../src/store/store.js';
import { MemoryBackend } from '../../../src/store/backend-memory.js';
import { CorruptLogError, FileBackend } from '../../../src/store/backend-file.js';
import type { Service } from '../../../src/store/objects.js';

function service(id: string, name = id): Omit<Service, 'Version' | 'CreatedAt' | 'UpdatedAt'> {
  return {
    ID: id,
    Spec: { Name: name, TaskTemplate: { ContainerSpec: { Image: 'img' } }, Mode: { Replicated: { Replicas: 1 } } },
    Endpoint: { Spec: {} },
  };
}

async function memStore(): Promise<Store> {
  const s = new Store(new MemoryBackend());
  await s.open();
  return s;
}

test('update commits staged objects with the batch sequence as version', async () => {
  const s = await memStore();
  await s.update((tx) => tx.create('services', service('a')));
  const a = s.get('services', 'a');
  assert.equal(a?.Version.Index, 1);
  await s.update((tx) => tx.update('services', 'a', (d) => void (d.Spec.Mode.Replicated = { Replicas: 3 })));
  assert.equal(s.get('services', 'a')?.Version.Index, 2);
  assert.equal(s.get('services', 'a')?.Spec.Mode.Replicated?.Replicas, 3);
  // The first object was not mutated in place.
  assert.equal(a?.Spec.Mode.Replicated?.Replicas, 1);
});

test('a throwing transaction leaves the store unchanged and does not affect its group', async () => {
  const s = await memStore();
  const bad = s.update((tx) => {
    tx.create('services', service('x'));
    throw new Error('boom');
  });
  const good = s.update((tx) => tx.create('services', service('y')));
  await assert.rejects(bad, /boom/);
  await good;
  assert.equal(s.get('services', 'x'), undefined);
  assert.ok(s.get('services', 'y'));
});

test('concurrent transactions are grouped into one batch and see each other', async () => {
  const s = await memStore();
  let batches = 0;
  s.subscribe(() => batches++);
  const ps = [];
  for (let i = 0; i < 50; i++) ps.push(s.update((tx) => tx.create('services', service(`s${i}`))));
  // The 51st sees what the earlier ones staged.
  ps.push(s.update((tx) => assert.equal(tx.all('services').length, 50)));
  await Promise.all(ps);
  assert.equal(s.all('services').length, 50);
  assert.ok(batches <= 2, `expected grouping, got ${batches} batches`);
});

test('creating an existing ID fails; updating a missing one fails', async () => {
  const s = await memStore();
  await s.update((tx) => tx.create('services', service('a')));
  await assert.rejects(s.update((tx) => tx.create('services', service('a'))), /already exists/);
  await assert.rejects(s.update((tx) => tx.update('services', 'nope', () => {})), /service nope not found/);
});

test('task indexes follow node and service changes', async () => {
  const s = await memStore();
  const base = {
    ServiceID: 's1',
    Spec: { ContainerSpec: { Image: 'img' } },
    Status: { Timestamp: '', State: 'pending' as const, Message: '' },
    DesiredState: 'running' as const,
  };
  await s.update((tx) => {
    tx.create('tasks', { ...base, ID: 't1' });
    tx.create('tasks', { ...base, ID: 't2', NodeID: 'n1' });
  });
  assert.deepEqual(s.tasksOfNode('n1').map((t) => t.ID), ['t2']);
  await s.update((tx) => tx.update('tasks', 't1', (t) => void (t.NodeID = 'n1')));
  assert.deepEqual(s.tasksOfNode('n1').map((t) => t.ID).sort(), ['t1', 't2']);
  await s.update((tx) => tx.delete('tasks', 't2'));
  assert.deepEqual(s.tasksOfNode('n1').map((t) => t.ID), ['t1']);
  assert.deepEqual(s.tasksOfService('s1').map((t) => t.ID), ['t1']);
});

test('file backend: acknowledged writes survive reopen; torn tail is dropped; mid-log corruption is an error', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tsswarm-store-'));
  try {
    const s1 = new Store(new FileBackend(dir));
    await s1.open();
    for (let i = 0; i < 5; i++) await s1.update((tx) => tx.create('services', service(`s${i}`)));
    await s1.close();

    const s2 = new Store(new FileBackend(dir));
    await s2.open();
    assert.equal(s2.all('services').length, 5);
    assert.equal(s2.seq, 5);
    await s2.close();

    // A half-written record at the end (crash during append) is dropped.
    const wal = path.join(dir, 'state.wal');
    await appendFile(wal, '0badc0de {"seq":6,"chan');
    const s3 = new Store(new FileBackend(dir));
    await s3.open();
    assert.equal(s3.seq, 5);
    await s3.update((tx) => tx.create('services', service('after')));
    await s3.close();
    const s4 = new Store(new FileBackend(dir));
    await s4.open();
    assert.ok(s4.get('services', 'after'));
    await s4.close();

    // Flip a byte inside the second record: valid records follow, so this is corruption.
    const text = await readFile(wal, 'latin1');
    const second = text.indexOf('\n') + 20;
    await writeFile(wal, text.slice(0, second) + (text[second] === 'x' ? 'y' : 'x') + text.slice(second + 1), 'latin1');
    const s5 = new Store(new FileBackend(dir));
    await assert.rejects(s5.open(), (err: unknown) => {
      assert.ok(err instanceof CorruptLogError);
      assert.match(err.message, /state\.wal at byte \d+/);
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
