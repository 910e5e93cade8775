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
