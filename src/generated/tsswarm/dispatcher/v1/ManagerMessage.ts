// Original file: proto/dispatcher.proto

import type { SessionInfo as _tsswarm_dispatcher_v1_SessionInfo, SessionInfo__Output as _tsswarm_dispatcher_v1_SessionInfo__Output } from '../../../tsswarm/dispatcher/v1/SessionInfo.js';
import type { HeartbeatAck as _tsswarm_dispatcher_v1_HeartbeatAck, HeartbeatAck__Output as _tsswarm_dispatcher_v1_HeartbeatAck__Output } from '../../../tsswarm/dispatcher/v1/HeartbeatAck.js';
import type { Assignments as _tsswarm_dispatcher_v1_Assignments, Assignments__Output as _tsswarm_dispatcher_v1_Assignments__Output } from '../../../tsswarm/dispatcher/v1/Assignments.js';
import type { NetworkState as _tsswarm_dispatcher_v1_NetworkState, NetworkState__Output as _tsswarm_dispatcher_v1_NetworkState__Output } from '../../../tsswarm/dispatcher/v1/NetworkState.js';
import type { RoleChange as _tsswarm_dispatcher_v1_RoleChange, RoleChange__Output as _tsswarm_dispatcher_v1_RoleChange__Output } from '../../../tsswarm/dispatcher/v1/RoleChange.js';
import type { ManagerList as _tsswarm_dispatcher_v1_ManagerList, ManagerList__Output as _tsswarm_dispatcher_v1_ManagerList__Output } from '../../../tsswarm/dispatcher/v1/ManagerList.js';

export interface ManagerMessage {
  'session'?: (_tsswarm_dispatcher_v1_SessionInfo | null);
  'heartbeat_ack'?: (_tsswarm_dispatcher_v1_HeartbeatAck | null);
  'assignments'?: (_tsswarm_dispatcher_v1_Assignments | null);
  'network_state'?: (_tsswarm_dispatcher_v1_NetworkState | null);
  'role'?: (_tsswarm_dispatcher_v1_RoleChange | null);
  'manager_list'?: (_tsswarm_dispatcher_v1_ManagerList | null);
  'msg'?: "session"|"heartbeat_ack"|"assignments"|"network_state"|"role"|"manager_list";
}

export interface ManagerMessage__Output {
  'session'?: (_tsswarm_dispatcher_v1_SessionInfo__Output | null);
  'heartbeat_ack'?: (_tsswarm_dispatcher_v1_HeartbeatAck__Output | null);
  'assignments'?: (_tsswarm_dispatcher_v1_Assignments__Output | null);
  'network_state'?: (_tsswarm_dispatcher_v1_NetworkState__Output | null);
  'role'?: (_tsswarm_dispatcher_v1_RoleChange__Output | null);
  'manager_list'?: (_tsswarm_dispatcher_v1_ManagerList__Output | null);
  'msg'?: "session"|"heartbeat_ack"|"assignments"|"network_state"|"role"|"manager_list";
}
