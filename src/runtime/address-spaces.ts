/**
 * The route engine's view of the virtual network (src/rib/ports.ts), built
 * from the address spaces the runtime is told: the runtime needs no model,
 * only the list. A prefix equal to or more specific than one of the spaces
 * is not injectable (docs/azure-behaviour.md §3.2): the rule's one definition,
 * `AdvertisedAddressSpaces` (src/rib/injection.ts), which the model uses too.
 */
import { parsePrefix, type Prefix } from '../lib/prefix.js';
import { AdvertisedAddressSpaces } from '../rib/index.js';
import type { VirtualNetworkView } from '../rib/ports.js';

export class AddressSpaces implements VirtualNetworkView {
  private readonly spaces = new AdvertisedAddressSpaces();
  private readonly listeners = new Set<() => void>();

  constructor(spaces: readonly string[]) {
    this.replace(spaces);
  }

  /** Replaces the spaces (canonical prefix text); tells the engines when the set changed. */
  set(spaces: readonly string[]): void {
    if (this.replace(spaces)) for (const listener of [...this.listeners]) listener();
  }

  private replace(spaces: readonly string[]): boolean {
    return this.spaces.replace(spaces.map((text) => parsePrefix(text)));
  }

  advertisedAddressSpaces(): readonly Prefix[] {
    return this.spaces.list;
  }

  isInjectable(prefix: Prefix): boolean {
    return this.spaces.isInjectable(prefix);
  }

  onAddressSpacesChanged(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}
