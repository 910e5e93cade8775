// Strict conversion between Portico's Envoy JSON (proto3 JSON with proto field
// names: durations as "1.5s", wrappers as plain values, Struct as plain JSON,
// Any as {"@type", ...}) and protobuf wire bytes.
//
// protobufjs' fromObject silently drops unknown keys and turns an unknown
// `@type` into an empty Any, so every key is checked here against the message
// type before anything is encoded.
import protobuf from 'protobufjs';
import type { Enum, Field, Type } from 'protobufjs';
import { findMessageType, messageType } from './protos.js';
import { TYPE_URLS } from './types.js';
import { encodeMessageDirect } from './wire.js';
import type { EnvoyMessage, EnvoyResource, ResourceType } from './types.js';

export class StrictEncodeError extends Error {
  constructor(
    /** Proto path of the offending field, e.g. `virtual_hosts[0].routes[1].match.pathx`. */
    readonly field: string,
    message: string,
  ) {
    super(field ? `${field}: ${message}` : message);
    this.name = 'StrictEncodeError';
  }
}

/** Wrapper message full name → the scalar type of its `value`. */
export const WRAPPERS: Readonly<Record<string, string>> = {
  '.google.protobuf.DoubleValue': 'double',
  '.google.protobuf.FloatValue': 'float',
  '.google.protobuf.Int64Value': 'int64',
  '.google.protobuf.UInt64Value': 'uint64',
  '.google.protobuf.Int32Value': 'int32',
  '.google.protobuf.UInt32Value': 'uint32',
  '.google.protobuf.BoolValue': 'bool',
  '.google.protobuf.StringValue': 'string',
  '.google.protobuf.BytesValue': 'bytes',
};

/** How Portico's JSON spells a message type: well-known types have JSON forms of their own. */
export type MessageKind = 'message' | 'any' | 'duration' | 'timestamp' | 'struct' | 'value' | 'list' | 'wrapper';

export function messageKindOf(fullName: string): MessageKind {
  switch (fullName) {
    case '.google.protobuf.Any':
      return 'any';
    case '.google.protobuf.Duration':
      return 'duration';
    case '.google.protobuf.Timestamp':
      return 'timestamp';
    case '.google.protobuf.Struct':
      return 'struct';
    case '.google.protobuf.Value':
      return 'value';
    case '.google.protobuf.ListValue':
      return 'list';
    default:
      return WRAPPERS[fullName] ? 'wrapper' : 'message';
  }
}

export function isWrapperType(fullName: string): boolean {
  return fullName in WRAPPERS;
}

// protobufjs computes `fullName` by walking the parents on every access; this runs per message.
const fullNames = new WeakMap<Type, string>();

export function fullNameOf(type: Type): string {
  let name = fullNames.get(type);
  if (name === undefined) {
    name = type.fullName;
    fullNames.set(type, name);
  }
  return name;
}

export function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

// ---------- durations ----------

// Resources repeat a handful of duration texts ("10s", "0s", ...) thousands of times.
const parsedDurations = new Map<string, Readonly<{ seconds: number; nanos: number }> | null>();

/** parseProtoDuration for readers that keep nothing: the same (frozen) result for the same text. */
export function parseProtoDurationShared(text: string): Readonly<{ seconds: number; nanos: number }> | undefined {
  let parsed = parsedDurations.get(text);
  if (parsed === undefined) {
    const fresh = parseProtoDuration(text);
    parsed = fresh ? Object.freeze(fresh) : null;
    if (parsedDurations.size >= 1024) parsedDurations.clear();
    parsedDurations.set(text, parsed);
  }
  return parsed ?? undefined;
}

/** Parses proto3 JSON durations ("1.5s", "-2s") into seconds and nanos. */
export function parseProtoDuration(text: string): { seconds: number; nanos: number } | undefined {
  const m = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(text);
  if (!m) return undefined;
  const sign = m[1] ? -1 : 1;
  const seconds = Number(m[2]);
  const nanos = m[3] ? Number(m[3].padEnd(9, '0')) : 0;
  return { seconds: sign * seconds, nanos: sign * nanos };
}

