/**
 * A route server whose instances cannot start, as the official SDK sees it:
 * the ipConfiguration's long-running operation fails with the runtime's
 * explanation, and the route server reads `Failed` until the
 * ipConfiguration is deleted.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WorkerRuntime } from '../../runtime/index.js';
import { RESOURCE_GROUP as RG, startSdkServer, type SdkServer } from './sdk-lifecycle.test-support.js';

const SUB = '00000000-0000-0000-0000-0000000000a7';
const POLL = { updateIntervalInMs: 20 };
const NET = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network`;

let lab: SdkServer;
let runtime: WorkerRuntime;

beforeEach(async () => {
  runtime = new WorkerRuntime({ port: 0 });
  lab = await startSdkServer(SUB, 'rs-sdk-states-', { runtime });
});

afterEach(async () => {
  await lab.close();
  await runtime.close();
});

describe('route server states through the SDK', () => {
  it('fails the ipConfiguration with the bind error and reads Failed until it is deleted', async () => {
    const { sdk } = lab;
    // TEST-NET-1 (RFC 5737): no host has 192.0.2.4, so the instances cannot listen there
    await sdk.virtualNetworks.beginCreateOrUpdateAndWait(
      RG,
      'hub',
      {
        location: 'local',
        addressSpace: { addressPrefixes: ['192.0.2.0/24'] },
        subnets: [{ name: 'RouteServerSubnet', addressPrefix: '192.0.2.0/26' }],
      },
      POLL,
    );
    const created = await sdk.virtualHubs.beginCreateOrUpdateAndWait(
      RG,
      'rs',
      { location: 'local', sku: 'Standard' },
      POLL,
    );
    expect([created.provisioningState, created.routingState]).toEqual(['Succeeded', 'None']);
    const failure = await sdk.virtualHubIpConfiguration
      .beginCreateOrUpdateAndWait(
        RG,
        'rs',
        'ipconfig1',
        { subnet: { id: `${NET}/virtualNetworks/hub/subnets/RouteServerSubnet` } },
        POLL,
      )
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    // the SDK's poller names the operation's error code and message
    expect((failure as Error).message).toMatch(
      /long-running operation has failed\. RouteServerInstanceStartFailed\. .*cannot listen for BGP on 192\.0\.2\.4:0 \(EADDRNOTAVAIL\)/,
    );
    const failed = await sdk.virtualHubs.get(RG, 'rs');
    expect([failed.provisioningState, failed.routingState]).toEqual(['Failed', 'Failed']);
    expect(failed.virtualRouterIps).toEqual(['192.0.2.4', '192.0.2.5']);

    await sdk.virtualHubIpConfiguration.beginDeleteAndWait(RG, 'rs', 'ipconfig1', POLL);
    const cleared = await sdk.virtualHubs.get(RG, 'rs');
    expect([cleared.provisioningState, cleared.routingState]).toEqual(['Succeeded', 'None']);
  });
});
