/**
 * The live part of a route server's `provisioningState` and `routingState`
 * (docs/azure-behaviour.md §7.3), kept beside the stored configuration:
 * - `Updating` from the commit of a write that changes BGP (a start, a stop,
 *   a peer added, changed or removed, new settings) until the runtime has
 *   applied it, on the route server and on the BGP connection it concerns;
 * - `routingState: Provisioning` while the instances start, `Failed` when
 *   they could not start (an address that cannot be bound) or an instance's
 *   thread failed and has not been started again, `Provisioned` otherwise;
 * - `provisioningState: Failed`, with the runtime's explanation, when the
 *   instances could not start, until a start succeeds or the
 *   ipConfiguration is deleted.
 * The instance failures come from the runtime's supervision events
 * (`RUNTIME_CHANNEL`, src/runtime/events.ts).
 */
import diagnostics from 'node:diagnostics_channel';
import type { InstanceId } from '../rib/ports.js';
import { RUNTIME_CHANNEL, type RuntimeEvent } from '../runtime/index.js';
import { idKey } from './ids.js';
import type { Mutation } from './mutation.js';
import type { ProvisioningState, RoutingState } from './types.js';

/** Why a route server's instances could not start: the runtime's code and explanation. */
export interface StartFailure {
  readonly code: string;
  readonly message: string;
}

export class RouteServerStates {
  /** id key → writes whose BGP changes are being applied */
  private readonly applying = new Map<string, number>();
  /** route server id keys whose instances are starting */
  private readonly starting = new Set<string>();
  /** route server id key → why its instances could not start */
  private readonly failures = new Map<string, StartFailure>();
  /** route server id key → its instances whose thread failed and runs no more */
  private readonly failedInstances = new Map<string, Set<InstanceId>>();
  private readonly onRuntimeEvent = (message: unknown) => this.follow(message as RuntimeEvent);
  private following = false;

  /** Follows the runtime's instance failures and restarts (a service with a runtime). */
  followRuntime(): void {
    if (this.following) return;
    diagnostics.subscribe(RUNTIME_CHANNEL, this.onRuntimeEvent);
    this.following = true;
  }

  close(): void {
    if (this.following) diagnostics.unsubscribe(RUNTIME_CHANNEL, this.onRuntimeEvent);
    this.following = false;
  }

  /**
   * `ids` show `Updating` from now until the mutation's live effects have run
   * (or failed); a mutation that is rolled back takes the mark back.
   */
  applyingIn(mutation: Mutation, ids: readonly string[]): void {
    const keys = ids.map(idKey);
    mutation.apply(
      () => this.mark(keys, 1),
      () => this.mark(keys, -1),
    );
    mutation.onSettled(() => this.mark(keys, -1));
  }

  /** The route server's instances start with this mutation's effects: `Provisioning` until they run or fail. */
  startingIn(mutation: Mutation, routeServerId: string): void {
    const key = idKey(routeServerId);
    mutation.apply(
      () => this.starting.add(key),
      () => this.starting.delete(key),
    );
    mutation.onSettled(() => this.starting.delete(key));
    this.applyingIn(mutation, [routeServerId]);
  }

  /** The instances run: an earlier failure no longer counts. */
  started(routeServerId: string): void {
    const key = idKey(routeServerId);
    this.failures.delete(key);
    this.failedInstances.delete(key);
  }

  /** The instances could not start. */
  startFailed(routeServerId: string, failure: StartFailure): void {
    this.failures.set(idKey(routeServerId), failure);
  }

  /** The route server no longer runs (its ipConfiguration is gone): nothing of its past runs counts. */
  stopped(routeServerId: string): void {
    this.started(routeServerId);
  }

  startFailure(routeServerId: string): StartFailure | undefined {
    return this.failures.get(idKey(routeServerId));
  }

  /** The provisioning state of a route server or BGP connection. */
  provisioningState(id: string): ProvisioningState {
    const key = idKey(id);
    if ((this.applying.get(key) ?? 0) > 0) return 'Updating';
    return this.failures.has(key) ? 'Failed' : 'Succeeded';
  }

  /** The routing state of a route server; `placed`: it has an ipConfiguration. */
  routingState(routeServerId: string, placed: boolean): RoutingState {
    if (!placed) return 'None';
    const key = idKey(routeServerId);
    if (this.starting.has(key)) return 'Provisioning';
    if (this.failures.has(key) || (this.failedInstances.get(key)?.size ?? 0) > 0) return 'Failed';
    return 'Provisioned';
  }

  private mark(keys: readonly string[], change: 1 | -1): void {
    for (const key of keys) {
      const count = (this.applying.get(key) ?? 0) + change;
      if (count > 0) this.applying.set(key, count);
      else this.applying.delete(key);
    }
  }

  private follow(event: RuntimeEvent): void {
    const key = idKey(event.routeServerId);
    if (event.type === 'instance-failed') {
      const failed = this.failedInstances.get(key) ?? new Set<InstanceId>();
      failed.add(event.instance);
      this.failedInstances.set(key, failed);
      return;
    }
    const failed = this.failedInstances.get(key);
    failed?.delete(event.instance);
    if (failed?.size === 0) this.failedInstances.delete(key);
  }
}
