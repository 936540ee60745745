/**
 * Public types of the BGP codec: messages, capabilities, path attributes and
 * the codec context (what the session negotiated).
 *
 * RFCs: 4271 §4, 4760, 5492, 6793, 7313, 7911, 8203/9003, 8654, 9072, 9234.
 */
import type { Ipv6Prefix } from '../../lib/prefix.js';
import type { BgpWireError } from './errors.js';

// ---------------------------------------------------------------- context

/**
 * What the session negotiated; decode uses the receive side, encode the
 * send side. Families are `familyKey(afi, safi)` numbers (see iana.ts).
 */
export interface CodecContext {
  /** RFC 6793: both sides advertised the 4-octet AS capability */
  readonly fourOctetAs: boolean;
  /** RFC 8654: both sides advertised extended messages (max length 65535) */
  readonly extendedMessage: boolean;
  /** RFC 7911: families whose received NLRI carry a path identifier */
  readonly addPathReceive: ReadonlySet<number>;
  /** RFC 7911: families whose sent NLRI carry a path identifier */
  readonly addPathSend: ReadonlySet<number>;
}

// ---------------------------------------------------------------- capabilities

export interface AfiSafi {
  readonly afi: number;
  readonly safi: number;
}

/** RFC 4760 §8 */
export interface MultiprotocolCapability extends AfiSafi {
  readonly kind: 'multiprotocol';
}
/** RFC 2918 §2 */
export interface RouteRefreshCapability {
  readonly kind: 'route-refresh';
}
/** RFC 7313 §3 */
export interface EnhancedRouteRefreshCapability {
  readonly kind: 'enhanced-route-refresh';
}
/** RFC 6793 §3 */
export interface FourOctetAsCapability {
  readonly kind: 'four-octet-as';
  readonly asn: number;
}
/** RFC 4724 §3 (flags: R bit 0x8, N bit 0x4 of RFC 8538) */
export interface GracefulRestartCapability {
  readonly kind: 'graceful-restart';
  /** the 4 restart flag bits (R = 8, N = 4) */
  readonly flags: number;
  /** restart time in seconds, 0..4095 */
  readonly restartTime: number;
  readonly families: readonly (AfiSafi & { readonly flags: number })[];
}
/** RFC 7911 §4; sendReceive: 1 receive, 2 send, 3 both */
export interface AddPathCapability {
  readonly kind: 'add-path';
  readonly families: readonly (AfiSafi & { readonly sendReceive: number })[];
}
/** RFC 8654 §3 */
export interface ExtendedMessageCapability {
  readonly kind: 'extended-message';
}
/** RFC 9234 §4.1 */
export interface RoleCapability {
  readonly kind: 'role';
  readonly role: number;
}
/** FQDN capability as sent by FRR (draft-walton-bgp-hostname-capability) */
export interface FqdnCapability {
  readonly kind: 'fqdn';
  readonly hostname: string;
  readonly domainName: string;
}
/** Any capability the codec does not interpret, kept as its bytes (RFC 5492 §3) */
export interface UnknownCapability {
  readonly kind: 'unknown';
  readonly code: number;
  readonly value: Uint8Array;
}

export type Capability =
  | MultiprotocolCapability
  | RouteRefreshCapability
  | EnhancedRouteRefreshCapability
  | FourOctetAsCapability
  | GracefulRestartCapability
  | AddPathCapability
  | ExtendedMessageCapability
  | RoleCapability
  | FqdnCapability
  | UnknownCapability;

// ---------------------------------------------------------------- path attributes

/** RFC 4271 §4.3 AS_PATH segment; type 1 AS_SET, 2 AS_SEQUENCE, 3/4 confederation (RFC 5065). */
export interface AsPathSegment {
  readonly type: number;
  readonly asns: readonly number[];
}

export interface Aggregator {
  readonly asn: number;
  /** IPv4 address as an unsigned 32-bit number */
  readonly address: number;
}

/** RFC 4360: an extended community as its two 32-bit halves. */
export interface ExtendedCommunity {
  readonly high: number;
  readonly low: number;
}

/** RFC 8092 */
export interface LargeCommunity {
  readonly globalAdministrator: number;
  readonly localData1: number;
  readonly localData2: number;
}

/**
 * NLRI of one family. IPv4 unicast prefixes are `prefixKey` numbers
 * (`ipv4KeyOf(address, length)` = address * 64 + length) in `keys`; other
 * families with a parsed NLRI (IPv6 unicast) use `prefixes`. `pathIds` is
 * parallel to keys/prefixes when ADD-PATH is on for the family. Families the
 * codec does not parse keep their NLRI bytes in `raw`.
 */
export interface NlriList {
  readonly afi: number;
  readonly safi: number;
  readonly keys: readonly number[];
  readonly prefixes: readonly Ipv6Prefix[];
  readonly pathIds?: readonly number[] | undefined;
  readonly raw?: Uint8Array;
}

