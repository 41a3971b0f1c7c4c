// Original file: proto/dispatcher.proto


export interface Endpoint {
  'task_id'?: (string);
  'network_id'?: (string);
  'ip'?: (string);
  'prefix_len'?: (number);
  'mac'?: (string);
  'node_id'?: (string);
  'host_addr'?: (string);
  'service_id'?: (string);
  'running'?: (boolean);
}

export interface Endpoint__Output {
  'task_id': (string);
  'network_id': (string);
  'ip': (string);
  'prefix_len': (number);
  'mac': (string);
  'node_id': (string);
  'host_addr': (string);
  'service_id': (string);
  'running': (boolean);
}
