// Direct strict encoder: Portico's Envoy JSON → protobuf wire bytes in one walk (src/writer.ts).
//
// The walk checks every key against the message type (as the strict codec
// requires) and writes straight into a protobufjs Writer. The older path built
// an intermediate object, then protobufjs message instances (fromObject), then
// encoded them: three full copies of every resource, which dominated build time.
// Field order and presence follow protobufjs' own encoder (fields by number,
// every set field written, packed numeric lists), so the bytes are the same.
import type { Enum, Type } from 'protobufjs';
import { StrictEncodeError, WRAPPERS, enumNumberOf, isPlainObject, messageKindOf, parseProtoDurationShared, scalarProblem, scalarValue } from './codec.js';
import type { MessageKind } from './codec.js';
import { findMessageType, messageType } from './protos.js';
import type { EnvoyMessage } from './types.js';
import { inlineChecksOf } from './validate.js';
import type { FieldPasses } from './validate.js';
import { ByteWriter } from './writer.js';

type Writer = ByteWriter;

// protobufjs types.basic: wire type per scalar type.
const WIRE_TYPE: Record<string, number> = {
  double: 1, float: 5, int32: 0, uint32: 0, sint32: 0, fixed32: 5, sfixed32: 5,
  int64: 0, uint64: 0, sint64: 0, fixed64: 1, sfixed64: 1, bool: 0, string: 2, bytes: 2,
};

const PACKABLE = new Set(['double', 'float', 'int32', 'uint32', 'sint32', 'fixed32', 'sfixed32', 'int64', 'uint64', 'sint64', 'fixed64', 'sfixed64', 'bool']);

interface WireField {
  name: string;
  id: number;
  /** Position when fields are ordered by number. */
  order: number;
  oneof: string | undefined;
  /** Bit of the field's oneof in a per-message mask (0 when not in a oneof). */
  oneofBit: number;
  map: boolean;
  repeated: boolean;
  packed: boolean;
  /** Scalar type, or 'int32' for enums; '' for messages. */
  scalar: string;
  enumType: Enum | undefined;
  message: Type | undefined;
  /** message's table, filled on first use (types refer to each other in cycles). */
  messageTable?: WireTable;
  /** Tag of one element (length-delimited for messages, maps and packed lists). */
  tag: number;
  /** Map entries only. */
  keyType: string;
  keyTag: number;
  valueTag: number;
  /** PGV: the field's own rules (filled with the table's inline checks; undefined: none). */
  passes?: FieldPasses | undefined;
  /** PGV: `message.skip`, nothing below the field is checked. */
  skipBelow?: boolean;
}

interface WireTable {
  kind: MessageKind;
  name: string;
  fullName: string;
  wrapped: string;
  fields: Map<string, WireField>;
  type: Type;
  /** PGV rules of the message itself, read on first checked use (see inlineOf). */
  inline?: InlineTable;
}

interface InlineTable {
  skipped: boolean;
  /** Oneof bits (as WireField.oneofBit) that must be set. */
  requiredOneofBits: number[];
  failWhenAbsent: readonly string[];
}

const tables = new WeakMap<Type, WireTable>();

function isEnumType(resolved: unknown): resolved is Enum {
  return typeof resolved === 'object' && resolved !== null && 'values' in resolved && !('fields' in resolved);
}

function tableOf(type: Type): WireTable {
  let table = tables.get(type);
  if (table) return table;
  const fullName = type.fullName;
  const byId = type.fieldsArray.slice().sort((a, b) => a.id - b.id);
  const fields = new Map<string, WireField>();
  for (let order = 0; order < byId.length; order++) {
    const field = byId[order].resolve();
    const resolved = field.resolvedType;
    const enumType = isEnumType(resolved) ? resolved : undefined;
    const message = !enumType && resolved ? (resolved as Type) : undefined;
    const scalar = enumType ? 'int32' : message ? '' : field.type;
    const packed = field.repeated && !field.map && field.packed && PACKABLE.has(scalar);
    const delimited = message !== undefined || field.map || packed;
    const tag = ((field.id << 3) | (delimited ? 2 : WIRE_TYPE[scalar])) >>> 0;
    const keyType = field.map && 'keyType' in field ? String(field.keyType) : '';
    fields.set(field.name, {
      name: field.name,
      id: field.id,
      order,
      oneof: field.partOf?.name,
      oneofBit: field.partOf ? 2 ** type.oneofsArray.indexOf(field.partOf) : 0,
      map: field.map,
      repeated: field.repeated,
      packed,
      scalar,
      enumType,
      message,
      tag,
      keyType,
      keyTag: field.map ? (8 | WIRE_TYPE[keyType]) >>> 0 : 0,
      valueTag: field.map ? (16 | (message ? 2 : WIRE_TYPE[scalar])) >>> 0 : 0,
    });
  }
  table = { kind: messageKindOf(fullName), name: type.name, fullName, wrapped: WRAPPERS[fullName] ?? '', fields, type };
  tables.set(type, table);
  return table;
}

