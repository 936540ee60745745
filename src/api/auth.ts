/**
 * Bearer-token authentication (RFC 6750). Every request must carry
 * `Authorization: Bearer <token>`; the comparison is constant-time over SHA-256
 * digests, so neither content nor length leaks through timing. Failures are
 * ARM's 401 bodies: AuthenticationFailed (no or malformed header) and
 * InvalidAuthenticationToken (wrong token), with a `WWW-Authenticate` challenge.
 */

import { createHash, timingSafeEqual } from 'node:crypto';
import { ArmError } from './errors.js';

const REALM = 'routeserver';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export class BearerAuthenticator {
  private readonly expected: Buffer;

  constructor(token: string) {
    this.expected = digest(token);
  }

  /** Throws the ARM 401 unless `header` is `Bearer <the token>`. */
  check(header: string | undefined): void {
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
    if (!timingSafeEqual(digest(match[1]!), this.expected)) {
      throw new ArmError(401, 'InvalidAuthenticationToken', 'The access token is invalid.', {
        headers: { 'www-authenticate': `Bearer realm="${REALM}", error="invalid_token"` },
      });
    }
  }
}
