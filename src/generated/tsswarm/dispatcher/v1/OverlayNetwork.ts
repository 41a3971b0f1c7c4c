// Original file: proto/dispatcher.proto


export interface OverlayNetwork {
  'id'?: (string);
  'name'?: (string);
  'vni'?: (number);
  'subnet'?: (string);
  'gateway'?: (string);
  'ingress'?: (boolean);
}

export interface OverlayNetwork__Output {
  'id': (string);
  'name': (string);
  'vni': (number);
  'subnet': (string);
  'gateway': (string);
  'ingress': (boolean);
}
