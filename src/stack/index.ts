// Stack files (compose 3.x) → cluster objects, with no I/O: parse, merge, convert, compare.
export { StackFileError, type StackErrorCode } from './errors.js';
export { InterpolationError, interpolateString, type Env } from './interpolate.js';
export type { ComposeDeploy, ComposeNetwork, ComposeService, ParsedStack, StackModel } from './model.js';
export { parseStackFile, type ParseOptions } from './parse.js';
export { mergeStacks } from './merge.js';
export { convertStack, DEFAULT_NETWORK, IMAGE_LABEL, NAMESPACE_LABEL, scopedName, validateStackName, type ConvertedStack } from './convert.js';
export { planServices, type ServicePlan } from './plan.js';
