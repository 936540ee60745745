/**
 * FSM configuration defaults and the peer ASNs Azure Route Server refuses.
 *
 * Defaults: hold 180 s and keepalive 60 s, as Azure Route Server
 * (docs/azure-behaviour.md §2.2); ConnectRetryTime 5 s instead
 * of the 120 s RFC 4271 §10 suggests, because both sides dial and some peers
 * (GoBGP) only dial after 5-9 s; DelayOpen off; automatic restart after 1 s,
 * doubling per consecutive failure up to 60 s (RFC 4271 §8.1.1 IdleHoldTime,
 * in the spirit of DampPeerOscillations).
 */
import { Afi, Safi } from '../codec/index.js';
import type { FsmConfig } from './types.js';

export const DEFAULT_HOLD_TIME_SECONDS = 180;
export const DEFAULT_KEEPALIVE_SECONDS = 60;
export const DEFAULT_CONNECT_RETRY_SECONDS = 5;
/** RFC 4271 §8.2.2: "a large value" for the HoldTimer while waiting for OPEN; 4 minutes suggested. */
export const LARGE_HOLD_TIME_SECONDS = 240;

export type FsmConfigInput = Pick<FsmConfig, 'localAs' | 'localIdentifier' | 'peerAs'> & Partial<FsmConfig>;

/** A full configuration from the three required fields and any overrides. */
export function fsmConfig(input: FsmConfigInput): FsmConfig {
  const holdTimeSeconds = input.holdTimeSeconds ?? DEFAULT_HOLD_TIME_SECONDS;
  if (holdTimeSeconds !== 0 && (holdTimeSeconds < 3 || holdTimeSeconds > 65535)) {
    throw new RangeError(`hold time ${holdTimeSeconds} s must be 0 or 3..65535 (RFC 4271 §4.2)`);
  }
  return {
    keepaliveSeconds:
      input.keepaliveSeconds ??
      (input.holdTimeSeconds === undefined ? DEFAULT_KEEPALIVE_SECONDS : Math.floor(holdTimeSeconds / 3)),
    connectRetryTimeSeconds: DEFAULT_CONNECT_RETRY_SECONDS,
    passive: false,
    delayOpenTimeSeconds: 0,
    idleHoldTimeSeconds: 1,
    maxIdleHoldTimeSeconds: 60,
    allowAutomaticStart: true,
    families: [{ afi: Afi.Ipv4, safi: Safi.Unicast }],
    addPath: [],
    routeRefresh: true,
    enhancedRouteRefresh: true,
    extendedMessage: true,
    fourOctetAs: true,
    ...input,
    holdTimeSeconds,
  };
}

/**
 * Why Azure Route Server would refuse a peer ASN, or undefined when it is
 * usable (docs/azure-behaviour.md §2.4; 0 per RFC 7607).
 */
export function forbiddenPeerAsnReason(asn: number, localAs: number): string | undefined {
  if (!Number.isInteger(asn) || asn < 0 || asn > 0xffffffff) return `AS ${asn} is not a 32-bit AS number`;
  if (asn === 0) return 'AS 0 is reserved (RFC 7607)';
  if (asn === localAs) return `AS ${asn} is the route server's own AS (eBGP only)`;
  if ([8074, 8075, 12076].includes(asn)) return `AS ${asn} is reserved by Azure (public)`;
  if ([65515, 65517, 65518, 65519, 65520].includes(asn)) return `AS ${asn} is reserved by Azure (private)`;
  if (asn === 23456) return 'AS 23456 is AS_TRANS (RFC 6793)';
  if (asn >= 64496 && asn <= 64511) return `AS ${asn} is reserved for documentation (RFC 5398)`;
  if (asn >= 65535 && asn <= 65551) return `AS ${asn} is reserved by IANA`;
  return undefined;
}
