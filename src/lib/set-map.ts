/**
 * Indexes that map a key to a set of values (e.g. a route table to the
 * subnets that use it): a set is created on first add and dropped when its
 * last value goes, so the map's size counts keys that have values.
 */
export function addToSetMap<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  let set = map.get(key);
  if (set === undefined) map.set(key, (set = new Set()));
  set.add(value);
}

export function removeFromSetMap<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set === undefined) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}
