// Original file: proto/dispatcher.proto

import type { Long } from '@grpc/proto-loader';

export interface HeartbeatAck {
  'heartbeat_period_ms'?: (number | string | Long);
}

export interface HeartbeatAck__Output {
  'heartbeat_period_ms': (number);
}
