// SyncLoop: one run at a time, bursts coalesced, failures retried.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RETRY_MS, SyncLoop } from '../../../src/worker/network/sync-loop.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('a burst of requests is one run; requests during a run make exactly one more', async () => {
  let runs = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const loop = new SyncLoop(async () => {
    runs++;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await sleep(30);
    inFlight--;
    return true;
  });
  for (let i = 0; i < 10; i++) loop.request();
  await sleep(25); // first run in progress
  for (let i = 0; i < 10; i++) loop.request();
  await sleep(100);
  await loop.settled();
  assert.equal(runs, 2);
  assert.equal(maxInFlight, 1);
  loop.stop();
});

test('a failed run is retried after RETRY_MS', async () => {
  let runs = 0;
  const loop = new SyncLoop(async () => ++runs > 1);
  loop.request(0);
  await sleep(RETRY_MS + 150);
  assert.equal(runs, 2);
  loop.stop();
});
