// Original file: proto/dispatcher.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { JoinRequest as _tsswarm_dispatcher_v1_JoinRequest, JoinRequest__Output as _tsswarm_dispatcher_v1_JoinRequest__Output } from '../../../tsswarm/dispatcher/v1/JoinRequest.js';
import type { JoinResponse as _tsswarm_dispatcher_v1_JoinResponse, JoinResponse__Output as _tsswarm_dispatcher_v1_JoinResponse__Output } from '../../../tsswarm/dispatcher/v1/JoinResponse.js';
import type { ManagerMessage as _tsswarm_dispatcher_v1_ManagerMessage, ManagerMessage__Output as _tsswarm_dispatcher_v1_ManagerMessage__Output } from '../../../tsswarm/dispatcher/v1/ManagerMessage.js';
import type { WorkerMessage as _tsswarm_dispatcher_v1_WorkerMessage, WorkerMessage__Output as _tsswarm_dispatcher_v1_WorkerMessage__Output } from '../../../tsswarm/dispatcher/v1/WorkerMessage.js';

export interface DispatcherClient extends grpc.Client {
  Join(argument: _tsswarm_dispatcher_v1_JoinRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_tsswarm_dispatcher_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  Join(argument: _tsswarm_dispatcher_v1_JoinRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_tsswarm_dispatcher_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  Join(argument: _tsswarm_dispatcher_v1_JoinRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_tsswarm_dispatcher_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  Join(argument: _tsswarm_dispatcher_v1_JoinRequest, callback: grpc.requestCallback<_tsswarm_dispatcher_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  join(argument: _tsswarm_dispatcher_v1_JoinRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_tsswarm_dispatcher_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  join(argument: _tsswarm_dispatcher_v1_JoinRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_tsswarm_dispatcher_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  join(argument: _tsswarm_dispatcher_v1_JoinRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_tsswarm_dispatcher_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  join(argument: _tsswarm_dispatcher_v1_JoinRequest, callback: grpc.requestCallback<_tsswarm_dispatcher_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  
  Session(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_tsswarm_dispatcher_v1_WorkerMessage, _tsswarm_dispatcher_v1_ManagerMessage__Output>;
  Session(options?: grpc.CallOptions): grpc.ClientDuplexStream<_tsswarm_dispatcher_v1_WorkerMessage, _tsswarm_dispatcher_v1_ManagerMessage__Output>;
  session(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_tsswarm_dispatcher_v1_WorkerMessage, _tsswarm_dispatcher_v1_ManagerMessage__Output>;
  session(options?: grpc.CallOptions): grpc.ClientDuplexStream<_tsswarm_dispatcher_v1_WorkerMessage, _tsswarm_dispatcher_v1_ManagerMessage__Output>;
  
}

export interface DispatcherHandlers extends grpc.UntypedServiceImplementation {
  Join: grpc.handleUnaryCall<_tsswarm_dispatcher_v1_JoinRequest__Output, _tsswarm_dispatcher_v1_JoinResponse>;
  
  Session: grpc.handleBidiStreamingCall<_tsswarm_dispatcher_v1_WorkerMessage__Output, _tsswarm_dispatcher_v1_ManagerMessage>;
  
}

export interface DispatcherDefinition extends grpc.ServiceDefinition {
  Join: MethodDefinition<_tsswarm_dispatcher_v1_JoinRequest, _tsswarm_dispatcher_v1_JoinResponse, _tsswarm_dispatcher_v1_JoinRequest__Output, _tsswarm_dispatcher_v1_JoinResponse__Output>
  Session: MethodDefinition<_tsswarm_dispatcher_v1_WorkerMessage, _tsswarm_dispatcher_v1_ManagerMessage, _tsswarm_dispatcher_v1_WorkerMessage__Output, _tsswarm_dispatcher_v1_ManagerMessage__Output>
}
