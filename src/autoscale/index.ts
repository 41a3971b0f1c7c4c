// Service autoscaling (CPU-based, after Kubernetes' HPA): the policy labels, the pure
// decision rule, the leader's in-memory usage book and the loop that applies decisions.
// See docs/design/autoscale.md.
export {
  AUTOSCALE_LABEL_PREFIX,
  LABEL_MAX,
  LABEL_MIN,
  LABEL_SCALE_DOWN_DELAY,
  LABEL_TARGET_CPU,
  MAX_REPLICAS_CAP,
  AutoscalePolicyError,
  AutoscaleSyntaxError,
  autoscaleLabelsFromShorthand,
  hasAutoscaleLabels,
  parsePolicy,
  policyLabels,
  policyOfSpec,
  withoutPolicy,
  type AutoscalePolicy,
} from './policy.js';
export { decide, remember, type Decision, type DecideInput, type Recommendation, type TaskUsage } from './decide.js';
export { UsageBook, type CpuSample, type CpuRate } from './usage-book.js';
export { ingestUsage, type RawTaskUsage, type IngestResult, type Dropped } from './ingest.js';
export { Autoscaler, type AutoscalerOptions } from './autoscaler.js';
export { DEFAULT_TIMINGS, DEFAULT_USAGE_SAMPLE_MS, timingsFromEnv, usageSampleMsFromEnv, type AutoscalerTimings } from './options.js';
