// Original file: proto/dispatcher.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ManagerMessage as _tsswarm_dispatcher_v1_ManagerMessage, ManagerMessage__Output as _tsswarm_dispatcher_v1_ManagerMessage__Output } from '../../../tsswarm/dispatcher/v1/ManagerMessage.js';
import type { WorkerMessage as _tsswarm_dispatcher_v1_WorkerMessage, WorkerMessage__Output as _tsswarm_dispatcher_v1_WorkerMessage__Output } from '../../../tsswarm/dispatcher/v1/WorkerMessage.js';

export interface DispatcherClient extends grpc.Client {
  Session(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_tsswarm_dispatcher_v1_WorkerMessage, _tsswarm_dispatcher_v1_ManagerMessage__Output>;
  Session(options?: grpc.CallOptions): grpc.ClientDuplexStream<_tsswarm_dispatcher_v1_WorkerMessage, _tsswarm_dispatcher_v1_ManagerMessage__Output>;
  session(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_tsswarm_dispatcher_v1_WorkerMessage, _tsswarm_dispatcher_v1_ManagerMessage__Output>;
  session(options?: grpc.CallOptions): grpc.ClientDuplexStream<_tsswarm_dispatcher_v1_WorkerMessage, _tsswarm_dispatcher_v1_ManagerMessage__Output>;
  
}

export interface DispatcherHandlers extends grpc.UntypedServiceImplementation {
  Session: grpc.handleBidiStreamingCall<_tsswarm_dispatcher_v1_WorkerMessage__Output, _tsswarm_dispatcher_v1_ManagerMessage>;
  
}

export interface DispatcherDefinition extends grpc.ServiceDefinition {
  Session: MethodDefinition<_tsswarm_dispatcher_v1_WorkerMessage, _tsswarm_dispatcher_v1_ManagerMessage, _tsswarm_dispatcher_v1_WorkerMessage__Output, _tsswarm_dispatcher_v1_ManagerMessage__Output>
}
