/**
 * bgp/codec: pure encode/decode of BGP-4 messages, capabilities and path
 * attributes. No sockets, clocks, configuration or logging.
 *
 * API
 * - `decode(bytes, context)`: one whole message (header included) → `BgpMessage`.
 * - `encode(message, context)` → Buffer; `encodeInto(message, context, writer)` to batch.
 * - `MessageFramer`: splits a TCP byte stream into messages; a bad header
 *   throws the typed header error.
 * - `UpdateBuilder`: packs many prefixes per attribute set into as few
 *   UPDATEs as the maximum message length allows; takes `PathAttributes` or a
 *   pre-encoded attribute block (`encodeAttributes`).
 * - `CodecContext`: what the session negotiated. Decode reads the receive side
 *   (`addPathReceive`), encode the send side (`addPathSend`). `BASE_CONTEXT`
 *   is plain RFC 4271 (for OPEN, before negotiation).
 *
 * Errors
 * - Decoding throws only `BgpWireError` (stable `code: 'BGPRS_ERR_…'`,
 *   NOTIFICATION `notificationCode`/`notificationSubcode`/`data`, RFC 7606
 *   `action`). `notificationFor(error)` is the one mapping to a NOTIFICATION.
 * - An UPDATE whose problems allow the session to live (attribute-discard,
 *   treat-as-withdraw) is returned with `problems` and `action`; with
 *   treat-as-withdraw every prefix in it (nlri, withdrawn, MP reach/unreach)
 *   is to be withdrawn. AFI/SAFI-disable and session-reset problems throw
 *   (the strongest one found).
 * - Encoding throws only `BgpEncodeError`.
 *
 * Performance
 * - IPv4 unicast NLRI are plain number arrays of `prefixKey` values
 *   (`ipv4KeyOf(address, length)` in src/lib/prefix.ts), never objects; path
 *   ids ride in a parallel array with ADD-PATH. IPv6 prefixes are `Ipv6Prefix`.
 * - `UpdateMessage.attributeBytes` is the Path Attributes field as received
 *   (a view into the input: copy before keeping); equal bytes decode to equal
 *   attributes, so the route engine interns attribute sets by these bytes.
 *
 * Supported RFCs (details and deviations: docs/standards.md, "bgp/codec"):
 * 4271 BGP-4, 1997 communities, 2545 IPv6 next hop, 2918 route refresh,
 * 4360 extended communities, 4456 route reflection attributes, 4486 Cease
 * subcodes, 4724 graceful restart, 4760 multiprotocol, 5065 confederation
 * segments, 5492 capabilities, 6286 BGP Identifier, 6793 4-octet AS,
 * 7313 enhanced route refresh, 7606 revised error handling, 7607 AS 0,
 * 7911 ADD-PATH, 8092 large communities, 8203/9003 shutdown communication,
 * 8538 GR N bit, 8654 extended messages, 9072 extended optional parameters,
 * 9234 BGP role capability, FRR's FQDN capability.
 */
export * from './types.js';
export {
  BgpEncodeError,
  BgpWireError,
  ErrorAction,
  isCodecError,
  notificationFor,
  strongerAction,
} from './errors.js';
export type { BgpEncodeErrorCode, BgpWireErrorCode, BgpWireErrorInit } from './errors.js';
export * from './iana.js';
export { MessageFramer, maxMessageLength, parseHeader } from './header.js';
export type { MessageHeader } from './header.js';
export { BASE_CONTEXT, decode, encode, encodeInto } from './message.js';
export { ceaseNotification, KEEPALIVE, shutdownCommunicationData } from './notification.js';
export { capabilityRegistry, decodeCapability } from './capabilities.js';
export type { CapabilityDescriptor } from './capabilities.js';
export { attributeRegistry, decodeAttributeBlock, encodeAttributes } from './attributes/index.js';
export type { AttributeDescriptor, DecodedAttributeBlock } from './attributes/index.js';
export { mergeAsPath } from './attributes/as-path.js';
export { endOfRibFamily } from './update.js';
export { UpdateBuilder } from './update-builder.js';
