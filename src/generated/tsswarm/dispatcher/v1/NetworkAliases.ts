// Original file: proto/dispatcher.proto


export interface NetworkAliases {
  'network_id'?: (string);
  'names'?: (string)[];
}

export interface NetworkAliases__Output {
  'network_id': (string);
  'names': (string)[];
}
