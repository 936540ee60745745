/**
 * Bearer-token authentication (RFC 6750). Every request must carry
 * `Authorization: Bearer <token>`; the comparison is constant-time over SHA-256
 * digests, so neither content nor length leaks through timing. Failures are
 * ARM's 401 bodies: AuthenticationFailed (no or malformed header) and
 * InvalidAuthenticationToken (wrong token), with a `WWW-Authenticate` challenge.
 * Besides the static token (the local owner's), a token the server's own
 * authority issued to a service principal is accepted (identity.ts).
 */

import { createHash, timingSafeEqual } from 'node:crypto';
import { ArmError } from './errors.js';
import { TokenRefusal, type Caller, type TokenAuthority } from './identity.js';

const REALM = 'routeserver';

const callers = new WeakMap<object, Caller>();

/** Remembers who made `request` (the authentication hook does, for authorization and the audit log). */
export function rememberCaller(request: object, caller: Caller): void {
  callers.set(request, caller);
}

/** Who made `request`; undefined when it was not authenticated (an identity endpoint, a refusal). */
export function callerOf(request: object): Caller | undefined {
  return callers.get(request);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export class BearerAuthenticator {
  private readonly expected: Buffer;

  constructor(
    token: string,
    private readonly authority?: TokenAuthority,
  ) {
    this.expected = digest(token);
  }

  /** Who `header` names; throws the ARM 401 unless it is `Bearer <the token>` or a valid issued token. */
  check(header: string | undefined): Caller {
    if (header === undefined || header.length === 0) {
      throw new ArmError(
        401,
        'AuthenticationFailed',
        "Authentication failed. The 'Authorization' header is missing.",
        {
          headers: { 'www-authenticate': `Bearer realm="${REALM}"` },
        },
      );
    }
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    if (match === null) {
      throw new ArmError(
        401,
        'AuthenticationFailed',
        "Authentication failed. The 'Authorization' header is provided in an invalid format.",
        { headers: { 'www-authenticate': `Bearer realm="${REALM}", error="invalid_request"` } },
      );
    }
    if (timingSafeEqual(digest(match[1]!), this.expected)) return { kind: 'owner' };
    let why = 'The access token is invalid.';
    if (this.authority !== undefined && match[1]!.includes('.')) {
      try {
        return this.authority.verify(match[1]!);
      } catch (error) {
        if (!(error instanceof TokenRefusal)) throw error;
        why = error.message;
      }
    }
    throw new ArmError(401, 'InvalidAuthenticationToken', why, {
      headers: { 'www-authenticate': `Bearer realm="${REALM}", error="invalid_token"` },
    });
  }
}
