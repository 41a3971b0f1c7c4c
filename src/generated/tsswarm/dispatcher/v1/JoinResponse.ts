// Original file: proto/dispatcher.proto


export interface JoinResponse {
  'role'?: (string);
  'raft_secret'?: (string);
  'raft_peers'?: ({[key: string]: string});
  'managers'?: (string)[];
}

export interface JoinResponse__Output {
  'role': (string);
  'raft_secret': (string);
  'raft_peers': ({[key: string]: string});
  'managers': (string)[];
}
