// Original file: proto/dispatcher.proto

import type { Task as _tsswarm_dispatcher_v1_Task, Task__Output as _tsswarm_dispatcher_v1_Task__Output } from '../../../tsswarm/dispatcher/v1/Task.js';
import type { Long } from '@grpc/proto-loader';

export interface Assignments {
  'tasks'?: (_tsswarm_dispatcher_v1_Task)[];
  'store_seq'?: (number | string | Long);
}

export interface Assignments__Output {
  'tasks': (_tsswarm_dispatcher_v1_Task__Output)[];
  'store_seq': (number);
}
