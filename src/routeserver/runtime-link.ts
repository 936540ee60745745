/**
 * Connects the virtual network model to the BGP runtime (src/runtime), whose
 * interface is plain data:
 * - the routes the runtime's instances inject reach the route server's
 *   binding in the model, or the gateway's for a gateway's speaker
 *   (docs/gateways.md); batches for one that is no longer placed are
 *   dropped; when an instance fails, everything it injected is withdrawn;
 * - a route server starts with its binding's advertised address spaces, and
 *   every later change of them is sent to the runtime.
 */
import { formatPrefix } from '../lib/prefix.js';
import type { RouteServerBinding, VirtualNetworkModel } from '../sdn/index.js';
import type { BgpRuntime, RouteServerRuntimeSpec, StartOptions, StartOutcome } from '../runtime/index.js';
import { idKey } from './ids.js';

/** The spec without its address spaces: they are read from the binding when the start runs. */
export type RuntimeStart = Omit<RouteServerRuntimeSpec, 'addressSpaces'>;

const spacesOf = (binding: RouteServerBinding): string[] =>
  binding.advertisedAddressSpaces().map(formatPrefix);

export class RuntimeLink {
  /** route server id key → the binding followed and its unsubscribe */
  private readonly followed = new Map<string, { binding: RouteServerBinding; stop: () => void }>();
  private readonly unsubscribe: () => void;

  constructor(
    readonly runtime: BgpRuntime,
    private readonly model: VirtualNetworkModel,
    private readonly onError: (error: unknown) => void,
  ) {
    this.unsubscribe = runtime.onInjectedRoutes((routes) => {
      const { routeServerId, instance } = routes;
      const gateway = this.model.gateway(idKey(routeServerId));
      if (gateway !== undefined) {
        if (routes.withdrawAll === true) gateway.withdrawInstance(instance);
        else if (routes.batch !== undefined) gateway.applyInjectedRoutes(instance, routes.batch);
        else gateway.applyRouteChanges(instance, routes.changes);
        return;
      }
      const binding = this.model.routeServer(idKey(routeServerId));
      if (binding === undefined) return;
      if (routes.withdrawAll === true) {
        const withdrawn = binding.injectedRoutes(instance).map(({ prefix }) => ({ prefix, route: null }));
        binding.applyRouteChanges(instance, withdrawn);
      } else if (routes.batch !== undefined) binding.applyInjectedRoutes(instance, routes.batch);
      else binding.applyRouteChanges(instance, routes.changes);
    });
  }

  /** Starts the route server with the binding's current spaces and follows their changes. */
  start(spec: RuntimeStart, binding: RouteServerBinding, options?: StartOptions): Promise<StartOutcome> {
    this.follow(spec.routeServerId, binding);
    return this.runtime.startRouteServer({ ...spec, addressSpaces: spacesOf(binding) }, options);
  }

  private follow(routeServerId: string, binding: RouteServerBinding): void {
    const key = idKey(routeServerId);
    const current = this.followed.get(key);
    if (current?.binding === binding) return;
    current?.stop();
    const stop = binding.onAddressSpacesChanged(() => {
      this.runtime.setAddressSpaces(routeServerId, spacesOf(binding)).catch(this.onError);
    });
    this.followed.set(key, { binding, stop });
  }

  /** The route server stopped: its spaces are no longer followed. */
  stopped(routeServerId: string): void {
    const key = idKey(routeServerId);
    this.followed.get(key)?.stop();
    this.followed.delete(key);
  }

  close(): void {
    for (const { stop } of this.followed.values()) stop();
    this.followed.clear();
    this.unsubscribe();
  }
}
