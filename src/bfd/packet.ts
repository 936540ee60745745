/**
 * The BFD Control packet (RFC 5880 §4.1), mandatory section only: encode and
 * decode with the reception checks of RFC 5880 §6.8.6 that need nothing but
 * the packet (the ones that need a session are in session.ts).
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    |Vers |  Diag   |Sta|P|F|C|A|D|M|  Detect Mult  |    Length     |
 *    |                       My Discriminator                        |
 *    |                      Your Discriminator                       |
 *    |                    Desired Min TX Interval                    |
 *    |                   Required Min RX Interval                    |
 *    |                 Required Min Echo RX Interval                 |
 *
 * Intervals on the wire are microseconds. Authentication (the A bit) is not
 * supported: RFC 5880 §6.8.6 says a packet with A set is discarded when no
 * authentication is in use on the session, which is always the case here.
 */

const BFD_VERSION = 1;
/** RFC 5880 §4.1: the mandatory section; a packet without authentication is exactly this long. */
const CONTROL_PACKET_LENGTH = 24;

/** RFC 5880 §4.1 "State (Sta)". */
export const BfdState = { AdminDown: 0, Down: 1, Init: 2, Up: 3 } as const;
export type BfdStateName = keyof typeof BfdState;
const STATE_NAMES: readonly BfdStateName[] = ['AdminDown', 'Down', 'Init', 'Up'];

/** RFC 5880 §4.1 "Diagnostic (Diag)" (IANA "BFD Diagnostic Codes"). */
export const BfdDiagnostic = {
  None: 0,
  ControlDetectionTimeExpired: 1,
  EchoFunctionFailed: 2,
  NeighborSignaledSessionDown: 3,
  ForwardingPlaneReset: 4,
  PathDown: 5,
  ConcatenatedPathDown: 6,
  AdministrativelyDown: 7,
  ReverseConcatenatedPathDown: 8,
} as const;

export interface ControlPacket {
  readonly diagnostic: number;
  readonly state: BfdStateName;
  readonly poll: boolean;
  readonly final: boolean;
  /** Control Plane Independent: we share fate with the BGP process, so we always send 0 */
  readonly controlPlaneIndependent: boolean;
  readonly demand: boolean;
  readonly detectMultiplier: number;
  readonly myDiscriminator: number;
  readonly yourDiscriminator: number;
  readonly desiredMinTxMicroseconds: number;
  readonly requiredMinRxMicroseconds: number;
  readonly requiredMinEchoRxMicroseconds: number;
}

/** Why a received packet was discarded (RFC 5880 §6.8.6); for counters and logs. */
export type DiscardReason =
  | 'short'
  | 'version'
  | 'length'
  | 'detect-multiplier-zero'
  | 'multipoint'
  | 'my-discriminator-zero'
  | 'your-discriminator-zero'
  | 'authentication'
  | 'poll-and-final';

type DecodeResult =
  | { readonly ok: true; readonly packet: ControlPacket }
  | { readonly ok: false; readonly reason: DiscardReason };

const FLAG_POLL = 0x20;
const FLAG_FINAL = 0x10;
const FLAG_CPI = 0x08;
const FLAG_AUTH = 0x04;
const FLAG_DEMAND = 0x02;
const FLAG_MULTIPOINT = 0x01;

export function encodeControlPacket(packet: ControlPacket): Buffer {
  const bytes = Buffer.alloc(CONTROL_PACKET_LENGTH);
  bytes[0] = (BFD_VERSION << 5) | (packet.diagnostic & 0x1f);
  bytes[1] =
    (BfdState[packet.state] << 6) |
    (packet.poll ? FLAG_POLL : 0) |
    (packet.final ? FLAG_FINAL : 0) |
    (packet.controlPlaneIndependent ? FLAG_CPI : 0) |
    (packet.demand ? FLAG_DEMAND : 0);
  bytes[2] = packet.detectMultiplier;
  bytes[3] = CONTROL_PACKET_LENGTH;
  bytes.writeUInt32BE(packet.myDiscriminator >>> 0, 4);
  bytes.writeUInt32BE(packet.yourDiscriminator >>> 0, 8);
  bytes.writeUInt32BE(packet.desiredMinTxMicroseconds >>> 0, 12);
  bytes.writeUInt32BE(packet.requiredMinRxMicroseconds >>> 0, 16);
  bytes.writeUInt32BE(packet.requiredMinEchoRxMicroseconds >>> 0, 20);
  return bytes;
}

/**
 * RFC 5880 §6.8.6, the checks that need only the packet, in the RFC's order:
 * version, length (at least 24, at most the UDP payload), Detect Mult not
 * zero, Multipoint clear, My Discriminator not zero, Your Discriminator
 * zero only with State Down or AdminDown; then the A bit (no
 * authentication configured: discard) and RFC 5880 §6.5 (P and F never both set).
 */
export function decodeControlPacket(bytes: Uint8Array): DecodeResult {
  if (bytes.length < CONTROL_PACKET_LENGTH) return { ok: false, reason: 'short' };
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view[0]! >> 5 !== BFD_VERSION) return { ok: false, reason: 'version' };
  const length = view[3]!;
  if (length < CONTROL_PACKET_LENGTH || length > view.length) return { ok: false, reason: 'length' };
  const flags = view[1]!;
  if (view[2] === 0) return { ok: false, reason: 'detect-multiplier-zero' };
  if (flags & FLAG_MULTIPOINT) return { ok: false, reason: 'multipoint' };
  const myDiscriminator = view.readUInt32BE(4);
  if (myDiscriminator === 0) return { ok: false, reason: 'my-discriminator-zero' };
  const state = STATE_NAMES[flags >> 6]!;
  const yourDiscriminator = view.readUInt32BE(8);
  if (yourDiscriminator === 0 && state !== 'Down' && state !== 'AdminDown')
    return { ok: false, reason: 'your-discriminator-zero' };
  if (flags & FLAG_AUTH) return { ok: false, reason: 'authentication' };
  if (flags & FLAG_POLL && flags & FLAG_FINAL) return { ok: false, reason: 'poll-and-final' };
  return {
    ok: true,
    packet: {
      diagnostic: view[0]! & 0x1f,
      state,
      poll: (flags & FLAG_POLL) !== 0,
      final: (flags & FLAG_FINAL) !== 0,
      controlPlaneIndependent: (flags & FLAG_CPI) !== 0,
      demand: (flags & FLAG_DEMAND) !== 0,
      detectMultiplier: view[2]!,
      myDiscriminator,
      yourDiscriminator,
      desiredMinTxMicroseconds: view.readUInt32BE(12),
      requiredMinRxMicroseconds: view.readUInt32BE(16),
      requiredMinEchoRxMicroseconds: view.readUInt32BE(20),
    },
  };
}
