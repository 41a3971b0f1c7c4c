// The engine's words out of dockerode errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { engineMessage, isNoSuchImage } from '../../../src/engine/docker/errors.js';

void test('prefers the engine JSON message, else strips dockerode\'s HTTP wrapper', () => {
  const fromJson = Object.assign(new Error('(HTTP code 404) no such container - No such image: foo:latest '), {
    statusCode: 404,
    json: { message: 'No such image: foo:latest' },
  });
  assert.equal(engineMessage(fromJson), 'No such image: foo:latest');
  assert.equal(isNoSuchImage(fromJson), true);
  const wrapped = Object.assign(new Error('(HTTP code 500) server error - Get "https://x/v2/": no such host'), {
    statusCode: 500,
  });
  assert.equal(engineMessage(wrapped), 'Get "https://x/v2/": no such host');
  assert.equal(isNoSuchImage(wrapped), false);
  assert.equal(engineMessage('plain'), 'plain');
});
