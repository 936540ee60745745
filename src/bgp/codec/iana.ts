/**
 * IANA numbers used by the BGP codec, in one place.
 *
 * Registries: "Border Gateway Protocol (BGP) Parameters" (message types,
 * path attribute types, error codes and subcodes, optional parameter types),
 * "Capability Codes", "Address Family Numbers", "SAFI Values", "BGP Well-known
 * Communities".
 *
 * RFCs: 4271 §4.1, §4.5, §6; 1997; 2918; 4360; 4456; 4724; 4760; 5492; 6793;
 * 7313; 7911; 8092; 8654; 9072; 9234; draft-walton-bgp-hostname-capability.
 */

/** RFC 4271 §4.1 header and length limits; RFC 8654 extended messages. */
export const HEADER_LENGTH = 19;
export const MARKER_LENGTH = 16;
export const MAX_MESSAGE_LENGTH = 4096;
export const MAX_EXTENDED_MESSAGE_LENGTH = 65535;
export const BGP_VERSION = 4;

/** RFC 4271 §4.1, RFC 2918 §3. */
export const MessageType = {
  Open: 1,
  Update: 2,
  Notification: 3,
  Keepalive: 4,
  RouteRefresh: 5,
} as const;

/** RFC 5492 §4, RFC 9072 §2. */
export const OptionalParameterType = {
  Capabilities: 2,
  ExtendedLength: 255,
} as const;

/** IANA "Capability Codes". */
export const CapabilityCode = {
  Multiprotocol: 1,
  RouteRefresh: 2,
  ExtendedMessage: 6,
  Role: 9,
  GracefulRestart: 64,
  FourOctetAs: 65,
  AddPath: 69,
  EnhancedRouteRefresh: 70,
  Fqdn: 73,
} as const;

/** IANA "BGP Path Attributes". */
export const AttributeCode = {
  Origin: 1,
  AsPath: 2,
  NextHop: 3,
  MultiExitDisc: 4,
  LocalPref: 5,
  AtomicAggregate: 6,
  Aggregator: 7,
  Communities: 8,
  OriginatorId: 9,
  ClusterList: 10,
  MpReachNlri: 14,
  MpUnreachNlri: 15,
  ExtendedCommunities: 16,
  As4Path: 17,
  As4Aggregator: 18,
  LargeCommunity: 32,
} as const;

/** RFC 4271 §4.3 attribute flag bits. */
export const AttributeFlag = {
  Optional: 0x80,
  Transitive: 0x40,
  Partial: 0x20,
  ExtendedLength: 0x10,
} as const;

/** RFC 4271 §4.3 ORIGIN values. */
export const OriginValue = { Igp: 0, Egp: 1, Incomplete: 2 } as const;

/** RFC 4271 §4.3, RFC 5065 §3 AS_PATH segment types. */
export const AsPathSegmentType = {
  AsSet: 1,
  AsSequence: 2,
  ConfedSequence: 3,
  ConfedSet: 4,
} as const;

/** RFC 6793 §2: the 2-octet stand-in for a 4-octet AS number. */
export const AS_TRANS = 23456;

/** IANA "Address Family Numbers" and "SAFI Values". */
export const Afi = { Ipv4: 1, Ipv6: 2 } as const;
export const Safi = { Unicast: 1, Multicast: 2 } as const;

/** RFC 1997 and IANA "BGP Well-known Communities". */
export const WellKnownCommunity = {
  NoExport: 0xffffff01,
  NoAdvertise: 0xffffff02,
  NoExportSubconfed: 0xffffff03,
} as const;

/** RFC 4271 §4.5 NOTIFICATION error codes (plus RFC 4486, RFC 7313). */
export const ErrorCode = {
  MessageHeader: 1,
  OpenMessage: 2,
  UpdateMessage: 3,
  HoldTimerExpired: 4,
  FiniteStateMachine: 5,
  Cease: 6,
  RouteRefreshMessage: 7,
} as const;

export const HeaderErrorSubcode = {
  ConnectionNotSynchronized: 1,
  BadMessageLength: 2,
  BadMessageType: 3,
} as const;

export const OpenErrorSubcode = {
  Unspecific: 0,
  UnsupportedVersionNumber: 1,
  BadPeerAs: 2,
  BadBgpIdentifier: 3,
  UnsupportedOptionalParameter: 4,
  UnacceptableHoldTime: 6,
  UnsupportedCapability: 7,
  RoleMismatch: 11,
} as const;

export const UpdateErrorSubcode = {
  MalformedAttributeList: 1,
  UnrecognizedWellKnownAttribute: 2,
  MissingWellKnownAttribute: 3,
  AttributeFlagsError: 4,
  AttributeLengthError: 5,
  InvalidOriginAttribute: 6,
  InvalidNextHopAttribute: 8,
  OptionalAttributeError: 9,
  InvalidNetworkField: 10,
  MalformedAsPath: 11,
} as const;

/** RFC 4486 Cease subcodes (2 and 4 carry the RFC 8203/9003 shutdown communication). */
export const CeaseSubcode = {
  MaximumPrefixesReached: 1,
  AdministrativeShutdown: 2,
  PeerDeconfigured: 3,
  AdministrativeReset: 4,
  ConnectionRejected: 5,
  OtherConfigurationChange: 6,
  ConnectionCollisionResolution: 7,
  OutOfResources: 8,
  HardReset: 9,
  BfdDown: 10,
} as const;

/** RFC 7313 §5 ROUTE-REFRESH message error subcode. */
export const RouteRefreshErrorSubcode = { InvalidMessageLength: 1 } as const;

/** RFC 7313 §3 ROUTE-REFRESH message subtypes (the former reserved octet). */
export const RouteRefreshSubtype = { Normal: 0, BeginningOfRefresh: 1, EndOfRefresh: 2 } as const;

/** RFC 7911 §4 ADD-PATH Send/Receive field. */
export const AddPathDirection = { Receive: 1, Send: 2, Both: 3 } as const;

/** RFC 9234 §4.1 BGP roles. */
export const BgpRole = { Provider: 0, RouteServer: 1, RouteServerClient: 2, Customer: 3, Peer: 4 } as const;

/** A compact numeric key for an (AFI, SAFI) pair: afi * 256 + safi. */
export function familyKey(afi: number, safi: number): number {
  return afi * 256 + safi;
}

export const IPV4_UNICAST = familyKey(Afi.Ipv4, Safi.Unicast);
export const IPV6_UNICAST = familyKey(Afi.Ipv6, Safi.Unicast);
