// Public surface of the control API: a Docker Engine API (1.45) subset over the store, so
// the stock docker CLI and tsswarm's own CLI drive the cluster.
//
// Routes (all also under /v{major}.{minor}/):
//   GET|HEAD /_ping, GET /version, GET /info                        routes/system.ts
//   GET /swarm; POST /swarm/{init,join,leave,update} → 503/501      routes/swarm.ts
//   GET /nodes, GET|DELETE /nodes/{id}, POST /nodes/{id}/update     routes/nodes.ts
//   GET /services, POST /services/create, GET|DELETE /services/{id},
//     POST /services/{id}/update, GET /services/{id}/logs → 501     routes/services.ts
//   GET /tasks, GET /tasks/{id}, GET /tasks/{id}/logs → 501         routes/tasks.ts
//   GET /networks, POST /networks/create, GET|DELETE /networks/{id} routes/networks.ts
//   GET /secrets, /configs → [] ; POST …/create → 501              routes/secrets.ts
//   GET /distribution/{image}/json → 501 (the CLI then only warns)  routes/system.ts
// Errors are {"message"} with the statuses of errors.ts (ERROR_STATUS).
export { buildApiServer, startApiServer, type ApiServerOptions } from './server.js';
export type { ManagerInfo, JoinTokens } from './manager-info.js';
export { ApiError, ERROR_STATUS, type ApiErrorCode } from './errors.js';
export { newId } from '../common/ids.js';
export { API_VERSION, MIN_API_VERSION } from './version.js';
export { validateServiceSpec } from './validate-spec.js';
