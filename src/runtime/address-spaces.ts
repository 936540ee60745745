/**
 * The route engine's view of the virtual network (src/rib/ports.ts), built
 * from the address spaces the runtime is told: the runtime needs no model,
 * only the list. A prefix equal to or more specific than one of the spaces
 * is not injectable (docs/azure-behaviour.md §3.2); the model applies the same rule
 * on its side.
 */
import { LpmTrie } from '../lib/lpm-trie.js';
import { formatPrefix, parsePrefix, type Prefix } from '../lib/prefix.js';
import type { VirtualNetworkView } from '../rib/ports.js';

export class AddressSpaces implements VirtualNetworkView {
  private spaces: readonly Prefix[] = [];
  private trie = new LpmTrie<Prefix>();
  private readonly listeners = new Set<() => void>();

  constructor(spaces: readonly string[]) {
    this.replace(spaces);
  }

  /** Replaces the spaces (canonical prefix text); tells the engines when the set changed. */
  set(spaces: readonly string[]): void {
    if (this.replace(spaces)) for (const listener of [...this.listeners]) listener();
  }

  private replace(spaces: readonly string[]): boolean {
    const parsed = spaces.map((text) => parsePrefix(text));
    const key = (list: readonly Prefix[]) => list.map(formatPrefix).join(',');
    if (key(parsed) === key(this.spaces)) return false;
    this.spaces = parsed;
    this.trie = new LpmTrie<Prefix>();
    for (const space of parsed) this.trie.set(space, space);
    return true;
  }

  advertisedAddressSpaces(): readonly Prefix[] {
    return this.spaces;
  }

  isInjectable(prefix: Prefix): boolean {
    return this.trie.longestMatch(prefix) === undefined;
  }

  onAddressSpacesChanged(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}
