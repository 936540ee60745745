/**
 * BMP numbers (RFC 7854 §4 and §10, IANA "BGP Monitoring Protocol (BMP)
 * Parameters"), in one place.
 */

/** RFC 7854 §4.1: the version this implementation speaks. */
export const BMP_VERSION = 3;

/** RFC 7854 §4.1: version (1), message length (4), message type (1). */
export const COMMON_HEADER_LENGTH = 6;

/** RFC 7854 §4.2: type, flags, distinguisher, address, AS, BGP ID, timestamp. */
export const PER_PEER_HEADER_LENGTH = 42;

/** RFC 7854 §4.1 message types. */
export const BmpMessageType = {
  RouteMonitoring: 0,
  StatisticsReport: 1,
  PeerDownNotification: 2,
  PeerUpNotification: 3,
  Initiation: 4,
  Termination: 5,
  RouteMirroring: 6,
} as const;

/** RFC 7854 §4.2 peer types. */
export const BmpPeerType = { GlobalInstance: 0, RdInstance: 1, LocalInstance: 2 } as const;

/** RFC 7854 §4.2 peer flags (the high-order bits of the flags octet). */
export const BmpPeerFlag = {
  /** V: the peer address is IPv6 */
  Ipv6: 0x80,
  /** L: post-policy Adj-RIB-In (clear: pre-policy) */
  PostPolicy: 0x40,
  /** A: the AS_PATH uses the legacy 2-octet format (clear: 4-octet) */
  LegacyAsPath: 0x20,
} as const;

/** RFC 7854 §4.4 Information TLV types (Initiation, and Peer Up's optional information). */
export const BmpInformationType = { String: 0, SysDescr: 1, SysName: 2 } as const;

/** RFC 7854 §4.5 Termination TLV types. */
export const BmpTerminationType = { String: 0, Reason: 1 } as const;

/** RFC 7854 §4.5 Termination reasons. */
export const BmpTerminationReason = {
  AdministrativelyClosed: 0,
  Unspecified: 1,
  OutOfResources: 2,
  RedundantConnection: 3,
  PermanentlyClosed: 4,
} as const;

/** RFC 7854 §4.9 Peer Down reasons. */
export const BmpPeerDownReason = {
  /** the local system closed the session; the NOTIFICATION it sent follows */
  LocalNotification: 1,
  /** the local system closed the session without a NOTIFICATION; a 2-octet FSM event code follows */
  LocalNoNotification: 2,
  /** the remote system closed the session with a NOTIFICATION; it follows */
  RemoteNotification: 3,
  /** the remote system closed the session without a NOTIFICATION (or the transport failed) */
  RemoteNoNotification: 4,
  /** information for the peer will no longer be sent for configuration reasons */
  PeerDeconfigured: 5,
} as const;

/** RFC 7854 §4.8 statistics types used here. */
export const BmpStatisticType = {
  /** 64-bit gauge: routes in the (pre-policy) Adj-RIB-In */
  AdjRibInRoutes: 7,
  /** 64-bit gauge: routes in the Loc-RIB */
  LocRibRoutes: 8,
} as const;

/** RFC 4271 §8.1 event numbers carried by a Peer Down of reason 2. */
export const FsmEventNumber = {
  ManualStop: 2,
  AutomaticStop: 8,
  HoldTimerExpires: 10,
  OpenCollisionDump: 23,
} as const;
