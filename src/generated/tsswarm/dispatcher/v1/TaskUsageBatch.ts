// Original file: proto/dispatcher.proto

import type { TaskUsage as _tsswarm_dispatcher_v1_TaskUsage, TaskUsage__Output as _tsswarm_dispatcher_v1_TaskUsage__Output } from '../../../tsswarm/dispatcher/v1/TaskUsage.js';

export interface TaskUsageBatch {
  'session_id'?: (string);
  'usage'?: (_tsswarm_dispatcher_v1_TaskUsage)[];
}

export interface TaskUsageBatch__Output {
  'session_id': (string);
  'usage': (_tsswarm_dispatcher_v1_TaskUsage__Output)[];
}
