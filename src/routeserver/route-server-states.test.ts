/**
 * The provisioning and routing states of route servers and BGP connections
 * follow what the BGP runtime does: Updating while a change applies,
 * Provisioning while the instances start, Failed when they cannot.
 */
import diagnostics from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { BgpRuntimeError, RUNTIME_CHANNEL, RUNTIME_ERROR_CODES, WorkerRuntime } from '../runtime/index.js';
import type { PeerSpec, RouteServerRuntimeSpec, RuntimeEvent, StartOutcome } from '../runtime/index.js';
import { ROUTE_SERVER_ERROR_CODES as E, RouteServerError } from './errors.js';
import {
  connectionId,
  harness,
  hubId,
  hubWithRouteServer,
  ipConfigId,
  RecordingRuntime,
  subnetId,
  vnetId,
  type Harness,
} from './fixtures.test-support.js';

/** A runtime whose starts and peer additions wait until the test lets them go, and whose starts can fail. */
class GatedRuntime extends RecordingRuntime {
  private gate: { promise: Promise<void>; open: () => void } | undefined;
  failStarts = 0;

  hold(): void {
    let open!: () => void;
    const promise = new Promise<void>((resolve) => (open = resolve));
    this.gate = { promise, open };
  }

  release(): void {
    this.gate?.open();
    this.gate = undefined;
  }

  override async startRouteServer(spec: RouteServerRuntimeSpec): Promise<StartOutcome> {
    await this.gate?.promise;
    if (this.failStarts > 0) {
      this.failStarts -= 1;
      throw new BgpRuntimeError(
        RUNTIME_ERROR_CODES.BGP_BIND,
        'an instance cannot listen for BGP on 10.0.1.4',
      );
    }
    return super.startRouteServer(spec);
  }

  override async addPeer(routeServerId: string, peer: PeerSpec): Promise<void> {
    await this.gate?.promise;
    return super.addPeer(routeServerId, peer);
  }
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const hub = () => h!.service.resources.virtualHubs.get(hubId('rs'))!;
const states = () => [hub().provisioningState, hub().routingState];

async function refusal(promise: Promise<unknown>): Promise<RouteServerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RouteServerError);
  return error as RouteServerError;
}

/** VNet `hub` (`prefix`/16 style space) with a RouteServerSubnet, route server rs, and its ipConfiguration's write. */
async function placeRouteServer(space: string, routeServerSubnet: string) {
  const service = h!.service;
  await service.resources.virtualNetworks.put(vnetId('hub'), {
    addressPrefixes: [space],
    subnets: [{ name: 'RouteServerSubnet', addressPrefix: routeServerSubnet }],
  });
  await service.resources.virtualHubs.put(hubId('rs'), {});
  return service.resources.ipConfigurations.put(ipConfigId('rs'), {
    subnetId: subnetId('hub', 'RouteServerSubnet'),
  });
}

// TEST-NET-1 (RFC 5737): no host has these addresses, so the instances cannot bind them
const UNBOUND_SPACE = ['192.0.2.0/24', '192.0.2.0/26'] as const;

