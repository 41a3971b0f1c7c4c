// Original file: proto/dispatcher.proto

import type { Long } from '@grpc/proto-loader';

export interface Register {
  'token'?: (string);
  'node_id'?: (string);
  'hostname'?: (string);
  'os'?: (string);
  'arch'?: (string);
  'nano_cpus'?: (number | string | Long);
  'memory_bytes'?: (number | string | Long);
  'engine_version'?: (string);
  'engine_labels'?: ({[key: string]: string});
  'node_labels'?: ({[key: string]: string});
  'addr'?: (string);
  'lb_mode'?: (string);
}

export interface Register__Output {
  'token': (string);
  'node_id': (string);
  'hostname': (string);
  'os': (string);
  'arch': (string);
  'nano_cpus': (number);
  'memory_bytes': (number);
  'engine_version': (string);
  'engine_labels': ({[key: string]: string});
  'node_labels': ({[key: string]: string});
  'addr': (string);
  'lb_mode': (string);
}
