// Which network aliases the resolver accepts, and the API's refusal of the rest.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiError } from '../../../src/api/errors.js';
import { validateServiceSpec } from '../../../src/api/validate-spec.js';
import { aliasProblem } from '../../../src/dns/index.js';
import { serviceSpec } from '../api/fixtures.js';

const withAliases = (...aliases: unknown[]): unknown =>
  serviceSpec('demo_web', {
    TaskTemplate: { ContainerSpec: { Image: 'img' }, Networks: [{ Target: 'front' }, { Target: 'back', Aliases: aliases as string[] }] },
  });

describe('network alias names', () => {
  test('DNS names of letters, digits, - and _ are accepted', () => {
    for (const ok of ['web', 'WEB', 'my_db', 'db-1', 'a', '0web', 'db.internal', 'x'.repeat(63), 'tasks']) {
      assert.equal(aliasProblem(ok), undefined, ok);
    }
  });

  test('anything else is named with the reason', () => {
    const cases: Array<[string, RegExp]> = [
      ['', /is empty/],
      ['-web', /invalid label "-web"/],
      ['web-', /invalid label "web-"/],
      ['_web', /invalid label "_web"/],
      ['my web', /invalid label "my web"/],
      ['wéb', /invalid label/],
      ['web.', /empty label/],
      ['a..b', /empty label/],
      ['x'.repeat(64), /label of 64 characters/],
      [`${'a'.repeat(60)}.`.repeat(5), /characters long; the most is 253/],
      ['tasks.web', /reserved for task lookups/],
      ['Tasks.Web', /reserved for task lookups/],
    ];
    for (const [alias, re] of cases) assert.match(aliasProblem(alias) ?? '', re, JSON.stringify(alias));
  });

  test('the API refuses an invalid alias with the field path, and keeps valid ones', () => {
    const spec = validateServiceSpec(withAliases('web', 'db.internal'));
    assert.deepEqual(spec.TaskTemplate.Networks?.[1]?.Aliases, ['web', 'db.internal']);
    assert.throws(
      () => validateServiceSpec(withAliases('web', 'bad alias')),
      (err: unknown) =>
        err instanceof ApiError &&
        err.status === 400 &&
        err.message === 'Spec.TaskTemplate.Networks[1].Aliases[1] "bad alias" is not a valid DNS alias: it has an invalid label "bad alias": use letters, digits, \'-\' and \'_\', starting and ending with a letter or digit',
    );
    assert.throws(() => validateServiceSpec(withAliases(7)), /Spec\.TaskTemplate\.Networks\[1\]\.Aliases\[0\] must be a string/);
  });
});
