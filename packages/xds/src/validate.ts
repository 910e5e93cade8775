// A generic protoc-gen-validate (PGV) checker driven by protobufjs reflection:
// the `(validate.rules)` field options and `(validate.required)` oneof options
// of the real Envoy protos, applied to Portico's Envoy JSON. It recurses through
// nested messages, repeated fields, maps and Any (unpacked by `@type`), the
// same way Envoy's generated validators do before it accepts a resource.
import type { Enum, Field, OneOf, ReflectionObject, Type } from 'protobufjs';
import { WRAPPERS, durationNanos, messageKindOf, typeNameOf } from './codec.js';
import { findMessageType, messageType } from './protos.js';
import type { EnvoyMessage, EnvoyResource } from './types.js';

export interface ValidationError {
  /** Proto path of the offending field, e.g. `virtual_hosts[0].routes[1].route.weighted_clusters.clusters`. */
  field: string;
  message: string;
}

type Rules = Record<string, unknown>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepMerge(a: Rules, b: Rules): Rules {
  const out: Rules = { ...a };
  for (const key of Object.keys(b)) {
    const av = out[key];
    const bv = b[key];
    out[key] = isObject(av) && isObject(bv) ? deepMerge(av, bv) : bv;
  }
  return out;
}

function parsedOption(object: ReflectionObject | OneOf, name: string): unknown {
  const parsed = (object as { parsedOptions?: Array<Record<string, unknown>> | null }).parsedOptions;
  if (!parsed) return undefined;
  let found: unknown;
  for (const entry of parsed) {
    if (!(name in entry)) continue;
    const value = entry[name];
    found = isObject(found) && isObject(value) ? deepMerge(found, value) : value;
  }
  return found;
}

const fieldRulesCache = new WeakMap<Field, Rules | null>();

function fieldRules(field: Field): Rules | undefined {
  let rules = fieldRulesCache.get(field);
  if (rules === undefined) {
    const found = parsedOption(field, '(validate.rules)');
    rules = isObject(found) ? found : null;
    fieldRulesCache.set(field, rules);
  }
  return rules ?? undefined;
}

function isEnum(resolved: ReflectionObject | null): resolved is Enum {
  return !!resolved && 'values' in resolved && !('fields' in resolved);
}

function isMessage(resolved: ReflectionObject | null): resolved is Type {
  return !!resolved && 'fields' in resolved;
}

// ---------- primitive rule kinds ----------

/**
 * The walk's state. The proto path of the field being checked is kept as a stack of
 * segments and turned into a string only when an error is reported: building a path
 * string for every field of every resource was most of the validator's garbage.
 */
interface Sink {
  errors: ValidationError[];
  /** Field names; numbers are list indices; MAP_KEY-prefixed strings are map keys. */
  segments: Array<string | number>;
  /** Put before each message (map key checks say "key ..."). */
  prefix: string;
  /**
   * The JSON already passed the strict encoder, so its shape is right (lists are lists,
   * messages objects, Any types known): fields with neither rules nor rules anywhere below
   * them can report nothing and are not visited.
   */
  encoded: boolean;
  /**
   * Check each field's own rules without entering the messages below it: the encoder's walk
   * (wire.ts, encodeMessageChecked) enters them and checks them where it writes them.
   */
  shallow: boolean;
}

const MAP_KEY = '\u0000';

function pathOf(sink: Sink): string {
  let out = '';
  for (const segment of sink.segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (segment.startsWith(MAP_KEY)) out += `["${segment.slice(1)}"]`;
    else out = out ? `${out}.${segment}` : segment;
  }
  return out;
}

function report(sink: Sink, message: string): void {
  sink.errors.push({ field: pathOf(sink), message: sink.prefix + message });
}

const SHOW_NUMBER = 0;
const SHOW_NANOS = 1;
const SHOW_ENUM = 2;
type ShowMode = typeof SHOW_NUMBER | typeof SHOW_NANOS | typeof SHOW_ENUM;

function show(n: number, mode: ShowMode, enumType: Enum | undefined): string {
  if (mode === SHOW_NANOS) return showNanos(n);
  if (mode === SHOW_ENUM && enumType) return enumType.valuesById[n] ?? String(n);
  return String(n);
}

function num(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(value);
  return NaN;
}

function boundText(strict: number | undefined, inclusive: number | undefined, above: boolean, mode: ShowMode, enumType: Enum | undefined): string {
  if (strict !== undefined) return `${above ? 'greater' : 'less'} than ${show(strict, mode, enumType)}`;
  if (inclusive !== undefined) return `${above ? 'at least' : 'at most'} ${show(inclusive, mode, enumType)}`;
  return '';
}

// Messages are built only when a check fails: this runs for every number with rules.
function checkRange(sink: Sink, rules: Rules, value: number, mode: ShowMode, enumType: Enum | undefined): void {
  if (rules.const !== undefined && value !== num(rules.const)) report(sink, `must equal ${show(num(rules.const), mode, enumType)}`);
  const gt = rules.gt !== undefined ? num(rules.gt) : undefined;
  const gte = rules.gte !== undefined ? num(rules.gte) : undefined;
  const lt = rules.lt !== undefined ? num(rules.lt) : undefined;
  const lte = rules.lte !== undefined ? num(rules.lte) : undefined;
  const lower = gt ?? gte;
  const upper = lt ?? lte;
  const aboveLower = gt !== undefined ? value > gt : gte !== undefined ? value >= gte : true;
  const belowUpper = lt !== undefined ? value < lt : lte !== undefined ? value <= lte : true;
  if (lower !== undefined && upper !== undefined && lower > upper) {
    // PGV: an inverted pair means "outside the range".
    if (!aboveLower && !belowUpper) {
      report(sink, `must be ${boundText(gt, gte, true, mode, enumType)} or ${boundText(lt, lte, false, mode, enumType)}`);
    }
    return;
  }
  if (!aboveLower) report(sink, `must be ${boundText(gt, gte, true, mode, enumType)}`);
  if (!belowUpper) report(sink, `must be ${boundText(lt, lte, false, mode, enumType)}`);
  if (Array.isArray(rules.in) && !rules.in.map(num).includes(value)) {
    report(sink, `must be one of ${rules.in.map((n) => show(num(n), mode, enumType)).join(', ')}`);
  }
  if (Array.isArray(rules.not_in) && rules.not_in.map(num).includes(value)) {
    report(sink, `must not be one of ${rules.not_in.map((n) => show(num(n), mode, enumType)).join(', ')}`);
  }
}

