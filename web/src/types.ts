/** The JSON of the dashboard's endpoints (src/api/dashboard-data.ts) and of the ARM rows it shows. */

export interface SessionView {
  readonly instance: string;
  readonly localAddress: string;
  readonly state: string;
  readonly since?: number;
  readonly flaps: number;
  readonly lastNotification?: { readonly at: number; readonly direction: string; readonly name: string };
  readonly learned: number;
  readonly advertised: number;
  readonly updatesReceived: number;
  readonly prefixesAnnounced: number;
  readonly prefixesWithdrawn: number;
}

export interface PeerView {
  readonly id: string;
  readonly name: string;
  readonly peerIp: string;
  readonly peerAsn: number;
  readonly connectionState: string;
  readonly sessions: readonly SessionView[];
}

export interface RouteServerView {
  readonly id: string;
  readonly name: string;
  readonly virtualNetworkId: string;
  readonly instanceAddresses: readonly string[];
  readonly maxRoutesPerPeer: number;
  readonly mayWrite: boolean;
  readonly peers: readonly PeerView[];
}

export interface NicView {
  readonly id: string;
  readonly name: string;
  readonly privateIpAddress: string;
}

export interface SubnetView {
  readonly id: string;
  readonly name: string;
  readonly addressPrefix: string;
  readonly nics: readonly NicView[];
}

export interface VnetView {
  readonly id: string;
  readonly name: string;
  readonly addressPrefixes: readonly string[];
  readonly subnets: readonly SubnetView[];
  readonly peerings: readonly { name: string; remoteVirtualNetworkId: string; peeringState: string }[];
}

export interface GatewayView {
  readonly id: string;
  readonly name: string;
  readonly gatewayType: string;
  readonly virtualNetworkId: string;
}

export interface Overview {
  readonly generatedAt: number;
  readonly virtualNetworks: readonly VnetView[];
  readonly gateways: readonly GatewayView[];
  readonly routeServers: readonly RouteServerView[];
}

export interface RouteRow {
  readonly instance: string;
  readonly network: string;
  readonly nextHop: string;
  readonly asPath: string;
  readonly origin: string;
  readonly sourcePeer: string | null;
  readonly reason: { readonly best: boolean; readonly text: string };
}

export interface RoutesAnswer {
  readonly connectionId: string;
  readonly direction: 'learned' | 'advertised';
  readonly routes: readonly RouteRow[];
  /** learned: routes the import rules dropped (the first of them are among `routes`) */
  readonly rejectedTotal?: number;
}

/** What a learned route's row adds when it comes into view. */
export interface RouteDetailRow {
  readonly instance: string;
  readonly network: string;
  readonly nextHop: string;
  readonly communities: readonly string[];
  readonly largeCommunities: readonly string[];
  /** the import rules that fired (NO_ADVERTISE, …) */
  readonly rules: readonly string[];
}

export interface RouteDetailsAnswer {
  readonly connectionId: string;
  readonly routes: readonly RouteDetailRow[];
}

export interface EffectiveRouteRow {
  readonly name?: string;
  readonly source: string;
  readonly state: string;
  readonly addressPrefix: readonly string[];
  readonly nextHopType: string;
  readonly nextHopIpAddress: readonly string[];
}

export interface History {
  readonly sampleMs: number;
  readonly times: readonly number[];
  readonly learned: Readonly<Record<string, readonly (number | null)[]>>;
  readonly stateChanges: readonly {
    readonly at: number;
    readonly localAddress: string;
    readonly peer: string;
    readonly from: string;
    readonly to: string;
  }[];
}