function inlineOf(table: WireTable): InlineTable {
  if (table.inline) return table.inline;
  const checks = inlineChecksOf(table.type);
  for (const field of table.fields.values()) {
    field.passes = checks.fieldPasses.get(field.name);
    field.skipBelow = checks.skipBelow.has(field.name);
  }
  const oneofs = table.type.oneofsArray;
  table.inline = {
    skipped: checks.skipped,
    requiredOneofBits: checks.requiredOneofs.map((name) => 2 ** oneofs.findIndex((oneof) => oneof.name === name)),
    failWhenAbsent: checks.failWhenAbsent,
  };
  return table.inline;
}

const hasOwnProperty = Object.prototype.hasOwnProperty;

// PGV while writing (encodeMessageChecked): whether the message being written is checked, and
// whether a check failed. Checks only count; the caller asks validate.ts for the errors.
let checking = false;
let checkFailed = false;

// The proto path of the value being written, as a stack of segments: a path string is built
// only for an error (building one for every field was a large share of the walk's garbage).
// Field names; numbers are list indices; MAP_KEY-prefixed strings are map keys.
const segments: Array<string | number> = [];
const MAP_KEY = '\u0000';

function here(extra?: string): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (segment.startsWith(MAP_KEY)) out += `["${segment.slice(1)}"]`;
    else out = out ? `${out}.${segment}` : segment;
  }
  if (extra !== undefined) out = out ? `${out}.${extra}` : extra;
  return out;
}

function checkedScalar(type: string, value: unknown): unknown {
  const problem = scalarProblem(type, value);
  if (problem) throw new StrictEncodeError(here(), problem);
  return scalarValue(type, value);
}

// 64-bit values may be digit strings (checkedScalar allows both).
type Long64 = number | string;

function writeScalar(w: Writer, type: string, value: unknown): void {
  switch (type) {
    case 'string':
      w.string(value as string);
      return;
    case 'bool':
      w.bool(value as boolean);
      return;
    case 'bytes':
      w.bytes(value as Uint8Array);
      return;
    case 'double':
      w.double(value as number);
      return;
    case 'float':
      w.float(value as number);
      return;
    case 'int32':
      w.int32(value as number);
      return;
    case 'uint32':
      w.uint32(value as number);
      return;
    case 'sint32':
      w.sint32(value as number);
      return;
    case 'fixed32':
      w.fixed32(value as number);
      return;
    case 'sfixed32':
      w.sfixed32(value as number);
      return;
    case 'int64':
      w.int64(value as Long64);
      return;
    case 'uint64':
      w.uint64(value as Long64);
      return;
    case 'sint64':
      w.sint64(value as Long64);
      return;
    case 'fixed64':
      w.fixed64(value as Long64);
      return;
    case 'sfixed64':
      w.sfixed64(value as Long64);
      return;
    default:
      throw new StrictEncodeError('', `unsupported scalar type ${type}`);
  }
}

/**
 * checkedScalar + writeScalar, with the common types (strings, bools, 32-bit integers,
 * doubles) checked and written inline; anything else, and every refusal, takes the general path.
 */
function writeCheckedScalar(w: Writer, type: string, value: unknown): void {
  switch (type) {
    case 'string':
      if (typeof value === 'string') {
        w.string(value);
        return;
      }
      break;
    case 'bool':
      if (typeof value === 'boolean') {
        w.bool(value);
        return;
      }
      break;
    case 'uint32':
      if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffffffff) {
        w.uint32(value);
        return;
      }
      break;
    case 'int32':
      if (typeof value === 'number' && Number.isInteger(value) && value >= -0x80000000 && value <= 0x7fffffff) {
        w.int32(value);
        return;
      }
      break;
    case 'double':
      if (typeof value === 'number' && !Number.isNaN(value)) {
        w.double(value);
        return;
      }
      break;
    default:
      break;
  }
  writeScalar(w, type, checkedScalar(type, value));
}

