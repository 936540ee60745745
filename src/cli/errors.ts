/**
 * Errors of the `routeserver` command. An `ArmResponseError` carries the
 * server's ARM error (`{"error":{"code","message",...}}`) and is printed like
 * az prints it; a `CliError` is a failure on this side (no server, no token,
 * a bad argument).
 */
import { CodedError } from '../lib/errors.js';
import { escapeTerminalText } from '../lib/terminal-text.js';

export const CLI_ERROR_CODES = {
  /** the API could not be reached (connection refused, TLS failure, timeout) */
  UNREACHABLE: 'BGPRS_ERR_CLI_UNREACHABLE',
  /** no token given and none in the data directory */
  NO_TOKEN: 'BGPRS_ERR_CLI_NO_TOKEN',
  /** an argument the server would never accept (not an IP, not a number) */
  BAD_ARGUMENT: 'BGPRS_ERR_CLI_BAD_ARGUMENT',
  /** the server answered something that is not ARM (not JSON, unexpected status) */
  BAD_RESPONSE: 'BGPRS_ERR_CLI_BAD_RESPONSE',
  /** a long-running operation ended Failed or Canceled */
  OPERATION_FAILED: 'BGPRS_ERR_CLI_OPERATION_FAILED',
} as const;

type CliErrorCode = (typeof CLI_ERROR_CODES)[keyof typeof CLI_ERROR_CODES];

export class CliError extends CodedError<CliErrorCode> {
  override readonly name = 'CliError';
}

export interface ReceivedErrorDetail {
  readonly code: string;
  readonly message: string;
  readonly target?: string;
}

/** The server refused a request: its HTTP status and ARM error. */
export class ArmResponseError extends Error {
  override readonly name = 'ArmResponseError';
  constructor(
    readonly statusCode: number,
    readonly armCode: string,
    message: string,
    readonly target?: string,
    readonly details: readonly ReceivedErrorDetail[] = [],
  ) {
    super(message);
  }
}

/**
 * The text printed on stderr for an error, az style: `ERROR: (Code) message`
 * then the fields. Messages echo request fields back, so they are printed
 * through `escapeTerminalText` like table output.
 */
export function formatError(error: unknown): string {
  const safe = escapeTerminalText;
  if (error instanceof ArmResponseError) {
    const code = safe(error.armCode);
    const lines = [
      `ERROR: (${code}) ${safe(error.message)}`,
      `Code: ${code}`,
      `Message: ${safe(error.message)}`,
    ];
    if (error.target !== undefined) lines.push(`Target: ${safe(error.target)}`);
    for (const detail of error.details) {
      lines.push(`Exception Details:\t(${safe(detail.code)}) ${safe(detail.message)}`);
      if (detail.target !== undefined) lines.push(`\tTarget: ${safe(detail.target)}`);
    }
    return lines.join('\n');
  }
  if (error instanceof CliError) return `ERROR: ${safe(error.message)}`;
  return `ERROR: ${safe(error instanceof Error ? error.message : String(error))}`;
}
