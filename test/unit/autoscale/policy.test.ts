// The autoscale policy labels: parsing, every refusal naming its label, the shorthand the
// CLI flag uses, and the mode rule.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AutoscalePolicyError,
  AutoscaleSyntaxError,
  autoscaleLabelsFromShorthand,
  hasAutoscaleLabels,
  parsePolicy,
  policyLabels,
  policyOfSpec,
  withoutPolicy,
} from '../../../src/autoscale/policy.js';

const MIN = 'tsswarm.autoscale.min';
const MAX = 'tsswarm.autoscale.max';
const CPU = 'tsswarm.autoscale.target-cpu';
const DELAY = 'tsswarm.autoscale.scale-down-delay';

function refusal(fn: () => unknown): AutoscalePolicyError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof AutoscalePolicyError, `expected AutoscalePolicyError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a refusal');
}

void describe('autoscale policy: labels', () => {
  void it('no autoscale label: no policy (other labels do not matter)', () => {
    assert.equal(parsePolicy(undefined), undefined);
    assert.equal(parsePolicy({}), undefined);
    assert.equal(parsePolicy({ team: 'x', 'com.tsswarm.min-available': '2', 'tsswarm.other': 'y' }), undefined);
    assert.equal(hasAutoscaleLabels({ team: 'x' }), false);
  });

  void it('a whole policy, the delay defaulting to 60 s', () => {
    assert.deepEqual(parsePolicy({ [MIN]: '2', [MAX]: '10', [CPU]: '70' }), { min: 2, max: 10, targetCpuPercent: 70, scaleDownDelayMs: 60_000 });
  });

  void it('delays in seconds or as durations', () => {
    const delay = (v: string) => parsePolicy({ [MIN]: '1', [MAX]: '1', [CPU]: '1', [DELAY]: v })?.scaleDownDelayMs;
    assert.equal(delay('0'), 0);
    assert.equal(delay('30'), 30_000);
    assert.equal(delay('30s'), 30_000);
    assert.equal(delay('2m'), 120_000);
    assert.equal(delay('1m30s'), 90_000);
    assert.equal(delay('1h'), 3_600_000);
    assert.equal(delay(' 45 '), 45_000);
  });

  void it('bounds: min = max is fine, 1000 replicas and 1000% CPU are the caps', () => {
    assert.deepEqual(parsePolicy({ [MIN]: '1000', [MAX]: '1000', [CPU]: '1000' }), { min: 1000, max: 1000, targetCpuPercent: 1000, scaleDownDelayMs: 60_000 });
  });

  const bad: Array<[string, Record<string, string>, string, RegExp]> = [
    ['min missing', { [MAX]: '3', [CPU]: '50' }, MIN, /is required/],
    ['max missing', { [MIN]: '1', [CPU]: '50' }, MAX, /is required/],
    ['cpu missing', { [MIN]: '1', [MAX]: '3' }, CPU, /is required/],
    ['only a delay', { [DELAY]: '30' }, MIN, /is required/],
    ['min 0', { [MIN]: '0', [MAX]: '3', [CPU]: '50' }, MIN, /between 1 and 1000, got "0"/],
    ['min negative', { [MIN]: '-1', [MAX]: '3', [CPU]: '50' }, MIN, /integer between 1 and 1000, got "-1"/],
    ['min not a number', { [MIN]: 'two', [MAX]: '3', [CPU]: '50' }, MIN, /got "two"/],
    ['min fractional', { [MIN]: '1.5', [MAX]: '3', [CPU]: '50' }, MIN, /got "1.5"/],
    ['min empty', { [MIN]: '', [MAX]: '3', [CPU]: '50' }, MIN, /got ""/],
    ['max above the cap', { [MIN]: '1', [MAX]: '1001', [CPU]: '50' }, MAX, /between 1 and 1000, got "1001"/],
    ['max huge', { [MIN]: '1', [MAX]: '99999999999999999999', [CPU]: '50' }, MAX, /between 1 and 1000/],
    ['min above max', { [MIN]: '5', [MAX]: '3', [CPU]: '50' }, MIN, /must not be above tsswarm\.autoscale\.max \(5 > 3\)/],
    ['cpu 0', { [MIN]: '1', [MAX]: '3', [CPU]: '0' }, CPU, /between 1 and 1000, got "0"/],
    ['cpu 1001', { [MIN]: '1', [MAX]: '3', [CPU]: '1001' }, CPU, /between 1 and 1000, got "1001"/],
    ['cpu with a percent sign', { [MIN]: '1', [MAX]: '3', [CPU]: '70%' }, CPU, /got "70%"/],
    ['delay negative', { [MIN]: '1', [MAX]: '3', [CPU]: '50', [DELAY]: '-5' }, DELAY, /number of seconds or a duration/],
    ['delay with a bad unit', { [MIN]: '1', [MAX]: '3', [CPU]: '50', [DELAY]: '5d' }, DELAY, /number of seconds or a duration/],
    ['delay in ms', { [MIN]: '1', [MAX]: '3', [CPU]: '50', [DELAY]: '500ms' }, DELAY, /number of seconds or a duration/],
    ['delay over an hour', { [MIN]: '1', [MAX]: '3', [CPU]: '50', [DELAY]: '61m' }, DELAY, /between 0 and 3600 seconds/],
    ['a typo in a key', { [MIN]: '1', [MAX]: '3', [CPU]: '50', 'tsswarm.autoscale.target_cpu': '50' }, 'tsswarm.autoscale.target_cpu', /is not an autoscale setting/],
    ['the interval (not a per-service setting)', { [MIN]: '1', [MAX]: '3', [CPU]: '50', 'tsswarm.autoscale.interval': '5' }, 'tsswarm.autoscale.interval', /is not an autoscale setting/],
  ];
  for (const [name, labels, label, problem] of bad) {
    void it(`refuses ${name}, naming ${label}`, () => {
      const err = refusal(() => parsePolicy(labels));
      assert.equal(err.label, label);
      assert.match(err.problem, problem);
      assert.match(err.message, new RegExp(`^label ${label.replace(/\./g, '\\.')}: `));
    });
  }

  void it('only replicated services: global and job modes are refused', () => {
    const labels = { [MIN]: '1', [MAX]: '3', [CPU]: '50' };
    assert.deepEqual(policyOfSpec({ Labels: labels, Mode: { Replicated: { Replicas: 1 } } })?.max, 3);
    for (const Mode of [{ Global: {} }, { ReplicatedJob: {} }, { GlobalJob: {} }]) {
      assert.match(refusal(() => policyOfSpec({ Labels: labels, Mode })).problem, /replicated services only/);
    }
    assert.equal(policyOfSpec({ Labels: { team: 'x' }, Mode: { Global: {} } }), undefined);
  });

  void it('policyLabels round-trips through parsePolicy; withoutPolicy drops only autoscale labels', () => {
    const p = { min: 2, max: 7, targetCpuPercent: 35, scaleDownDelayMs: 90_000 };
    assert.deepEqual(parsePolicy(policyLabels(p)), p);
    assert.deepEqual(withoutPolicy({ ...policyLabels(p), team: 'x' }), { team: 'x' });
  });
});

void describe('autoscale policy: the min=…,max=…,cpu=… shorthand', () => {
  void it('sets the four labels', () => {
    assert.deepEqual(autoscaleLabelsFromShorthand('min=2,max=10,cpu=70,down-delay=30s'), {
      [MIN]: '2',
      [MAX]: '10',
      [CPU]: '70',
      [DELAY]: '30s',
    });
    assert.deepEqual(autoscaleLabelsFromShorthand(' min=1 , max=3 , target-cpu=20 '), { [MIN]: '1', [MAX]: '3', [CPU]: '20' });
  });

  void it('merges over the current labels (an update changes one key)', () => {
    const current = { [MIN]: '2', [MAX]: '10', [CPU]: '70', team: 'x' };
    assert.deepEqual(autoscaleLabelsFromShorthand('max=20', current), { [MIN]: '2', [MAX]: '20', [CPU]: '70' });
  });

  void it('refuses malformed text with a syntax error', () => {
    for (const v of ['', ',', 'min', 'min=1,max=3,cpu=50,speed=2', 'min=1,min=2,max=3,cpu=5']) {
      assert.throws(() => autoscaleLabelsFromShorthand(v), AutoscaleSyntaxError, v);
    }
  });

  void it('refuses a bad or incomplete policy with the label at fault', () => {
    assert.equal(refusal(() => autoscaleLabelsFromShorthand('min=1,max=3')).label, CPU);
    assert.equal(refusal(() => autoscaleLabelsFromShorthand('min=4,max=3,cpu=50')).label, MIN);
    assert.equal(refusal(() => autoscaleLabelsFromShorthand('max=0', { [MIN]: '1', [MAX]: '3', [CPU]: '50' })).label, MAX);
  });
});
