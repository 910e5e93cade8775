import { GATEWAY_GROUP, isCoreGroup } from '@portico/api';
import { compareStrings, sortInPlace } from '@portico/ir';

export { GATEWAY_GROUP, isCoreGroup, compareStrings, sortInPlace };
export const CORE_GROUP = '';

/** A TCP/UDP port number (1-65535). */
export function isPortNumber(port: unknown): port is number {
  return Number.isInteger(port) && (port as number) >= 1 && (port as number) <= 65535;
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

const hasOwnProperty = Object.prototype.hasOwnProperty;

/** Deep equality of JSON-like values (plain objects compared by own fields, whatever their order). */
export function sameJsonValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJsonValue(a[i], b[i])) return false;
    return true;
  }
  return sameJsonFields(a as Record<string, unknown>, b as Record<string, unknown>);
}

/** Equal own fields, whatever their order; `ignored` fields may differ or be absent on either side. */
export function sameJsonFields(a: Record<string, unknown>, b: Record<string, unknown>, ignored?: ReadonlySet<string>): boolean {
  let count = 0;
  for (const key in a) {
    if (!hasOwnProperty.call(a, key) || ignored?.has(key)) continue;
    if (!hasOwnProperty.call(b, key) || !sameJsonValue(a[key], b[key])) return false;
    count++;
  }
  for (const key in b) if (hasOwnProperty.call(b, key) && !ignored?.has(key)) count--;
  return count === 0;
}
