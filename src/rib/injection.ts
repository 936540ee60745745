/**
 * VNet-injection bookkeeping of one instance: which Loc-RIB prefixes are
 * injected into the virtual network and which are withheld, and the
 * per-prefix change records published through the `InjectedRouteSink` port.
 *
 * The injectability rule (docs/azure-behaviour.md §3.2: no prefix equal to or
 * more specific than an advertised address space) is asked of the
 * `VirtualNetworkView` here and nowhere else in the route engine: once per
 * prefix whose Loc-RIB entry changed, and for every prefix when the address
 * spaces change (`recheck`).
 */
import type { Prefix, PrefixKey } from '../lib/prefix.js';
import { prefixFromKey } from '../lib/prefix.js';
import { PrefixSet } from '../lib/prefix-map.js';
import type { LocRibEntry } from './loc-rib.js';
import { injectedRoute, sameInjection } from './loc-rib.js';
import type { InjectedRouteChange, InjectedRouteSink, InstanceId, VirtualNetworkView } from './ports.js';

export class VnetInjection {
  /** Loc-RIB prefixes not injected because they lie within an advertised address space */
  private readonly withheld = new PrefixSet();
  private injectedCount = 0;
  /** changes recorded since the last `publish` */
  private pending: InjectedRouteChange[] = [];

  constructor(
    private readonly instance: InstanceId,
    private readonly network: VirtualNetworkView,
    private readonly sink: InjectedRouteSink,
  ) {}

  /** Prefixes injected into the VNet. */
  get size(): number {
    return this.injectedCount;
  }

  /** True when a prefix of the Loc-RIB is withheld from the VNet (within an advertised address space). */
  isWithheld(key: PrefixKey): boolean {
    return this.withheld.has(key);
  }

  /**
   * Records what the VNet must change for `key`, whose Loc-RIB entry went
   * from `before` to `after` (the same entry when only the address spaces
   * changed).
   */
  change(key: PrefixKey, before: LocRibEntry | undefined, after: LocRibEntry | undefined): void {
    const wasWithheld = this.withheld.size > 0 && this.withheld.has(key);
    const wasInjected = before !== undefined && !wasWithheld;
    let prefix: Prefix | undefined;
    let nowInjected = false;
    if (after) {
      prefix = prefixFromKey(key);
      nowInjected = this.network.isInjectable(prefix);
    }
    if (after && !nowInjected) {
      if (!wasWithheld) this.withheld.add(key);
    } else if (wasWithheld) this.withheld.delete(key);
    if (!wasInjected && !nowInjected) return;
    if (!nowInjected) {
      this.injectedCount--;
      this.pending.push({ prefix: prefixFromKey(key), route: null });
    } else if (!wasInjected || !sameInjection(before, after!)) {
      if (!wasInjected) this.injectedCount++;
      this.pending.push({ prefix: prefix!, route: injectedRoute(prefix!, after!) });
    }
  }

  /** Hands the recorded changes to the VNet in one call; returns how many there were. */
  publish(): number {
    if (this.pending.length === 0) return 0;
    const changes = this.pending;
    this.pending = [];
    this.sink.applyInjectedRoutes(this.instance, changes);
    return changes.length;
  }
}
