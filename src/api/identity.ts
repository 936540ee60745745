/**
 * The server as its own identity authority, for the clients that log in
 * the way they do with Azure (the `az` CLI's `az login --service-principal`,
 * azure-identity's `ClientSecretCredential`): service principals declared
 * in the configuration (client id, secret stored only as an scrypt hash),
 * and an OAuth 2.0 client-credentials token endpoint (RFC 6749 §4.4) that
 * issues JSON Web Tokens (RFC 7519) signed with HMAC-SHA256 (RFC 7518 §3.2)
 * under a key of the server's own. Every request's token is verified:
 * signature, issuer, audience, expiry. Endpoints (docs/identity.md):
 *
 * - `GET /metadata/endpoints`: the cloud description `az cloud register` reads;
 * - `GET /{tenant}/v2.0/.well-known/openid-configuration`: where the token endpoint is;
 * - `POST /{tenant}/oauth2/v2.0/token`: `grant_type=client_credentials`.
 *
 * OAuth refusals use the token endpoint's error body (RFC 6749 §5.2) with
 * the AADSTS code the clients print.
 */
import { createHmac, randomBytes, randomUUID, scryptSync, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

export interface ServicePrincipal {
  readonly clientId: string;
  /** `scrypt$<salt>$<hash>` (base64url), from `hashClientSecret` */
  readonly secretHash: string;
  readonly displayName?: string;
  /** built-in roles the principal holds (authorization.ts), each at a subscription or resource group */
  readonly roleAssignments?: readonly { readonly role: string; readonly scope: string }[];
}

/** Who made a request: the holder of the static API token (the local owner), or a service principal. */
export type Caller = { readonly kind: 'owner' } | { readonly kind: 'principal'; readonly clientId: string };

export interface IdentityOptions {
  /** the directory (tenant) id the server answers for; a GUID */
  readonly tenantId: string;
  readonly principals: readonly ServicePrincipal[];
  /** token lifetime in seconds, default 3,600 */
  readonly tokenLifetimeSeconds?: number;
}

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 } as const;

/** The stored form of a client secret: scrypt with a random salt. */
export function hashClientSecret(secret: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(secret, salt, SCRYPT.keylen, SCRYPT);
  return `scrypt$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

function secretMatches(secret: string, stored: string): boolean {
  const [kind, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = scryptSync(secret, Buffer.from(salt, 'base64url'), expected.length, SCRYPT);
  return expected.length === SCRYPT.keylen && timingSafeEqual(actual, expected);
}

interface Claims {
  readonly iss: string;
  readonly aud: string;
  readonly sub: string;
  readonly appid: string;
  readonly tid: string;
  readonly iat: number;
  readonly nbf: number;
  readonly exp: number;
  readonly jti: string;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const HEADER = b64({ alg: 'HS256', typ: 'JWT' });

/** Why a token is refused, as the 401 says it. */
export class TokenRefusal extends Error {}

/** OAuth error answers of the token endpoint (RFC 6749 §5.2), with Entra's AADSTS numbers. */
class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly aadsts: number,
    description: string,
  ) {
    super(`AADSTS${aadsts}: ${description}`);
  }
}

export class TokenAuthority {
  private readonly principals: ReadonlyMap<string, ServicePrincipal>;
  private readonly lifetime: number;

  constructor(
    private readonly key: Buffer,
    private readonly options: IdentityOptions,
    /** the server's public URL (issuer and audience derive from it) */
    private readonly publicUrl: () => string,
  ) {
    this.principals = new Map(options.principals.map((p) => [p.clientId.toLowerCase(), p]));
    this.lifetime = options.tokenLifetimeSeconds ?? 3600;
  }

  get tenantId(): string {
    return this.options.tenantId;
  }

  /** The resource the tokens are for: what `audiences[0]` of the metadata says and `aud` must be. */
  audience(): string {
    return `${this.publicUrl()}/`;
  }

  issuer(): string {
    return `${this.publicUrl()}/${this.options.tenantId}/v2.0`;
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(`${HEADER}.${payload}`).digest('base64url');
  }

  /** A token for a principal whose secret matched, for the audience asked in `scope`. */
  issue(form: Readonly<Record<string, string | undefined>>, tenant: string): object {
    if (form.grant_type !== 'client_credentials') {
      throw new OAuthError(
        400,
        'unsupported_grant_type',
        70003,
        `The app requested an unsupported grant type '${form.grant_type ?? ''}'; use client_credentials.`,
      );
    }
    if (tenant.toLowerCase() !== this.options.tenantId.toLowerCase()) {
      throw new OAuthError(
        400,
        'invalid_request',
        90002,
        `Tenant '${tenant}' not found. This server answers for tenant ${this.options.tenantId}.`,
      );
    }
    const principal =
      form.client_id === undefined ? undefined : this.principals.get(form.client_id.toLowerCase());
    if (principal === undefined) {
      throw new OAuthError(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${form.client_id ?? ''}' was not found in the directory '${tenant}'.`,
      );
    }
    if (form.client_secret === undefined || !secretMatches(form.client_secret, principal.secretHash)) {
      throw new OAuthError(
        401,
        'invalid_client',
        7000215,
        `Invalid client secret provided for application '${principal.clientId}'.`,
      );
    }
    const scopes = (form.scope ?? '').split(/\s+/).filter((s) => s.endsWith('/.default'));
    const resource = scopes[0]?.slice(0, -'/.default'.length).replace(/\/+$/, '');
    if (resource === undefined || `${resource}/` !== this.audience()) {
      throw new OAuthError(
        400,
        'invalid_scope',
        500011,
        `The resource principal named ${resource ?? '(none)'} was not found; ask for scope ${this.audience()}.default.`,
      );
    }
    const now = Math.floor(Date.now() / 1000);
    const claims: Claims = {
      iss: this.issuer(),
      aud: this.audience(),
      sub: principal.clientId,
      appid: principal.clientId,
      tid: this.options.tenantId,
      iat: now,
      nbf: now,
      exp: now + this.lifetime,
      jti: randomUUID(),
    };
    const payload = b64(claims);
    return {
      token_type: 'Bearer',
      expires_in: this.lifetime,
      ext_expires_in: this.lifetime,
      access_token: `${HEADER}.${payload}.${this.sign(payload)}`,
    };
  }

  /** The principal a token names, or a TokenRefusal saying why it is not accepted. */
  verify(token: string): Caller {
    const parts = token.split('.');
    if (parts.length !== 3) throw new TokenRefusal('The access token is not a JSON Web Token.');
    const [header, payload, signature] = parts as [string, string, string];
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (header !== HEADER || given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new TokenRefusal('The access token has an invalid signature.');
    let claims: Claims;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Claims;
    } catch {
      throw new TokenRefusal('The access token is malformed.');
    }
    const now = Math.floor(Date.now() / 1000);
    if (claims.iss !== this.issuer()) throw new TokenRefusal('The access token is from a different issuer.');
    if (claims.aud !== this.audience()) throw new TokenRefusal('The access token has an invalid audience.');
    if (typeof claims.exp !== 'number' || claims.exp <= now)
      throw new TokenRefusal('The access token has expired.');
    if (typeof claims.nbf !== 'number' || claims.nbf > now + 300)
      throw new TokenRefusal('The access token is not valid yet.');
    const principal = this.principals.get(String(claims.sub).toLowerCase());
    if (principal === undefined) throw new TokenRefusal('The access token names an unknown principal.');
    return { kind: 'principal', clientId: principal.clientId };
  }
}

