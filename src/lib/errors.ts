/**
 * Base of the modules' typed errors: a stable `BGPRS_ERR_*` code (listed in
 * docs/errors.md) and a message. Each module declares its codes and a
 * subclass in its own `errors.ts`.
 */
export class CodedError<Code extends string = string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
