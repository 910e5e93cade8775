// Header maps and Envoy's HeaderParser semantics (router/header_parser.cc):
// within one level, headers_to_remove are removed first, then every addition decides against the
// headers as they were before this level's additions; overwrites are applied, then appends.
import type { AppendAction, HeaderAddition, HeaderEntries, HeaderMutationLevel } from './types.js';
import { bool, obj, objs, str, type Obj } from './util.js';

export class HeaderMap {
  readonly entries: HeaderEntries = [];

  constructor(entries: HeaderEntries = []) {
    for (const [name, value] of entries) this.entries.push([name.toLowerCase(), value]);
  }

  clone(): HeaderMap {
    return new HeaderMap(this.entries.map(([n, v]) => [n, v]));
  }

  has(name: string): boolean {
    const key = name.toLowerCase();
    return this.entries.some(([n]) => n === key);
  }

  getAll(name: string): string[] {
    const key = name.toLowerCase();
    return this.entries.filter(([n]) => n === key).map(([, v]) => v);
  }

  /** Envoy's HeaderUtility::getAllOfHeaderAsString: repeated values joined with ",". */
  getJoined(name: string): string | undefined {
    const values = this.getAll(name);
    return values.length === 0 ? undefined : values.join(',');
  }

  first(name: string): string | undefined {
    return this.getAll(name)[0];
  }

  remove(name: string): void {
    const key = name.toLowerCase();
    for (let i = this.entries.length - 1; i >= 0; i--) if (this.entries[i][0] === key) this.entries.splice(i, 1);
  }

  /** Replaces every value of `name` by one value, keeping the position of the first occurrence. */
  set(name: string, value: string): void {
    const key = name.toLowerCase();
    const index = this.entries.findIndex(([n]) => n === key);
    if (index < 0) {
      this.entries.push([key, value]);
      return;
    }
    this.entries[index] = [key, value];
    for (let i = this.entries.length - 1; i > index; i--) if (this.entries[i][0] === key) this.entries.splice(i, 1);
  }

  add(name: string, value: string): void {
    this.entries.push([name.toLowerCase(), value]);
  }

  toRecord(options: { pseudo: boolean } = { pseudo: false }): Record<string, string[]> {
    // Grouped in a Map: a request may carry any header name, `__proto__` or `constructor` too,
    // which a plain object would take for its own machinery.
    const grouped = new Map<string, string[]>();
    for (const [n, v] of this.entries) {
      if (!options.pseudo && n.startsWith(':')) continue;
      const values = grouped.get(n);
      if (values) values.push(v);
      else grouped.set(n, [v]);
    }
    return Object.fromEntries(grouped);
  }
}

export function toHeaderEntries(input: Record<string, string | string[]> | Array<[string, string]> | undefined): HeaderEntries {
  if (!input) return [];
  if (Array.isArray(input)) return input.map(([n, v]) => [n.toLowerCase(), v]);
  const out: HeaderEntries = [];
  for (const [name, value] of Object.entries(input)) {
    for (const v of Array.isArray(value) ? value : [value]) out.push([name.toLowerCase(), v]);
  }
  return out;
}

const APPEND_ACTIONS: AppendAction[] = ['APPEND_IF_EXISTS_OR_ADD', 'ADD_IF_ABSENT', 'OVERWRITE_IF_EXISTS_OR_ADD', 'OVERWRITE_IF_EXISTS'];

/**
 * core.v3.HeaderValueOption: `append` (deprecated BoolValue) maps true→APPEND_IF_EXISTS_OR_ADD and
 * false→OVERWRITE_IF_EXISTS_OR_ADD; otherwise append_action, default APPEND_IF_EXISTS_OR_ADD.
 */
