import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogThrottle } from '../../../src/common/log-throttle.js';

void test('LogThrottle: one line per key per period, counting the ones held back', () => {
  const t = new LogThrottle(60_000);
  assert.equal(t.take('a', 0), 0);
  assert.equal(t.take('a', 1_000), undefined);
  assert.equal(t.take('a', 59_999), undefined);
  assert.equal(t.take('b', 2_000), 0, 'keys are independent');
  assert.equal(t.take('a', 60_000), 2, 'two lines were held back');
  assert.equal(t.take('a', 60_001), undefined);
  t.forget('a');
  assert.equal(t.take('a', 60_002), 0);
});
