/**
 * Typed wire errors of the BGP codec.
 *
 * Every decode failure is a `BgpWireError` carrying a stable `BGPRS_ERR_*`
 * code, the NOTIFICATION code/subcode/data a speaker sends for it
 * (RFC 4271 §6) and the error-handling action of RFC 7606 §2. Encoding a
 * message the codec cannot represent raises `BgpEncodeError`. Nothing else is
 * ever thrown by the codec.
 *
 * RFCs: 4271 §4.5 and §6, 7606 §2 and §3, 7313 §5, 4760 §7.
 */
import { ErrorCode, MessageType } from './iana.js';
import type { NotificationMessage } from './types.js';

/**
 * RFC 7606 §2 error-handling approaches, weakest first. When one UPDATE has
 * several problems the strongest wins (RFC 7606 §3).
 */
export const ErrorAction = {
  /** drop the malformed attribute, keep the route */
  AttributeDiscard: 'attribute-discard',
  /** treat every route in the UPDATE as withdrawn */
  TreatAsWithdraw: 'treat-as-withdraw',
  /** stop using the AFI/SAFI on this session (RFC 4760 §7); `family` says which */
  AfiSafiDisable: 'afisafi-disable',
  /** send the NOTIFICATION and close the session */
  SessionReset: 'session-reset',
} as const;
export type ErrorAction = (typeof ErrorAction)[keyof typeof ErrorAction];

const ACTION_STRENGTH: Record<ErrorAction, number> = {
  'attribute-discard': 1,
  'treat-as-withdraw': 2,
  'afisafi-disable': 3,
  'session-reset': 4,
};

/** The stronger of two RFC 7606 actions. */
export function strongerAction(a: ErrorAction, b: ErrorAction): ErrorAction {
  return ACTION_STRENGTH[a] >= ACTION_STRENGTH[b] ? a : b;
}

/** Stable error codes, one per distinct wire problem. */
export type BgpWireErrorCode =
  | 'BGPRS_ERR_CONNECTION_NOT_SYNCHRONIZED'
  | 'BGPRS_ERR_BAD_MESSAGE_LENGTH'
  | 'BGPRS_ERR_BAD_MESSAGE_TYPE'
  | 'BGPRS_ERR_UNSUPPORTED_VERSION'
  | 'BGPRS_ERR_BAD_PEER_AS'
  | 'BGPRS_ERR_BAD_BGP_IDENTIFIER'
  | 'BGPRS_ERR_UNSUPPORTED_OPTIONAL_PARAMETER'
  | 'BGPRS_ERR_UNACCEPTABLE_HOLD_TIME'
  | 'BGPRS_ERR_UNSUPPORTED_CAPABILITY'
  | 'BGPRS_ERR_ROLE_MISMATCH'
  | 'BGPRS_ERR_MALFORMED_OPEN'
  | 'BGPRS_ERR_MALFORMED_CAPABILITY'
  | 'BGPRS_ERR_MALFORMED_ATTRIBUTE_LIST'
  | 'BGPRS_ERR_UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE'
  | 'BGPRS_ERR_MISSING_WELL_KNOWN_ATTRIBUTE'
  | 'BGPRS_ERR_ATTRIBUTE_FLAGS'
  | 'BGPRS_ERR_ATTRIBUTE_LENGTH'
  | 'BGPRS_ERR_INVALID_ORIGIN'
  | 'BGPRS_ERR_INVALID_NEXT_HOP'
  | 'BGPRS_ERR_OPTIONAL_ATTRIBUTE'
  | 'BGPRS_ERR_INVALID_NETWORK_FIELD'
  | 'BGPRS_ERR_MALFORMED_AS_PATH'
  | 'BGPRS_ERR_DUPLICATE_ATTRIBUTE'
  | 'BGPRS_ERR_MALFORMED_NOTIFICATION'
  | 'BGPRS_ERR_MALFORMED_ROUTE_REFRESH';

