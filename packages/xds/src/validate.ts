// A generic protoc-gen-validate (PGV) checker driven by protobufjs reflection:
// the `(validate.rules)` field options and `(validate.required)` oneof options
// of the real Envoy protos, applied to Portico's Envoy JSON. It recurses through
// nested messages, repeated fields, maps and Any (unpacked by `@type`), the
// same way Envoy's generated validators do before it accepts a resource.
import type { Enum, Field, OneOf, ReflectionObject, Type } from 'protobufjs';
import { durationNanos, isWrapperType, join, typeNameOf } from './codec.js';
import { findMessageType, messageType } from './protos.js';
import type { EnvoyMessage, EnvoyResource } from './types.js';

export interface ValidationError {
  /** Proto path of the offending field, e.g. `virtual_hosts[0].routes[1].route.weighted_clusters.clusters`. */
  field: string;
  message: string;
}

type Rules = Record<string, unknown>;

const WRAPPER_KIND: Record<string, string> = {
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

type Report = (message: string) => void;

function num(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(value);
  return NaN;
}

function checkRange(rules: Rules, value: number, report: Report, show: (n: number) => string): void {
  if (rules.const !== undefined && value !== num(rules.const)) report(`must equal ${show(num(rules.const))}`);
  const gt = rules.gt !== undefined ? num(rules.gt) : undefined;
  const gte = rules.gte !== undefined ? num(rules.gte) : undefined;
  const lt = rules.lt !== undefined ? num(rules.lt) : undefined;
  const lte = rules.lte !== undefined ? num(rules.lte) : undefined;
  const lower = gt ?? gte;
  const upper = lt ?? lte;
  const aboveLower = gt !== undefined ? value > gt : gte !== undefined ? value >= gte : true;
  const belowUpper = lt !== undefined ? value < lt : lte !== undefined ? value <= lte : true;
  const lowerText = gt !== undefined ? `greater than ${show(gt)}` : gte !== undefined ? `at least ${show(gte)}` : '';
  const upperText = lt !== undefined ? `less than ${show(lt)}` : lte !== undefined ? `at most ${show(lte)}` : '';
  if (lower !== undefined && upper !== undefined && lower > upper) {
    // PGV: an inverted pair means "outside the range".
    if (!aboveLower && !belowUpper) report(`must be ${lowerText} or ${upperText}`);
    return;
  }
  if (!aboveLower) report(`must be ${lowerText}`);
  if (!belowUpper) report(`must be ${upperText}`);
  if (Array.isArray(rules.in) && !rules.in.map(num).includes(value)) {
    report(`must be one of ${rules.in.map((n) => show(num(n))).join(', ')}`);
  }
  if (Array.isArray(rules.not_in) && rules.not_in.map(num).includes(value)) {
    report(`must not be one of ${rules.not_in.map((n) => show(num(n))).join(', ')}`);
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

function checkString(rules: Rules, value: string, report: Report): void {
  if (rules.ignore_empty === true && value === '') return;
  const chars = [...value].length;
  const bytes = Buffer.byteLength(value, 'utf8');
  if (rules.const !== undefined && value !== rules.const) report(`must equal "${String(rules.const)}"`);
  if (rules.len !== undefined && chars !== num(rules.len)) report(`must be exactly ${num(rules.len)} characters`);
  if (rules.min_len !== undefined && chars < num(rules.min_len)) {
    report(num(rules.min_len) === 1 ? 'must not be empty' : `must be at least ${num(rules.min_len)} characters`);
  }
  if (rules.max_len !== undefined && chars > num(rules.max_len)) report(`must be at most ${num(rules.max_len)} characters`);
  if (rules.len_bytes !== undefined && bytes !== num(rules.len_bytes)) report(`must be exactly ${num(rules.len_bytes)} bytes`);
  if (rules.min_bytes !== undefined && bytes < num(rules.min_bytes)) report(`must be at least ${num(rules.min_bytes)} bytes`);
  if (rules.max_bytes !== undefined && bytes > num(rules.max_bytes)) report(`must be at most ${num(rules.max_bytes)} bytes`);
  if (typeof rules.pattern === 'string') {
    const re = compile(rules.pattern);
    if (re && !re.test(value)) report(`must match the pattern ${rules.pattern}`);
  }
  if (typeof rules.prefix === 'string' && !value.startsWith(rules.prefix)) report(`must start with "${rules.prefix}"`);
  if (typeof rules.suffix === 'string' && !value.endsWith(rules.suffix)) report(`must end with "${rules.suffix}"`);
  if (typeof rules.contains === 'string' && !value.includes(rules.contains)) report(`must contain "${rules.contains}"`);
  if (typeof rules.not_contains === 'string' && value.includes(rules.not_contains)) {
    report(`must not contain "${rules.not_contains}"`);
  }
  if (Array.isArray(rules.in) && !rules.in.includes(value)) report(`must be one of ${rules.in.map(String).join(', ')}`);
  if (Array.isArray(rules.not_in) && rules.not_in.includes(value)) report(`must not be "${value}"`);
  if (rules.hostname === true && !HOSTNAME.test(value)) report('must be a valid hostname');
  if (rules.email === true && !/^[^@\s]+@[^@\s]+$/.test(value)) report('must be a valid email address');
  if (rules.ip === true && !isIPv4(value) && !isIPv6(value)) report('must be a valid IP address');
  if (rules.ipv4 === true && !isIPv4(value)) report('must be a valid IPv4 address');
  if (rules.ipv6 === true && !isIPv6(value)) report('must be a valid IPv6 address');
  if (rules.address === true && !isIPv4(value) && !isIPv6(value) && !HOSTNAME.test(value)) {
    report('must be a valid hostname or IP address');
  }
  if (rules.uuid === true && !UUID.test(value)) report('must be a valid UUID');
  if (rules.uri === true && !/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(value)) report('must be an absolute URI');
  if (typeof rules.well_known_regex === 'string') {
    const strict = rules.strict !== false;
    if (rules.well_known_regex === 'HTTP_HEADER_NAME' && !(strict ? HEADER_NAME_STRICT : HEADER_LOOSE).test(value)) {
      report('must be a valid HTTP header name');
    }
    if (rules.well_known_regex === 'HTTP_HEADER_VALUE' && !(strict ? HEADER_VALUE_STRICT : HEADER_LOOSE).test(value)) {
      report('must be a valid HTTP header value');
    }
  }
}

function checkBytes(rules: Rules, value: unknown, report: Report): void {
  const buf = value instanceof Uint8Array ? Buffer.from(value) : Buffer.from(typeof value === 'string' ? value : '', 'base64');
  if (rules.ignore_empty === true && buf.length === 0) return;
  if (rules.len !== undefined && buf.length !== num(rules.len)) report(`must be exactly ${num(rules.len)} bytes`);
  if (rules.min_len !== undefined && buf.length < num(rules.min_len)) report(`must be at least ${num(rules.min_len)} bytes`);
  if (rules.max_len !== undefined && buf.length > num(rules.max_len)) report(`must be at most ${num(rules.max_len)} bytes`);
}

function checkScalar(kind: string, rules: Rules, value: unknown, report: Report): void {
  const kindRules = rules[kind];
  if (!isObject(kindRules)) return;
  if (kind === 'string') return checkString(kindRules, typeof value === 'string' ? value : '', report);
  if (kind === 'bytes') return checkBytes(kindRules, value, report);
  if (kind === 'bool') {
    if (kindRules.const !== undefined && value !== kindRules.const) report(`must be ${String(kindRules.const)}`);
    return;
  }
  const n = num(value ?? 0);
  if (kindRules.ignore_empty === true && n === 0) return;
  checkRange(kindRules, n, report, String);
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

interface Context {
  errors: ValidationError[];
}

function validateFieldValue(
  ctx: Context,
  field: Field,
  rules: Rules | undefined,
  value: unknown,
  present: boolean,
  path: string,
): void {
  const report: Report = (message) => ctx.errors.push({ field: path, message });
  const resolved = field.resolvedType;
  if (isEnum(resolved)) {
    const enumRules = rules?.enum;
    if (!isObject(enumRules)) return;
    const n = typeof value === 'string' ? resolved.values[value] : typeof value === 'number' ? value : 0;
    if (enumRules.defined_only === true && (n === undefined || resolved.valuesById[n] === undefined)) {
      report(`must be a defined ${resolved.name} value`);
    }
    if (n === undefined) return;
    checkRange({ const: enumRules.const, in: enumRules.in, not_in: enumRules.not_in }, n, report, (v) =>
      resolved.valuesById[v] ?? String(v),
    );
    return;
  }
  if (isMessage(resolved)) {
    validateMessageField(ctx, resolved, rules, value, present, path);
    return;
  }
  if (rules) checkScalar(scalarRuleKind(field.type), rules, value, report);
}

function validateMessageField(
  ctx: Context,
  type: Type,
  rules: Rules | undefined,
  value: unknown,
  present: boolean,
  path: string,
): void {
  const report: Report = (message) => ctx.errors.push({ field: path, message });
  const fullName = type.fullName;
  const messageRules = rules?.message;
  if (isObject(messageRules) && messageRules.required === true && !present) report('is required');
  if (fullName === '.google.protobuf.Duration') {
    const d = rules?.duration;
    if (isObject(d)) {
      if (d.required === true && !present) report('is required');
      if (present) {
        const n = durationNanos(value);
        if (n === undefined) report('must be a duration such as "1.5s"');
        else {
          const bounds: Rules = {};
          for (const key of ['const', 'lt', 'lte', 'gt', 'gte'] as const) {
            if (d[key] !== undefined) bounds[key] = durationRuleNanos(d[key]);
          }
          if (Array.isArray(d.in)) bounds.in = d.in.map(durationRuleNanos);
          if (Array.isArray(d.not_in)) bounds.not_in = d.not_in.map(durationRuleNanos);
          checkRange(bounds, n, report, showNanos);
        }
      }
    }
    return;
  }
  if (fullName === '.google.protobuf.Timestamp') {
    const t = rules?.timestamp;
    if (isObject(t) && t.required === true && !present) report('is required');
    return;
  }
  const wrapperKind = WRAPPER_KIND[fullName];
  if (wrapperKind) {
    // PGV applies the scalar rules to a wrapper's value only when it is set.
    if (present && rules) checkScalar(wrapperKind, rules, value, report);
    return;
  }
  if (fullName === '.google.protobuf.Any') {
    const a = rules?.any;
    const typeUrl = isObject(value) && typeof value['@type'] === 'string' ? value['@type'] : undefined;
    if (isObject(a)) {
      if (a.required === true && !present) report('is required');
      if (present && Array.isArray(a.in) && !a.in.includes(typeUrl)) report(`type must be one of ${a.in.join(', ')}`);
      if (present && Array.isArray(a.not_in) && a.not_in.includes(typeUrl)) report(`type ${String(typeUrl)} is not allowed`);
    }
    if (present && !(isObject(messageRules) && messageRules.skip === true)) {
      if (!typeUrl) {
        ctx.errors.push({ field: join(path, '@type'), message: 'is required in an Any' });
        return;
      }
      const inner = findMessageType(typeUrl);
      if (!inner) {
        ctx.errors.push({ field: join(path, '@type'), message: `unknown type ${typeUrl}` });
        return;
      }
      if (!isObject(value)) return;
      const { '@type': _t, ...rest } = value;
      if (isWrapperType(inner.fullName) || inner.fullName === '.google.protobuf.Duration') {
        validateMessageField(ctx, inner, undefined, rest.value, rest.value !== undefined, path);
      } else {
        validateMessage(ctx, inner, rest, path);
      }
    }
    return;
  }
  if (fullName === '.google.protobuf.Struct' || fullName === '.google.protobuf.Value' || fullName === '.google.protobuf.ListValue') {
    return;
  }
  if (!present || (isObject(messageRules) && messageRules.skip === true)) return;
  if (!isObject(value)) {
    report(`must be a ${type.name} object`);
    return;
  }
  validateMessage(ctx, type, value, path);
}

function validateMessage(ctx: Context, type: Type, json: Record<string, unknown>, path: string): void {
  if (parsedOption(type, '(validate.disabled)') === true || parsedOption(type, '(validate.ignored)') === true) return;
  for (const oneof of type.oneofsArray) {
    if (parsedOption(oneof, '(validate.required)') !== true) continue;
    if (!oneof.oneof.some((name) => json[name] !== undefined)) {
      ctx.errors.push({ field: join(path, oneof.name), message: `one of ${oneof.oneof.join(', ')} is required` });
    }
  }
  for (const field of type.fieldsArray) {
    const value = json[field.name];
    const present = value !== undefined && value !== null;
    const rules = fieldRules(field);
    const fieldPath = join(path, field.name);
    // Oneof members (and proto3 `optional`) are checked only when set.
    if (field.partOf && !present) continue;
    if (field.map) {
      const entries = isObject(value) ? value : {};
      const mapRules = rules?.map;
      const count = Object.keys(entries).length;
      if (isObject(mapRules) && !(mapRules.ignore_empty === true && count === 0)) {
        const report: Report = (message) => ctx.errors.push({ field: fieldPath, message });
        if (mapRules.min_pairs !== undefined && count < num(mapRules.min_pairs)) {
          report(`must have at least ${num(mapRules.min_pairs)} entries`);
        }
        if (mapRules.max_pairs !== undefined && count > num(mapRules.max_pairs)) {
          report(`must have at most ${num(mapRules.max_pairs)} entries`);
        }
        if (isObject(mapRules.keys)) {
          for (const key of Object.keys(entries)) {
            checkScalar(field instanceof Object && 'keyType' in field ? String(field.keyType) : 'string', mapRules.keys, key, (m) =>
              ctx.errors.push({ field: `${fieldPath}["${key}"]`, message: `key ${m}` }),
            );
          }
        }
      }
      const valueRules = isObject(mapRules) && isObject(mapRules.values) ? mapRules.values : undefined;
      for (const key of Object.keys(entries)) {
        validateFieldValue(ctx, field, valueRules, entries[key], true, `${fieldPath}["${key}"]`);
      }
      continue;
    }
    if (field.repeated) {
      const items = Array.isArray(value) ? value : [];
      const repeatedRules = rules?.repeated;
      const report: Report = (message) => ctx.errors.push({ field: fieldPath, message });
      if (present && !Array.isArray(value)) report('must be a list');
      if (isObject(repeatedRules) && !(repeatedRules.ignore_empty === true && items.length === 0)) {
        if (repeatedRules.min_items !== undefined && items.length < num(repeatedRules.min_items)) {
          report(num(repeatedRules.min_items) === 1 ? 'must not be empty' : `must have at least ${num(repeatedRules.min_items)} items`);
        }
        if (repeatedRules.max_items !== undefined && items.length > num(repeatedRules.max_items)) {
          report(`must have at most ${num(repeatedRules.max_items)} items`);
        }
        if (repeatedRules.unique === true) {
          const seen = new Set<string>();
          for (const item of items) {
            const key = JSON.stringify(item);
            if (seen.has(key)) report(`items must be unique (${key} repeats)`);
            seen.add(key);
          }
        }
      }
      const itemRules = isObject(repeatedRules) && isObject(repeatedRules.items) ? repeatedRules.items : undefined;
      items.forEach((item, i) => validateFieldValue(ctx, field, itemRules, item, true, `${fieldPath}[${i}]`));
      continue;
    }
    validateFieldValue(ctx, field, rules, value, present, fieldPath);
  }
}

/** PGV errors of one JSON message of the named type (full name or type URL). */
export function validateMessageJson(typeName: string, json: EnvoyMessage): ValidationError[] {
  const ctx: Context = { errors: [] };
  validateMessage(ctx, messageType(typeName), json, '');
  return ctx.errors;
}

/** PGV errors of a resource; empty when Envoy would accept it. */
export function validateResource(resource: EnvoyResource): ValidationError[] {
  return validateMessageJson(typeNameOf(resource.type), resource.message);
}
