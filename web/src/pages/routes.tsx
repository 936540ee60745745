/**
 * Routes: what the route server learned from each peer (or advertises to
 * it), per instance, with the reason each learned route is or is not the one
 * the instance injects. Search by exact prefix, by longest match for an
 * address or prefix, or by text (next hop, AS path). Reloads when the
 * server pushes a change.
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
  const [rows, setRows] = useState<readonly Loaded[] | undefined>();
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
    Promise.all(
      connections.map((id) =>
        getJson<RoutesAnswer>(
          `/dashboard/api/routes?connection=${encodeURIComponent(id)}&direction=${direction}`,
          controller.signal,
        ),
      ),
    )
      .then((answers) => {
        setRows(
          answers.flatMap((answer) =>
            answer.routes.map((row) => ({
              ...row,
              peer: nameOf(answer.connectionId),
              connectionId: answer.connectionId,
              parsed: parsePrefix(row.network),
            })),
          ),
        );
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