function enumNumber(enumType: Enum, value: unknown): number {
  return enumNumberOf(enumType, value, here);
}

/**
 * Message objects that appear more than once in what one build serves (the same route JSON in
 * the virtual hosts of several Gateways), with their bytes once written: the first occurrence
 * is written and checked as usual, and the others take its bytes. Keys must be messages of the
 * named type, never mutated.
 */
export interface RepeatedMessages {
  readonly typeName: string;
  /** Message object → its fields' bytes (undefined until the first occurrence is written). */
  readonly bytes: Map<object, Uint8Array | undefined>;
}

// The repeated messages of the encodeMessageChecked call under way, and their table.
let repeated: RepeatedMessages | undefined;
let repeatedTable: WireTable | undefined;

/** A repeated message: its bytes when written before, else written now and kept when it passed. */
function writeRepeated(w: Writer, field: WireField, table: WireTable, value: object, known: Map<object, Uint8Array | undefined>): void {
  const bytes = known.get(value);
  w.uint32(field.tag);
  if (bytes) {
    w.bytes(bytes);
    return;
  }
  const failedBefore = checkFailed;
  const checked = checking;
  w.fork();
  const start = w.position;
  writeBody(w, table, value, false);
  // Kept only when its rules were applied here and passed: a later occurrence is not checked.
  if (checked && !failedBefore && !checkFailed) known.set(value, w.copyFrom(start));
  w.ldelim();
}

/** One element of a field (not a list, not a map): tag included. */
function writeElement(w: Writer, field: WireField, value: unknown): void {
  if (field.message) {
    const table = (field.messageTable ??= tableOf(field.message));
    if (table === repeatedTable && repeated && repeated.bytes.has(value as object)) {
      writeRepeated(w, field, table, value as object, repeated.bytes);
      return;
    }
    w.uint32(field.tag).fork();
    writeBody(w, table, value, false);
    w.ldelim();
    return;
  }
  if (field.enumType) {
    const n = enumNumber(field.enumType, value);
    w.uint32(field.tag).int32(n);
    return;
  }
  // A refusal throws after the tag is written: the whole message is abandoned then.
  w.uint32(field.tag);
  writeCheckedScalar(w, field.scalar, value);
}

function writeField(w: Writer, field: WireField, value: unknown): void {
  if (field.map) {
    if (!isPlainObject(value)) throw new StrictEncodeError(here(), 'expected an object (map)');
    // for-in over a plain object visits what Object.keys lists, in the same order, without an array.
    for (const key in value) {
      if (!hasOwnProperty.call(value, key)) continue;
      segments.push(MAP_KEY + key);
      w.uint32(field.tag).fork();
      w.uint32(field.keyTag);
      writeScalar(w, field.keyType, field.keyType === 'string' ? key : field.keyType === 'bool' ? key === 'true' : Number(key));
      const entryValue = value[key];
      if (field.message) {
        w.uint32(field.valueTag).fork();
        writeBody(w, (field.messageTable ??= tableOf(field.message)), entryValue, false);
        w.ldelim();
      } else {
        const checked = field.enumType ? enumNumber(field.enumType, entryValue) : checkedScalar(field.scalar, entryValue);
        w.uint32(field.valueTag);
        writeScalar(w, field.scalar, checked);
      }
      w.ldelim();
      segments.pop();
    }
    return;
  }
  if (field.repeated) {
    if (!Array.isArray(value)) throw new StrictEncodeError(here(), 'expected an array');
    if (value.length === 0) return;
    if (field.packed) {
      const checked: unknown[] = new Array(value.length);
      for (let i = 0; i < value.length; i++) {
        segments.push(i);
        checked[i] = field.enumType ? enumNumber(field.enumType, value[i]) : checkedScalar(field.scalar, value[i]);
        segments.pop();
      }
      w.uint32(field.tag).fork();
      for (const item of checked) writeScalar(w, field.scalar, item);
      w.ldelim();
      return;
    }
    for (let i = 0; i < value.length; i++) {
      segments.push(i);
      writeElement(w, field, value[i]);
      segments.pop();
    }
    return;
  }
  writeElement(w, field, value);
}

