import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../../src/cli/errors.js';
import { formatPort, parsePublish } from '../../../src/cli/parse/publish.js';
import { parseBytes, parseCpus, parseDuration, parseNonNegativeInt, parseScaleArg } from '../../../src/cli/parse/values.js';
import { generatedName } from '../../../src/cli/commands/service/spec.js';
import { humanDuration } from '../../../src/cli/output/time.js';
import { renderTable } from '../../../src/cli/output/table.js';

void describe('flag value parsers', () => {
  void it('durations → nanoseconds', () => {
    assert.equal(parseDuration('--d', '0'), 0);
    assert.equal(parseDuration('--d', '10s'), 10e9);
    assert.equal(parseDuration('--d', '1m30s'), 90e9);
    assert.equal(parseDuration('--d', '500ms'), 5e8);
    assert.equal(parseDuration('--d', '1.5h'), 5400e9);
    for (const bad of ['10', 's', '10x', '1m 30s', '']) assert.throws(() => parseDuration('--d', bad), UsageError, bad);
  });

  void it('sizes → bytes (binary units)', () => {
    assert.equal(parseBytes('--m', '64M'), 64 * 1024 ** 2);
    assert.equal(parseBytes('--m', '64MiB'), 64 * 1024 ** 2);
    assert.equal(parseBytes('--m', '512k'), 512 * 1024);
    assert.equal(parseBytes('--m', '1.5g'), 1.5 * 1024 ** 3);
    assert.equal(parseBytes('--m', '100'), 100);
    for (const bad of ['64Q', 'M', '-1M']) assert.throws(() => parseBytes('--m', bad), UsageError, bad);
  });

  void it('cpus and integers', () => {
    assert.equal(parseCpus('--c', '0.5'), 5e8);
    assert.throws(() => parseCpus('--c', '0'), UsageError);
    assert.equal(parseNonNegativeInt('--n', '0'), 0);
    assert.throws(() => parseNonNegativeInt('--n', '1.5'), UsageError);
    assert.deepEqual(parseScaleArg('my=svc=3'), { service: 'my=svc', replicas: 3 });
  });

  void it('publish: short and long forms', () => {
    assert.deepEqual(parsePublish('-p', '8080:80'), { Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'ingress' });
    assert.deepEqual(parsePublish('-p', '53/udp'), { Protocol: 'udp', TargetPort: 53, PublishMode: 'ingress' });
    assert.deepEqual(parsePublish('-p', 'target=80,published=81,mode=host'), {
      Protocol: 'tcp', TargetPort: 80, PublishedPort: 81, PublishMode: 'host',
    });
    for (const bad of ['0:80', '80:0', 'a:80', '80:80/xyz', 'target=80,mode=both', 'colour=red', '1:2:3']) {
      assert.throws(() => parsePublish('-p', bad), UsageError, bad);
    }
    assert.equal(formatPort(parsePublish('-p', '8080:80')), '*:8080->80/tcp');
  });

  void it('generated service names come from the image', () => {
    assert.match(generatedName('registry:5000/team/My_App:1.2@sha256:abc'), /^my_app-[a-z0-9]{5}$/);
    assert.match(generatedName('nginx'), /^nginx-[a-z0-9]{5}$/);
    assert.match(generatedName('___'), /^service-[a-z0-9]{5}$/);
  });

  void it('human durations and tables', () => {
    assert.equal(humanDuration(400), 'Less than a second');
    assert.equal(humanDuration(5000), '5 seconds');
    assert.equal(humanDuration(60_000), 'About a minute');
    assert.equal(humanDuration(3 * 3600_000), '3 hours');
    assert.equal(renderTable(['a', 'bb'], [['xxxx', 'y']]), 'A      BB\nxxxx   y\n');
  });
});
