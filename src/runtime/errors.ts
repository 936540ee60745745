/** Errors of the BGP runtime. Listed in docs/errors.md. */
import { CodedError } from '../lib/errors.js';

export const RUNTIME_ERROR_CODES = {
  /** a route server instance cannot bind its BGP address and port */
  BGP_BIND: 'BGPRS_ERR_RUNTIME_BGP_BIND',
} as const;

export type RuntimeErrorCode = (typeof RUNTIME_ERROR_CODES)[keyof typeof RUNTIME_ERROR_CODES];

export class BgpRuntimeError extends CodedError<RuntimeErrorCode> {
  override readonly name = 'BgpRuntimeError';
}