/** RFC 4760 §3 */
export interface MpReachNlri {
  readonly afi: number;
  readonly safi: number;
  /** next hop bytes: 4 (IPv4), 16 (IPv6 global) or 32 (global + link-local) */
  readonly nextHop: Uint8Array;
  readonly nlri: NlriList;
}

/** RFC 4760 §4 */
export interface MpUnreachNlri {
  readonly afi: number;
  readonly safi: number;
  readonly withdrawn: NlriList;
}

/** An attribute the codec does not interpret, kept byte-exact. */
export interface RawAttribute {
  readonly flags: number;
  readonly code: number;
  readonly value: Uint8Array;
}

/**
 * Decoded path attributes of one UPDATE. With a 2-octet-AS peer, `asPath`
 * and `aggregator` hold the RFC 6793 §4.2.3 merge of AS_PATH/AS4_PATH and
 * AGGREGATOR/AS4_AGGREGATOR; the encoder regenerates AS4_* as needed.
 */
export interface PathAttributes {
  /** 0 IGP, 1 EGP, 2 INCOMPLETE */
  readonly origin?: number;
  readonly asPath?: readonly AsPathSegment[];
  /** IPv4 NEXT_HOP as an unsigned 32-bit number */
  readonly nextHop?: number;
  readonly med?: number;
  readonly localPref?: number;
  readonly atomicAggregate?: boolean;
  readonly aggregator?: Aggregator;
  /** RFC 1997 communities as unsigned 32-bit numbers (asn << 16 | value) */
  readonly communities?: readonly number[];
  readonly originatorId?: number;
  readonly clusterList?: readonly number[];
  readonly mpReach?: MpReachNlri;
  readonly mpUnreach?: MpUnreachNlri;
  readonly extendedCommunities?: readonly ExtendedCommunity[];
  readonly largeCommunities?: readonly LargeCommunity[];
  /** unknown optional transitive attributes, passed on with the Partial bit set */
  readonly unknown?: readonly RawAttribute[];
  /**
   * Order and flags as received (each entry flags * 256 + code), so a
   * re-encode reproduces the peer's bytes.
   * Optional; the encoder falls back to type-code order and minimal flags.
   */
  readonly wireOrder?: readonly number[];
}

// ---------------------------------------------------------------- messages

/** RFC 4271 §4.2, RFC 5492, RFC 9072 */
export interface OpenMessage {
  readonly type: 'open';
  readonly version: number;
  /** the 2-octet My Autonomous System field (AS_TRANS when the real AS needs 4 octets) */
  readonly myAs: number;
  readonly holdTime: number;
  /** BGP Identifier as an unsigned 32-bit number */
  readonly bgpIdentifier: number;
  /** every capability, in wire order */
  readonly capabilities: readonly Capability[];
  /**
   * Capabilities per Capabilities optional parameter, in order (RFC 5492 §4
   * allows one parameter with many or many with one). Absent on encode: one
   * parameter per capability.
   */
  readonly capabilityGroups?: readonly number[];
  /** RFC 9072 extended optional parameters length was (or must be) used */
  readonly extendedParameters?: boolean;
}

/** RFC 4271 §4.3 */
export interface UpdateMessage {
  readonly type: 'update';
  /** IPv4 unicast Withdrawn Routes field as prefix keys */
  readonly withdrawn: readonly number[];
  readonly withdrawnPathIds?: readonly number[] | undefined;
  readonly attributes: PathAttributes;
  /**
   * The Path Attributes field exactly as received (a view into the decoded
   * buffer: copy it before keeping it for long). Equal bytes give equal
   * attributes, so it is the interning key. Empty on messages built for encode.
   */
  readonly attributeBytes: Uint8Array;
  /** IPv4 unicast NLRI field as prefix keys */
  readonly nlri: readonly number[];
  readonly nlriPathIds?: readonly number[] | undefined;
  /**
   * RFC 7606 problems that did not reset the session; `action` is the
   * strongest. With `treat-as-withdraw` every prefix of the message (nlri,
   * withdrawn, MP reach and unreach) must be withdrawn.
   */
  readonly problems?: readonly BgpWireError[];
  readonly action?: 'attribute-discard' | 'treat-as-withdraw';
}

/** RFC 4271 §4.5; RFC 8203/9003 shutdown communication for Cease 2 and 4 */
export interface NotificationMessage {
  readonly type: 'notification';
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
  /** decoded shutdown communication (Cease/2, Cease/4) when valid UTF-8 of the stated length */
  readonly shutdownCommunication?: string;
}

/** RFC 4271 §4.4 */
export interface KeepaliveMessage {
  readonly type: 'keepalive';
}

/** RFC 2918 §3, RFC 7313 §3 (subtype 0 normal, 1 BoRR, 2 EoRR) */
export interface RouteRefreshMessage {
  readonly type: 'route-refresh';
  readonly afi: number;
  readonly safi: number;
  readonly subtype: number;
}

export type BgpMessage =
  OpenMessage | UpdateMessage | NotificationMessage | KeepaliveMessage | RouteRefreshMessage;
