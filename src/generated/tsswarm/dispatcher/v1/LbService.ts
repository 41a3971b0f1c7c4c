// Original file: proto/dispatcher.proto

import type { Vip as _tsswarm_dispatcher_v1_Vip, Vip__Output as _tsswarm_dispatcher_v1_Vip__Output } from '../../../tsswarm/dispatcher/v1/Vip.js';
import type { Port as _tsswarm_dispatcher_v1_Port, Port__Output as _tsswarm_dispatcher_v1_Port__Output } from '../../../tsswarm/dispatcher/v1/Port.js';
import type { NetworkAliases as _tsswarm_dispatcher_v1_NetworkAliases, NetworkAliases__Output as _tsswarm_dispatcher_v1_NetworkAliases__Output } from '../../../tsswarm/dispatcher/v1/NetworkAliases.js';

export interface LbService {
  'service_id'?: (string);
  'name'?: (string);
  'endpoint_mode'?: (string);
  'vips'?: (_tsswarm_dispatcher_v1_Vip)[];
  'ports'?: (_tsswarm_dispatcher_v1_Port)[];
  'network_ids'?: (string)[];
  'aliases'?: (_tsswarm_dispatcher_v1_NetworkAliases)[];
}

export interface LbService__Output {
  'service_id': (string);
  'name': (string);
  'endpoint_mode': (string);
  'vips': (_tsswarm_dispatcher_v1_Vip__Output)[];
  'ports': (_tsswarm_dispatcher_v1_Port__Output)[];
  'network_ids': (string)[];
  'aliases': (_tsswarm_dispatcher_v1_NetworkAliases__Output)[];
}
