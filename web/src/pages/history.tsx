/**
 * History: routes received per session over the window the server keeps
 * (uPlot line chart), and the last session state changes.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { getJson, SignedOut } from '../api.ts';
import type { LiveState } from '../app.tsx';
import { time } from '../format.ts';
import type { History, Overview } from '../types.ts';

const PALETTE = ['#0969da', '#bf3989', '#1a7f37', '#9a6700', '#8250df', '#cf222e', '#1b7c83', '#57606a'];

/** The series' labels: `peer name IN_n` for sessions the overview knows, else `peer @ instance address`. */
function sessionLabel(overview: Overview, key: string): string {
  const [localAddress = '', peerIp = ''] = key.split('|');
  for (const hub of overview.routeServers)
    for (const peer of hub.peers)
      if (peer.peerIp === peerIp) {
        const index = hub.instanceAddresses.indexOf(localAddress);
        return `${peer.name} IN_${index < 0 ? localAddress : index}`;
      }
  return `${peerIp} @ ${localAddress}`;
}

function LearnedChart({ history, overview }: { history: History; overview: Overview }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (host.current === null) return;
    const keys = Object.keys(history.learned).sort();
    const data: uPlot.AlignedData = [
      history.times.map((t) => t / 1000),
      ...keys.map((key) => history.learned[key]!.map((v) => v)),
    ];
    const plot = new uPlot(
      {
        title: 'Routes received per session',
        width: Math.min(host.current.clientWidth || 900, 1100),
        height: 300,
        series: [
          {},
          ...keys.map((key, i) => ({
            label: sessionLabel(overview, key),
            stroke: PALETTE[i % PALETTE.length]!,
            width: 2,
          })),
        ],
        axes: [{}, { label: 'routes' }],
      },
      data,
      host.current,
    );
    return () => plot.destroy();
  }, [history, overview]);
  return (
    <div
      ref={host}
      class="chart"
      role="img"
      aria-label="Line chart of routes received per session over time"
    />
  );
}

export function HistoryPage({ overview, live }: { overview: Overview; live: LiveState }) {
  const [history, setHistory] = useState<History | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    getJson<History>('/dashboard/api/history')
      .then(setHistory)
      .catch((failure: Error) => {
        if (!(failure instanceof SignedOut)) setError(failure.message);
      });
  }, [live.revision]);
  if (error !== undefined)
    return (
      <p role="alert" class="error">
        {error}
      </p>
    );
  if (history === undefined) return <p>Loading…</p>;
  const changes = [...history.stateChanges].reverse().slice(0, 100);
  return (
    <>
      <p>
        One sample every {history.sampleMs / 1000} s, {history.times.length} kept
        {history.times.length > 0 ? ` since ${time(history.times[0]!)}` : ''}; kept in the server's memory
        only.
      </p>
      <LearnedChart history={history} overview={overview} />
      <h2>Session state changes</h2>
      <table>
        <caption>The last {changes.length} state changes, newest first</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Session</th>
            <th scope="col">From</th>
            <th scope="col">To</th>
          </tr>
        </thead>
        <tbody>
          {changes.map((change) => (
            <tr key={`${change.at}-${change.localAddress}-${change.peer}-${change.to}`}>
              <td>{time(change.at)}</td>
              <td>{sessionLabel(overview, `${change.localAddress}|${change.peer}`)}</td>
              <td>{change.from}</td>
              <td>{change.to}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
