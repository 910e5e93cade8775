// The order of every sorted list in the IR and in the Envoy resources built from it.

/** Plain code-unit comparison: locale-independent, so output never depends on the host. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Sorts in place, stably, like Array.prototype.sort. Short arrays (most virtual hosts and
 * endpoint lists) are sorted by insertion, which needs no scratch copy: Array.prototype.sort
 * sets up state for every call, and a build makes thousands of calls on lists of a few entries.
 */
export function sortInPlace<T>(items: T[], compare: (a: T, b: T) => number): T[] {
  if (items.length > 16) return items.sort(compare);
  for (let i = 1; i < items.length; i++) {
    const item = items[i] as T;
    let j = i - 1;
    while (j >= 0 && compare(items[j] as T, item) > 0) {
      items[j + 1] = items[j] as T;
      j--;
    }
    items[j + 1] = item;
  }
  return items;
}