function writeStructValue(w: Writer, value: unknown): void {
  if (value === null) {
    w.uint32(8).int32(0);
  } else if (typeof value === 'number') {
    w.uint32(17).double(value);
  } else if (typeof value === 'string') {
    w.uint32(26).string(value);
  } else if (typeof value === 'boolean') {
    w.uint32(32).bool(value);
  } else if (Array.isArray(value)) {
    w.uint32(50).fork();
    writeListValue(w, value);
    w.ldelim();
  } else if (isPlainObject(value)) {
    w.uint32(42).fork();
    writeStruct(w, value);
    w.ldelim();
  } else {
    throw new StrictEncodeError(here(), `unsupported JSON value ${String(value)}`);
  }
}

function writeListValue(w: Writer, values: unknown[]): void {
  for (let i = 0; i < values.length; i++) {
    w.uint32(10).fork();
    segments.push(i);
    writeStructValue(w, values[i]);
    segments.pop();
    w.ldelim();
  }
}

function writeStruct(w: Writer, value: unknown): void {
  if (!isPlainObject(value)) throw new StrictEncodeError(here(), 'expected a JSON object (google.protobuf.Struct)');
  for (const key in value) {
    if (!hasOwnProperty.call(value, key)) continue;
    w.uint32(10).fork();
    w.uint32(10).string(key);
    w.uint32(18).fork();
    segments.push(key);
    writeStructValue(w, value[key]);
    segments.pop();
    w.ldelim();
    w.ldelim();
  }
}

function writeSecondsNanos(w: Writer, seconds: number, nanos: number): void {
  w.uint32(8).int64(seconds);
  w.uint32(16).int32(nanos);
}

function writeAny(w: Writer, value: unknown): void {
  if (!isPlainObject(value)) throw new StrictEncodeError(here(), 'expected an Any object with "@type"');
  const typeUrl = value['@type'];
  if (typeof typeUrl !== 'string') throw new StrictEncodeError(here('@type'), 'missing "@type"');
  const inner = findMessageType(typeUrl);
  if (!inner) throw new StrictEncodeError(here('@type'), `unknown type "${typeUrl}"`);
  const table = tableOf(inner);
  w.uint32(10).string(typeUrl);
  w.uint32(18).fork();
  if (table.kind === 'wrapper' || table.kind === 'duration') writeBody(w, table, value.value, false);
  else writeBody(w, table, value, true);
  w.ldelim();
}

/** The fields of one message (no tag, no length): `value` is its JSON. */
function writeBody(w: Writer, table: WireTable, value: unknown, skipType: boolean): void {
  switch (table.kind) {
    case 'any':
      writeAny(w, value);
      return;
    case 'duration':
      if (typeof value === 'string') {
        const d = parseProtoDurationShared(value);
        if (!d) throw new StrictEncodeError(here(), `invalid duration "${value}" (expected e.g. "1.5s")`);
        writeSecondsNanos(w, d.seconds, d.nanos);
        return;
      }
      break;
    case 'timestamp':
      if (typeof value === 'string') {
        const ms = Date.parse(value);
        if (Number.isNaN(ms)) throw new StrictEncodeError(here(), `invalid timestamp "${value}"`);
        writeSecondsNanos(w, Math.floor(ms / 1000), (ms % 1000) * 1e6);
        return;
      }
      break;
    case 'struct':
      writeStruct(w, value);
      return;
    case 'value':
      writeStructValue(w, value);
      return;
    case 'list':
      if (!Array.isArray(value)) throw new StrictEncodeError(here(), 'expected a JSON array');
      writeListValue(w, value);
      return;
    case 'wrapper': {
      w.uint32(((1 << 3) | WIRE_TYPE[table.wrapped]) >>> 0);
      writeCheckedScalar(w, table.wrapped, value);
      return;
    }
    default:
      break;
  }
  if (!isPlainObject(value)) throw new StrictEncodeError(here(), `expected a ${table.name} object`);
  // The set fields go on one stack shared by every level of the walk (no array per message).
  const base = pendingTop;
  let top = base;
  let oneofsSet = 0;
  let sorted = true;
  for (const key in value) {
    if (skipType && key === '@type') continue;
    const field = table.fields.get(key);
    if (!field) throw new StrictEncodeError(here(key), `unknown field "${key}" in ${table.fullName.slice(1)}`);
    if (value[key] === undefined) continue;
    if (field.oneofBit !== 0) {
      // A mask (oneofs per message are few), so no per-message allocation.
      if (Math.floor(oneofsSet / field.oneofBit) % 2 === 1) {
        let other: string | undefined;
        for (let i = base; i < top && other === undefined; i++) if (pending[i].oneof === field.oneof) other = pending[i].name;
        throw new StrictEncodeError(here(key), `oneof ${field.oneof} already set by "${String(other)}"`);
      }
      oneofsSet += field.oneofBit;
    }
    if (top > base && pending[top - 1].order > field.order) sorted = false;
    pending[top++] = field;
  }
  if (!sorted) sortRange(pending, base, top);
  pendingTop = top;
  const checkingAbove = checking;
  if (checking) checkMessage(table, value, oneofsSet);
  for (let i = base; i < top; i++) {
    const field = pending[i];
    segments.push(field.name);
    const fieldValue = value[field.name];
    if (checking && field.passes !== undefined && !field.passes(fieldValue, value)) checkFailed = true;
    if (checking && field.skipBelow) {
      checking = false;
      writeField(w, field, fieldValue);
      checking = true;
    } else {
      writeField(w, field, fieldValue);
    }
    segments.pop();
  }
  checking = checkingAbove;
  // A throw leaves the top raised; encodeMessageDirect lowers it before each message.
  pendingTop = base;
}

