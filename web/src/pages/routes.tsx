/**
 * Routes: what the route server learned from each peer (or advertises to
 * it), per instance, with the reason each learned route is or is not the one
 * the instance injects. Search by exact prefix, by longest match for an
 * address or prefix, or by text (next hop, AS path).
 *
 * Live: when the server pushes a change, the peers whose sessions changed
 * are read again; of the other peers, only the rows of the networks whose
 * routes changed (their decision may have moved), so one NVA's withdrawal
 * does not reload every peer's table.
 *
 * Learned routes the import rules dropped (65515 in the AS path, …) are
 * listed with the rule, the first 100 per peer and instance. A learned
 * row's communities (and the rules that restrict it, such as NO_ADVERTISE)
 * are read when the row comes into view, for the rows in view only.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { getJson, SignedOut } from '../api.ts';
import type { LiveState, Route } from '../app.tsx';
import { nameOf } from '../format.ts';
import { covers, parsePrefix, type ParsedPrefix } from '../prefix.ts';
import type { Overview, RouteDetailRow, RouteDetailsAnswer, RouteRow, RoutesAnswer } from '../types.ts';
import { VirtualTable, type Column } from '../virtual-table.tsx';

type Direction = 'learned' | 'advertised';
type Mode = 'exact' | 'longest' | 'text';

interface Loaded extends RouteRow {
  readonly peer: string;
  readonly connectionId: string;
  readonly parsed: ParsedPrefix | undefined;
}

/** A row's key among the details read so far. */
const detailKey = (connectionId: string, row: { instance: string; network: string; nextHop: string }) =>
  `${connectionId}|${row.instance}|${row.network}|${row.nextHop}`;

function columns(details: ReadonlyMap<string, RouteDetailRow>, direction: Direction): Column<Loaded>[] {
  const detail = (row: Loaded) => details.get(detailKey(row.connectionId, row));
  const communities = (row: Loaded) => {
    const found = detail(row);
    return found === undefined ? '' : [...found.communities, ...found.largeCommunities].join(' ');
  };
  const decision = (row: Loaded) => {
    const rules = detail(row)?.rules ?? [];
    return row.reason.best || rules.length === 0 || row.reason.text.startsWith('dropped')
      ? row.reason.text
      : `${row.reason.text}; ${rules.join('; ')}`;
  };
  return [
    { title: 'Peer', width: '7rem', cell: (row) => row.peer },
    { title: 'Instance', width: '11rem', cell: (row) => row.instance },
    { title: 'Prefix', width: '9rem', cell: (row) => row.network },
    { title: 'Next hop', width: '7rem', cell: (row) => row.nextHop },
    { title: 'AS path', width: '8rem', cell: (row) => row.asPath },
    { title: 'Origin', width: '4rem', cell: (row) => row.origin },
    ...(direction === 'learned'
      ? [{ title: 'Communities', width: '9rem', cell: communities } satisfies Column<Loaded>]
      : []),
    {
      title: 'Decision',
      width: '1fr',
      cell: (row) => (direction === 'learned' ? decision(row) : row.reason.text),
    },
  ];
}

/**
 * Reads the details of the learned rows in view not asked for yet (`asked`
 * notes them), per peer, by row key; undefined when there was nothing to read.
 */
async function readDetails(
  rows: readonly Loaded[],
  asked: Set<string>,
  signal: AbortSignal,
): Promise<[string, RouteDetailRow][] | undefined> {
  const wanted = new Map<string, Set<string>>();
  for (const row of rows) {
    const key = detailKey(row.connectionId, row);
    if (asked.has(key) || row.reason.text.startsWith('dropped')) continue;
    asked.add(key);
    (wanted.get(row.connectionId) ?? wanted.set(row.connectionId, new Set()).get(row.connectionId)!).add(
      row.network,
    );
  }
  if (wanted.size === 0) return undefined;
  const answers = await Promise.all(
    [...wanted].map(([connectionId, networks]) =>
      getJson<RouteDetailsAnswer>(
        `/dashboard/api/route-details?connection=${encodeURIComponent(connectionId)}&networks=${encodeURIComponent([...networks].join(','))}`,
        signal,
      ),
    ),
  );
  return answers.flatMap((answer) =>
    answer.routes.map((route): [string, RouteDetailRow] => [detailKey(answer.connectionId, route), route]),
  );
}

type Table = ReadonlyMap<string, readonly Loaded[]>;

