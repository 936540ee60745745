/**
 * Longest-prefix-match trie for IPv4 and IPv6 prefixes.
 *
 * A binary, path-compressed (PATRICIA-style) trie: every node carries the
 * full prefix it stands for, so a chain of single-child nodes collapses into
 * one edge. A node either holds a value (a stored prefix) or is a "glue" node
 * that only splits two subtrees; glue nodes never have fewer than two
 * children, so the trie has at most 2n - 1 nodes for n stored prefixes.
 *
 * Keys are `Prefix` values from `./prefix.ts`; an address is looked up as a
 * host prefix (/32 or /128) or through `longestMatchIpv4` for a plain number.
 * Iteration is pre-order, IPv4 first: the same order as `comparePrefixes`.
 */
import type { Ipv4Prefix, Ipv6Prefix, Prefix } from './prefix.js';
import { ipv4Mask, ipv4Prefix, ipv6Prefix, prefixBit } from './prefix.js';

export interface TrieEntry<V> {
  readonly prefix: Prefix;
  readonly value: V;
}

class TrieNode<V> {
  hasValue = false;
  value: V | undefined = undefined;
  left: TrieNode<V> | null = null;
  right: TrieNode<V> | null = null;
  constructor(readonly prefix: Prefix) {}

  child(bit: number): TrieNode<V> | null {
    return bit === 0 ? this.left : this.right;
  }

  setChild(bit: number, node: TrieNode<V> | null): void {
    if (bit === 0) this.left = node;
    else this.right = node;
  }

  childCount(): number {
    return (this.left ? 1 : 0) + (this.right ? 1 : 0);
  }
}

/** Number of leading bits two prefixes share, at most the shorter length. */
function commonLength(a: Prefix, b: Prefix): number {
  const limit = Math.min(a.length, b.length);
  if (a.family === 4) {
    const diff = (a.address ^ (b as Ipv4Prefix).address) >>> 0;
    return Math.min(limit, Math.clz32(diff));
  }
  const bb = (b as Ipv6Prefix).address;
  for (let i = 0; i < 16; i++) {
    const diff = a.address[i]! ^ bb[i]!;
    if (diff !== 0) return Math.min(limit, i * 8 + Math.clz32(diff) - 24);
  }
  return limit;
}

/** True when `outer` covers `inner` (equal counts). Same family assumed. */
function covers(outer: Prefix, inner: Prefix): boolean {
  if (outer.length > inner.length) return false;
  if (outer.family === 4) {
    return ((outer.address ^ (inner as Ipv4Prefix).address) & ipv4Mask(outer.length)) >>> 0 === 0;
  }
  return commonLength(outer, inner) >= outer.length;
}

function truncate(prefix: Prefix, length: number): Prefix {
  return prefix.family === 4 ? ipv4Prefix(prefix.address, length) : ipv6Prefix(prefix.address, length);
}

export class LpmTrie<V> {
  private rootV4: TrieNode<V> | null = null;
  private rootV6: TrieNode<V> | null = null;
  private count = 0;

  get size(): number {
    return this.count;
  }

  private root(family: 4 | 6): TrieNode<V> | null {
    return family === 4 ? this.rootV4 : this.rootV6;
  }

  private setRoot(family: 4 | 6, node: TrieNode<V> | null): void {
    if (family === 4) this.rootV4 = node;
    else this.rootV6 = node;
  }

  /** Replaces `parent`'s link (or the root) that pointed at `old` with `node`. */
  private relink(
    parent: TrieNode<V> | null,
    family: 4 | 6,
    old: TrieNode<V>,
    node: TrieNode<V> | null,
  ): void {
    if (!parent) this.setRoot(family, node);
    else if (parent.left === old) parent.left = node;
    else parent.right = node;
  }

  /** Stores `value` under `prefix`, replacing any previous value. */
  set(prefix: Prefix, value: V): this {
    let parent: TrieNode<V> | null = null;
    let node = this.root(prefix.family);
    for (;;) {
      if (!node) {
        const leaf = this.leaf(prefix, value);
        if (!parent) this.setRoot(prefix.family, leaf);
        else parent.setChild(prefixBit(prefix, parent.prefix.length), leaf);
        return this;
      }
      const common = commonLength(node.prefix, prefix);
      if (common === node.prefix.length) {
        if (prefix.length === node.prefix.length) {
          if (!node.hasValue) this.count++;
          node.hasValue = true;
          node.value = value;
          return this;
        }
        parent = node;
        node = node.child(prefixBit(prefix, node.prefix.length));
        continue;
      }
      // `node` does not cover `prefix`: insert above it, or split with a glue node.
      const above =
        common === prefix.length ? this.leaf(prefix, value) : new TrieNode<V>(truncate(prefix, common));
      above.setChild(prefixBit(node.prefix, common), node);
      if (above.prefix.length !== prefix.length)
        above.setChild(prefixBit(prefix, common), this.leaf(prefix, value));
      this.relink(parent, prefix.family, node, above);
      return this;
    }
  }

