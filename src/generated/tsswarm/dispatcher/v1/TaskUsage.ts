// Original file: proto/dispatcher.proto

import type { Long } from '@grpc/proto-loader';

export interface TaskUsage {
  'task_id'?: (string);
  'cpu_total_ns'?: (number | string | Long);
  'sampled_at_ms'?: (number | string | Long);
}

export interface TaskUsage__Output {
  'task_id': (string);
  'cpu_total_ns': (number);
  'sampled_at_ms': (number);
}
