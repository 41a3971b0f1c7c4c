// Original file: proto/dispatcher.proto

import type { TaskStatus as _tsswarm_dispatcher_v1_TaskStatus, TaskStatus__Output as _tsswarm_dispatcher_v1_TaskStatus__Output } from '../../../tsswarm/dispatcher/v1/TaskStatus.js';

export interface TaskStatusBatch {
  'session_id'?: (string);
  'statuses'?: (_tsswarm_dispatcher_v1_TaskStatus)[];
}

export interface TaskStatusBatch__Output {
  'session_id': (string);
  'statuses': (_tsswarm_dispatcher_v1_TaskStatus__Output)[];
}
