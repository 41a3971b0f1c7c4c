// Original file: proto/dispatcher.proto


export interface JoinRequest {
  'token'?: (string);
  'node_id'?: (string);
  'hostname'?: (string);
  'cluster_addr'?: (string);
  'raft_addr'?: (string);
  'api_addr'?: (string);
  'availability'?: (string);
}

export interface JoinRequest__Output {
  'token': (string);
  'node_id': (string);
  'hostname': (string);
  'cluster_addr': (string);
  'raft_addr': (string);
  'api_addr': (string);
  'availability': (string);
}
