// Original file: proto/dispatcher.proto

import type { OverlayNetwork as _tsswarm_dispatcher_v1_OverlayNetwork, OverlayNetwork__Output as _tsswarm_dispatcher_v1_OverlayNetwork__Output } from '../../../tsswarm/dispatcher/v1/OverlayNetwork.js';
import type { Endpoint as _tsswarm_dispatcher_v1_Endpoint, Endpoint__Output as _tsswarm_dispatcher_v1_Endpoint__Output } from '../../../tsswarm/dispatcher/v1/Endpoint.js';
import type { LbService as _tsswarm_dispatcher_v1_LbService, LbService__Output as _tsswarm_dispatcher_v1_LbService__Output } from '../../../tsswarm/dispatcher/v1/LbService.js';

export interface NetworkState {
  'networks'?: (_tsswarm_dispatcher_v1_OverlayNetwork)[];
  'endpoints'?: (_tsswarm_dispatcher_v1_Endpoint)[];
  'services'?: (_tsswarm_dispatcher_v1_LbService)[];
  'host_ingress'?: (_tsswarm_dispatcher_v1_Endpoint | null);
}

export interface NetworkState__Output {
  'networks': (_tsswarm_dispatcher_v1_OverlayNetwork__Output)[];
  'endpoints': (_tsswarm_dispatcher_v1_Endpoint__Output)[];
  'services': (_tsswarm_dispatcher_v1_LbService__Output)[];
  'host_ingress': (_tsswarm_dispatcher_v1_Endpoint__Output | null);
}
