// Public surface of the overlay driver (worker side of Swarm's VXLAN overlay networks).
export { OverlayDriver, type OverlayDriverOptions } from './driver.js';
export { macForIp } from './addr.js';
export { execRunner, type CommandRunner, type CommandResult, type CommandOptions } from './command-runner.js';
export { CommandError, OverlayStateError, OverlayNetworkError, OverlaySyncError, SandboxReadError, type OverlayErrorCode } from './errors.js';
export type { NetnsReader } from './observe.js';
export {
  DEFAULT_MTU,
  VXLAN_PORT,
  type OverlayNetwork,
  type LocalEndpoint,
  type RemoteEndpoint,
  type OverlayDesiredState,
  type SyncReport,
  type ProgrammedState,
  type ProgrammedNetwork,
  type ProgrammedVxlan,
  type ProgrammedLocal,
  type ProgrammedRemote,
} from './types.js';
