// The cgroup CPU reader: /proc/PID/cgroup parsing for v1 and v2, cpu.stat parsing, and the
// read itself against a fake cgroup tree (this process's own /proc/self/cgroup names the path).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { cgroupCpuNs, parseCpuStatUsageNs, parseProcCgroup } from '../../../src/engine/docker/cgroup-cpu.js';

const ID = '3759859e177dc5439ffb1ab470218dca947d6c83e38af165c1d50d81ecef3132';

void describe('cgroup CPU reader', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'tsswarm-cgroup-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  void test('/proc/PID/cgroup: the cpuacct hierarchy of cgroup v1 (alone or with cpu) and the v2 path', () => {
    const hybrid = [`9:name=systemd:/docker/${ID}`, `2:cpuacct:/docker/${ID}`, `1:cpu:/docker/${ID}`, `0::/docker/${ID}`, ''].join('\n');
    assert.deepEqual(parseProcCgroup(hybrid), { cpuacct: `/docker/${ID}`, unified: `/docker/${ID}` });
    assert.deepEqual(parseProcCgroup(`4:cpu,cpuacct:/system.slice/docker-${ID}.scope\n`), { cpuacct: `/system.slice/docker-${ID}.scope`, unified: undefined });
    assert.deepEqual(parseProcCgroup(`0::/system.slice/docker-${ID}.scope\n`), { cpuacct: undefined, unified: `/system.slice/docker-${ID}.scope` });
    assert.deepEqual(parseProcCgroup('garbage\n3:cpuacct:relative\n'), { cpuacct: undefined, unified: undefined });
  });

  void test('cpu.stat: usage_usec in ns', () => {
    assert.equal(parseCpuStatUsageNs('usage_usec 1234\nuser_usec 1000\nsystem_usec 234\n'), 1_234_000);
    assert.equal(parseCpuStatUsageNs('user_usec 1000\n'), undefined);
  });

  void test('reads the counter of the cgroup the PID is in, only if that cgroup is the container’s', async () => {
    // This process's own cgroup paths, mirrored under a fake root with counters of our own.
    const own = parseProcCgroup(readFileSync('/proc/self/cgroup', 'utf8'));
    const v1 = path.join(root, 'cpuacct');
    const v2 = path.join(root, 'unified');
    if (own.cpuacct !== undefined) {
      mkdirSync(path.join(v1, own.cpuacct), { recursive: true });
      writeFileSync(path.join(v1, own.cpuacct, 'cpuacct.usage'), '987654321\n');
    }
    if (own.unified !== undefined) {
      mkdirSync(path.join(v2, own.unified), { recursive: true });
      writeFileSync(path.join(v2, own.unified, 'cpu.stat'), 'usage_usec 42\n');
    }
    const roots = { cpuacct: [v1], unified: [v2] };
    // The path must name the container: this process's cgroup path stands in for one.
    const name = (own.cpuacct ?? own.unified ?? '/').split('/').filter(Boolean).pop() ?? '';
    const got = await cgroupCpuNs(process.pid, name === '' ? '/' : name, roots);
    assert.equal(got, own.cpuacct !== undefined ? 987_654_321 : 42_000);
    assert.equal(await cgroupCpuNs(process.pid, 'another-container-id', roots), undefined, 'a PID now in another cgroup (reused) reads nothing');
    assert.equal(await cgroupCpuNs(2 ** 30, name, roots), undefined, 'a PID that does not exist reads nothing');
  });
});