/** The message's own rules that need no field visit: required oneofs and fields. */
function checkMessage(table: WireTable, value: Record<string, unknown>, oneofsSet: number): void {
  const inline = table.inline ?? inlineOf(table);
  if (inline.skipped) {
    checking = false;
    return;
  }
  // Indexed loops: this runs for every message written, and for-of allocated an iterator each time.
  const bits = inline.requiredOneofBits;
  for (let i = 0; i < bits.length; i++) if (Math.floor(oneofsSet / bits[i]) % 2 !== 1) checkFailed = true;
  const required = inline.failWhenAbsent;
  for (let i = 0; i < required.length; i++) {
    const present = value[required[i]];
    if (present === undefined || present === null) checkFailed = true;
  }
}

// Fields being written, per level of the walk: writeBody's entries sit above its caller's,
// from pendingTop up (the array only grows; entries above the top are stale).
const pending: WireField[] = [];
let pendingTop = 0;

/** Insertion sort of list[from..to) by field number (a message sets few fields). */
function sortRange(list: WireField[], from: number, to: number): void {
  for (let i = from + 1; i < to; i++) {
    const field = list[i];
    let j = i - 1;
    while (j >= from && list[j].order > field.order) {
      list[j + 1] = list[j];
      j--;
    }
    list[j + 1] = field;
  }
}

/** Strictly encodes one JSON message of the named type. Throws StrictEncodeError naming the field. */
export function encodeMessageDirect(typeName: string, json: EnvoyMessage): Uint8Array {
  return encodeWith(typeName, json, false);
}

/**
 * encodeMessageDirect that also applies the PGV rules (validate.ts) as it writes, in the same
 * walk: `passed` is false when any rule fails (validateEncodedMessageJson then says which).
 */
export function encodeMessageChecked(typeName: string, json: EnvoyMessage, repeatedMessages?: RepeatedMessages): { bytes: Uint8Array; passed: boolean } {
  repeated = repeatedMessages;
  repeatedTable = repeatedMessages ? tableOf(messageType(repeatedMessages.typeName)) : undefined;
  try {
    const bytes = encodeWith(typeName, json, true);
    return { bytes, passed: !checkFailed };
  } finally {
    repeated = undefined;
    repeatedTable = undefined;
  }
}

function encodeWith(typeName: string, json: EnvoyMessage, check: boolean): Uint8Array {
  // One writer for every message: encoding is synchronous and never re-enters itself.
  shared.reset();
  // Only after a throw is anything left. Setting an array's length drops its storage, and the
  // next message's first push would allocate it again.
  if (segments.length !== 0) segments.length = 0;
  pendingTop = 0;
  checking = check;
  checkFailed = false;
  writeBody(shared, tableOf(messageType(typeName)), json, false);
  return shared.finish();
}

const shared = new ByteWriter();
