// Golden files for table output: test/unit/cli/golden/<name>.txt.
// UPDATE_GOLDEN=1 rewrites them from the current output (review the diff before committing).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';

export function assertGolden(name: string, actual: string): void {
  const file = new URL(`./golden/${name}.txt`, import.meta.url);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  assert.equal(actual, readFileSync(file, 'utf8'), `golden file golden/${name}.txt (UPDATE_GOLDEN=1 to rewrite)`);
}