const HEADER_NAME_STRICT = /^:?[0-9a-zA-Z!#$%&'*+\-.^_|~`]+$/;
// PGV's own definitions: header values must not contain control characters.
// eslint-disable-next-line no-control-regex
const HEADER_VALUE_STRICT = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;
// eslint-disable-next-line no-control-regex
const HEADER_LOOSE = /^[^\u0000\u000A\u000D]*$/;
const HOSTNAME = /^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\.?$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const regexCache = new Map<string, RegExp | null>();

function compile(pattern: string): RegExp | null {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    try {
      // RE2 syntax used by these protos is a subset of JS RegExp.
      re = new RegExp(pattern, 'u');
    } catch {
      try {
        re = new RegExp(pattern);
      } catch {
        re = null;
      }
    }
    regexCache.set(pattern, re);
  }
  return re;
}

function isIPv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

function isIPv6(s: string): boolean {
  return /^[0-9a-fA-F:.]+$/.test(s) && s.includes(':') && (s.match(/::/g)?.length ?? 0) <= 1;
}

/** Characters as PGV counts them (code points), without spreading the string into an array. */
function codePoints(value: string): number {
  let count = value.length;
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    // A high surrogate followed by a low one is one character.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count -= 1;
        i += 1;
      }
    }
  }
  return count;
}

/** One PGV string rule: whether a value passes it, and what to say when it does not. */
interface StringRule {
  passes: (value: string) => boolean;
  message: (value: string) => string;
}