async function fetchRoutes(
  connectionId: string,
  direction: Direction,
  signal: AbortSignal,
  networks?: readonly string[],
): Promise<Loaded[]> {
  const only = networks === undefined ? '' : `&networks=${encodeURIComponent(networks.join(','))}`;
  const answer = await getJson<RoutesAnswer>(
    `/dashboard/api/routes?connection=${encodeURIComponent(connectionId)}&direction=${direction}${only}`,
    signal,
  );
  return answer.routes.map((row) => ({
    ...row,
    peer: nameOf(answer.connectionId),
    connectionId: answer.connectionId,
    parsed: parsePrefix(row.network),
  }));
}

async function fetchAll(connections: readonly string[], direction: Direction, signal: AbortSignal) {
  const lists = await Promise.all(connections.map((id) => fetchRoutes(id, direction, signal)));
  return new Map(connections.map((id, i) => [id, lists[i]!]));
}

const rowKey = (row: Loaded) => `${row.instance}|${row.network}|${row.nextHop}|${row.reason.text}`;

/** The networks whose rows differ between two lists of a peer: added, gone, or decided otherwise. */
function changedNetworks(before: readonly Loaded[], after: readonly Loaded[]): Set<string> {
  const old = new Set(before.map(rowKey));
  const now = new Set(after.map(rowKey));
  const changed = new Set<string>();
  for (const row of before) if (!now.has(rowKey(row))) changed.add(row.network);
  for (const row of after) if (!old.has(rowKey(row))) changed.add(row.network);
  return changed;
}

/** Networks read from the other peers after a push; beyond that they are read whole. */
const MAX_CHANGED_NETWORKS = 500;

/**
 * A push: the peers in `changed` are read again, and of the other peers the
 * rows of the networks that changed.
 */
async function applyChanges(
  table: Table,
  connections: readonly string[],
  changed: readonly string[],
  direction: Direction,
  signal: AbortSignal,
): Promise<Table> {
  const next = new Map(table);
  const networks = new Set<string>();
  await Promise.all(
    changed.map(async (id) => {
      const rows = await fetchRoutes(id, direction, signal);
      for (const network of changedNetworks(table.get(id) ?? [], rows)) networks.add(network);
      next.set(id, rows);
    }),
  );
  const others = connections.filter((id) => !changed.includes(id));
  if (networks.size === 0 || others.length === 0) return next;
  const list = networks.size > MAX_CHANGED_NETWORKS ? undefined : [...networks];
  await Promise.all(
    others.map(async (id) => {
      const fresh = await fetchRoutes(id, direction, signal, list);
      const kept =
        list === undefined ? [] : (table.get(id) ?? []).filter((row) => !networks.has(row.network));
      next.set(id, [...kept, ...fresh]);
    }),
  );
  return next;
}

/** The rows that match the search; for a longest match, those with the longest covering prefix. */
function filterRoutes(rows: readonly Loaded[], mode: Mode, query: string): readonly Loaded[] {
  const text = query.trim();
  if (text === '') return rows;
  if (mode === 'text')
    return rows.filter(
      (row) => row.nextHop.includes(text) || row.asPath.includes(text) || row.network.includes(text),
    );
  const target = parsePrefix(text);
  if (target === undefined) return [];
  if (mode === 'exact')
    return rows.filter(
      (row) => row.parsed !== undefined && row.parsed.length === target.length && covers(row.parsed, target),
    );
  let longest = -1;
  for (const row of rows)
    if (row.parsed !== undefined && row.parsed.length > longest && covers(row.parsed, target))
      longest = row.parsed.length;
  return longest < 0
    ? []
    : rows.filter((row) => row.parsed?.length === longest && covers(row.parsed, target));
}

