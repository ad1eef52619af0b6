/**
 * Appends `value` to the array kept under `key`, in place. Copying the array on every append
 * (`map.set(k, [...(map.get(k) ?? []), v])`) is quadratic in the group's size: 2,000 relations of
 * one kind in a dropped schema copied ~2 million elements.
 */
export function appendToGroup<K, V>(groups: Map<K, V[]>, key: K, value: V): void {
  const group = groups.get(key);
  if (group) group.push(value);
  else groups.set(key, [value]);
}