export interface BgpWireErrorInit {
  readonly code: BgpWireErrorCode;
  readonly message: string;
  readonly notificationCode: number;
  readonly notificationSubcode: number;
  readonly data?: Uint8Array;
  readonly action?: ErrorAction;
  /** AFI/SAFI concerned, for `afisafi-disable` (RFC 4760 §7) */
  readonly family?: { readonly afi: number; readonly safi: number };
  /** path attribute type code concerned, when the error is about one attribute */
  readonly attributeCode?: number;
}

/** A malformed or unacceptable message received from a peer. */
export class BgpWireError extends Error {
  override readonly name = 'BgpWireError';
  readonly code: BgpWireErrorCode;
  readonly notificationCode: number;
  readonly notificationSubcode: number;
  /** the NOTIFICATION Data field RFC 4271 §6 prescribes for this error */
  readonly data: Uint8Array;
  readonly action: ErrorAction;
  readonly family: { readonly afi: number; readonly safi: number } | undefined;
  readonly attributeCode: number | undefined;

  constructor(init: BgpWireErrorInit) {
    super(init.message);
    this.code = init.code;
    this.notificationCode = init.notificationCode;
    this.notificationSubcode = init.notificationSubcode;
    this.data = init.data ?? new Uint8Array(0);
    this.action = init.action ?? ErrorAction.SessionReset;
    this.family = init.family;
    this.attributeCode = init.attributeCode;
  }
}

export type BgpEncodeErrorCode =
  'BGPRS_ERR_ENCODE_MESSAGE_TOO_LONG' | 'BGPRS_ERR_ENCODE_INVALID_VALUE' | 'BGPRS_ERR_ENCODE_UNSUPPORTED';

/** A message the codec was asked to encode that cannot go on the wire. */
export class BgpEncodeError extends Error {
  override readonly name = 'BgpEncodeError';
  readonly code: BgpEncodeErrorCode;
  constructor(code: BgpEncodeErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** Throws BGPRS_ERR_ENCODE_INVALID_VALUE unless `value` is an integer in [0, max]. */
export function checkRange(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new BgpEncodeError('BGPRS_ERR_ENCODE_INVALID_VALUE', `${name} ${value} is outside 0..${max}`);
  }
}

/** True for every error the codec throws. */
export function isCodecError(error: unknown): error is BgpWireError | BgpEncodeError {
  return error instanceof BgpWireError || error instanceof BgpEncodeError;
}

/** The one mapping from a wire error to the NOTIFICATION that reports it (RFC 4271 §6). */
export function notificationFor(error: BgpWireError): NotificationMessage {
  return {
    type: 'notification',
    code: error.notificationCode,
    subcode: error.notificationSubcode,
    data: error.data,
  };
}

/** A session-resetting wire error reported by NOTIFICATION (code, subcode) with its RFC 4271 §6 data. */
export function notifiedError(
  notificationCode: number,
  code: BgpWireErrorCode,
  subcode: number,
  message: string,
  data?: Uint8Array,
): BgpWireError {
  return new BgpWireError({
    code,
    message,
    notificationCode,
    notificationSubcode: subcode,
    ...(data ? { data } : {}),
  });
}

/** Helpers that build the common errors with their RFC 4271 §6 data. */
export function headerError(
  code:
    'BGPRS_ERR_CONNECTION_NOT_SYNCHRONIZED' | 'BGPRS_ERR_BAD_MESSAGE_LENGTH' | 'BGPRS_ERR_BAD_MESSAGE_TYPE',
  subcode: number,
  message: string,
  data?: Uint8Array,
): BgpWireError {
  return notifiedError(ErrorCode.MessageHeader, code, subcode, message, data);
}

/** RFC 4271 §6.1: Bad Message Length carries the erroneous length field. */
export function lengthData(length: number): Uint8Array {
  return Uint8Array.of((length >>> 8) & 255, length & 255);
}

/** Message type names for error texts. */
export function messageTypeName(type: number): string {
  const names: Record<number, string> = {
    [MessageType.Open]: 'OPEN',
    [MessageType.Update]: 'UPDATE',
    [MessageType.Notification]: 'NOTIFICATION',
    [MessageType.Keepalive]: 'KEEPALIVE',
    [MessageType.RouteRefresh]: 'ROUTE-REFRESH',
  };
  return names[type] ?? `type ${type}`;
}
