// Original file: proto/dispatcher.proto


export interface Heartbeat {
  'session_id'?: (string);
}

export interface Heartbeat__Output {
  'session_id': (string);
}
