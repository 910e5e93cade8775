import { GATEWAY_GROUP, isCoreGroup } from '@portico/api';

export { GATEWAY_GROUP, isCoreGroup };
export const CORE_GROUP = '';

/** Plain code-unit comparison: locale-independent, so output never depends on the host. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Sorts in place, stably, like Array.prototype.sort. Short arrays (most virtual hosts and
 * endpoint lists) are sorted by insertion, which needs no scratch copy: Array.prototype.sort
 * allocates one per call, and there is one call per virtual host.
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

export function sortedBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  return [...items].sort((a, b) => compareStrings(key(a), key(b)));
}

export function nsName(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

/** `Kind namespace/name`, the way every user-visible message names an object. */
export function describeObject(kind: string, namespace: string | undefined, name: string): string {
  return namespace ? `${kind} ${namespace}/${name}` : `${kind} ${name}`;
}

export function decodeBase64(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Buffer.from(value, 'base64').toString('utf8');
}
