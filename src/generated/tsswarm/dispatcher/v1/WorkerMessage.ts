// Original file: proto/dispatcher.proto

import type { Register as _tsswarm_dispatcher_v1_Register, Register__Output as _tsswarm_dispatcher_v1_Register__Output } from '../../../tsswarm/dispatcher/v1/Register.js';
import type { Heartbeat as _tsswarm_dispatcher_v1_Heartbeat, Heartbeat__Output as _tsswarm_dispatcher_v1_Heartbeat__Output } from '../../../tsswarm/dispatcher/v1/Heartbeat.js';
import type { TaskStatusBatch as _tsswarm_dispatcher_v1_TaskStatusBatch, TaskStatusBatch__Output as _tsswarm_dispatcher_v1_TaskStatusBatch__Output } from '../../../tsswarm/dispatcher/v1/TaskStatusBatch.js';
import type { ManagerEndpoints as _tsswarm_dispatcher_v1_ManagerEndpoints, ManagerEndpoints__Output as _tsswarm_dispatcher_v1_ManagerEndpoints__Output } from '../../../tsswarm/dispatcher/v1/ManagerEndpoints.js';
import type { TaskUsageBatch as _tsswarm_dispatcher_v1_TaskUsageBatch, TaskUsageBatch__Output as _tsswarm_dispatcher_v1_TaskUsageBatch__Output } from '../../../tsswarm/dispatcher/v1/TaskUsageBatch.js';

export interface WorkerMessage {
  'register'?: (_tsswarm_dispatcher_v1_Register | null);
  'heartbeat'?: (_tsswarm_dispatcher_v1_Heartbeat | null);
  'status'?: (_tsswarm_dispatcher_v1_TaskStatusBatch | null);
  'manager_endpoints'?: (_tsswarm_dispatcher_v1_ManagerEndpoints | null);
  'usage'?: (_tsswarm_dispatcher_v1_TaskUsageBatch | null);
  'msg'?: "register"|"heartbeat"|"status"|"manager_endpoints"|"usage";
}

export interface WorkerMessage__Output {
  'register'?: (_tsswarm_dispatcher_v1_Register__Output | null);
  'heartbeat'?: (_tsswarm_dispatcher_v1_Heartbeat__Output | null);
  'status'?: (_tsswarm_dispatcher_v1_TaskStatusBatch__Output | null);
  'manager_endpoints'?: (_tsswarm_dispatcher_v1_ManagerEndpoints__Output | null);
  'usage'?: (_tsswarm_dispatcher_v1_TaskUsageBatch__Output | null);
  'msg'?: "register"|"heartbeat"|"status"|"manager_endpoints"|"usage";
}
