// Original file: proto/dispatcher.proto


export interface Port {
  'protocol'?: (string);
  'target_port'?: (number);
  'published_port'?: (number);
  'publish_mode'?: (string);
}

export interface Port__Output {
  'protocol': (string);
  'target_port': (number);
  'published_port': (number);
  'publish_mode': (string);
}
