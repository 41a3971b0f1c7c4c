// Public surface of the control API module.
export { buildApiServer, startApiServer, type ApiServerOptions } from './server.js';
export type { ManagerInfo, JoinTokens } from './manager-info.js';
export { ApiError, ERROR_STATUS, type ApiErrorCode } from './errors.js';
export { newId, ID_LENGTH } from './ids.js';
export { API_VERSION, MIN_API_VERSION } from './version.js';
export { validateServiceSpec } from './validate-spec.js';
