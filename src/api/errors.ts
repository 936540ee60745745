/**
 * Errors of the management API.
 *
 * `ArmError` is what a handler throws to answer with an ARM error body
 * (`{"error":{"code","message","target","details"}}`) and the matching HTTP
 * status; `toArmError` turns anything unexpected into one (domain refusals
 * arrive with their ARM answer from src/routeserver/arm-errors.ts, wrapped in
 * src/api/routes/edge.ts).
 * `ApiSetupError` covers start-up failures (certificate, token file).
 * Codes are listed in docs/errors.md and docs/api.md.
 */

export type ApiErrorCode =
  'BGPRS_ERR_API_REQUEST' | 'BGPRS_ERR_API_TLS_SETUP' | 'BGPRS_ERR_API_TOKEN_FILE' | 'BGPRS_ERR_API_CONFIG';

export interface ArmErrorDetail {
  readonly code: string;
  readonly message: string;
  readonly target?: string;
}

export interface ArmErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly target?: string;
    readonly details?: readonly ArmErrorDetail[];
  };
}

export interface ArmErrorOptions {
  readonly target?: string;
  readonly details?: readonly ArmErrorDetail[];
  /** extra response headers, e.g. WWW-Authenticate on 401 */
  readonly headers?: Readonly<Record<string, string>>;
  readonly cause?: unknown;
}

/** An error answered to the client as an ARM error body with `statusCode`. */
export class ArmError extends Error {
  override readonly name = 'ArmError';
  readonly code: ApiErrorCode = 'BGPRS_ERR_API_REQUEST';
  readonly target: string | undefined;
  readonly details: readonly ArmErrorDetail[] | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly statusCode: number,
    readonly armCode: string,
    message: string,
    options: ArmErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.target = options.target;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }

  toBody(): ArmErrorBody {
    return {
      error: {
        code: this.armCode,
        message: this.message,
        ...(this.target === undefined ? {} : { target: this.target }),
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

export class ApiSetupError extends Error {
  override readonly name = 'ApiSetupError';
  constructor(
    readonly code: Exclude<ApiErrorCode, 'BGPRS_ERR_API_REQUEST'>,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// The ARM errors the framework itself raises; resource handlers add their own.

export function resourceNotFound(resourceType: string, name: string, resourceGroupName?: string): ArmError {
  const where = resourceGroupName === undefined ? '' : ` under resource group '${resourceGroupName}'`;
  return new ArmError(
    404,
    'ResourceNotFound',
    `The Resource '${resourceType}/${name}'${where} was not found.`,
  );
}

export function preconditionFailed(message: string): ArmError {
  return new ArmError(412, 'PreconditionFailed', message);
}

export function invalidResourceName(name: string, rule: string, target = 'name'): ArmError {
  return new ArmError(400, 'InvalidResourceName', `Resource name ${name} is invalid. ${rule}`, { target });
}

export function internalServerError(): ArmError {
  return new ArmError(500, 'InternalServerError', 'An internal error occurred while processing the request.');
}

/** An ArmError answers as itself; anything else is a 500 (logged by the caller). */
export function toArmError(error: unknown): ArmError {
  return error instanceof ArmError ? error : internalServerError();
}