describe('route server states', () => {
  it('is Provisioning while the instances start, then Provisioned', async () => {
    const runtime = new GatedRuntime();
    h = await harness({ runtime });
    runtime.hold();
    const put = await placeRouteServer('10.0.0.0/16', '10.0.1.0/26');
    expect(states()).toEqual(['Updating', 'Provisioning']);
    runtime.release();
    await put.applied;
    expect(states()).toEqual(['Succeeded', 'Provisioned']);
  });

  it('shows None before the ipConfiguration, and Provisioned without a runtime once placed', async () => {
    h = await harness();
    await h.service.resources.virtualHubs.put(hubId('rs'), {});
    expect(states()).toEqual(['Succeeded', 'None']);
    await hubWithRouteServer(h.service);
    expect(states()).toEqual(['Succeeded', 'Provisioned']);
  });

  it('shows the route server and the connection Updating while a new peer is applied', async () => {
    const runtime = new GatedRuntime();
    h = await harness({ runtime });
    await (
      await placeRouteServer('10.0.0.0/16', '10.0.1.0/26')
    ).applied;
    runtime.hold();
    const put = await h.service.resources.bgpConnections.put(connectionId('rs', 'nva1'), {
      peerIp: '10.0.2.4',
      peerAsn: 65001,
    });
    expect(put.resource.provisioningState).toBe('Updating');
    expect(states()).toEqual(['Updating', 'Provisioned']);
    runtime.release();
    await put.applied;
    expect(states()).toEqual(['Succeeded', 'Provisioned']);
    expect(h.service.resources.bgpConnections.get(connectionId('rs', 'nva1'))!.provisioningState).toBe(
      'Succeeded',
    );
  });

  it('is Failed when the instances cannot start, and a PUT of the route server starts them again', async () => {
    const runtime = new GatedRuntime();
    runtime.failStarts = 1;
    h = await harness({ runtime });
    const put = await placeRouteServer('10.0.0.0/16', '10.0.1.0/26');
    const error = await refusal(put.applied);
    expect([error.code, error.message]).toEqual([
      E.INSTANCE_START_FAILED,
      'an instance cannot listen for BGP on 10.0.1.4',
    ]);
    expect(states()).toEqual(['Failed', 'Failed']);
    expect(runtime.calls.filter((c) => c.startsWith('start'))).toEqual([]);
    const retry = await h.service.resources.virtualHubs.put(hubId('rs'), {});
    expect(retry.resource.provisioningState).toBe('Updating');
    await retry.applied;
    expect(states()).toEqual(['Succeeded', 'Provisioned']);
    expect(runtime.calls.filter((c) => c.startsWith('start'))).toEqual(['start 10.0.1.4,10.0.1.5 peers=']);
  });

  it('fails the ipConfiguration write with the runtime’s explanation when an address cannot be bound', async () => {
    const runtime = new WorkerRuntime({ port: 0 });
    h = await harness({ runtime });
    const put = await placeRouteServer(...UNBOUND_SPACE);
    const error = await refusal(put.applied);
    expect(error.code).toBe(E.INSTANCE_START_FAILED);
    expect(error.message).toMatch(/cannot listen for BGP on 192\.0\.2\.4:0 \(EADDRNOTAVAIL\)/);
    expect(states()).toEqual(['Failed', 'Failed']);
    // deleting the ipConfiguration leaves nothing failed behind
    await (
      await h.service.resources.ipConfigurations.delete(ipConfigId('rs'))
    ).applied;
    expect(states()).toEqual(['Succeeded', 'None']);
    await runtime.close();
  });

  it('is Failed after a re-open whose start cannot bind, and the service still opens', async () => {
    h = await harness();
    await placeRouteServer(...UNBOUND_SPACE);
    const runtime = new WorkerRuntime({ port: 0 });
    const reported: unknown[] = [];
    await h.reopen({ runtime, onEffectError: (error) => reported.push(error) });
    expect(states()).toEqual(['Failed', 'Failed']);
    expect(reported).toHaveLength(1);
    await runtime.close();
  });

  it('shows routingState Failed while an instance’s thread is down, and Provisioned once it runs again', async () => {
    h = await harness({ runtime: new RecordingRuntime() });
    await (
      await placeRouteServer('10.0.0.0/16', '10.0.1.0/26')
    ).applied;
    const publish = (event: RuntimeEvent) => diagnostics.channel(RUNTIME_CHANNEL).publish(event);
    publish({
      type: 'instance-failed',
      routeServerId: hubId('rs').toUpperCase(),
      instance: 'IN_1',
      error: 'out of memory',
      restartInMs: 1000,
    });
    expect(states()).toEqual(['Succeeded', 'Failed']);
    publish({ type: 'instance-restarted', routeServerId: hubId('rs'), instance: 'IN_1' });
    expect(states()).toEqual(['Succeeded', 'Provisioned']);
  });
});
