// `--autoscale min=2,max=10,cpu=70[,down-delay=30s]` (create and update) and `--autoscale off`
// (update): the flag's value becomes tsswarm.autoscale.* service labels. The syntax and the
// rules live in src/autoscale/policy.ts (the API checks the same labels); this only turns
// their errors into flag errors.

import {
  AutoscalePolicyError,
  AutoscaleSyntaxError,
  autoscaleLabelsFromShorthand,
  policyOfSpec,
  withoutPolicy,
  type PolicySubject,
} from '../../autoscale/policy.js';
import { invalidFlag, UsageError } from '../errors.js';

/** The labels after `--autoscale VALUE`, given the service's current labels (update) or none (create). */
export function applyAutoscaleFlag(flag: string, value: string, labels: Record<string, string> | undefined, allowOff: boolean): Record<string, string> {
  const v = value.trim();
  if (allowOff && (v === 'off' || v === 'none')) return withoutPolicy(labels);
  try {
    return { ...withoutPolicy(labels), ...autoscaleLabelsFromShorthand(v, labels) };
  } catch (err) {
    if (err instanceof AutoscaleSyntaxError) throw invalidFlag(flag, value, err.problem);
    if (err instanceof AutoscalePolicyError) throw invalidFlag(flag, value, shortProblem(err));
    throw err;
  }
}

/** Refuses, before anything is sent, a spec whose autoscale labels (from any flag) are invalid. */
export function checkAutoscaleSpec(spec: PolicySubject): void {
  try {
    policyOfSpec(spec);
  } catch (err) {
    if (err instanceof AutoscalePolicyError) throw new UsageError(`invalid autoscale policy: ${err.message}`);
    throw err;
  }
}

const SHORT_NAMES: Record<string, string> = {
  'tsswarm.autoscale.min': 'min',
  'tsswarm.autoscale.max': 'max',
  'tsswarm.autoscale.target-cpu': 'cpu',
  'tsswarm.autoscale.scale-down-delay': 'down-delay',
};

/** The problem in the flag's own words (`max ...` rather than `label tsswarm.autoscale.max ...`). */
function shortProblem(err: AutoscalePolicyError): string {
  const name = SHORT_NAMES[err.label] ?? err.label;
  const problem = err.problem.replace(/tsswarm\.autoscale\.[a-z-]+/g, (l) => SHORT_NAMES[l] ?? l);
  return `${name} ${problem.replace('is required when any tsswarm.autoscale.* label is set', 'is required')}`;
}
