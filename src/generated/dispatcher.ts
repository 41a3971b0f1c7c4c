import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Assignments as _tsswarm_dispatcher_v1_Assignments, Assignments__Output as _tsswarm_dispatcher_v1_Assignments__Output } from './tsswarm/dispatcher/v1/Assignments.js';
import type { DispatcherClient as _tsswarm_dispatcher_v1_DispatcherClient, DispatcherDefinition as _tsswarm_dispatcher_v1_DispatcherDefinition } from './tsswarm/dispatcher/v1/Dispatcher.js';
import type { Endpoint as _tsswarm_dispatcher_v1_Endpoint, Endpoint__Output as _tsswarm_dispatcher_v1_Endpoint__Output } from './tsswarm/dispatcher/v1/Endpoint.js';
import type { Heartbeat as _tsswarm_dispatcher_v1_Heartbeat, Heartbeat__Output as _tsswarm_dispatcher_v1_Heartbeat__Output } from './tsswarm/dispatcher/v1/Heartbeat.js';
import type { HeartbeatAck as _tsswarm_dispatcher_v1_HeartbeatAck, HeartbeatAck__Output as _tsswarm_dispatcher_v1_HeartbeatAck__Output } from './tsswarm/dispatcher/v1/HeartbeatAck.js';
import type { JoinRequest as _tsswarm_dispatcher_v1_JoinRequest, JoinRequest__Output as _tsswarm_dispatcher_v1_JoinRequest__Output } from './tsswarm/dispatcher/v1/JoinRequest.js';
import type { JoinResponse as _tsswarm_dispatcher_v1_JoinResponse, JoinResponse__Output as _tsswarm_dispatcher_v1_JoinResponse__Output } from './tsswarm/dispatcher/v1/JoinResponse.js';
import type { LbService as _tsswarm_dispatcher_v1_LbService, LbService__Output as _tsswarm_dispatcher_v1_LbService__Output } from './tsswarm/dispatcher/v1/LbService.js';
import type { ManagerEndpoints as _tsswarm_dispatcher_v1_ManagerEndpoints, ManagerEndpoints__Output as _tsswarm_dispatcher_v1_ManagerEndpoints__Output } from './tsswarm/dispatcher/v1/ManagerEndpoints.js';
import type { ManagerList as _tsswarm_dispatcher_v1_ManagerList, ManagerList__Output as _tsswarm_dispatcher_v1_ManagerList__Output } from './tsswarm/dispatcher/v1/ManagerList.js';
import type { ManagerMessage as _tsswarm_dispatcher_v1_ManagerMessage, ManagerMessage__Output as _tsswarm_dispatcher_v1_ManagerMessage__Output } from './tsswarm/dispatcher/v1/ManagerMessage.js';
import type { NetworkAliases as _tsswarm_dispatcher_v1_NetworkAliases, NetworkAliases__Output as _tsswarm_dispatcher_v1_NetworkAliases__Output } from './tsswarm/dispatcher/v1/NetworkAliases.js';
import type { NetworkState as _tsswarm_dispatcher_v1_NetworkState, NetworkState__Output as _tsswarm_dispatcher_v1_NetworkState__Output } from './tsswarm/dispatcher/v1/NetworkState.js';
import type { OverlayNetwork as _tsswarm_dispatcher_v1_OverlayNetwork, OverlayNetwork__Output as _tsswarm_dispatcher_v1_OverlayNetwork__Output } from './tsswarm/dispatcher/v1/OverlayNetwork.js';
import type { Port as _tsswarm_dispatcher_v1_Port, Port__Output as _tsswarm_dispatcher_v1_Port__Output } from './tsswarm/dispatcher/v1/Port.js';
import type { Register as _tsswarm_dispatcher_v1_Register, Register__Output as _tsswarm_dispatcher_v1_Register__Output } from './tsswarm/dispatcher/v1/Register.js';
import type { RoleChange as _tsswarm_dispatcher_v1_RoleChange, RoleChange__Output as _tsswarm_dispatcher_v1_RoleChange__Output } from './tsswarm/dispatcher/v1/RoleChange.js';
import type { SessionInfo as _tsswarm_dispatcher_v1_SessionInfo, SessionInfo__Output as _tsswarm_dispatcher_v1_SessionInfo__Output } from './tsswarm/dispatcher/v1/SessionInfo.js';
import type { Task as _tsswarm_dispatcher_v1_Task, Task__Output as _tsswarm_dispatcher_v1_Task__Output } from './tsswarm/dispatcher/v1/Task.js';
import type { TaskStatus as _tsswarm_dispatcher_v1_TaskStatus, TaskStatus__Output as _tsswarm_dispatcher_v1_TaskStatus__Output } from './tsswarm/dispatcher/v1/TaskStatus.js';
import type { TaskStatusBatch as _tsswarm_dispatcher_v1_TaskStatusBatch, TaskStatusBatch__Output as _tsswarm_dispatcher_v1_TaskStatusBatch__Output } from './tsswarm/dispatcher/v1/TaskStatusBatch.js';
import type { TaskUsage as _tsswarm_dispatcher_v1_TaskUsage, TaskUsage__Output as _tsswarm_dispatcher_v1_TaskUsage__Output } from './tsswarm/dispatcher/v1/TaskUsage.js';
import type { TaskUsageBatch as _tsswarm_dispatcher_v1_TaskUsageBatch, TaskUsageBatch__Output as _tsswarm_dispatcher_v1_TaskUsageBatch__Output } from './tsswarm/dispatcher/v1/TaskUsageBatch.js';
import type { Vip as _tsswarm_dispatcher_v1_Vip, Vip__Output as _tsswarm_dispatcher_v1_Vip__Output } from './tsswarm/dispatcher/v1/Vip.js';
import type { WorkerMessage as _tsswarm_dispatcher_v1_WorkerMessage, WorkerMessage__Output as _tsswarm_dispatcher_v1_WorkerMessage__Output } from './tsswarm/dispatcher/v1/WorkerMessage.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  tsswarm: {
    dispatcher: {
      v1: {
        Assignments: MessageTypeDefinition<_tsswarm_dispatcher_v1_Assignments, _tsswarm_dispatcher_v1_Assignments__Output>
        Dispatcher: SubtypeConstructor<typeof grpc.Client, _tsswarm_dispatcher_v1_DispatcherClient> & { service: _tsswarm_dispatcher_v1_DispatcherDefinition }
        Endpoint: MessageTypeDefinition<_tsswarm_dispatcher_v1_Endpoint, _tsswarm_dispatcher_v1_Endpoint__Output>
        Heartbeat: MessageTypeDefinition<_tsswarm_dispatcher_v1_Heartbeat, _tsswarm_dispatcher_v1_Heartbeat__Output>
        HeartbeatAck: MessageTypeDefinition<_tsswarm_dispatcher_v1_HeartbeatAck, _tsswarm_dispatcher_v1_HeartbeatAck__Output>
        JoinRequest: MessageTypeDefinition<_tsswarm_dispatcher_v1_JoinRequest, _tsswarm_dispatcher_v1_JoinRequest__Output>
        JoinResponse: MessageTypeDefinition<_tsswarm_dispatcher_v1_JoinResponse, _tsswarm_dispatcher_v1_JoinResponse__Output>
        LbService: MessageTypeDefinition<_tsswarm_dispatcher_v1_LbService, _tsswarm_dispatcher_v1_LbService__Output>
        ManagerEndpoints: MessageTypeDefinition<_tsswarm_dispatcher_v1_ManagerEndpoints, _tsswarm_dispatcher_v1_ManagerEndpoints__Output>
        ManagerList: MessageTypeDefinition<_tsswarm_dispatcher_v1_ManagerList, _tsswarm_dispatcher_v1_ManagerList__Output>
        ManagerMessage: MessageTypeDefinition<_tsswarm_dispatcher_v1_ManagerMessage, _tsswarm_dispatcher_v1_ManagerMessage__Output>
        NetworkAliases: MessageTypeDefinition<_tsswarm_dispatcher_v1_NetworkAliases, _tsswarm_dispatcher_v1_NetworkAliases__Output>
        NetworkState: MessageTypeDefinition<_tsswarm_dispatcher_v1_NetworkState, _tsswarm_dispatcher_v1_NetworkState__Output>
        OverlayNetwork: MessageTypeDefinition<_tsswarm_dispatcher_v1_OverlayNetwork, _tsswarm_dispatcher_v1_OverlayNetwork__Output>
        Port: MessageTypeDefinition<_tsswarm_dispatcher_v1_Port, _tsswarm_dispatcher_v1_Port__Output>
        Register: MessageTypeDefinition<_tsswarm_dispatcher_v1_Register, _tsswarm_dispatcher_v1_Register__Output>
        RoleChange: MessageTypeDefinition<_tsswarm_dispatcher_v1_RoleChange, _tsswarm_dispatcher_v1_RoleChange__Output>
        SessionInfo: MessageTypeDefinition<_tsswarm_dispatcher_v1_SessionInfo, _tsswarm_dispatcher_v1_SessionInfo__Output>
        Task: MessageTypeDefinition<_tsswarm_dispatcher_v1_Task, _tsswarm_dispatcher_v1_Task__Output>
        TaskStatus: MessageTypeDefinition<_tsswarm_dispatcher_v1_TaskStatus, _tsswarm_dispatcher_v1_TaskStatus__Output>
        TaskStatusBatch: MessageTypeDefinition<_tsswarm_dispatcher_v1_TaskStatusBatch, _tsswarm_dispatcher_v1_TaskStatusBatch__Output>
        TaskUsage: MessageTypeDefinition<_tsswarm_dispatcher_v1_TaskUsage, _tsswarm_dispatcher_v1_TaskUsage__Output>
        TaskUsageBatch: MessageTypeDefinition<_tsswarm_dispatcher_v1_TaskUsageBatch, _tsswarm_dispatcher_v1_TaskUsageBatch__Output>
        Vip: MessageTypeDefinition<_tsswarm_dispatcher_v1_Vip, _tsswarm_dispatcher_v1_Vip__Output>
        WorkerMessage: MessageTypeDefinition<_tsswarm_dispatcher_v1_WorkerMessage, _tsswarm_dispatcher_v1_WorkerMessage__Output>
      }
    }
  }
}