export function formatProtoDuration(seconds: number, nanos: number): string {
  const negative = seconds < 0 || nanos < 0;
  const s = Math.abs(seconds);
  const n = Math.abs(nanos);
  let fraction = '';
  if (n !== 0) fraction = '.' + String(n).padStart(9, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${s}${fraction}s`;
}

/** Duration JSON → total nanoseconds as a number (precise enough for config values). */
export function durationNanos(value: unknown): number | undefined {
  if (typeof value === 'string') {
    const d = parseProtoDurationShared(value);
    return d ? d.seconds * 1e9 + d.nanos : undefined;
  }
  if (isPlainObject(value)) {
    return Number(value.seconds ?? 0) * 1e9 + Number(value.nanos ?? 0);
  }
  return undefined;
}

// ---------- JSON → protobufjs object ----------

// protobufjs' bundled struct.proto uses camelCase field names (nullValue, ...).
function toStructValue(value: unknown, path: string): Record<string, unknown> {
  if (value === null) return { nullValue: 0 };
  if (typeof value === 'number') return { numberValue: value };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (Array.isArray(value)) return { listValue: { values: value.map((v, i) => toStructValue(v, `${path}[${i}]`)) } };
  if (isPlainObject(value)) return { structValue: toStruct(value, path) };
  throw new StrictEncodeError(path, `unsupported JSON value ${String(value)}`);
}

function toStruct(value: unknown, path: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw new StrictEncodeError(path, 'expected a JSON object (google.protobuf.Struct)');
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(value)) fields[key] = toStructValue(value[key], join(path, key));
  return { fields };
}

/** Why `value` cannot be a proto scalar of `type` in Portico's JSON, or undefined. */
export function scalarProblem(type: string, value: unknown): string | undefined {
  switch (type) {
    case 'string':
      return typeof value === 'string' ? undefined : `expected a string, got ${typeof value}`;
    case 'bool':
      return typeof value === 'boolean' ? undefined : `expected a boolean, got ${typeof value}`;
    case 'bytes':
      return value instanceof Uint8Array || typeof value === 'string' ? undefined : 'expected base64 bytes';
    case 'double':
    case 'float':
      return typeof value === 'number' && !Number.isNaN(value) ? undefined : 'expected a number';
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      if (typeof value === 'number' ? !Number.isInteger(value) : typeof value !== 'string' || !/^-?\d+$/.test(value)) {
        return 'expected an integer';
      }
      return type.startsWith('u') && Number(value) < 0 ? 'expected a non-negative integer' : undefined;
    default:
      if (typeof value !== 'number' || !Number.isInteger(value)) return 'expected an integer';
      if ((type === 'uint32' || type === 'fixed32') && (value < 0 || value > 0xffffffff)) return 'out of range for uint32';
      if ((type === 'int32' || type === 'sint32' || type === 'sfixed32') && (value < -0x80000000 || value > 0x7fffffff)) {
        return 'out of range for int32';
      }
      return undefined;
  }
}

/** A checked scalar as the encoders take it (base64 bytes decoded). */
export function scalarValue(type: string, value: unknown): unknown {
  return type === 'bytes' && typeof value === 'string' ? Buffer.from(value, 'base64') : value;
}

function scalarIn(type: string, value: unknown, path: string): unknown {
  const problem = scalarProblem(type, value);
  if (problem) throw new StrictEncodeError(path, problem);
  return scalarValue(type, value);
}

/** An enum value as its number: a name of `enumType`, or an integer. `path` is asked for only to throw. */
export function enumNumberOf(enumType: Enum, value: unknown, path: () => string): number {
  if (typeof value === 'string') {
    const n = enumType.values[value];
    if (n === undefined) throw new StrictEncodeError(path(), `unknown ${enumType.name} value "${value}"`);
    return n;
  }
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  throw new StrictEncodeError(path(), `expected a ${enumType.name} name`);
}

function enumIn(enumType: Enum, value: unknown, path: string): number {
  return enumNumberOf(enumType, value, () => path);
}

function fieldValueIn(field: Field, value: unknown, path: string): unknown {
  const resolved = field.resolvedType;
  if (resolved && 'values' in resolved && !('fields' in resolved)) return enumIn(resolved as Enum, value, path);
  if (resolved) return messageIn(resolved as Type, value, path);
  return scalarIn(field.type, value, path);
}

function messageIn(type: Type, value: unknown, path: string): Record<string, unknown> {
  const fullName = fullNameOf(type);
  if (fullName === '.google.protobuf.Any') return anyIn(value, path);
  if (fullName === '.google.protobuf.Duration' || fullName === '.google.protobuf.Timestamp') {
    if (fullName === '.google.protobuf.Duration' && typeof value === 'string') {
      const d = parseProtoDuration(value);
      if (!d) throw new StrictEncodeError(path, `invalid duration "${value}" (expected e.g. "1.5s")`);
      return d;
    }
    if (fullName === '.google.protobuf.Timestamp' && typeof value === 'string') {
      const ms = Date.parse(value);
      if (Number.isNaN(ms)) throw new StrictEncodeError(path, `invalid timestamp "${value}"`);
      return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
    }
  }
  if (fullName === '.google.protobuf.Struct') return toStruct(value, path);
  if (fullName === '.google.protobuf.Value') return toStructValue(value, path);
  if (fullName === '.google.protobuf.ListValue') {
    if (!Array.isArray(value)) throw new StrictEncodeError(path, 'expected a JSON array');
    return { values: value.map((v, i) => toStructValue(v, `${path}[${i}]`)) };
  }
  const wrapped = WRAPPERS[fullName];
  if (wrapped) return { value: scalarIn(wrapped, value, path) };
  if (!isPlainObject(value)) throw new StrictEncodeError(path, `expected a ${type.name} object`);
  const out: Record<string, unknown> = {};
  let oneofSeen: Map<string, string> | undefined;
  for (const key of Object.keys(value)) {
    const fieldPath = join(path, key);
    const field = type.fields[key];
    if (!field) throw new StrictEncodeError(fieldPath, `unknown field "${key}" in ${fullName.slice(1)}`);
    const v = value[key];
    if (v === undefined) continue;
    if (field.partOf) {
      oneofSeen ??= new Map<string, string>();
      const other = oneofSeen.get(field.partOf.name);
      if (other) throw new StrictEncodeError(fieldPath, `oneof ${field.partOf.name} already set by "${other}"`);
      oneofSeen.set(field.partOf.name, key);
    }
    if (field.map) {
      if (!isPlainObject(v)) throw new StrictEncodeError(fieldPath, 'expected an object (map)');
      const m: Record<string, unknown> = {};
      for (const k of Object.keys(v)) m[k] = fieldValueIn(field, v[k], `${fieldPath}["${k}"]`);
      out[key] = m;
    } else if (field.repeated) {
      if (!Array.isArray(v)) throw new StrictEncodeError(fieldPath, 'expected an array');
      const items: unknown[] = new Array(v.length);
      for (let i = 0; i < v.length; i++) items[i] = fieldValueIn(field, v[i], `${fieldPath}[${i}]`);
      out[key] = items;
    } else {
      out[key] = fieldValueIn(field, v, fieldPath);
    }
  }
  return out;
}

function anyIn(value: unknown, path: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw new StrictEncodeError(path, 'expected an Any object with "@type"');
  const typeUrl = value['@type'];
  if (typeof typeUrl !== 'string') throw new StrictEncodeError(join(path, '@type'), 'missing "@type"');
  const inner = findMessageType(typeUrl);
  if (!inner) throw new StrictEncodeError(join(path, '@type'), `unknown type "${typeUrl}"`);
  const { '@type': _type, ...rest } = value;
  const innerName = fullNameOf(inner);
  const innerValue = isWrapperType(innerName) || innerName === '.google.protobuf.Duration' ? rest.value : rest;
  const obj = messageIn(inner, innerValue, path);
  return { type_url: typeUrl, value: inner.encode(inner.fromObject(obj)).finish() };
}

/** Checks every key against the proto and returns the protobufjs message for `typeName`. */
export function toProtoMessage(typeName: string, json: EnvoyMessage): protobuf.Message {
  const type = messageType(typeName);
  const obj = messageIn(type, json, '');
  return type.fromObject(obj);
}

/** Strictly encodes one JSON message of the named type. Throws StrictEncodeError naming the field. */
export function encodeMessage(typeName: string, json: EnvoyMessage): Uint8Array {
  return encodeMessageDirect(typeName, json);
}

/**
 * The same encoding through protobufjs' own fromObject + encode: slower (three copies of the
 * message), kept as the reference the direct encoder is tested against.
 */
export function encodeMessageViaProtobufjs(typeName: string, json: EnvoyMessage): Uint8Array {
  const type = messageType(typeName);
  return type.encode(type.fromObject(messageIn(type, json, ''))).finish();
}

// ---------- protobufjs message → JSON ----------

type Long = { toString(): string; toNumber(): number };

function numberOut(value: unknown): number | string {
  if (typeof value === 'number') return value;
  if (typeof value === 'object' && value !== null && 'toNumber' in value) {
    const long = value as Long;
    const n = long.toNumber();
    return Number.isSafeInteger(n) ? n : long.toString();
  }
  return Number(value);
}

function structValueOut(value: Record<string, unknown>): unknown {
  if (has(value, 'structValue') && value.structValue) return structOut(value.structValue as Record<string, unknown>);
  if (has(value, 'listValue') && value.listValue) {
    return ((value.listValue as { values?: Array<Record<string, unknown>> }).values ?? []).map(structValueOut);
  }
  if (has(value, 'stringValue')) return value.stringValue;
  if (has(value, 'numberValue')) return value.numberValue;
  if (has(value, 'boolValue')) return value.boolValue;
  return null;
}

function structOut(value: Record<string, unknown>): Record<string, unknown> {
  const fields = (value.fields ?? {}) as Record<string, Record<string, unknown>>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(fields)) out[key] = structValueOut(fields[key]);
  return out;
}

function scalarOut(type: string, value: unknown): unknown {
  if (type === 'bytes') return Buffer.from(value as Uint8Array).toString('base64');
  if (type === 'string' || type === 'bool') return value;
  return numberOut(value);
}

function fieldValueOut(field: Field, value: unknown): unknown {
  const resolved = field.resolvedType;
  if (resolved && !('fields' in resolved)) {
    const e = resolved as Enum;
    return e.valuesById[value as number] ?? value;
  }
  if (resolved) return messageOut(resolved as Type, value as Record<string, unknown>);
  return scalarOut(field.type, value);
}

function has(message: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(message, key);
}

function messageOut(type: Type, message: Record<string, unknown>): unknown {
  const fullName = fullNameOf(type);
  if (fullName === '.google.protobuf.Any') {
    const typeUrl = String(message.type_url ?? '');
    const inner = findMessageType(typeUrl);
    if (!inner) return { '@type': typeUrl, value: Buffer.from((message.value as Uint8Array) ?? []).toString('base64') };
    const decoded = messageOut(inner, inner.decode((message.value as Uint8Array) ?? new Uint8Array()) as never);
    if (isPlainObject(decoded)) return { '@type': typeUrl, ...decoded };
    return { '@type': typeUrl, value: decoded };
  }
  if (fullName === '.google.protobuf.Duration') {
    return formatProtoDuration(Number(numberOut(message.seconds ?? 0)), Number(message.nanos ?? 0));
  }
  if (fullName === '.google.protobuf.Timestamp') {
    const ms = Number(numberOut(message.seconds ?? 0)) * 1000 + Math.floor(Number(message.nanos ?? 0) / 1e6);
    return new Date(ms).toISOString();
  }
  if (fullName === '.google.protobuf.Struct') return structOut(message);
  if (fullName === '.google.protobuf.Value') return structValueOut(message);
  if (fullName === '.google.protobuf.ListValue') {
    return ((message.values ?? []) as Array<Record<string, unknown>>).map(structValueOut);
  }
  const wrapped = WRAPPERS[fullName];
  if (wrapped) return scalarOut(wrapped, message.value ?? (wrapped === 'string' ? '' : wrapped === 'bool' ? false : 0));
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    if (!has(message, field.name)) continue;
    const v = message[field.name];
    if (v === undefined || v === null) continue;
    // proto3 cannot tell an empty list or map from an absent one; omit both.
    if (field.map && Object.keys(v as object).length === 0) continue;
    if (field.repeated && (v as unknown[]).length === 0) continue;
    if (field.map) {
      const m: Record<string, unknown> = {};
      const entries = v as Record<string, unknown>;
      for (const k of Object.keys(entries)) m[k] = fieldValueOut(field, entries[k]);
      out[field.name] = m;
    } else if (field.repeated) {
      out[field.name] = (v as unknown[]).map((item) => fieldValueOut(field, item));
    } else {
      out[field.name] = fieldValueOut(field, v);
    }
  }
  return out;
}

/** Decodes wire bytes of the named message type into Portico's Envoy JSON. */
export function decodeMessage(typeName: string, bytes: Uint8Array): EnvoyMessage {
  const type = messageType(typeName);
  return messageOut(type, type.decode(bytes) as unknown as Record<string, unknown>) as EnvoyMessage;
}

// ---------- resources ----------

const TYPE_NAMES = Object.fromEntries(
  Object.entries(TYPE_URLS).map(([type, url]) => [type, url.slice('type.googleapis.com/'.length)]),
) as Record<ResourceType, string>;

export function typeNameOf(type: ResourceType): string {
  return TYPE_NAMES[type];
}

/** Serialized message bytes (not wrapped in Any). Throws StrictEncodeError on unknown fields or bad values. */
export function encodeResource(resource: EnvoyResource): Uint8Array {
  return encodeMessage(typeNameOf(resource.type), resource.message);
}

export function decodeResource(type: ResourceType, bytes: Uint8Array): EnvoyMessage {
  return decodeMessage(typeNameOf(type), bytes);
}

/** A resource as a google.protobuf.Any ready for a DiscoveryResponse. */
export function packResource(resource: EnvoyResource): { type_url: string; value: Uint8Array } {
  return { type_url: TYPE_URLS[resource.type], value: encodeResource(resource) };
}