function stringRule(key: string, rule: unknown, rules: Rules): StringRule | undefined {
  const text = typeof rule === 'string' ? rule : undefined;
  const n = num(rule);
  const says = (message: string) => () => message;
  switch (key) {
    case 'const':
      return { passes: (v) => v === rule, message: says(`must equal "${String(rule)}"`) };
    case 'len':
      return { passes: (v) => codePoints(v) === n, message: says(`must be exactly ${n} characters`) };
    case 'min_len':
      // Code points lie between half the UTF-16 length and the length.
      return {
        passes: (v) => v.length >= n && (v.length >= 2 * n || codePoints(v) >= n),
        message: says(n === 1 ? 'must not be empty' : `must be at least ${n} characters`),
      };
    case 'max_len':
      return { passes: (v) => v.length <= n || codePoints(v) <= n, message: says(`must be at most ${n} characters`) };
    case 'len_bytes':
      return { passes: (v) => Buffer.byteLength(v, 'utf8') === n, message: says(`must be exactly ${n} bytes`) };
    case 'min_bytes':
      // UTF-8 takes at least one byte per UTF-16 unit, and at most three.
      return { passes: (v) => v.length >= n || Buffer.byteLength(v, 'utf8') >= n, message: says(`must be at least ${n} bytes`) };
    case 'max_bytes':
      return { passes: (v) => v.length * 3 <= n || Buffer.byteLength(v, 'utf8') <= n, message: says(`must be at most ${n} bytes`) };
    case 'pattern': {
      const re = text !== undefined ? compile(text) : null;
      return re ? { passes: (v) => re.test(v), message: says(`must match the pattern ${String(rule)}`) } : undefined;
    }
    case 'prefix':
      return text !== undefined ? { passes: (v) => v.startsWith(text), message: says(`must start with "${text}"`) } : undefined;
    case 'suffix':
      return text !== undefined ? { passes: (v) => v.endsWith(text), message: says(`must end with "${text}"`) } : undefined;
    case 'contains':
      return text !== undefined ? { passes: (v) => v.includes(text), message: says(`must contain "${text}"`) } : undefined;
    case 'not_contains':
      return text !== undefined ? { passes: (v) => !v.includes(text), message: says(`must not contain "${text}"`) } : undefined;
    case 'in':
      return Array.isArray(rule) ? { passes: (v) => rule.includes(v), message: says(`must be one of ${rule.map(String).join(', ')}`) } : undefined;
    case 'not_in':
      return Array.isArray(rule) ? { passes: (v) => !rule.includes(v), message: (v) => `must not be "${v}"` } : undefined;
    case 'hostname':
      return rule === true ? { passes: (v) => HOSTNAME.test(v), message: says('must be a valid hostname') } : undefined;
    case 'email':
      return rule === true ? { passes: (v) => /^[^@\s]+@[^@\s]+$/.test(v), message: says('must be a valid email address') } : undefined;
    case 'ip':
      return rule === true ? { passes: (v) => isIPv4(v) || isIPv6(v), message: says('must be a valid IP address') } : undefined;
    case 'ipv4':
      return rule === true ? { passes: isIPv4, message: says('must be a valid IPv4 address') } : undefined;
    case 'ipv6':
      return rule === true ? { passes: isIPv6, message: says('must be a valid IPv6 address') } : undefined;
    case 'address':
      return rule === true
        ? { passes: (v) => isIPv4(v) || isIPv6(v) || HOSTNAME.test(v), message: says('must be a valid hostname or IP address') }
        : undefined;
    case 'uuid':
      return rule === true ? { passes: (v) => UUID.test(v), message: says('must be a valid UUID') } : undefined;
    case 'uri':
      return rule === true ? { passes: (v) => /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(v), message: says('must be an absolute URI') } : undefined;
    case 'well_known_regex': {
      const strict = rules.strict !== false;
      if (rule === 'HTTP_HEADER_NAME') {
        const re = strict ? HEADER_NAME_STRICT : HEADER_LOOSE;
        return { passes: (v) => re.test(v), message: says('must be a valid HTTP header name') };
      }
      if (rule === 'HTTP_HEADER_VALUE') {
        const re = strict ? HEADER_VALUE_STRICT : HEADER_LOOSE;
        return { passes: (v) => re.test(v), message: says('must be a valid HTTP header value') };
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

// A field's string rules, made once per rules object (rules are read from the protos once).
const stringRulesCache = new WeakMap<Rules, readonly StringRule[]>();

/** The rules a string field has (usually one or two of the ~25 kinds), in the order PGV lists them. */
function stringRulesOf(rules: Rules): readonly StringRule[] {
  let list = stringRulesCache.get(rules);
  if (!list) {
    list = Object.keys(rules)
      .map((key) => stringRule(key, rules[key], rules))
      .filter((rule): rule is StringRule => rule !== undefined);
    stringRulesCache.set(rules, list);
  }
  return list;
}

function checkString(sink: Sink, rules: Rules, value: string): void {
  if (rules.ignore_empty === true && value === '') return;
  for (const rule of stringRulesOf(rules)) if (!rule.passes(value)) report(sink, rule.message(value));
}

function checkBytes(sink: Sink, rules: Rules, value: unknown): void {
  const buf = value instanceof Uint8Array ? Buffer.from(value) : Buffer.from(typeof value === 'string' ? value : '', 'base64');
  if (rules.ignore_empty === true && buf.length === 0) return;
  if (rules.len !== undefined && buf.length !== num(rules.len)) report(sink, `must be exactly ${num(rules.len)} bytes`);
  if (rules.min_len !== undefined && buf.length < num(rules.min_len)) report(sink, `must be at least ${num(rules.min_len)} bytes`);
  if (rules.max_len !== undefined && buf.length > num(rules.max_len)) report(sink, `must be at most ${num(rules.max_len)} bytes`);
}

function checkScalar(kind: string, rules: Rules, value: unknown, sink: Sink): void {
  const kindRules = rules[kind];
  if (isObject(kindRules)) checkScalarKind(kind, kindRules, value, sink);
}

/** checkScalar once `rules[kind]` is known to be an object. */
function checkScalarKind(kind: string, kindRules: Rules, value: unknown, sink: Sink): void {
  if (kind === 'string') return checkString(sink, kindRules, typeof value === 'string' ? value : '');
  if (kind === 'bytes') return checkBytes(sink, kindRules, value);
  if (kind === 'bool') {
    if (kindRules.const !== undefined && value !== kindRules.const) report(sink, `must be ${String(kindRules.const)}`);
    return;
  }
  const n = num(value ?? 0);
  if (kindRules.ignore_empty === true && n === 0) return;
  checkRange(sink, kindRules, n, SHOW_NUMBER, undefined);
}

function scalarRuleKind(fieldType: string): string {
  return fieldType;
}

function durationRuleNanos(value: unknown): number {
  if (isObject(value)) return num(value.seconds ?? 0) * 1e9 + num(value.nanos ?? 0);
  return 0;
}

function showNanos(n: number): string {
  return `${n / 1e9}s`;
}

// ---------- traversal ----------
//
// Everything the walk needs from protobufjs reflection (full names, rules,
// resolved types) is read once per message type into a table: reflection
// getters rebuild values on every access, and this runs for every field of
// every resource. The walk itself creates no closures (tsx wraps each one).

type Context = Sink;

type TableKind = 'message' | 'duration' | 'timestamp' | 'wrapper' | 'any' | 'struct';

interface FieldEntry {
  name: string;
  rules: Rules | undefined;
  partOf: boolean;
  map: boolean;
  repeated: boolean;
  keyKind: string;
  scalarKind: string;
  enumType: Enum | undefined;
  messageType: Type | undefined;
  /** messageType's table, filled on first use (types refer to each other in cycles). */
  messageTable?: TypeTable;
  /**
   * Read from `rules` once, as the walk asks for them on every visit: `repeated`, its
   * `items`, and the scalar kind's rules of the field itself and of its items.
   */
  repeatedRules: Rules | undefined;
  itemRules: Rules | undefined;
  kindRules: Rules | undefined;
  itemKindRules: Rules | undefined;
}

interface RequiredOneof {
  name: string;
  members: string[];
  message: string;
}

interface TypeTable {
  type: Type;
  name: string;
  kind: TableKind;
  wrapperKind: string;
  /** `(validate.disabled)` or `(validate.ignored)`. */
  skipped: boolean;
  requiredOneofs: RequiredOneof[];
  fields: FieldEntry[];
  /** Field name → index in `fields`. */
  fieldIndex: Map<string, number>;
  /**
   * Indices of the fields that can report while absent (not in a oneof, with rules), in
   * declaration order; every other field is checked only when its key is in the JSON.
   */
  checkedWhenAbsent: number[];
  checkedWhenAbsentSet: boolean[];
  /** Per checkedWhenAbsent entry: whether the field reports anything when absent (see absentFailures()). */
  absentFails?: boolean[];
  /** Per field: whether it or anything below it has rules (filled on first use, see relevance()). */
  relevant?: boolean[];
  /** Per field: what validateMessage does with it (see modesOf()). */
  modesFull?: Uint8Array;
  modesEncoded?: Uint8Array;
}

const typeTables = new WeakMap<Type, TypeTable>();

/** The walk checks Struct, Value and ListValue alike: PGV has no rules inside them. */
function tableKind(fullName: string): TableKind {
  const kind = messageKindOf(fullName);
  return kind === 'value' || kind === 'list' ? 'struct' : kind;
}

function tableOf(type: Type): TypeTable {
  let table = typeTables.get(type);
  if (table) return table;
  const fullName = type.fullName;
  const requiredOneofs: RequiredOneof[] = [];
  for (const oneof of type.oneofsArray) {
    if (parsedOption(oneof, '(validate.required)') !== true) continue;
    const members = [...oneof.oneof];
    requiredOneofs.push({ name: oneof.name, members, message: `one of ${members.join(', ')} is required` });
  }
  const fields: FieldEntry[] = [];
  for (const field of type.fieldsArray) {
    const resolved = field.resolvedType;
    const rules = fieldRules(field);
    const scalarKind = scalarRuleKind(field.type);
    const repeatedRules = isObject(rules?.repeated) ? rules.repeated : undefined;
    const itemRules = isObject(repeatedRules?.items) ? repeatedRules.items : undefined;
    fields.push({
      repeatedRules,
      itemRules,
      kindRules: isObject(rules?.[scalarKind]) ? (rules[scalarKind] as Rules) : undefined,
      itemKindRules: isObject(itemRules?.[scalarKind]) ? (itemRules[scalarKind] as Rules) : undefined,
      name: field.name,
      rules,
      partOf: !!field.partOf,
      map: !!field.map,
      repeated: !!field.repeated,
      keyKind: field instanceof Object && 'keyType' in field ? String(field.keyType) : 'string',
      scalarKind,
      enumType: isEnum(resolved) ? resolved : undefined,
      messageType: !isEnum(resolved) && isMessage(resolved) ? resolved : undefined,
    });
  }
  const fieldIndex = new Map<string, number>();
  const checkedWhenAbsent: number[] = [];
  const checkedWhenAbsentSet: boolean[] = [];
  for (let i = 0; i < fields.length; i++) {
    fieldIndex.set(fields[i].name, i);
    const always = !fields[i].partOf && fields[i].rules !== undefined;
    checkedWhenAbsentSet.push(always);
    if (always) checkedWhenAbsent.push(i);
  }
  table = {
    type,
    name: type.name,
    kind: tableKind(fullName),
    wrapperKind: WRAPPERS[fullName] ?? '',
    skipped: parsedOption(type, '(validate.disabled)') === true || parsedOption(type, '(validate.ignored)') === true,
    requiredOneofs,
    fields,
    fieldIndex,
    checkedWhenAbsent,
    checkedWhenAbsentSet,
  };
  typeTables.set(type, table);
  return table;
}

/** Whether a message of this table can report anything itself (not counting its fields' types). */
function hasOwnRules(table: TypeTable): boolean {
  if (table.kind === 'any') return true;
  if (table.kind !== 'message' || table.skipped) return false;
  return table.requiredOneofs.length !== 0 || table.checkedWhenAbsent.length !== 0 || table.fields.some((f) => f.rules !== undefined);
}

/** Tables the walk would enter from a message of `table`. */
function childTables(table: TypeTable): TypeTable[] {
  if (table.kind !== 'message' || table.skipped) return [];
  const out: TypeTable[] = [];
  for (const field of table.fields) if (field.messageType) out.push((field.messageTable ??= tableOf(field.messageType)));
  return out;
}

// Exact answers only: a table is marked ruleless after a complete search from it found nothing
// (then nothing it reaches has rules either), and has rules below once one was found.
const rulesBelowCache = new WeakMap<TypeTable, boolean>();

/** Whether a message of `table` (or anything reachable from it) can report an error. */
function rulesBelow(start: TypeTable): boolean {
  const cached = rulesBelowCache.get(start);
  if (cached !== undefined) return cached;
  const seen = new Set<TypeTable>([start]);
  const queue: TypeTable[] = [start];
  let found = false;
  for (let i = 0; i < queue.length && !found; i++) {
    const table = queue[i];
    const known = rulesBelowCache.get(table);
    if (known === false) continue;
    if (known === true || hasOwnRules(table)) {
      found = true;
      break;
    }
    for (const child of childTables(table)) {
      if (!seen.has(child)) {
        seen.add(child);
        queue.push(child);
      }
    }
  }
  if (found) rulesBelowCache.set(start, true);
  else for (const table of seen) rulesBelowCache.set(table, false);
  return found;
}

function relevance(table: TypeTable): boolean[] {
  return (table.relevant ??= table.fields.map((field) => {
    if (field.rules !== undefined) return true;
    if (!field.messageType) return false;
    return rulesBelow((field.messageTable ??= tableOf(field.messageType)));
  }));
}

function validateFieldValue(ctx: Context, field: FieldEntry, rules: Rules | undefined, value: unknown, present: boolean): void {
  const enumType = field.enumType;
  if (enumType) {
    const enumRules = rules?.enum;
    if (!isObject(enumRules)) return;
    const n = typeof value === 'string' ? enumType.values[value] : typeof value === 'number' ? value : 0;
    if (enumRules.defined_only === true && (n === undefined || enumType.valuesById[n] === undefined)) {
      report(ctx, `must be a defined ${enumType.name} value`);
    }
    if (n === undefined) return;
    if (enumRules.const === undefined && enumRules.in === undefined && enumRules.not_in === undefined) return;
    checkRange(ctx, { const: enumRules.const, in: enumRules.in, not_in: enumRules.not_in }, n, SHOW_ENUM, enumType);
    return;
  }
  if (field.messageType) {
    validateMessageField(ctx, (field.messageTable ??= tableOf(field.messageType)), rules, value, present);
    return;
  }
  if (!rules) return;
  // The field's own rules and its items' rules were read once (FieldEntry); map values' are not.
  const kindRules = rules === field.rules ? field.kindRules : rules === field.itemRules ? field.itemKindRules : undefined;
  if (kindRules) checkScalarKind(field.scalarKind, kindRules, value, ctx);
  else if (rules !== field.rules && rules !== field.itemRules) checkScalar(field.scalarKind, rules, value, ctx);
}

function validateMessageField(ctx: Context, table: TypeTable, rules: Rules | undefined, value: unknown, present: boolean): void {
  if (rules === undefined && table.kind === 'message') {
    // The usual case (a plain message field with no rules of its own), without the rule lookups.
    if (!present) return;
    if (!isObject(value)) {
      report(ctx, `must be a ${table.name} object`);
      return;
    }
    if (!ctx.shallow) validateMessage(ctx, table, value);
    return;
  }
  const messageRules = rules?.message;
  if (isObject(messageRules) && messageRules.required === true && !present) report(ctx, 'is required');
  switch (table.kind) {
    case 'duration': {
      const d = rules?.duration;
      if (isObject(d)) {
        if (d.required === true && !present) report(ctx, 'is required');
        if (present) {
          const n = durationNanos(value);
          if (n === undefined) report(ctx, 'must be a duration such as "1.5s"');
          else {
            checkRange(ctx, durationBounds(d), n, SHOW_NANOS, undefined);
          }
        }
      }
      return;
    }
    case 'timestamp': {
      const t = rules?.timestamp;
      if (isObject(t) && t.required === true && !present) report(ctx, 'is required');
      return;
    }
    case 'wrapper':
      // PGV applies the scalar rules to a wrapper's value only when it is set.
      if (present && rules) checkScalar(table.wrapperKind, rules, value, ctx);
      return;
    case 'any':
      validateAny(ctx, rules, messageRules, value, present);
      return;
    case 'struct':
      return;
    default:
      break;
  }
  if (!present || (isObject(messageRules) && messageRules.skip === true)) return;
  if (!isObject(value)) {
    report(ctx, `must be a ${table.name} object`);
    return;
  }
  if (!ctx.shallow) validateMessage(ctx, table, value);
}

function reportAt(ctx: Context, segment: string, message: string): void {
  ctx.segments.push(segment);
  report(ctx, message);
  ctx.segments.pop();
}

function validateAny(ctx: Context, rules: Rules | undefined, messageRules: unknown, value: unknown, present: boolean): void {
  const a = rules?.any;
  const typeUrl = isObject(value) && typeof value['@type'] === 'string' ? value['@type'] : undefined;
  if (isObject(a)) {
    if (a.required === true && !present) report(ctx, 'is required');
    if (present && Array.isArray(a.in) && !a.in.includes(typeUrl)) report(ctx, `type must be one of ${a.in.join(', ')}`);
    if (present && Array.isArray(a.not_in) && a.not_in.includes(typeUrl)) report(ctx, `type ${String(typeUrl)} is not allowed`);
  }
  if (!present || (isObject(messageRules) && messageRules.skip === true)) return;
  if (!typeUrl) {
    reportAt(ctx, '@type', 'is required in an Any');
    return;
  }
  const inner = findMessageType(typeUrl);
  if (!inner) {
    reportAt(ctx, '@type', `unknown type ${typeUrl}`);
    return;
  }
  if (!isObject(value) || ctx.shallow) return;
  const innerTable = tableOf(inner);
  if (innerTable.kind === 'wrapper' || innerTable.kind === 'duration') {
    const innerValue = value.value;
    validateMessageField(ctx, innerTable, undefined, innerValue, innerValue !== undefined);
  } else {
    // The walk only reads the type's own fields, so `@type` needs no stripping.
    validateMessage(ctx, innerTable, value);
  }
}

const DURATION_BOUNDS = ['const', 'lt', 'lte', 'gt', 'gte'] as const;

// Duration rules in nanoseconds, per rules object (they are cached per field, so this is once each).
const durationBoundsCache = new WeakMap<Rules, Rules>();

function durationBounds(d: Rules): Rules {
  let bounds = durationBoundsCache.get(d);
  if (!bounds) {
    bounds = {};
    for (const key of DURATION_BOUNDS) {
      if (d[key] !== undefined) bounds[key] = durationRuleNanos(d[key]);
    }
    if (Array.isArray(d.in)) bounds.in = d.in.map(durationRuleNanos);
    if (Array.isArray(d.not_in)) bounds.not_in = d.not_in.map(durationRuleNanos);
    durationBoundsCache.set(d, bounds);
  }
  return bounds;
}

function validateMap(ctx: Context, field: FieldEntry, value: unknown): void {
  const entries = isObject(value) ? value : {};
  const mapRules = field.rules?.map;
  const keys = Object.keys(entries);
  const count = keys.length;
  if (isObject(mapRules) && !(mapRules.ignore_empty === true && count === 0)) {
    if (mapRules.min_pairs !== undefined && count < num(mapRules.min_pairs)) {
      report(ctx, `must have at least ${num(mapRules.min_pairs)} entries`);
    }
    if (mapRules.max_pairs !== undefined && count > num(mapRules.max_pairs)) {
      report(ctx, `must have at most ${num(mapRules.max_pairs)} entries`);
    }
    if (isObject(mapRules.keys)) {
      for (const key of keys) {
        ctx.segments.push(MAP_KEY + key);
        ctx.prefix = 'key ';
        checkScalar(field.keyKind, mapRules.keys, key, ctx);
        ctx.prefix = '';
        ctx.segments.pop();
      }
    }
  }
  const valueRules = isObject(mapRules) && isObject(mapRules.values) ? mapRules.values : undefined;
  for (const key of keys) {
    ctx.segments.push(MAP_KEY + key);
    validateFieldValue(ctx, field, valueRules, entries[key], true);
    ctx.segments.pop();
  }
}

function validateRepeated(ctx: Context, field: FieldEntry, value: unknown, present: boolean): void {
  const items: unknown[] = Array.isArray(value) ? value : [];
  const repeatedRules = field.repeatedRules;
  if (present && !Array.isArray(value)) report(ctx, 'must be a list');
  if (isObject(repeatedRules) && !(repeatedRules.ignore_empty === true && items.length === 0)) {
    if (repeatedRules.min_items !== undefined && items.length < num(repeatedRules.min_items)) {
      report(ctx, num(repeatedRules.min_items) === 1 ? 'must not be empty' : `must have at least ${num(repeatedRules.min_items)} items`);
    }
    if (repeatedRules.max_items !== undefined && items.length > num(repeatedRules.max_items)) {
      report(ctx, `must have at most ${num(repeatedRules.max_items)} items`);
    }
    if (repeatedRules.unique === true) {
      const seen = new Set<string>();
      for (const item of items) {
        const key = JSON.stringify(item);
        if (seen.has(key)) report(ctx, `items must be unique (${key} repeats)`);
        seen.add(key);
      }
    }
  }
  const itemRules = field.itemRules;
  for (let i = 0; i < items.length; i++) {
    ctx.segments.push(i);
    validateFieldValue(ctx, field, itemRules, items[i], true);
    ctx.segments.pop();
  }
}

const SKIP = 0;
const VISIT = 1;
/** Rules that apply when absent, but cannot fail then: visited only when set. */
const WHEN_SET = 2;
/** Rules that can fail when absent: visited always. */
const ALWAYS = 3;

/** Per field, what validateMessage does with it (full walk, or after a strict encode). */
function modesOf(table: TypeTable, encoded: boolean): Uint8Array {
  const cached = encoded ? table.modesEncoded : table.modesFull;
  if (cached) return cached;
  const fails = absentFailures(table);
  const relevant = relevance(table);
  const modes = new Uint8Array(table.fields.length);
  for (let i = 0; i < modes.length; i++) modes[i] = table.checkedWhenAbsentSet[i] ? WHEN_SET : encoded && !relevant[i] ? SKIP : VISIT;
  table.checkedWhenAbsent.forEach((index, i) => {
    if (fails[i]) modes[index] = ALWAYS;
  });
  if (encoded) table.modesEncoded = modes;
  else table.modesFull = modes;
  return modes;
}

// Indices of set WHEN_SET fields, per level of the walk (each validateMessage uses the entries
// above its caller's); the array only grows.
const setFields: number[] = [];
let setFieldsTop = 0;

function validateMessage(ctx: Context, table: TypeTable, json: Record<string, unknown>): void {
  if (table.skipped) return;
  checkRequiredOneofs(ctx, table, json);
  const fields = table.fields;
  const modes = modesOf(table, ctx.encoded);
  // Envoy messages declare many fields and set few: visit the set ones (in the JSON's order),
  // then those with rules that apply when absent (in declaration order) that can fail or are set.
  const base = setFieldsTop;
  for (const key in json) {
    const index = table.fieldIndex.get(key);
    if (index === undefined) continue;
    const mode = modes[index];
    if (mode === VISIT) {
      validateField(ctx, fields[index], json);
    } else if (mode === WHEN_SET) {
      const value = json[key];
      if (value !== undefined && value !== null) setFields[setFieldsTop++] = index;
    }
  }
  const top = setFieldsTop;
  // Insertion sort by declaration: a message sets few of these.
  for (let i = base + 1; i < top; i++) {
    const index = setFields[i];
    let j = i - 1;
    while (j >= base && setFields[j] > index) {
      setFields[j + 1] = setFields[j];
      j--;
    }
    setFields[j + 1] = index;
  }
  let next = base;
  for (const index of table.checkedWhenAbsent) {
    if (modes[index] === ALWAYS) {
      validateField(ctx, fields[index], json);
    } else if (next < top && setFields[next] === index) {
      next++;
      validateField(ctx, fields[index], json);
    }
  }
  setFieldsTop = base;
}

/**
 * Whether each checkedWhenAbsent field reports an error when absent. An absent field's checks
 * see no value, so the answer depends on its rules alone; most (lists of headers with rules
 * on their items, say) report nothing and need no visit when absent.
 */
function absentFailures(table: TypeTable): boolean[] {
  return (table.absentFails ??= table.checkedWhenAbsent.map((index) => {
    const scratch: Context = { errors: [], segments: [], prefix: '', encoded: false, shallow: false };
    validateField(scratch, table.fields[index], {});
    return scratch.errors.length !== 0;
  }));
}

function checkRequiredOneofs(ctx: Context, table: TypeTable, json: Record<string, unknown>): void {
  for (const oneof of table.requiredOneofs) {
    let set = false;
    for (const name of oneof.members) {
      if (json[name] !== undefined) {
        set = true;
        break;
      }
    }
    if (!set) reportAt(ctx, oneof.name, oneof.message);
  }
}

function validateField(ctx: Context, field: FieldEntry, json: Record<string, unknown>): void {
  const value = json[field.name];
  const present = value !== undefined && value !== null;
  // Oneof members (and proto3 `optional`) are checked only when set.
  if (field.partOf && !present) return;
  ctx.segments.push(field.name);
  if (field.map) validateMap(ctx, field, value);
  else if (field.repeated) validateRepeated(ctx, field, value, present);
  else validateFieldValue(ctx, field, field.rules, value, present);
  ctx.segments.pop();
}

/** Runs the walk from the top of one message. */
function validateTop(typeName: string, json: EnvoyMessage, encoded: boolean): ValidationError[] {
  const ctx: Context = { errors: [], segments: [], prefix: '', encoded, shallow: false };
  setFieldsTop = 0;
  validateMessage(ctx, tableOf(messageType(typeName)), json);
  return ctx.errors;
}

/** PGV errors of one JSON message of the named type (full name or type URL). */
export function validateMessageJson(typeName: string, json: EnvoyMessage): ValidationError[] {
  return validateTop(typeName, json, false);
}

/**
 * validateMessageJson for a message the strict encoder accepted: the same errors, without
 * visiting subtrees that have no rules.
 */
export function validateEncodedMessageJson(typeName: string, json: EnvoyMessage): ValidationError[] {
  return validateTop(typeName, json, true);
}

/** PGV errors of a resource; empty when Envoy would accept it. */
export function validateResource(resource: EnvoyResource): ValidationError[] {
  return validateMessageJson(typeNameOf(resource.type), resource.message);
}

// ---------- checks inside the encoder's walk ----------

/** A set field's own rules: its value, and the message it is in. */
export type FieldPasses = (value: unknown, json: Record<string, unknown>) => boolean;

/**
 * What the encoder needs to check a message of one type while it writes it (wire.ts,
 * encodeMessageChecked): the same rules as validateMessage, split so that the encoder's one
 * walk over the message applies them instead of a second walk here. It answers only whether
 * a message passes; the errors of one that does not come from validateEncodedMessageJson.
 */
export interface InlineChecks {
  /** `(validate.disabled)` or `(validate.ignored)`: nothing in or below the message is checked. */
  skipped: boolean;
  /** Oneofs with `(validate.required)`, by name. */
  requiredOneofs: readonly string[];
  /** Fields that report an error when absent. */
  failWhenAbsent: readonly string[];
  /** Per field with rules: its own rules (not those of the messages below it); false on an error. */
  fieldPasses: ReadonlyMap<string, FieldPasses>;
  /** Fields whose rules say `message.skip`: nothing below them is checked. */
  skipBelow: ReadonlySet<string>;
}

// One sink for every inline check: checks are synchronous and only count errors.
const inlineSink: Context = { errors: [], segments: [], prefix: '', encoded: true, shallow: true };

function skipsBelow(field: FieldEntry): boolean {
  const rules = field.map ? (isObject(field.rules?.map) ? field.rules.map.values : undefined) : field.repeated ? field.itemRules : field.rules;
  return isObject(rules) && isObject(rules.message) && rules.message.skip === true;
}

// The rules most fields carry, as predicates made once per field: what validateField does for
// a set value, without reading the rules on every visit. A field with any other rule (or a
// combination not listed here) is checked by validateField. Both answer alike; the inline
// checks test breaks values against every rule the golden resources reach.

type Check = (value: unknown) => boolean;

const ALWAYS_PASSES: Check = () => true;

/** A set value's check for the field's rules, or undefined when validateField must do it. */
function compiledCheck(field: FieldEntry): Check | undefined {
  const rules = field.rules;
  if (!rules) return undefined;
  const check = compiledFieldCheck(field, rules);
  // A oneof member is checked only when set, and null is not set (validateField).
  if (!check || !field.partOf) return check;
  return (value) => value === null || check(value);
}

function compiledFieldCheck(field: FieldEntry, rules: Rules): Check | undefined {
  const keys = Object.keys(rules);
  if (keys.length !== 1) return undefined;
  if (field.map) {
    const mapRules = rules.map;
    if (!isObject(mapRules) || field.keyKind !== 'string') return undefined;
    return compiledMapCheck(mapRules);
  }
  if (field.repeated) {
    const repeatedRules = field.repeatedRules;
    if (!repeatedRules || keys[0] !== 'repeated') return undefined;
    return compiledListCheck(field, repeatedRules);
  }
  return compiledValueCheck(field, rules);
}

function compiledValueCheck(field: FieldEntry, rules: Rules): Check | undefined {
  if (field.enumType) return compiledEnumCheck(field.enumType, rules);
  if (field.messageType) {
    // A set message field: `required` holds, and the walk below is the encoder's.
    const table = (field.messageTable ??= tableOf(field.messageType));
    if (table.kind === 'wrapper') return compiledWrapperCheck(table.wrapperKind, rules);
    if (table.kind === 'duration') return compiledDurationCheck(rules);
    const messageRules = rules.message;
    if (table.kind !== 'message' || !isObject(messageRules)) return undefined;
    if (Object.keys(messageRules).some((key) => key !== 'required')) return undefined;
    return messageRules.required === true ? (value) => value !== null : ALWAYS_PASSES;
  }
  const kindRules = isObject(rules[field.scalarKind]) ? (rules[field.scalarKind] as Rules) : undefined;
  if (!kindRules) return undefined;
  if (field.scalarKind === 'string') return compiledStringCheck(kindRules);
  return compiledNumberCheck(field.scalarKind, kindRules);
}

/** A wrapper's rules are its scalar's, applied only when it is set (validateMessageField). */
function compiledWrapperCheck(kind: string, rules: Rules): Check | undefined {
  const kindRules = rules[kind];
  if (!isObject(kindRules)) return undefined;
  const scalar = kind === 'string' ? compiledStringCheck(kindRules) : compiledNumberCheck(kind, kindRules);
  if (!scalar) return undefined;
  return (value) => value === null || scalar(value);
}

/** `duration` rules with bounds and `required` only; `const`, `in` and `not_in` take validateField. */
function compiledDurationCheck(rules: Rules): Check | undefined {
  const d = rules.duration;
  if (!isObject(d)) return undefined;
  const bounds: Rules = {};
  for (const key of Object.keys(d)) {
    if (key === 'required') continue;
    if (key !== 'gt' && key !== 'gte' && key !== 'lt' && key !== 'lte') return undefined;
    bounds[key] = durationRuleNanos(d[key]);
  }
  const inRange = compiledNumberCheck('int64', bounds);
  if (!inRange) return undefined;
  const required = d.required === true;
  return (value) => {
    if (value === null) return !required;
    const n = durationNanos(value);
    return n !== undefined && inRange(n);
  };
}

function compiledEnumCheck(enumType: Enum, rules: Rules): Check | undefined {
  const enumRules = rules.enum;
  if (!isObject(enumRules) || Object.keys(enumRules).some((key) => key !== 'defined_only')) return undefined;
  if (enumRules.defined_only !== true) return ALWAYS_PASSES;
  return (value) => {
    const n = typeof value === 'string' ? enumType.values[value] : typeof value === 'number' ? value : 0;
    return n !== undefined && enumType.valuesById[n] !== undefined;
  };
}

const NUMBER_KINDS = new Set(['int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'double', 'float']);

function compiledNumberCheck(kind: string, rules: Rules): Check | undefined {
  if (!NUMBER_KINDS.has(kind)) return undefined;
  let lower = -Infinity;
  let lowerStrict = false;
  let upper = Infinity;
  let upperStrict = false;
  for (const key of Object.keys(rules)) {
    const bound = num(rules[key]);
    if (key === 'gt' || key === 'gte') {
      lower = bound;
      lowerStrict = key === 'gt';
    } else if (key === 'lt' || key === 'lte') {
      upper = bound;
      upperStrict = key === 'lt';
    } else {
      return undefined;
    }
  }
  // An inverted pair means "outside the range" to PGV; checkRange handles that.
  if (lower > upper) return undefined;
  return (value) => {
    const n = num(value ?? 0);
    // No bound, no test (NaN fails every comparison).
    const aboveLower = lower === -Infinity || (lowerStrict ? n > lower : n >= lower);
    return aboveLower && (upper === Infinity || (upperStrict ? n < upper : n <= upper));
  };
}

function compiledStringCheck(rules: Rules): Check {
  const list = stringRulesOf(rules);
  const ignoreEmpty = rules.ignore_empty === true;
  // Indexed: these run for every checked string, and a for-of iterator is an allocation each time.
  return (value) => {
    const v = typeof value === 'string' ? value : '';
    if (ignoreEmpty && v === '') return true;
    for (let i = 0; i < list.length; i++) if (!(list[i] as StringRule).passes(v)) return false;
    return true;
  };
}

function compiledListCheck(field: FieldEntry, rules: Rules): Check | undefined {
  let min = 0;
  let max = Infinity;
  let item: Check | undefined;
  for (const key of Object.keys(rules)) {
    if (key === 'min_items') min = num(rules.min_items);
    else if (key === 'max_items') max = num(rules.max_items);
    else if (key === 'items') {
      if (!field.itemRules || Object.keys(field.itemRules).length !== 1 || field.messageType || field.enumType) return undefined;
      if (!field.itemKindRules || field.scalarKind !== 'string') return undefined;
      item = compiledStringCheck(field.itemKindRules);
    } else return undefined;
  }
  return (value) => {
    const items = Array.isArray(value) ? value : [];
    if (items.length < min || items.length > max) return false;
    if (item) for (let i = 0; i < items.length; i++) if (!item(items[i])) return false;
    return true;
  };
}

function compiledMapCheck(rules: Rules): Check | undefined {
  // Only `keys` with string rules; anything else (pair counts, value rules) goes through validateField.
  const keyRules = rules.keys;
  if (Object.keys(rules).length !== 1 || !isObject(keyRules) || Object.keys(keyRules).length !== 1 || !isObject(keyRules.string)) return undefined;
  const keyPasses = compiledStringCheck(keyRules.string);
  return (value) => {
    if (!isObject(value)) return true;
    for (const name in value) if (!keyPasses(name)) return false;
    return true;
  };
}

const inlineChecksCache = new WeakMap<Type, InlineChecks>();

export function inlineChecksOf(type: Type): InlineChecks {
  let checks = inlineChecksCache.get(type);
  if (checks) return checks;
  const table = tableOf(type);
  const fails = absentFailures(table);
  const fieldPasses = new Map<string, FieldPasses>();
  const skipBelow = new Set<string>();
  for (const field of table.fields) {
    if (skipsBelow(field)) skipBelow.add(field.name);
    if (field.rules === undefined) continue;
    const compiled = compiledCheck(field);
    if (compiled) {
      fieldPasses.set(field.name, compiled);
      continue;
    }
    fieldPasses.set(field.name, (_value, json) => {
      validateField(inlineSink, field, json);
      if (inlineSink.errors.length === 0) return true;
      // Cleared only after a failure: setting a list's length costs more than the check.
      inlineSink.errors.length = 0;
      return false;
    });
  }
  checks = {
    skipped: table.skipped,
    requiredOneofs: table.requiredOneofs.map((oneof) => oneof.name),
    failWhenAbsent: table.checkedWhenAbsent.filter((_, i) => fails[i]).map((index) => table.fields[index].name),
    fieldPasses,
    skipBelow,
  };
  inlineChecksCache.set(type, checks);
  return checks;
}
