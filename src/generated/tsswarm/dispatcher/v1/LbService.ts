// Original file: proto/dispatcher.proto

import type { Vip as _tsswarm_dispatcher_v1_Vip, Vip__Output as _tsswarm_dispatcher_v1_Vip__Output } from '../../../tsswarm/dispatcher/v1/Vip.js';
import type { Port as _tsswarm_dispatcher_v1_Port, Port__Output as _tsswarm_dispatcher_v1_Port__Output } from '../../../tsswarm/dispatcher/v1/Port.js';

export interface LbService {
  'service_id'?: (string);
  'name'?: (string);
  'endpoint_mode'?: (string);
  'vips'?: (_tsswarm_dispatcher_v1_Vip)[];
  'ports'?: (_tsswarm_dispatcher_v1_Port)[];
  'network_ids'?: (string)[];
}

export interface LbService__Output {
  'service_id': (string);
  'name': (string);
  'endpoint_mode': (string);
  'vips': (_tsswarm_dispatcher_v1_Vip__Output)[];
  'ports': (_tsswarm_dispatcher_v1_Port__Output)[];
  'network_ids': (string)[];
}
