/**
 * The route map options of `routeserver peering create|update`
 * (docs/route-maps.md): the peering's `routingConfiguration` extension
 * property, `{inboundRouteMap: {id}, outboundRouteMap: {id}}`. A map is given
 * by name (a map of the same route server) or id; `update` keeps the maps the
 * peering has unless an option changes them (a PUT without the property
 * would remove them).
 */
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { isRecord } from '../context.js';

interface RouteMapOptions {
  /** a name or id, or false for --no-…-route-map */
  inboundRouteMap?: string | false;
  outboundRouteMap?: string | false;
}

export function withRouteMapOptions<T extends CommandUnknownOpts>(command: T): T {
  command
    .option('--inbound-route-map <name>', 'route map run on the routes the peer sends (name or id)')
    .option('--no-inbound-route-map', 'remove the inbound route map')
    .option('--outbound-route-map <name>', 'route map run on the routes advertised to the peer (name or id)')
    .option('--no-outbound-route-map', 'remove the outbound route map');
  return command;
}

function currentId(routing: unknown, member: string): string | undefined {
  const reference = isRecord(routing) ? routing[member] : undefined;
  return isRecord(reference) && typeof reference['id'] === 'string' ? reference['id'] : undefined;
}

/**
 * The `routingConfiguration` member of the PUT body from the options over
 * the current one (`current`: the peering's properties; `{}` on create);
 * absent when the peering names no map.
 */
export function routingConfigurationProperty(
  options: unknown,
  current: Record<string, unknown>,
  hubId: string,
): { routingConfiguration?: Record<string, { id: string }> } {
  const { inboundRouteMap, outboundRouteMap } = options as RouteMapOptions;
  const routing = current['routingConfiguration'];
  const pick = (given: string | false | undefined, member: string) => {
    if (given === false) return undefined;
    if (given === undefined) return currentId(routing, member);
    return given.startsWith('/') ? given : `${hubId}/routeMaps/${given}`;
  };
  const inbound = pick(inboundRouteMap, 'inboundRouteMap');
  const outbound = pick(outboundRouteMap, 'outboundRouteMap');
  if (inbound === undefined && outbound === undefined) return {};
  return {
    routingConfiguration: {
      ...(inbound === undefined ? {} : { inboundRouteMap: { id: inbound } }),
      ...(outbound === undefined ? {} : { outboundRouteMap: { id: outbound } }),
    },
  };
}
