/**
 * The dashboard's shell: sign-in until a token is accepted, then the pages
 * (hash routes, so the server serves one page), with the overview loaded
 * once and reloaded when the server pushes a change.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { currentToken, followEvents, getJson, onSignedOut, signOut, SignedOut } from './api.ts';
import { EffectiveRoutesPage } from './pages/effective-routes.tsx';
import { HistoryPage } from './pages/history.tsx';
import { PeersPage } from './pages/peers.tsx';
import { RoutesPage } from './pages/routes.tsx';
import { SignInPage } from './pages/sign-in.tsx';
import { TopologyPage } from './pages/topology.tsx';
import type { Overview } from './types.ts';

const PAGES = [
  { path: 'topology', title: 'Topology' },
  { path: 'peers', title: 'Peers' },
  { path: 'routes', title: 'Routes' },
  { path: 'effective-routes', title: 'Effective routes' },
  { path: 'history', title: 'History' },
] as const;

export interface Route {
  readonly page: string;
  readonly params: URLSearchParams;
}

function routeOf(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  const page = PAGES.some((p) => p.path === path) ? path : 'topology';
  return { page, params: new URLSearchParams(query) };
}

/** A link to a page of the dashboard with parameters. */
export function pageLink(page: string, params: Record<string, string> = {}): string {
  const query = new URLSearchParams(params).toString();
  return `#/${page}${query === '' ? '' : `?${query}`}`;
}

function useHashRoute(): Route {
  const [route, setRoute] = useState(() => routeOf(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(routeOf(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

/** The server's change notices: a counter that moves when something changed, and whether the stream is up. */
export interface LiveState {
  readonly revision: number;
  readonly keys: ReadonlySet<string>;
}

function SignedIn({ principal, onSignOut }: { principal: string; onSignOut: () => void }) {
  const route = useHashRoute();
  const [overview, setOverview] = useState<Overview | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [live, setLive] = useState<LiveState>({ revision: 0, keys: new Set() });
  const pending = useRef<Set<string>>(new Set());

  const load = useCallback(async () => {
    try {
      setOverview(await getJson<Overview>('/dashboard/api/overview'));
      setError(undefined);
    } catch (failure) {
      if (!(failure instanceof SignedOut)) setError((failure as Error).message);
    }
  }, []);

  useEffect(() => {
    void load();
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    followEvents(
      '/dashboard/api/events',
      (event) => {
        if (event.event !== 'changed') return;
        for (const key of (JSON.parse(event.data) as { keys: string[] }).keys) pending.current.add(key);
        timer ??= setTimeout(() => {
          timer = undefined;
          const keys = pending.current;
          pending.current = new Set();
          setLive((previous) => ({ revision: previous.revision + 1, keys }));
          void load();
        }, 50);
      },
      controller.signal,
    );
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [load]);

  const title = PAGES.find((p) => p.path === route.page)?.title ?? '';
  useEffect(() => {
    document.title = `${title} · routeserver`;
  }, [title]);

  return (
    <>
      <header class="top">
        <span class="brand">routeserver</span>
        <nav aria-label="Pages">
          <ul>
            {PAGES.map((page) => (
              <li key={page.path}>
                <a href={`#/${page.path}`} aria-current={route.page === page.path ? 'page' : undefined}>
                  {page.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who">
          Signed in as {principal}{' '}
          <button type="button" onClick={onSignOut}>
            Sign out
          </button>
        </span>
      </header>
      <main id="main">
        <h1>{title}</h1>
        {error !== undefined && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
        {overview === undefined ? (
          <p>Loading…</p>
        ) : route.page === 'peers' ? (
          <PeersPage overview={overview} route={route} onChanged={() => void load()} />
        ) : route.page === 'routes' ? (
          <RoutesPage overview={overview} route={route} live={live} />
        ) : route.page === 'effective-routes' ? (
          <EffectiveRoutesPage overview={overview} route={route} />
        ) : route.page === 'history' ? (
          <HistoryPage overview={overview} live={live} />
        ) : (
          <TopologyPage overview={overview} />
        )}
      </main>
    </>
  );
}

export function App() {
  const [principal, setPrincipal] = useState<string | undefined>();
  const [checking, setChecking] = useState(currentToken() !== undefined);

  useEffect(() => onSignedOut(() => setPrincipal(undefined)), []);
  useEffect(() => {
    if (currentToken() === undefined) return;
    getJson<{ principal: string }>('/dashboard/api/session')
      .then((session) => setPrincipal(session.principal))
      .catch(() => undefined)
      .finally(() => setChecking(false));
  }, []);

  if (checking) return <p>Loading…</p>;
  if (principal === undefined) return <SignInPage onSignedIn={setPrincipal} />;
  return <SignedIn principal={principal} onSignOut={signOut} />;
}
