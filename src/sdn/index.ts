/** The virtual network model and effective routes (docs/virtual-network-routing.md). */
export { VirtualNetworkModel } from './model.js';
export type { ModelOptions, PeeringInput, RouteTableInput, VirtualNetworkInput } from './model.js';
export { RouteServerBinding } from './bgp-input.js';
export { GatewayBinding } from './gateway-input.js';
export { SDN_ERROR_CODES, SdnError } from './errors.js';
export type { SdnErrorCode } from './errors.js';
export { EFFECTIVE_ROUTES_CHANNEL, subscribeRouteEvents } from './events.js';
export type {
  DomainRoutesChange,
  EffectiveRoutesChangedEvent,
  PrefixRoutesChange,
  RouteDomainAssignedEvent,
  SdnRouteEvent,
} from './events.js';
export type { NextHopReasonCode, NextHopResult } from './next-hop.js';
export type { RouteDomain } from './route-domain.js';
export * from './types.js';
