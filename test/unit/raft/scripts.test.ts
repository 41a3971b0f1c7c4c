// Runs the interaction scripts in test/raft/scripts; set RAFT_SCRIPT_REWRITE=1
// to regenerate their expected output after an intended change (then review the diff).

import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ScriptRunner, formatScript, parseScript } from '../../raft/script.js';

const DIR = join(import.meta.dirname, '../../raft/scripts');
const rewrite = process.env['RAFT_SCRIPT_REWRITE'] === '1';

for (const file of readdirSync(DIR).filter((f) => f.endsWith('.txt')).sort()) {
  void test(`raft script ${file}`, () => {
    const path = join(DIR, file);
    const text = readFileSync(path, 'utf8');
    const header = text.split('\n').filter((l, i, all) => l.startsWith('#') && all.slice(0, i).every((p) => p.startsWith('#'))).join('\n');
    const runner = new ScriptRunner();
    const results = parseScript(text).map((b) => ({ ...b, actual: runner.run(b.command) }));
    if (rewrite) {
      writeFileSync(path, (header ? `${header}\n` : '') + formatScript(results.map((r) => ({ command: r.command, expected: r.actual }))));
      return;
    }
    for (const r of results) assert.equal(r.actual, r.expected, `${file}:${r.line} ${r.command}`);
  });
}
