// Original file: proto/dispatcher.proto

import type { Long } from '@grpc/proto-loader';

export interface SessionInfo {
  'node_id'?: (string);
  'session_id'?: (string);
  'heartbeat_period_ms'?: (number | string | Long);
  'managers'?: (string)[];
}

export interface SessionInfo__Output {
  'node_id': (string);
  'session_id': (string);
  'heartbeat_period_ms': (number);
  'managers': (string)[];
}
