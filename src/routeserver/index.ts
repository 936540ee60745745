/** The route server domain service (docs/api.md lists the resources it serves). */
export { RouteServerService, type NetworkResources, type RouteServerServiceOptions } from './service.js';
export { DEFAULT_LIMITS, fromStoreError, type RouteServerLimits } from './core.js';
export * from './errors.js';
export * from './types.js';
export { FORBIDDEN_PEER_ASN_RANGES, isForbiddenPeerAsn } from './peer-rules.js';
export { GRACEFUL_RESTART_DEFAULTS } from './peering-graceful-restart.js';
export { instanceAddresses } from './views.js';
export type { EffectiveRoute } from '../sdn/index.js';
export type { ListWithin, ResourceDescriptor } from './resource-descriptor.js';
export type { EffectiveRouteRow } from './network-interfaces.js';
export type {
  EffectiveRouteWatch,
  RouteTableEntry,
  RouteWatch,
  RouteWatchEvent,
  RouteWatchOptions,
} from './route-watch.js';
export { formatEtag, toArmResource, type ArmResource } from './arm-json.js';
export { armRefusal } from './arm-errors.js';
export {
  ResourceGroupError,
  type ResourceGroup,
  type ResourceGroupPolicy,
  type ResourceGroups,
} from './resource-groups.js';
export type { PublicIpAddressResource } from './public-ip-addresses.js';
export { SharedRuntime, type LocalRuntime, type SharedRuntimeOptions } from './shared-runtime.js';
export type { OperationRecord, OperationRecords } from './operation-records.js';
export type { RoleAssignmentRecord, RoleAssignmentRecords } from './role-assignment-records.js';
