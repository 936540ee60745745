/** The ARM-compatible management API: server, conventions and helpers for resource handlers. */
export { createApiServer, OPENAPI_PATH, type ApiServer, type ApiServerOptions } from './server.js';
export { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './connection-limits.js';
export { parsePublicUrl } from './public-url.js';
export { hashClientSecret, type IdentityOptions, type ServicePrincipal } from './identity.js';
export * from './api-versions.js';
export * from './arm-id.js';
export * from './arm-resource.js';
export * from './conditional.js';
export * from './errors.js';
export * from './names.js';
export { OperationRegistry, type OperationState, type OperationStatus } from './lro.js';
export { replyAccepted, replyAsyncPut, operationUrls, type LroSettings } from './lro-routes.js';
export {
  registerArmResource,
  nameParameter,
  type ArmResourceDefinition,
  type ResourceRequest,
  type ListRequest,
  type PutOutcome,
  type DeleteOutcome,
} from './resource-routes.js';
export { ensureApiCredentials, subjectAltNames, type ApiCredentials, type TlsOption } from './credentials.js';
export { registerNetworkResources } from './routes/index.js';
export {
  registerRouteWatch,
  DEFAULT_ROUTE_WATCH_STREAM,
  type RouteWatchStreamOptions,
} from './route-watch.js';
export { registerDashboardData, type DashboardSources } from './dashboard-data.js';
export type { DashboardSessionEvent, SessionCounters } from './dashboard-history.js';
