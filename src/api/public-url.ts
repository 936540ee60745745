/**
 * The API's public URL: the base of every link it hands out (`nextLink`,
 * `Location`, `Azure-AsyncOperation`). It comes from configuration
 * (`routeserver serve --public-url`), by default from the listen address,
 * and never from the request's `Host` header, which the client controls
 * (a forged Host would send an SDK's polling, with its token, elsewhere).
 * The Host header is still checked: a malformed one (RFC 9110 §7.2: host
 * [":" port]) answers 400.
 */
import { hostname } from 'node:os';
import { isIP, isIPv6 } from 'node:net';
import { ApiSetupError, ArmError } from './errors.js';

/** `https://host[:port][/path]` without a trailing slash; ApiSetupError when it is not such a URL. */
export function parsePublicUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ApiSetupError('BGPRS_ERR_API_CONFIG', `public URL '${text}' is not an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ApiSetupError('BGPRS_ERR_API_CONFIG', `public URL '${text}' is not http(s)`);
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new ApiSetupError(
      'BGPRS_ERR_API_CONFIG',
      `public URL '${text}' must not carry credentials, a query or a fragment`,
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * The public URL a listen address implies: the address itself, or for a
 * wildcard this host's name (which the generated certificate names).
 */
export function publicUrlOfListen(host: string, port: number): string {
  const wildcard = host === '0.0.0.0' || host === '::' || host === '';
  const name = wildcard ? hostname() : host.replace(/^\[|\]$/g, '');
  return `https://${isIPv6(name) ? `[${name}]` : name}:${port}`;
}

// reg-name = *( unreserved / pct-encoded / sub-delims ) (RFC 3986 §3.2.2), percent-encoding left out
const REG_NAME = /^[A-Za-z0-9\-._~!$&'()*+,;=]+$/;

/** Whether a Host header value is `host [":" port]` (RFC 9110 §7.2), the port 0-65535. */
export function isValidHostHeader(value: string): boolean {
  const match = /^(\[[^\]]*\]|[^:[\]]*)(?::(\d{0,5}))?$/.exec(value);
  if (match === null) return false;
  const [, host, port] = match;
  if (port !== undefined && port !== '' && Number(port) > 65535) return false;
  if (host!.startsWith('[')) return isIPv6(host!.slice(1, -1));
  return host!.length > 0 && (isIP(host!) === 4 || REG_NAME.test(host!));
}

/** Throws 400 InvalidHeaderValue for a malformed Host header (an absent one is left to HTTP/1.1 itself). */
export function checkHostHeader(value: string | undefined): void {
  if (value === undefined || isValidHostHeader(value)) return;
  throw new ArmError(
    400,
    'InvalidHeaderValue',
    `The Host header is not a host name or address with an optional port: ${JSON.stringify(value.slice(0, 200))}.`,
    { target: 'Host' },
  );
}
