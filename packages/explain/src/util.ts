// Small readers over proto3-JSON shaped objects (snake_case fields, Any as {"@type", ...}).
import { isIP } from 'node:net';

export type Obj = Record<string, unknown>;

export function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function obj(value: unknown): Obj | undefined {
  return isObj(value) ? value : undefined;
}

export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function objs(value: unknown): Obj[] {
  return arr(value).filter(isObj);
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  if (isObj(value) && 'value' in value) return num(value.value);
  return undefined;
}

/** bool or google.protobuf.BoolValue ({value: bool}); undefined when unset. */
export function bool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (isObj(value)) {
    if (typeof value.value === 'boolean') return value.value;
    // An empty BoolValue message is `false`.
    if (Object.keys(value).length === 0) return false;
  }
  return undefined;
}

export function typeName(message: Obj | undefined): string | undefined {
  const url = message ? str(message['@type']) : undefined;
  if (!url) return undefined;
  const slash = url.lastIndexOf('/');
  return slash >= 0 ? url.slice(slash + 1) : url;
}

/** google.protobuf.Duration given as "1.5s" or {seconds, nanos}; returns milliseconds. */
export function durationMs(value: unknown): number | undefined {
  if (typeof value === 'string') {
    const m = /^(-?\d+(?:\.\d+)?)s$/.exec(value.trim());
    return m ? Math.round(Number(m[1]) * 1000) : undefined;
  }
  if (isObj(value)) {
    const seconds = num(value.seconds) ?? 0;
    const nanos = num(value.nanos) ?? 0;
    return Math.round(seconds * 1000 + nanos / 1e6);
  }
  return undefined;
}

export function formatMs(ms: number): string {
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${(ms / 1000).toFixed(3).replace(/0+$/, '')}s`;
}

export function formatDuration(value: unknown): string | undefined {
  const ms = durationMs(value);
  return ms === undefined ? undefined : formatMs(ms);
}

const DENOMINATORS: Record<string, number> = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 };

/** envoy.type.v3.FractionalPercent as a percentage 0..100. */
export function fractionPercent(value: unknown): number | undefined {
  const fraction = obj(value);
  if (!fraction) return undefined;
  const numerator = num(fraction.numerator) ?? 0;
  const denominatorField = fraction.denominator;
  let denominator = 100;
  if (typeof denominatorField === 'string') denominator = DENOMINATORS[denominatorField] ?? 100;
  else if (typeof denominatorField === 'number') denominator = [100, 10_000, 1_000_000][denominatorField] ?? 100;
  return Math.min(100, (numerator / denominator) * 100);
}

/** Portico source metadata: metadata.filter_metadata.portico. */
export function porticoSource(message: Obj | undefined): Obj | undefined {
  return obj(obj(obj(message?.metadata)?.filter_metadata)?.portico);
}

/** The address in `host` (brackets around IPv6 removed) when it is an IP literal; undefined for a name. */
export function ipLiteral(host: string): string | undefined {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return isIP(bare) ? bare : undefined;
}

/** Splits `host[:port]`, handling IPv6 literals in brackets. */
export function splitHostPort(authority: string): { host: string; port?: number } {
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    const rest = authority.slice(end + 1);
    if (rest.startsWith(':') && /^\d+$/.test(rest.slice(1))) return { host: authority.slice(0, end + 1), port: Number(rest.slice(1)) };
    return { host: authority };
  }
  const colon = authority.lastIndexOf(':');
  if (colon > 0 && /^\d+$/.test(authority.slice(colon + 1))) {
    return { host: authority.slice(0, colon), port: Number(authority.slice(colon + 1)) };
  }
  return { host: authority };
}

export function describe(value: unknown): string {
  return JSON.stringify(value);
}
