/**
 * The dashboard's client of the API (docs/api.md, docs/dashboard.md): every
 * request carries the bearer token the user signed in with; a 401 signs the
 * user out. Server-sent events are read with fetch (EventSource cannot send
 * an Authorization header), so no token ever travels in a URL.
 */

export const API_VERSION = '2026-01-01';
const TOKEN_KEY = 'routeserver.token';

export class SignedOut extends Error {}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let token: string | undefined = sessionStorage.getItem(TOKEN_KEY) ?? undefined;
const signedOutListeners = new Set<() => void>();

export function currentToken(): string | undefined {
  return token;
}

export function signIn(value: string): void {
  token = value;
  sessionStorage.setItem(TOKEN_KEY, value);
}

export function signOut(): void {
  token = undefined;
  sessionStorage.removeItem(TOKEN_KEY);
  for (const listener of signedOutListeners) listener();
}

export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

async function failureOf(response: Response): Promise<ApiFailure> {
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = (await response.json()) as { error?: { message?: string }; error_description?: string };
    message = body.error?.message ?? body.error_description ?? message;
  } catch {
    // not JSON: the status line says enough
  }
  return new ApiFailure(response.status, message);
}

/** A request with the token; 401 signs out. */
export async function request(
  method: string,
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<Response> {
  if (token === undefined) throw new SignedOut('not signed in');
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    ...(signal === undefined ? {} : { signal }),
  });
  if (response.status === 401) {
    signOut();
    throw new SignedOut('the token was refused');
  }
  if (!response.ok) throw await failureOf(response);
  return response;
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return (await (await request('GET', path, undefined, signal)).json()) as T;
}

/** An ARM path with the api-version the dashboard speaks. */
export function armPath(id: string, suffix = ''): string {
  return `${id}${suffix}?api-version=${API_VERSION}`;
}

/** Checks a token against the API before keeping it. */
export async function verifyToken(candidate: string): Promise<string> {
  const response = await fetch('/dashboard/api/session', {
    headers: { authorization: `Bearer ${candidate}` },
  });
  if (!response.ok) throw await failureOf(response);
  return ((await response.json()) as { principal: string }).principal;
}

/**
 * A service principal's login (docs/identity.md): client credentials at the
 * server's own token endpoint, for the audience the server announces.
 */
export async function servicePrincipalToken(
  tenantId: string,
  clientId: string,
  clientSecret: string,
): Promise<string> {
  const metadata = (await (await fetch('/metadata/endpoints')).json()) as {
    authentication: { audiences: string[] };
  };
  const audience = metadata.authentication.audiences[0] ?? location.origin;
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: clientId,
    client_secret: clientSecret,
    scope: `${audience.replace(/\/+$/, '')}/.default`,
  });
  const response = await fetch(`/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  if (!response.ok) throw await failureOf(response);
  return ((await response.json()) as { access_token: string }).access_token;
}

export interface StreamEvent {
  readonly id?: string;
  readonly event: string;
  readonly data: string;
}

/** Parses a text/event-stream body as it arrives (HTML Living Standard, "Server-sent events"). */
async function readEvents(
  body: ReadableStream<Uint8Array>,
  onEvent: (event: StreamEvent) => void,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let fields: { id?: string; event?: string; data: string[] } = { data: [] };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).replace(/\r$/, '');
      buffer = buffer.slice(newline + 1);
      if (line === '') {
        if (fields.data.length > 0 || fields.event !== undefined) {
          onEvent({
            ...(fields.id === undefined ? {} : { id: fields.id }),
            event: fields.event ?? 'message',
            data: fields.data.join('\n'),
          });
        }
        fields = { data: [] };
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const name = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (name === 'data') fields.data.push(text);
        else if (name === 'event') fields.event = text;
        else if (name === 'id') fields.id = text;
      }
    }
  }
}

/**
 * Follows an event stream until `signal` aborts: reconnects after a second
 * when it ends or fails, resuming from the last event id.
 */
export function followEvents(path: string, onEvent: (event: StreamEvent) => void, signal: AbortSignal): void {
  let lastId: string | undefined;
  const connect = async (): Promise<void> => {
    while (!signal.aborted) {
      try {
        if (token === undefined) return;
        const response = await fetch(path, {
          headers: {
            authorization: `Bearer ${token}`,
            ...(lastId === undefined ? {} : { 'last-event-id': lastId }),
          },
          signal,
        });
        if (response.status === 401) {
          signOut();
          return;
        }
        if (response.ok && response.body !== null)
          await readEvents(response.body, (event) => {
            if (event.id !== undefined) lastId = event.id;
            onEvent(event);
          });
      } catch {
        // a dropped connection: connect again below
      }
      if (!signal.aborted) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  };
  void connect();
}
