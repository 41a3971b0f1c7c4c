// The Docker engine executor: what the worker agent imports.
export { DockerExecutor, type DockerExecutorOptions } from './executor.js';
export { DEFAULT_STOP_GRACE_MS, containerCreateOptions } from './container-spec.js';
export { describeEngine, parseEngineLabels } from './describe.js';
export {
  LABEL_NODE_ID,
  LABEL_SERVICE_ID,
  LABEL_SERVICE_NAME,
  LABEL_TASK_ID,
  LABEL_TASK_SLOT,
  containerName,
} from './labels.js';
