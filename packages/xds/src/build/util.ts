// Small helpers shared by the builders and features.
import type { IRHeaderMatch, IRSource, IRStringMatch } from '@portico/ir';
import { StrictEncodeError } from '../codec.js';
import type { EnvoyMessage } from '../types.js';

export const ADS_CONFIG_SOURCE: EnvoyMessage = { ads: {}, resource_api_version: 'V3' };

export function adsConfigSource(): EnvoyMessage {
  return { ads: {}, resource_api_version: 'V3' };
}

/** rememberEach's combine for "does any host of the table need it". */
export function anyTrue(results: readonly boolean[]): boolean {
  return results.includes(true);
}

export function byName<T extends { name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export function typed(typeName: string, body: EnvoyMessage): EnvoyMessage {
  return { '@type': `type.googleapis.com/${typeName}`, ...body };
}

/**
 * Gateway API durations (`1h30m`, `500ms`, `10s`) → proto3 JSON duration (`5400s`, `0.5s`).
 * Returns undefined for text that is not a duration.
 */
export function goDurationToProto(text: string): string | undefined {
  // The same few texts ("5s", a cluster's connect timeout) recur on every route and cluster of
  // every build: each is parsed once.
  if (protoDurations.has(text)) return protoDurations.get(text);
  const converted = convertGoDuration(text);
  if (protoDurations.size >= MAX_REMEMBERED_DURATIONS) protoDurations.clear();
  protoDurations.set(text, converted);
  return converted;
}

const MAX_REMEMBERED_DURATIONS = 1024;
const protoDurations = new Map<string, string | undefined>();

function convertGoDuration(text: string): string | undefined {
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/gy;
  let totalNanos = 0;
  let matched = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const n = Number(m[1]);
    const unit = m[2];
    const factor = unit === 'h' ? 3600e9 : unit === 'm' ? 60e9 : unit === 's' ? 1e9 : unit === 'ms' ? 1e6 : unit === 'ns' ? 1 : 1e3;
    totalNanos += n * factor;
    matched = re.lastIndex;
  }
  if (matched === 0 || matched !== text.length) return undefined;
  return nanosToProtoDuration(totalNanos);
}

/** Nanoseconds as a google.protobuf.Duration in JSON form ("1.5s"). */
export function nanosToProtoDuration(totalNanos: number): string {
  const nanos = Math.round(totalNanos);
  const seconds = Math.floor(nanos / 1e9);
  const rest = nanos % 1e9;
  return rest === 0 ? `${seconds}s` : `${seconds}.${String(rest).padStart(9, '0').replace(/0+$/, '')}s`;
}

/**
 * True when the match accepts any value: Envoy refuses empty prefix/suffix/contains/regex
 * matchers, so these become presence matches.
 */
export function matchesAnything(match: IRStringMatch): boolean {
  return match.value === '' && match.type !== 'Exact';
}

/** IR string match → envoy.type.matcher.v3.StringMatcher. */
export function stringMatcher(match: IRStringMatch): EnvoyMessage {
  const ignore = !!match.ignoreCase;
  switch (match.type) {
    case 'Exact':
      return ignore ? { exact: match.value, ignore_case: true } : { exact: match.value };
    case 'Prefix':
      return ignore ? { prefix: match.value, ignore_case: true } : { prefix: match.value };
    case 'Suffix':
      return ignore ? { suffix: match.value, ignore_case: true } : { suffix: match.value };
    case 'Contains':
      return ignore ? { contains: match.value, ignore_case: true } : { contains: match.value };
    case 'RegularExpression':
      return { safe_regex: { regex: match.value } };
  }
}

export function headerMatcher(header: IRHeaderMatch): EnvoyMessage {
  // Whole literals: a field added to an object afterwards goes to storage of its own.
  const out: EnvoyMessage =
    header.value && !matchesAnything(header.value)
      ? { name: header.name, string_match: stringMatcher(header.value) }
      : { name: header.name, present_match: true };
  if (header.invert) out.invert_match = true;
  return out;
}

/** Portico's source metadata block (`metadata.filter_metadata.portico`). */
export function porticoMetadata(fields: Record<string, string | number | undefined>): EnvoyMessage {
  const portico: Record<string, string | number> = {};
  for (const key in fields) {
    const value = fields[key];
    if (value !== undefined && value !== '') portico[key] = value;
  }
  return { filter_metadata: { portico } };
}

export function sourceFields(source: IRSource | undefined): Record<string, string | undefined> {
  if (!source) return {};
  return { kind: source.kind, namespace: source.namespace, name: source.name };
}

/** Why encoding refused a message: the field a StrictEncodeError names, else the error's message. */
export function problemOf(error: unknown): { field: string; message: string } {
  if (error instanceof StrictEncodeError) return { field: error.field, message: error.message };
  return { field: '', message: error instanceof Error ? error.message : String(error) };
}

interface VariantEntry<V> {
  variant: string;
  value: V;
  others?: Map<string, V>;
}

/**
 * Values by object and variant (a cluster by the client certificate a Gateway presents). Nearly
 * every object has one variant: that one is kept without a Map of its own.
 */
export class VariantTable<K extends object, V> {
  private readonly entries: Pick<WeakMap<K, VariantEntry<V>>, 'get' | 'set'>;

  /**
   * `weak` for a table kept across builds, whose keys must go with the IR that held them; a
   * table of one build, dropped with it, needs no weak keys.
   */
  constructor(weak: boolean) {
    this.entries = weak ? new WeakMap() : new Map();
  }

  get(key: K, variant: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    return entry.variant === variant ? entry.value : entry.others?.get(variant);
  }

  set(key: K, variant: string, value: V): void {
    const entry = this.entries.get(key);
    if (!entry) this.entries.set(key, { variant, value });
    else if (entry.variant === variant) entry.value = value;
    else (entry.others ??= new Map()).set(variant, value);
  }
}