export function RoutesPage({ overview, route, live }: { overview: Overview; route: Route; live: LiveState }) {
  const peers = overview.routeServers.flatMap((hub) => hub.peers);
  const [peer, setPeer] = useState(route.params.get('peer') ?? 'all');
  const [direction, setDirection] = useState<Direction>('learned');
  const [mode, setMode] = useState<Mode>('longest');
  const [query, setQuery] = useState('');
  const [table, setTable] = useState<Table | undefined>();
  /** what the table holds; `busy`: a read is under way (if it is cut short, the next one reads everything) */
  const shown = useRef<{ view: string; table: Table | undefined; busy: boolean }>({
    view: '',
    table: undefined,
    busy: false,
  });
  const [error, setError] = useState<string | undefined>();
  const [details, setDetails] = useState<ReadonlyMap<string, RouteDetailRow>>(new Map());
  const detailsRead = useRef<{
    controller: AbortController;
    asked: Set<string>;
    timer?: ReturnType<typeof setTimeout>;
  }>({ controller: new AbortController(), asked: new Set() });
  const connections = peer === 'all' ? peers.map((p) => p.id) : [peer];
  const key = connections.join(',');

  useEffect(() => {
    const controller = new AbortController();
    const view = `${key}|${direction}`;
    const state = shown.current;
    const current = state.view === view && !state.busy ? state.table : undefined;
    let read: Promise<Table>;
    if (current === undefined) read = fetchAll(connections, direction, controller.signal);
    else {
      // `<instance address>|<peer address>` for a session, `routes|<route server>` for injected routes
      const sessions = [...live.keys].filter((changed) => !changed.startsWith('routes|'));
      const changedPeers = new Set(sessions.map((changed) => changed.slice(changed.indexOf('|') + 1)));
      const changed = connections.filter((id) =>
        changedPeers.has(peers.find((p) => p.id === id)?.peerIp ?? ''),
      );
      if (changed.length > 0)
        read = applyChanges(current, connections, changed, direction, controller.signal);
      else if (sessions.length < live.keys.size) read = fetchAll(connections, direction, controller.signal);
      else return; // other peers' sessions
    }
    state.view = view;
    state.busy = true;
    read
      .then((next) => {
        Object.assign(state, { table: next, busy: false });
        setTable(next);
        // communities may have changed with the routes: read the rows in view again
        detailsRead.current.asked = new Set();
        setDetails(new Map());
        setError(undefined);
      })
      .catch((failure: Error) => {
        if (!(failure instanceof SignedOut) && failure.name !== 'AbortError') setError(failure.message);
      });
    return () => controller.abort();
  }, [key, direction, live.revision]);

  // the rows in view, once scrolling settles: their communities and rules
  const onWindow = useCallback(
    (inView: readonly Loaded[]) => {
      const state = detailsRead.current;
      clearTimeout(state.timer);
      if (direction !== 'learned') return;
      state.timer = setTimeout(() => {
        const controller = new AbortController();
        state.controller = controller;
        readDetails(inView, state.asked, controller.signal)
          .then((read) => {
            if (read !== undefined && read.length > 0) setDetails((known) => new Map([...known, ...read]));
          })
          .catch((failure: Error) => {
            if (!(failure instanceof SignedOut) && failure.name !== 'AbortError') setError(failure.message);
          });
      }, 100);
    },
    [direction],
  );
  useEffect(
    () => () => {
      clearTimeout(detailsRead.current.timer);
      detailsRead.current.controller.abort();
    },
    [],
  );
  const tableColumns = useMemo(() => columns(details, direction), [details, direction]);

  const rows = useMemo(
    () => (table === undefined ? undefined : connections.flatMap((id) => table.get(id) ?? [])),
    [table, key],
  );

  const filtered = useMemo(() => {
    const started = performance.now();
    const result = rows === undefined ? [] : filterRoutes(rows, mode, query);
    return { rows: result, ms: performance.now() - started };
  }, [rows, mode, query]);

  return (
    <>
      <form class="filters" onSubmit={(event) => event.preventDefault()} aria-label="Route filters">
        <label>
          Peer{' '}
          <select value={peer} onChange={(e) => setPeer(e.currentTarget.value)}>
            <option value="all">all peers</option>
            {peers.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name} ({p.peerIp})
              </option>
            ))}
          </select>
        </label>
        <label>
          Direction{' '}
          <select value={direction} onChange={(e) => setDirection(e.currentTarget.value as Direction)}>
            <option value="learned">learned from the peer</option>
            <option value="advertised">advertised to the peer</option>
          </select>
        </label>
        <label>
          Match{' '}
          <select value={mode} onChange={(e) => setMode(e.currentTarget.value as Mode)}>
            <option value="longest">longest match</option>
            <option value="exact">exact prefix</option>
            <option value="text">text (prefix, next hop, AS path)</option>
          </select>
        </label>
        <label>
          Search{' '}
          <input
            type="search"
            value={query}
            placeholder="10.250.1.1 or 10.250.0.0/16"
            onInput={(e) => setQuery(e.currentTarget.value)}
          />
        </label>
      </form>
      {error !== undefined && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <p role="status" data-testid="route-count">
        {rows === undefined
          ? 'Loading routes…'
          : `${filtered.rows.length.toLocaleString('en-US')} of ${rows.length.toLocaleString('en-US')} routes (filtered in ${filtered.ms.toFixed(1)} ms)`}
      </p>
      <VirtualTable
        rows={filtered.rows}
        columns={tableColumns}
        label={`Routes ${direction}`}
        height={560}
        rowClass={(row) => (row.reason.best ? 'best' : 'not-best')}
        onWindow={onWindow}
      />
    </>
  );
}