export function parseHeaderValueOption(option: Obj, problems: string[], where: string): HeaderAddition | undefined {
  const header = obj(option.header);
  const name = str(header?.key);
  if (!header || !name) {
    problems.push(`${where}: header value option without header.key`);
    return undefined;
  }
  let value = str(header.value);
  if (value === undefined && str(header.raw_value) !== undefined) {
    value = Buffer.from(str(header.raw_value) ?? '', 'base64').toString('utf8');
  }
  value ??= '';
  let appendAction: AppendAction = 'APPEND_IF_EXISTS_OR_ADD';
  const append = bool(option.append);
  const action = option.append_action;
  if (append !== undefined) appendAction = append ? 'APPEND_IF_EXISTS_OR_ADD' : 'OVERWRITE_IF_EXISTS_OR_ADD';
  else if (typeof action === 'string' && (APPEND_ACTIONS as string[]).includes(action)) appendAction = action as AppendAction;
  else if (typeof action === 'number' && APPEND_ACTIONS[action]) appendAction = APPEND_ACTIONS[action];
  if (/%[A-Z_]+(\(|%)/.test(value.replace(/%%/g, ''))) {
    problems.push(`${where}: header ${name} uses a substitution format string (${value}); it is shown literally, not evaluated`);
  }
  return { name: name.toLowerCase(), value: value.replace(/%%/g, '%'), appendAction, keepEmptyValue: bool(option.keep_empty_value) ?? false };
}

export function parseMutationLevel(level: string, holder: Obj | undefined, kind: 'request' | 'response', problems: string[]): HeaderMutationLevel | undefined {
  if (!holder) return undefined;
  const adds = objs(holder[`${kind}_headers_to_add`]);
  const removes = (Array.isArray(holder[`${kind}_headers_to_remove`]) ? (holder[`${kind}_headers_to_remove`] as unknown[]) : [])
    .filter((h): h is string => typeof h === 'string')
    .map((h) => h.toLowerCase());
  if (adds.length === 0 && removes.length === 0) return undefined;
  const add: HeaderAddition[] = [];
  for (const option of adds) {
    const parsed = parseHeaderValueOption(option, problems, `${level}.${kind}_headers_to_add`);
    if (parsed) add.push(parsed);
  }
  // HeaderParser::configure: pseudo-headers and Host cannot be added or removed (Envoy rejects the config).
  for (const name of [...add.map((a) => a.name), ...removes]) {
    if (name.startsWith(':') || name === 'host') problems.push(`${level}.${kind}_headers: ${name} cannot be modified; Envoy rejects this configuration`);
  }
  return { level, remove: removes, add };
}

/** HeaderParser::evaluateHeaders. Returns a human description of what changed. */
export function applyMutationLevel(headers: HeaderMap, level: HeaderMutationLevel): string[] {
  const changes: string[] = [];
  for (const name of level.remove) {
    if (headers.has(name)) changes.push(`removed ${name}`);
    headers.remove(name);
  }
  const toOverwrite: Array<[string, string]> = [];
  const toAppend: Array<[string, string]> = [];
  for (const addition of level.add) {
    if (addition.value === '' && !addition.keepEmptyValue) continue;
    const present = headers.has(addition.name);
    switch (addition.appendAction) {
      case 'APPEND_IF_EXISTS_OR_ADD':
        toAppend.push([addition.name, addition.value]);
        break;
      case 'ADD_IF_ABSENT':
        if (!present) toAppend.push([addition.name, addition.value]);
        else changes.push(`kept ${addition.name} (ADD_IF_ABSENT, already present)`);
        break;
      case 'OVERWRITE_IF_EXISTS':
        if (present) toOverwrite.push([addition.name, addition.value]);
        else changes.push(`skipped ${addition.name} (OVERWRITE_IF_EXISTS, absent)`);
        break;
      case 'OVERWRITE_IF_EXISTS_OR_ADD':
        toOverwrite.push([addition.name, addition.value]);
        break;
    }
  }
  for (const [name, value] of toOverwrite) {
    headers.set(name, value);
    changes.push(`set ${name}: ${value}`);
  }
  for (const [name, value] of toAppend) {
    headers.add(name, value);
    changes.push(`appended ${name}: ${value}`);
  }
  return changes;
}
