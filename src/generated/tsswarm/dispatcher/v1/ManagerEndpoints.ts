// Original file: proto/dispatcher.proto


export interface ManagerEndpoints {
  'cluster_addr'?: (string);
  'raft_addr'?: (string);
  'api_addr'?: (string);
}

export interface ManagerEndpoints__Output {
  'cluster_addr': (string);
  'raft_addr': (string);
  'api_addr': (string);
}
