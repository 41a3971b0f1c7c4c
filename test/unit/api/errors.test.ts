import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, ERROR_STATUS, notFound, toApiError } from '../../../src/api/errors.js';
import { ConflictError, ExistsError, NotFoundError, NotLeaderError, StoreClosedError } from '../../../src/store/errors.js';
import { assertError, setup } from './fixtures.js';

void describe('api: error catalogue', () => {
  void it('every code has the documented HTTP status', () => {
    assert.deepEqual(ERROR_STATUS, {
      invalid_argument: 400,
      forbidden: 403,
      not_found: 404,
      conflict: 409,
      not_implemented: 501,
      unavailable: 503,
      internal: 500,
    });
    for (const code of Object.keys(ERROR_STATUS) as Array<keyof typeof ERROR_STATUS>) {
      assert.equal(new ApiError(code, 'x').status, ERROR_STATUS[code]);
    }
  });

  void it('maps store errors to API statuses, keeping their messages', () => {
    const cases: Array<[unknown, number]> = [
      [new NotFoundError('services', 'abc'), 404],
      [new ExistsError('service abc already exists'), 409],
      [new ConflictError('services', 'abc', 3, 4), 409],
      [new NotLeaderError('10.0.0.1:2377'), 503],
      [new StoreClosedError(), 503],
      [new Error('boom'), 500],
      ['weird', 500],
    ];
    for (const [err, status] of cases) {
      const api = toApiError(err);
      assert.equal(api.status, status, String(err));
      assert.equal(api.message, err instanceof Error ? err.message : String(err));
    }
    assert.equal(notFound('service', 'foo').message, 'service foo not found');
  });

  void it('a store failure during a write becomes a {message} response', async () => {
    const { app, store } = await setup();
    await store.close();
    assertError(
      await app.inject({ method: 'DELETE', url: '/v1.45/services/whatever' }),
      503,
      /^store is closed$/,
    );
    await app.close();
  });
});