/** Paths served without a token: the discovery documents and the token endpoint. */
export function isIdentityPath(url: string): boolean {
  const path = (url.split('?')[0] ?? '').toLowerCase();
  return (
    path === '/metadata/endpoints' ||
    path === '//metadata/endpoints' ||
    /^\/[^/]+\/v2\.0\/\.well-known\/openid-configuration$/.test(path) ||
    /^\/[^/]+\/oauth2\/v2\.0\/token$/.test(path)
  );
}

/** The identity endpoints (see the top of this file). */
export function registerIdentityRoutes(
  app: FastifyInstance,
  authority: TokenAuthority,
  publicUrl: () => string,
) {
  const metadata = async () => ({
    name: 'routeserver',
    portal: publicUrl(),
    authentication: {
      loginEndpoint: publicUrl(),
      audiences: [authority.audience()],
      tenant: authority.tenantId,
      identityProvider: 'AAD',
    },
    resourceManager: `${publicUrl()}/`,
    // the server answers the Graph reads `az role assignment` makes (routes/graph.ts), with the same token
    microsoftGraphResourceId: authority.audience(),
    suffixes: {},
  });
  app.get('/metadata/endpoints', { schema: { hide: true } }, metadata);
  // `az cloud register --endpoint-resource-manager https://host/` asks for `//metadata/endpoints`
  app.get('//metadata/endpoints', { schema: { hide: true } }, metadata);

  app.get<{ Params: { tenant: string } }>(
    '/:tenant/v2.0/.well-known/openid-configuration',
    { schema: { hide: true } },
    async (request) => {
      const base = `${publicUrl()}/${request.params.tenant}`;
      return {
        issuer: authority.issuer(),
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        token_endpoint: `${base}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post'],
        grant_types_supported: ['client_credentials'],
        response_types_supported: ['token'],
        tenant_region_scope: null,
      };
    },
  );

  app.register(async (scope) => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 64 * 1024 },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    scope.post<{ Params: { tenant: string }; Body: Record<string, string> | undefined }>(
      '/:tenant/oauth2/v2.0/token',
      { schema: { hide: true } },
      async (request, reply) => {
        try {
          return authority.issue(request.body ?? {}, request.params.tenant);
        } catch (error) {
          if (!(error instanceof OAuthError)) throw error;
          request.log.warn(
            { clientId: request.body?.client_id, error: error.error },
            'token request refused',
          );
          return reply.code(error.status).send({
            error: error.error,
            error_description: error.message,
            error_codes: [error.aadsts],
            timestamp: new Date().toISOString(),
            trace_id: request.id,
            correlation_id: request.id,
          });
        }
      },
    );
  });
}
