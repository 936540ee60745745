/**
 * The topology, drawn like Azure Route Server's overview diagram: the VNet
 * with the route server's two instances, each NVA with one edge per
 * instance coloured by its session state, the gateways, the subnets with
 * their VMs, and the peered VNets. Every node links to its details.
 */
import { pageLink } from '../app.tsx';
import { stateClass } from '../format.ts';
import type { Overview, RouteServerView, VnetView } from '../types.ts';

const WIDTH = 980;
const NODE_H = 46;

function Node(props: {
  x: number;
  y: number;
  w: number;
  href?: string;
  label: string;
  detail?: string;
  kind: string;
  title: string;
}) {
  const body = (
    <g class={`node ${props.kind}`}>
      <title>{props.title}</title>
      <rect x={props.x} y={props.y} width={props.w} height={NODE_H} rx={6} />
      <text x={props.x + 10} y={props.y + 19}>
        {props.label}
      </text>
      {props.detail !== undefined && (
        <text x={props.x + 10} y={props.y + 36} class="detail">
          {props.detail}
        </text>
      )}
    </g>
  );
  return props.href === undefined ? (
    body
  ) : (
    <a href={props.href} aria-label={props.title}>
      {body}
    </a>
  );
}

function sameId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function RouteServerDiagram({ overview, hub }: { overview: Overview; hub: RouteServerView }) {
  const vnet = overview.virtualNetworks.find((v) => sameId(v.id, hub.virtualNetworkId));
  const gateways = overview.gateways.filter((g) => sameId(g.virtualNetworkId, hub.virtualNetworkId));
  const subnets = (vnet?.subnets ?? []).filter(
    (s) => s.name !== 'RouteServerSubnet' && s.name !== 'GatewaySubnet',
  );
  const peered = (vnet?.peerings ?? [])
    .map((p) => ({
      peering: p,
      remote: overview.virtualNetworks.find((v) => sameId(v.id, p.remoteVirtualNetworkId)),
    }))
    .filter((p): p is { peering: VnetView['peerings'][number]; remote: VnetView } => p.remote !== undefined);
  const rows = Math.max(hub.peers.length, 2, gateways.length);
  const top = 60;
  const rowGap = 70;
  const subnetY = top + rows * rowGap + 20;
  const subnetH = 90;
  const height = subnetY + subnetH + 40 + peered.length * 60;
  const instanceY = (index: number) => top + ((rows - 2) * rowGap) / 2 + index * rowGap;
  const instanceX = 430;
  return (
    <svg
      class="topology"
      viewBox={`0 0 ${WIDTH} ${height}`}
      width="100%"
      role="group"
      aria-label={`Route server ${hub.name} in ${vnet?.name ?? 'its VNet'}`}
    >
      <rect class="vnet" x={10} y={10} width={WIDTH - 20} height={subnetY + subnetH + 10} rx={10} />
      <text class="vnet-label" x={24} y={34}>
        VNet {vnet?.name ?? '?'} {vnet?.addressPrefixes.join(', ')}
      </text>
      {hub.peers.map((peer, row) =>
        peer.sessions.map((session, index) => {
          const y1 = top + row * rowGap + NODE_H / 2;
          const y2 = instanceY(index) + NODE_H / 2;
          return (
            <line
              key={`${peer.id}-${session.instance}`}
              class={`edge ${stateClass(session.state)}`}
              data-testid="session-edge"
              data-peer={peer.name}
              data-instance={session.instance}
              data-state={session.state}
              x1={250}
              y1={y1}
              x2={instanceX}
              y2={y2}
            >
              <title>{`${peer.name} ↔ ${session.instance}: ${session.state}`}</title>
            </line>
          );
        }),
      )}
      {hub.peers.map((peer, row) => (
        <Node
          key={peer.id}
          x={40}
          y={top + row * rowGap}
          w={210}
          kind="nva"
          href={pageLink('peers', { peer: peer.id })}
          label={`NVA ${peer.name}`}
          detail={`${peer.peerIp} · AS ${peer.peerAsn}`}
          title={`NVA ${peer.name} (${peer.peerIp}, AS ${peer.peerAsn}): ${peer.sessions.map((s) => `${s.instance} ${s.state}`).join(', ') || peer.connectionState}`}
        />
      ))}
      {hub.instanceAddresses.map((address, index) => (
        <Node
          key={address}
          x={instanceX}
          y={instanceY(index)}
          w={180}
          kind="instance"
          href={pageLink('peers', { routeServer: hub.id })}
          label={`${hub.name} IN_${index}`}
          detail={`${address} · AS 65515`}
          title={`Route server ${hub.name} instance IN_${index} (${address})`}
        />
      ))}
      {gateways.map((gateway, index) => (
        <Node
          key={gateway.id}
          x={720}
          y={top + index * rowGap}
          w={230}
          kind="gateway"
          label={`${gateway.gatewayType} gateway`}
          detail={gateway.name}
          title={`${gateway.gatewayType} gateway ${gateway.name}`}
        />
      ))}
      {subnets.map((subnet, index) => {
        const w = (WIDTH - 60) / Math.max(subnets.length, 1) - 10;
        const x = 30 + index * (w + 10);
        return (
          <g key={subnet.id} class="subnet">
            <rect x={x} y={subnetY} width={w} height={subnetH} rx={6} />
            <text x={x + 8} y={subnetY + 18}>
              {subnet.name} {subnet.addressPrefix}
            </text>
            {subnet.nics.map((nic, n) => (
              <a
                key={nic.id}
                href={pageLink('effective-routes', { nic: nic.id })}
                aria-label={`VM NIC ${nic.name} (${nic.privateIpAddress}): effective routes`}
              >
                <g class="vm">
                  <rect x={x + 8 + n * 118} y={subnetY + 30} width={110} height={46} rx={4} />
                  <text x={x + 14 + n * 118} y={subnetY + 50}>
                    {nic.name}
                  </text>
                  <text x={x + 14 + n * 118} y={subnetY + 67} class="detail">
                    {nic.privateIpAddress}
                  </text>
                </g>
              </a>
            ))}
          </g>
        );
      })}
      {peered.map(({ peering, remote }, index) => {
        const y = subnetY + subnetH + 30 + index * 60;
        return (
          <g key={peering.name} class="peered">
            <rect class="vnet" x={40} y={y} width={WIDTH - 80} height={44} rx={8} />
            <text x={52} y={y + 27}>
              Peered VNet {remote.name} {remote.addressPrefixes.join(', ')} · peering {peering.peeringState}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

export function TopologyPage({ overview }: { overview: Overview }) {
  if (overview.routeServers.length === 0) return <p>No route server yet.</p>;
  return (
    <>
      <p class="legend" aria-label="Legend">
        <span class="swatch established" /> Established <span class="swatch connecting" /> connecting{' '}
        <span class="swatch down" /> down (Idle)
      </p>
      {overview.routeServers.map((hub) => (
        <section key={hub.id} aria-label={`Route server ${hub.name}`}>
          <h2>Route server {hub.name}</h2>
          <RouteServerDiagram overview={overview} hub={hub} />
          <table class="sessions">
            <caption>Sessions of {hub.name}</caption>
            <thead>
              <tr>
                <th scope="col">NVA</th>
                {hub.instanceAddresses.map((address, index) => (
                  <th scope="col" key={address}>
                    IN_{index} ({address})
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {hub.peers.map((peer) => (
                <tr key={peer.id}>
                  <th scope="row">
                    <a href={pageLink('peers', { peer: peer.id })}>{peer.name}</a>
                  </th>
                  {hub.instanceAddresses.map((address) => {
                    const session = peer.sessions.find((s) => s.localAddress === address);
                    return (
                      <td key={address} class={stateClass(session?.state ?? 'Idle')}>
                        {session?.state ?? 'not running'}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
    </>
  );
}
