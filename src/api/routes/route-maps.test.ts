/**
 * HTTP-level behaviour of virtualHubs/routeMaps (docs/route-maps.md): the
 * ARM shape, refusals naming the member at fault with nothing stored, a
 * peering's routingConfiguration, live updates to the runtime and the
 * evaluate (dry run) operation, on the real domain service and store.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingRuntime } from '../../routeserver/fixtures.test-support.js';
import { apiHarness, NET, type ApiHarness } from './test-harness.test-support.js';

let api: ApiHarness;
let runtime: RecordingRuntime;

const SUBNET = `${NET}/virtualNetworks/hub/subnets/RouteServerSubnet`;
const MAP_ID = `${NET}/virtualHubs/rs/routeMaps/rm1`;

async function routeServer(): Promise<void> {
  runtime = new RecordingRuntime();
  api = await apiHarness({ runtime });
  await api.request('PUT', 'virtualNetworks/hub', {
    location: 'local',
    properties: {
      addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
      subnets: [{ name: 'RouteServerSubnet', properties: { addressPrefix: '10.0.1.0/26' } }],
    },
  });
  await api.request('PUT', 'virtualHubs/rs', { location: 'local', properties: { sku: 'Standard' } });
  await api.request('PUT', 'virtualHubs/rs/ipConfigurations/ipconfig1', {
    properties: { subnet: { id: SUBNET } },
  });
}

const dropLab = {
  name: 'no-lab',
  matchCriteria: [{ matchCondition: 'Contains', routePrefix: ['10.99.0.0/16'] }],
  actions: [{ type: 'Drop', parameters: [] }],
  nextStepIfMatched: 'Terminate',
};

const withMaps = (inbound?: string, outbound?: string) => ({
  properties: {
    peerIp: '10.0.2.4',
    peerAsn: 65001,
    routingConfiguration: {
      ...(inbound ? { inboundRouteMap: { id: inbound } } : {}),
      ...(outbound ? { outboundRouteMap: { id: outbound } } : {}),
    },
  },
});

afterEach(async () => {
  await api.close();
});

describe('virtualHubs/routeMaps', () => {
  it('creates, reads and lists a route map in ARM shape', async () => {
    await routeServer();
    const created = await api.request('PUT', 'virtualHubs/rs/routeMaps/rm1', {
      properties: { rules: [dropLab] },
    });
    expect(created.statusCode).toBe(201);
    expect(created.body).toMatchObject({
      id: MAP_ID,
      name: 'rm1',
      type: 'Microsoft.Network/virtualHubs/routeMaps',
      properties: {
        rules: [dropLab],
        associatedInboundConnections: [],
        associatedOutboundConnections: [],
        provisioningState: 'Succeeded',
      },
    });
    const list = await api.request('GET', 'virtualHubs/rs/routeMaps');
    expect(list.body.value.map((m: { name: string }) => m.name)).toEqual(['rm1']);
  });

  it.each([
    [
      { ...dropLab, matchCriteria: [{ matchCondition: 'Like', routePrefix: ['10.0.0.0/8'] }] },
      'InvalidRouteMapMatchCriterion',
      'properties.rules[0].matchCriteria[0].matchCondition',
    ],
    [
      { ...dropLab, matchCriteria: [{ matchCondition: 'Equals', routePrefix: ['10.0.0.300/8'] }] },
      'InvalidRouteMapMatchCriterion',
      'properties.rules[0].matchCriteria[0].routePrefix[0]',
    ],
    [
      { ...dropLab, actions: [{ type: 'Add', parameters: [{ asPath: ['65515'] }] }] },
      'InvalidRouteMapAction',
      'properties.rules[0].actions[0].parameters[0].asPath[0]',
    ],
    [
      { ...dropLab, actions: [{ type: 'Summarize', parameters: [] }] },
      'InvalidRouteMapAction',
      'properties.rules[0].actions[0].type',
    ],
    [
      { ...dropLab, nextStepIfMatched: 'Stop' },
      'InvalidRouteMapRule',
      'properties.rules[0].nextStepIfMatched',
    ],
  ])('answers rule %j with 400 %s at %s and stores nothing', async (rule, code, target) => {
    await routeServer();
    const res = await api.request('PUT', 'virtualHubs/rs/routeMaps/rm1', { properties: { rules: [rule] } });
    expect(res.statusCode).toBe(400);
    expect(res.body.error).toMatchObject({ code, target });
    expect((await api.request('GET', 'virtualHubs/rs/routeMaps/rm1')).statusCode).toBe(404);
  });

  it('answers a member of the wrong type with InvalidRequestFormat', async () => {
    await routeServer();
    const res = await api.request('PUT', 'virtualHubs/rs/routeMaps/rm1', {
      properties: {
        rules: [{ ...dropLab, matchCriteria: [{ matchCondition: 'Equals', routePrefix: '10.0.0.0/8' }] }],
      },
    });
    expect(res.statusCode).toBe(400);
    expect(res.body.error.code).toBe('InvalidRequestFormat');
  });

  it('a peering names maps per direction; the map lists it; the runtime gets the definitions', async () => {
    await routeServer();
    await api.request('PUT', 'virtualHubs/rs/routeMaps/rm1', { properties: { rules: [dropLab] } });
    const created = await api.request('PUT', 'virtualHubs/rs/bgpConnections/nva1', withMaps(MAP_ID));
    expect(created.statusCode).toBe(201);
    expect(created.body.properties.routingConfiguration).toEqual({ inboundRouteMap: { id: MAP_ID } });
    const map = await api.request('GET', 'virtualHubs/rs/routeMaps/rm1');
    expect(map.body.properties.associatedInboundConnections).toEqual([
      { id: `${NET}/virtualHubs/rs/bgpConnections/nva1` },
    ]);
    expect(runtime.peerSpecs.at(-1)?.routeMaps).toEqual({ inbound: { name: 'rm1', rules: [dropLab] } });
  });

  it('a changed map reaches the peerings that use it, without re-adding them', async () => {
    await routeServer();
    await api.request('PUT', 'virtualHubs/rs/routeMaps/rm1', { properties: { rules: [dropLab] } });
    await api.request('PUT', 'virtualHubs/rs/bgpConnections/nva1', withMaps(undefined, MAP_ID));
    const next = { ...dropLab, name: 'renamed' };
    await api.request('PUT', 'virtualHubs/rs/routeMaps/rm1', { properties: { rules: [next] } });
    expect(runtime.calls.filter((c) => c.startsWith('add'))).toHaveLength(1);
    expect(runtime.calls.at(-1)).toBe('update 10.0.2.4 65001');
    expect(runtime.peerSpecs.at(-1)?.routeMaps).toEqual({ outbound: { name: 'rm1', rules: [next] } });
  });

  it('answers a peering naming a missing map with InvalidResourceReference and stores nothing', async () => {
    await routeServer();
    const res = await api.request(
      'PUT',
      'virtualHubs/rs/bgpConnections/nva1',
      withMaps(`${NET}/virtualHubs/rs/routeMaps/none`),
    );
    expect(res.statusCode).toBe(400);
    expect(res.body.error).toMatchObject({
      code: 'InvalidResourceReference',
      target: 'properties.routingConfiguration.inboundRouteMap.id',
    });
    expect((await api.request('GET', 'virtualHubs/rs/bgpConnections/nva1')).statusCode).toBe(404);
  });

  it('refuses to delete a map a peering uses, then deletes it once unused', async () => {
    await routeServer();
    await api.request('PUT', 'virtualHubs/rs/routeMaps/rm1', { properties: { rules: [dropLab] } });
    await api.request('PUT', 'virtualHubs/rs/bgpConnections/nva1', withMaps(MAP_ID));
    const refused = await api.request('DELETE', 'virtualHubs/rs/routeMaps/rm1');
    expect(refused.statusCode).toBe(400);
    expect(refused.body.error.code).toBe('ResourceInUse');
    await api.request('PUT', 'virtualHubs/rs/bgpConnections/nva1', {
      properties: { peerIp: '10.0.2.4', peerAsn: 65001 },
    });
    expect(runtime.peerSpecs.at(-1)?.routeMaps).toBeUndefined();
    const deleted = await api.request('DELETE', 'virtualHubs/rs/routeMaps/rm1');
    expect([200, 202, 204]).toContain(deleted.statusCode);
    expect((await api.request('GET', 'virtualHubs/rs/routeMaps/rm1')).statusCode).toBe(404);
  });

  it('evaluate runs the stored map on the named peering and answers per instance', async () => {
    await routeServer();
    await api.request('PUT', 'virtualHubs/rs/routeMaps/rm1', { properties: { rules: [dropLab] } });
    await api.request('PUT', 'virtualHubs/rs/bgpConnections/nva1', {
      properties: { peerIp: '10.0.2.4', peerAsn: 65001 },
    });
    const evaluation = {
      direction: 'inbound' as const,
      evaluated: 2,
      unchanged: 1,
      dropped: 1,
      modified: 0,
      summarized: 0,
      summaries: [],
      routes: [
        {
          network: '10.99.1.0/24',
          result: 'Dropped' as const,
          rules: ['no-lab'],
          before: { asPath: '65001', communities: [] },
        },
      ],
      truncated: false,
    };
    runtime.evaluations = [{ instance: 'IN_1', evaluation }];
    const res = await api.action('virtualHubs/rs/routeMaps/rm1/evaluate', {
      connection: 'nva1',
      direction: 'Inbound',
    });
    expect(res.body).toEqual({ RouteServiceRole_IN_1: { ...evaluation, direction: 'Inbound' } });
    expect(runtime.evaluated).toEqual([
      {
        connectionId: `${NET}/virtualHubs/rs/bgpConnections/nva1`,
        map: { name: 'rm1', rules: [dropLab] },
        direction: 'inbound',
      },
    ]);
  });

  it('evaluate refuses an unknown peering or direction at once', async () => {
    await routeServer();
    await api.request('PUT', 'virtualHubs/rs/routeMaps/rm1', { properties: { rules: [dropLab] } });
    const missing = await api.request('POST', 'virtualHubs/rs/routeMaps/rm1/evaluate', {
      connection: 'none',
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.body.error.code).toBe('InvalidResourceReference');
    const direction = await api.request('POST', 'virtualHubs/rs/routeMaps/rm1/evaluate', {
      connection: 'nva1',
      direction: 'Sideways',
    });
    expect(direction.statusCode).toBe(400);
    expect(direction.body.error.code).toBe('InvalidParameter');
  });
});
