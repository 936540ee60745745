/**
 * A VM's effective routes: pick a NIC, and the table follows the server's
 * route watch (docs/api.md, "Watching effective routes"), so a withdrawn
 * prefix leaves without a reload. Given a destination address, the row that
 * carries its traffic is highlighted: the longest matching Active prefix
 * (docs/azure-behaviour.md §3.5; Invalid rows never win).
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { API_VERSION, followEvents } from '../api.ts';
import type { Route } from '../app.tsx';
import { longestMatch, parsePrefix } from '../prefix.ts';
import type { EffectiveRouteRow, Overview } from '../types.ts';

/** Applies one watch event to the rows held (a snapshot replaces them; a change replaces a prefix's rows). */
function applyEvent(
  rows: readonly EffectiveRouteRow[],
  event: string,
  data: string,
): readonly EffectiveRouteRow[] {
  if (event === 'snapshot') return (JSON.parse(data) as { value: EffectiveRouteRow[] }).value;
  if (event === 'deleted') return [];
  if (event !== 'change') return rows;
  let next = [...rows];
  for (const change of (
    JSON.parse(data) as { changes: { addressPrefix: string; routes: EffectiveRouteRow[] }[] }
  ).changes) {
    next = next.filter((row) => row.addressPrefix[0] !== change.addressPrefix);
    next.push(...change.routes);
  }
  return next;
}

export function EffectiveRoutesPage({ overview, route }: { overview: Overview; route: Route }) {
  const nics = overview.virtualNetworks.flatMap((vnet) => vnet.subnets.flatMap((subnet) => subnet.nics));
  const [nic, setNic] = useState(route.params.get('nic') ?? nics[0]?.id ?? '');
  const [destination, setDestination] = useState('');
  const [rows, setRows] = useState<readonly EffectiveRouteRow[]>([]);
  const [status, setStatus] = useState('');

  useEffect(() => {
    if (nic === '') return;
    setRows([]);
    setStatus('Connecting…');
    const controller = new AbortController();
    followEvents(
      `${nic}/effectiveRouteTable?api-version=${API_VERSION}&watch=1`,
      (event) => {
        setRows((held) => applyEvent(held, event.event, event.data));
        setStatus(`Live: last update ${new Date().toLocaleTimeString()}`);
      },
      controller.signal,
    );
    return () => controller.abort();
  }, [nic]);

  const sorted = useMemo(
    () =>
      [...rows].sort((a, b) =>
        (a.addressPrefix[0] ?? '').localeCompare(b.addressPrefix[0] ?? '', 'en', { numeric: true }),
      ),
    [rows],
  );
  const winner = useMemo(() => {
    const target = parsePrefix(destination);
    if (target === undefined) return -1;
    return longestMatch(
      sorted.map((row) => (row.state === 'Active' ? parsePrefix(row.addressPrefix[0] ?? '') : undefined)),
      target,
    );
  }, [sorted, destination]);
  const winning = sorted[winner];

  return (
    <>
      <form class="filters" onSubmit={(event) => event.preventDefault()} aria-label="Effective routes">
        <label>
          Network interface{' '}
          <select value={nic} onChange={(e) => setNic(e.currentTarget.value)}>
            {nics.map((n) => (
              <option key={n.id} value={n.id}>
                {n.name} ({n.privateIpAddress})
              </option>
            ))}
          </select>
        </label>
        <label>
          Destination address{' '}
          <input
            value={destination}
            placeholder="10.250.1.1"
            onInput={(e) => setDestination(e.currentTarget.value)}
          />
        </label>
      </form>
      <p role="status">{status}</p>
      {destination.trim() !== '' && (
        <p data-testid="next-hop">
          {winning === undefined
            ? `No active route carries ${destination}.`
            : `${destination} goes to ${winning.nextHopType} ${winning.nextHopIpAddress.join(', ')} (${winning.addressPrefix.join(', ')}, ${winning.source}).`}
        </p>
      )}
      <table class="effective">
        <caption>Effective routes of {nics.find((n) => n.id === nic)?.name ?? 'the NIC'}</caption>
        <thead>
          <tr>
            <th scope="col">Source</th>
            <th scope="col">State</th>
            <th scope="col">Address prefix</th>
            <th scope="col">Next hop type</th>
            <th scope="col">Next hop</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((row, index) => (
            <tr
              key={`${row.addressPrefix.join()}-${row.source}-${row.nextHopIpAddress.join()}-${row.state}`}
              class={index === winner ? 'winner' : row.state === 'Invalid' ? 'invalid' : ''}
              aria-current={index === winner ? 'true' : undefined}
            >
              <td>{row.source}</td>
              <td>{row.state}</td>
              <td>{row.addressPrefix.join(', ')}</td>
              <td>{row.nextHopType}</td>
              <td>{row.nextHopIpAddress.join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
