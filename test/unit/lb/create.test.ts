// createLoadBalancer: the nft probe decides the mode, and the choice is logged as lb.mode.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import pino from 'pino';
import { silentLogger } from '../../../src/common/log.js';
import { chooseLbMode, createLoadBalancer } from '../../../src/lb/create.js';
import { NftLoadBalancer } from '../../../src/lb/nft-load-balancer.js';
import type { CommandRunner } from '../../../src/lb/types.js';
import { canUseKernel } from './netns-bed.js';

const exec = promisify(execFile);
const kernel = await canUseKernel();
const failing: CommandRunner = async () => ({ code: 1, stdout: '', stderr: 'Error: Could not process rule: Operation not permitted' });
const missing: CommandRunner = async () => {
  throw Object.assign(new Error('spawn nft ENOENT'), { code: 'ENOENT' });
};

function capture(): { log: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { log, lines };
}

void describe('createLoadBalancer', () => {
  void it('nft refused or missing: userspace proxy, logged', async () => {
    assert.equal(await NftLoadBalancer.available({ run: failing }), false);
    assert.equal(await NftLoadBalancer.available({ run: missing }), false);
    const { log, lines } = capture();
    const lb = await createLoadBalancer({ log, run: failing });
    assert.equal(lb.mode, 'userspace');
    assert.ok(lines.some((l) => l['lb.mode'] === 'userspace'));
    await lb.teardown();
  });

  void it('chooseLbMode: the mode and why (what the worker logs and reports)', async () => {
    assert.deepEqual(await chooseLbMode({ run: failing }), { mode: 'userspace', reason: 'nftables unusable (nft exited 1: Error: Could not process rule: Operation not permitted)' });
    const gone = await chooseLbMode({ run: missing });
    assert.equal(gone.mode, 'userspace');
    assert.match(gone.reason, /^nftables unusable \(cannot run nft: spawn nft ENOENT\)$/);
    const ok: CommandRunner = async () => ({ code: 0, stdout: '', stderr: '' });
    assert.deepEqual(await chooseLbMode({ run: ok }), { mode: 'nftables', reason: 'nft can create tables in this network namespace' });
    // Forced: nft is not even run.
    assert.deepEqual(await chooseLbMode({ run: missing, forced: 'nftables', forcedBy: 'TSSWARM_LB_MODE' }), { mode: 'nftables', reason: 'forced by TSSWARM_LB_MODE' });
    assert.deepEqual(await chooseLbMode({ run: failing, forced: 'userspace' }), { mode: 'userspace', reason: 'forced' });
  });

  void it('the probe creates and deletes a scratch table in one transaction', async () => {
    const calls: { cmd: string; args: readonly string[]; input?: string }[] = [];
    const ok: CommandRunner = async (cmd, args, opts) => {
      calls.push({ cmd, args, input: opts?.input });
      return { code: 0, stdout: '', stderr: '' };
    };
    const lb = await createLoadBalancer({ log: silentLogger, run: ok, netns: 'ns1' });
    assert.equal(lb.mode, 'nftables');
    assert.deepEqual(calls[0]?.args.slice(0, 5), ['netns', 'exec', 'ns1', 'nft', '-f']);
    assert.match(calls[0]?.input ?? '', /^add table ip tsswarm_probe_\d+\ndelete table ip tsswarm_probe_\d+\n$/);
  });

  void it('real nft, in a scratch namespace', { skip: !kernel && 'needs root and nft' }, async () => {
    const ns = `tslbprobe${process.pid}`;
    await exec('ip', ['netns', 'add', ns]);
    try {
      assert.equal(await NftLoadBalancer.available({ netns: ns }), true);
      const lb = await createLoadBalancer({ log: silentLogger, netns: ns });
      assert.equal(lb.mode, 'nftables');
      assert.equal((await exec('ip', ['netns', 'exec', ns, 'nft', 'list', 'tables'])).stdout.trim(), '', 'the probe table is gone');
    } finally {
      await exec('ip', ['netns', 'del', ns]);
    }
  });
});
