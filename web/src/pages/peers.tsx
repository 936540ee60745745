/**
 * Peers: each NVA's sessions per instance (state, since when, routes
 * received and advertised, counters, flaps, last NOTIFICATION) and its
 * headroom under the route limit, with a warning band near the limit.
 * Adding and removing peerings is offered only where the caller may write.
 */
import { useEffect, useState } from 'preact/hooks';
import { armPath, request } from '../api.ts';
import { pageLink, type Route } from '../app.tsx';
import { count, duration, stateClass, time } from '../format.ts';
import type { Overview, PeerView, RouteServerView } from '../types.ts';

function useNow(intervalMs: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/** Learned routes against the limit: a meter that turns amber from 80 % and red from 95 %. */
function Headroom({ learned, limit, label }: { learned: number; limit: number; label: string }) {
  return (
    <span class="headroom">
      <meter
        min={0}
        max={limit}
        low={limit * 0.8}
        high={limit * 0.95}
        optimum={0}
        value={learned}
        aria-label={label}
      />{' '}
      {count(learned)} / {count(limit)}
    </span>
  );
}

function PeerRows({
  hub,
  peer,
  now,
  onChanged,
}: {
  hub: RouteServerView;
  peer: PeerView;
  now: number;
  onChanged: () => void;
}) {
  const [error, setError] = useState<string | undefined>();
  const remove = async () => {
    if (!confirm(`Remove the peering ${peer.name} (${peer.peerIp})? Both instances close their sessions.`))
      return;
    try {
      await request('DELETE', armPath(peer.id));
      onChanged();
    } catch (failure) {
      setError((failure as Error).message);
    }
  };
  const sessions = peer.sessions.length > 0 ? peer.sessions : [undefined];
  return (
    <>
      {sessions.map((session, index) => (
        <tr key={session?.instance ?? 'none'} id={index === 0 ? `peer-${peer.name}` : undefined}>
          {index === 0 && (
            <th scope="rowgroup" rowSpan={sessions.length}>
              {peer.name}
              <br />
              <small>
                {peer.peerIp} · AS {peer.peerAsn}
              </small>
              <br />
              <a href={pageLink('routes', { peer: peer.id })}>routes</a>
              {hub.mayWrite && (
                <>
                  {' '}
                  <button type="button" class="danger" onClick={() => void remove()}>
                    Remove peering {peer.name}
                  </button>
                </>
              )}
              {error !== undefined && (
                <span role="alert" class="error">
                  {error}
                </span>
              )}
            </th>
          )}
          {session === undefined ? (
            <td colSpan={8}>{peer.connectionState} (no running session)</td>
          ) : (
            <>
              <td>{session.instance}</td>
              <td class={stateClass(session.state)}>{session.state}</td>
              <td>{duration(session.since, now)}</td>
              <td>
                <Headroom
                  learned={session.learned}
                  limit={hub.maxRoutesPerPeer}
                  label={`${peer.name} ${session.instance}: routes received against the limit`}
                />
              </td>
              <td>{count(session.advertised)}</td>
              <td>
                {count(session.updatesReceived)} / {count(session.prefixesAnnounced)} /{' '}
                {count(session.prefixesWithdrawn)}
              </td>
              <td>{session.flaps}</td>
              <td>
                {session.lastNotification === undefined
                  ? '—'
                  : `${session.lastNotification.name} (${session.lastNotification.direction}, ${time(session.lastNotification.at)})`}
              </td>
            </>
          )}
        </tr>
      ))}
    </>
  );
}

function AddPeer({ hub, onChanged }: { hub: RouteServerView; onChanged: () => void }) {
  const [name, setName] = useState('');
  const [peerIp, setPeerIp] = useState('');
  const [peerAsn, setPeerAsn] = useState('');
  const [message, setMessage] = useState<string | undefined>();
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      await request('PUT', armPath(`${hub.id}/bgpConnections/${encodeURIComponent(name)}`), {
        properties: { peerIp, peerAsn: Number(peerAsn) },
      });
      setMessage(`Peering ${name} added.`);
      onChanged();
    } catch (failure) {
      setMessage((failure as Error).message);
    }
  };
  return (
    <form class="inline" onSubmit={(event) => void submit(event)} aria-label={`Add a peering to ${hub.name}`}>
      <label>
        Name <input value={name} onInput={(e) => setName(e.currentTarget.value)} required />
      </label>
      <label>
        Peer IP <input value={peerIp} onInput={(e) => setPeerIp(e.currentTarget.value)} required />
      </label>
      <label>
        Peer ASN{' '}
        <input
          inputMode="numeric"
          value={peerAsn}
          onInput={(e) => setPeerAsn(e.currentTarget.value)}
          required
        />
      </label>
      <button type="submit">Add peering</button>
      {message !== undefined && <span role="status">{message}</span>}
    </form>
  );
}

export function PeersPage({
  overview,
  route,
  onChanged,
}: {
  overview: Overview;
  route: Route;
  onChanged: () => void;
}) {
  const now = useNow(1000);
  const focus = route.params.get('peer');
  useEffect(() => {
    if (focus === null) return;
    const peer = overview.routeServers.flatMap((hub) => hub.peers).find((p) => p.id === focus);
    if (peer !== undefined) document.getElementById(`peer-${peer.name}`)?.scrollIntoView();
  }, [focus, overview]);
  return (
    <>
      {overview.routeServers.map((hub) => (
        <section key={hub.id} aria-label={`Peers of ${hub.name}`}>
          <h2>Route server {hub.name}</h2>
          <table class="peers">
            <thead>
              <tr>
                <th scope="col">Peer</th>
                <th scope="col">Instance</th>
                <th scope="col">State</th>
                <th scope="col">For</th>
                <th scope="col">Received (limit)</th>
                <th scope="col">Advertised</th>
                <th scope="col">UPDATEs / announced / withdrawn</th>
                <th scope="col">Flaps</th>
                <th scope="col">Last NOTIFICATION</th>
              </tr>
            </thead>
            <tbody>
              {hub.peers.map((peer) => (
                <PeerRows key={peer.id} hub={hub} peer={peer} now={now} onChanged={onChanged} />
              ))}
            </tbody>
          </table>
          {hub.mayWrite && <AddPeer hub={hub} onChanged={onChanged} />}
        </section>
      ))}
    </>
  );
}
