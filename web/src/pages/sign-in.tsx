/** Sign-in: the API token, or a service principal's client id and secret (docs/identity.md). */
import { useState } from 'preact/hooks';
import { servicePrincipalToken, signIn, verifyToken } from '../api.ts';

const LOCAL_TENANT = '00000000-0000-0000-0000-000000000000';

export function SignInPage({ onSignedIn }: { onSignedIn: (principal: string) => void }) {
  const [mode, setMode] = useState<'token' | 'principal'>('token');
  const [token, setToken] = useState('');
  const [tenant, setTenant] = useState(LOCAL_TENANT);
  const [clientId, setClientId] = useState('');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const accepted =
        mode === 'token' ? token.trim() : await servicePrincipalToken(tenant, clientId, secret);
      const principal = await verifyToken(accepted);
      signIn(accepted);
      onSignedIn(principal);
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="sign-in">
      <h1>Sign in to routeserver</h1>
      <form onSubmit={(event) => void submit(event)}>
        <fieldset>
          <legend>Sign in with</legend>
          <label>
            <input type="radio" name="mode" checked={mode === 'token'} onChange={() => setMode('token')} />{' '}
            the API token
          </label>
          <label>
            <input
              type="radio"
              name="mode"
              checked={mode === 'principal'}
              onChange={() => setMode('principal')}
            />{' '}
            a service principal
          </label>
        </fieldset>
        {mode === 'token' ? (
          <p>
            <label for="token">API token</label>
            <input
              id="token"
              type="password"
              autocomplete="off"
              value={token}
              onInput={(e) => setToken(e.currentTarget.value)}
              required
            />
            <small>
              The server writes it to its data directory: <code>data/api-token</code>.
            </small>
          </p>
        ) : (
          <>
            <p>
              <label for="tenant">Tenant id</label>
              <input id="tenant" value={tenant} onInput={(e) => setTenant(e.currentTarget.value)} required />
            </p>
            <p>
              <label for="client-id">Client id</label>
              <input
                id="client-id"
                value={clientId}
                onInput={(e) => setClientId(e.currentTarget.value)}
                required
              />
            </p>
            <p>
              <label for="client-secret">Client secret</label>
              <input
                id="client-secret"
                type="password"
                autocomplete="off"
                value={secret}
                onInput={(e) => setSecret(e.currentTarget.value)}
                required
              />
            </p>
          </>
        )}
        {error !== undefined && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
