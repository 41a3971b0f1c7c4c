// Original file: proto/dispatcher.proto

import type { Port as _tsswarm_dispatcher_v1_Port, Port__Output as _tsswarm_dispatcher_v1_Port__Output } from '../../../tsswarm/dispatcher/v1/Port.js';
import type { Long } from '@grpc/proto-loader';

export interface Task {
  'id'?: (string);
  'service_id'?: (string);
  'service_name'?: (string);
  'slot'?: (number);
  'node_id'?: (string);
  'image'?: (string);
  'command'?: (string)[];
  'args'?: (string)[];
  'env'?: (string)[];
  'labels'?: ({[key: string]: string});
  'hostname'?: (string);
  'dir'?: (string);
  'user'?: (string);
  'stop_grace_period_ms'?: (number | string | Long);
  'nano_cpus'?: (number | string | Long);
  'memory_bytes'?: (number | string | Long);
  'desired_state'?: (string);
  'ports'?: (_tsswarm_dispatcher_v1_Port)[];
}

export interface Task__Output {
  'id': (string);
  'service_id': (string);
  'service_name': (string);
  'slot': (number);
  'node_id': (string);
  'image': (string);
  'command': (string)[];
  'args': (string)[];
  'env': (string)[];
  'labels': ({[key: string]: string});
  'hostname': (string);
  'dir': (string);
  'user': (string);
  'stop_grace_period_ms': (number);
  'nano_cpus': (number);
  'memory_bytes': (number);
  'desired_state': (string);
  'ports': (_tsswarm_dispatcher_v1_Port__Output)[];
}