  private leaf(prefix: Prefix, value: V): TrieNode<V> {
    const node = new TrieNode<V>(prefix);
    node.hasValue = true;
    node.value = value;
    this.count++;
    return node;
  }

  /** The value stored under exactly `prefix`. */
  get(prefix: Prefix): V | undefined {
    const node = this.findExact(prefix);
    return node?.hasValue ? node.value : undefined;
  }

  has(prefix: Prefix): boolean {
    return this.findExact(prefix)?.hasValue === true;
  }

  private findExact(prefix: Prefix): TrieNode<V> | null {
    let node = this.root(prefix.family);
    while (node && covers(node.prefix, prefix)) {
      if (node.prefix.length === prefix.length) return node;
      node = node.child(prefixBit(prefix, node.prefix.length));
    }
    return null;
  }

  /** Removes `prefix`; returns whether it was stored. */
  delete(prefix: Prefix): boolean {
    let grandparent: TrieNode<V> | null = null;
    let parent: TrieNode<V> | null = null;
    let node = this.root(prefix.family);
    while (node && covers(node.prefix, prefix) && node.prefix.length < prefix.length) {
      grandparent = parent;
      parent = node;
      node = node.child(prefixBit(prefix, node.prefix.length));
    }
    if (!node || node.prefix.length !== prefix.length || !covers(node.prefix, prefix) || !node.hasValue) {
      return false;
    }
    node.hasValue = false;
    node.value = undefined;
    this.count--;
    const family = prefix.family;
    if (node.childCount() === 2) return true;
    if (node.childCount() === 1) {
      this.relink(parent, family, node, node.left ?? node.right);
      return true;
    }
    this.relink(parent, family, node, null);
    // A glue parent left with one child is no longer needed.
    if (parent && !parent.hasValue) this.relink(grandparent, family, parent, parent.left ?? parent.right);
    return true;
  }

  /** The longest stored prefix covering `key` (an address as a host prefix, or any prefix). */
  longestMatch(key: Prefix): TrieEntry<V> | undefined {
    let best: TrieNode<V> | null = null;
    let node = this.root(key.family);
    while (node && covers(node.prefix, key)) {
      if (node.hasValue) best = node;
      if (node.prefix.length === key.length) break;
      node = node.child(prefixBit(key, node.prefix.length));
    }
    return best ? { prefix: best.prefix, value: best.value as V } : undefined;
  }

  /** Fast path of `longestMatch` for an IPv4 address given as an unsigned 32-bit number. */
  longestMatchIpv4(address: number): TrieEntry<V> | undefined {
    let best: TrieNode<V> | null = null;
    let node = this.rootV4;
    while (node) {
      const p = node.prefix as Ipv4Prefix;
      if (((p.address ^ address) & ipv4Mask(p.length)) >>> 0 !== 0) break;
      if (node.hasValue) best = node;
      if (p.length === 32) break;
      node = ((address >>> (31 - p.length)) & 1) === 0 ? node.left : node.right;
    }
    return best ? { prefix: best.prefix, value: best.value as V } : undefined;
  }

  /** Every stored prefix covering `key`, shortest first (the covering chain). */
  matches(key: Prefix): TrieEntry<V>[] {
    const out: TrieEntry<V>[] = [];
    let node = this.root(key.family);
    while (node && covers(node.prefix, key)) {
      if (node.hasValue) out.push({ prefix: node.prefix, value: node.value as V });
      if (node.prefix.length === key.length) break;
      node = node.child(prefixBit(key, node.prefix.length));
    }
    return out;
  }

  /** Every stored prefix equal to or more specific than `key`, in prefix order. */
  *coveredBy(key: Prefix): Generator<TrieEntry<V>> {
    let node = this.root(key.family);
    while (node && !covers(key, node.prefix)) {
      if (!covers(node.prefix, key) || node.prefix.length === key.length) return;
      node = node.child(prefixBit(key, node.prefix.length));
    }
    if (node) yield* this.walk(node);
  }

  /** All entries, IPv4 first, each family in prefix order. */
  *entries(): Generator<TrieEntry<V>> {
    if (this.rootV4) yield* this.walk(this.rootV4);
    if (this.rootV6) yield* this.walk(this.rootV6);
  }

  [Symbol.iterator](): Generator<TrieEntry<V>> {
    return this.entries();
  }

  private *walk(start: TrieNode<V>): Generator<TrieEntry<V>> {
    const stack: TrieNode<V>[] = [start];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node.hasValue) yield { prefix: node.prefix, value: node.value as V };
      if (node.right) stack.push(node.right);
      if (node.left) stack.push(node.left);
    }
  }

  clear(): void {
    this.rootV4 = null;
    this.rootV6 = null;
    this.count = 0;
  }
}
