/**
 * VNet-injection bookkeeping of one instance: which Loc-RIB prefixes are
 * injected into the virtual network and which are withheld, and the changes
 * published through the `InjectedRouteSink` port: per prefix its key and the
 * id of its next-hop set (src/rib/injected-changes.ts), no object each.
 *
 * The injectability rule (docs/azure-behaviour.md §3.2: no prefix equal to or
 * more specific than an advertised address space) is asked of the
 * `VirtualNetworkView` here and nowhere else, the virtual network included
 * (it programs what it is given): once per prefix whose Loc-RIB entry
 * changed, and for every prefix when the address spaces change (the engine's
 * re-check walk calls `change` with the same entry before and after).
 * Only next hops reach the VNet, so a new best path with the same next hops
 * is no change for it.
 *
 * The rule itself is `AdvertisedAddressSpaces` below: the views of the
 * virtual network (src/sdn/bgp-input.ts, src/runtime/address-spaces.ts)
 * answer `isInjectable` with it, so there is one definition of "within an
 * advertised address space".
 */
import { LpmTrie } from '../lib/lpm-trie.js';
import type { Prefix, PrefixKey } from '../lib/prefix.js';
import { formatPrefix, prefixFromKey } from '../lib/prefix.js';
import { PrefixSet } from '../lib/prefix-map.js';
import { InjectedChanges } from './injected-changes.js';
import type { LocRibEntry } from './loc-rib.js';
import { injectedHops, sameInjectedHops } from './loc-rib.js';
import type { InjectedRouteSink, InstanceId, VirtualNetworkView } from './ports.js';

export class VnetInjection {
  /** Loc-RIB prefixes not injected because they lie within an advertised address space */
  private readonly withheld = new PrefixSet();
  private injectedCount = 0;
  /** changes recorded since the last `publish` */
  private pending = new InjectedChanges();

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
    const nowInjected = after !== undefined && this.network.isInjectable(prefixFromKey(key));
    if (after && !nowInjected) {
      if (!wasWithheld) this.withheld.add(key);
    } else if (wasWithheld) this.withheld.delete(key);
    if (!wasInjected && !nowInjected) return;
    if (!nowInjected) {
      this.injectedCount--;
      this.pending.add(key, undefined);
    } else if (!wasInjected || !sameInjectedHops(before, after)) {
      if (!wasInjected) this.injectedCount++;
      this.pending.add(key, injectedHops(after));
    }
  }

  /** Hands the recorded changes to the VNet in one call; returns how many there were. */
  publish(): number {
    if (this.pending.size === 0) return 0;
    const changes = this.pending;
    this.pending = new InjectedChanges();
    this.sink.applyInjectedRoutes(this.instance, changes);
    return changes.size;
  }
}

/**
 * The advertised address spaces and the injectability rule over them
 * (docs/azure-behaviour.md §3.2): a prefix equal to or more specific than
 * one of the spaces is not injected; supernets and the default route are.
 */
export class AdvertisedAddressSpaces {
  private spaces: readonly Prefix[] = [];
  private trie = new LpmTrie<Prefix>();

  /** The spaces, in the order given. */
  get list(): readonly Prefix[] {
    return this.spaces;
  }

  /** Replaces the spaces; false when they are the same list. */
  replace(spaces: readonly Prefix[]): boolean {
    const text = (list: readonly Prefix[]): string => list.map(formatPrefix).join(',');
    if (text(spaces) === text(this.spaces)) return false;
    this.spaces = [...spaces];
    this.trie = new LpmTrie<Prefix>();
    for (const space of spaces) this.trie.set(space, space);
    return true;
  }

  isInjectable(prefix: Prefix): boolean {
    return this.trie.longestMatch(prefix) === undefined;
  }
}
