// Original file: proto/dispatcher.proto


export interface Vip {
  'network_id'?: (string);
  'ip'?: (string);
}

export interface Vip__Output {
  'network_id': (string);
  'ip': (string);
}
