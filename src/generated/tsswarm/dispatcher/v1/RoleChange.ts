// Original file: proto/dispatcher.proto


export interface RoleChange {
  'role'?: (string);
  'raft_secret'?: (string);
  'raft_peers'?: ({[key: string]: string});
  'manager_token'?: (string);
  'cluster_addr'?: (string);
  'raft_addr'?: (string);
  'api_addr'?: (string);
}

export interface RoleChange__Output {
  'role': (string);
  'raft_secret': (string);
  'raft_peers': ({[key: string]: string});
  'manager_token': (string);
  'cluster_addr': (string);
  'raft_addr': (string);
  'api_addr': (string);
}
