// String, header and query-parameter matchers with Envoy's semantics
// (type/matcher/v3/string.proto, route_components.proto HeaderMatcher/QueryParameterMatcher,
// common/http/header_utility.cc matchHeaders, common/router/config_utility.cc).
import type { HeaderMap } from './headers.js';
import { RE2JS } from 're2js';
import { bool, num, obj, str, type Obj } from './util.js';

/**
 * RE2::FullMatch, as Envoy's safe_regex matchers run it: RE2's syntax and linear time (re2js,
 * a port of RE2). A JavaScript RegExp differs in syntax, and a pattern such as `(a+)+$` on a
 * long path would hold the process (and the xDS server with it) for minutes.
 */
export function compileFullMatch(pattern: string, ignoreCase = false): { test(value: string): boolean } {
  const re = RE2JS.compile(pattern, ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
  return { test: (value) => re.matches(value) };
}

export interface MatchResult {
  matched: boolean;
  reason: string;
  /** Set when the matcher uses something not simulated. */
  unsupported?: string;
}

function regexOf(matcher: Obj | undefined): string | undefined {
  return str(matcher?.regex);
}

/** type.matcher.v3.StringMatcher. Regexes are full matches (RE2 FullMatch). */
export function matchString(matcher: Obj, value: string): MatchResult {
  const ignoreCase = bool(matcher.ignore_case) ?? false;
  const cmp = (s: string) => (ignoreCase ? s.toLowerCase() : s);
  const v = cmp(value);
  if (typeof matcher.exact === 'string') return result(v === cmp(matcher.exact), `exact ${JSON.stringify(matcher.exact)}`);
  if (typeof matcher.prefix === 'string') return result(v.startsWith(cmp(matcher.prefix)), `prefix ${JSON.stringify(matcher.prefix)}`);
  if (typeof matcher.suffix === 'string') return result(v.endsWith(cmp(matcher.suffix)), `suffix ${JSON.stringify(matcher.suffix)}`);
  if (typeof matcher.contains === 'string') return result(v.includes(cmp(matcher.contains)), `contains ${JSON.stringify(matcher.contains)}`);
  const regex = regexOf(obj(matcher.safe_regex));
  if (regex !== undefined) {
    try {
      return result(compileFullMatch(regex, ignoreCase).test(value), `safe_regex ${JSON.stringify(regex)}`);
    } catch {
      return { matched: false, reason: `safe_regex ${JSON.stringify(regex)}`, unsupported: `regex ${JSON.stringify(regex)} cannot be evaluated` };
    }
  }
  if (obj(matcher.custom)) return { matched: false, reason: 'custom string matcher', unsupported: 'custom string matcher extension' };
  return { matched: false, reason: 'string matcher without a match pattern', unsupported: 'empty StringMatcher (rejected by Envoy validation)' };
}

function result(matched: boolean, reason: string): MatchResult {
  return { matched, reason };
}

/** config.route.v3.HeaderMatcher against a request header map (values of repeated headers joined with ","). */
export function matchHeader(matcher: Obj, headers: HeaderMap): MatchResult {
  const name = (str(matcher.name) ?? '').toLowerCase();
  const invert = bool(matcher.invert_match) ?? false;
  const treatMissingAsEmpty = bool(matcher.treat_missing_header_as_empty) ?? false;
  const joined = headers.getJoined(name);
  const label = `header ${name}`;

  type Kind = { kind: 'present'; present: boolean } | { kind: 'test'; describe: string; test: (v: string) => MatchResult };
  let spec: Kind;
  if (typeof matcher.exact_match === 'string') {
    const expected = matcher.exact_match;
    spec = { kind: 'test', describe: `exact_match ${JSON.stringify(expected)}`, test: (v) => result(expected === '' || v === expected, '') };
  } else if (obj(matcher.safe_regex_match)) {
    const regex = regexOf(obj(matcher.safe_regex_match)) ?? '';
    spec = {
      kind: 'test',
      describe: `safe_regex_match ${JSON.stringify(regex)}`,
      test: (v) => {
        try {
          return result(compileFullMatch(regex).test(v), '');
        } catch {
          return { matched: false, reason: '', unsupported: `regex ${JSON.stringify(regex)} cannot be evaluated` };
        }
      },
    };
  } else if (obj(matcher.range_match)) {
    const range = obj(matcher.range_match) ?? {};
    const start = num(range.start) ?? 0;
    const end = num(range.end) ?? 0;
    spec = {
      kind: 'test',
      describe: `range_match [${start},${end})`,
      test: (v) => result(/^-?\d+$/.test(v) && Number(v) >= start && Number(v) < end, ''),
    };
  } else if (typeof matcher.present_match === 'boolean') {
    spec = { kind: 'present', present: matcher.present_match };
  } else if (typeof matcher.prefix_match === 'string') {
    const p = matcher.prefix_match;
    spec = { kind: 'test', describe: `prefix_match ${JSON.stringify(p)}`, test: (v) => result(v.startsWith(p), '') };
  } else if (typeof matcher.suffix_match === 'string') {
    const s = matcher.suffix_match;
    spec = { kind: 'test', describe: `suffix_match ${JSON.stringify(s)}`, test: (v) => result(v.endsWith(s), '') };
  } else if (typeof matcher.contains_match === 'string') {
    const c = matcher.contains_match;
    spec = { kind: 'test', describe: `contains_match ${JSON.stringify(c)}`, test: (v) => result(v.includes(c), '') };
  } else if (obj(matcher.string_match)) {
    const sm = obj(matcher.string_match) ?? {};
    spec = { kind: 'test', describe: `string_match ${describeStringMatcher(sm)}`, test: (v) => matchString(sm, v) };
  } else {
    // No specifier: Envoy treats the matcher as a presence check.
    spec = { kind: 'present', present: true };
  }

  const describeSpec = spec.kind === 'present' ? `present_match ${spec.present}` : spec.describe;
  const inv = invert ? ' (invert_match)' : '';
  if (joined === undefined && !treatMissingAsEmpty) {
    // header_utility.cc: a missing header only matches a presence check for absence
    // (or, inverted, a presence check for presence).
    const matched = invert ? spec.kind === 'present' && spec.present : spec.kind === 'present' && !spec.present;
    return { matched, reason: `${label} absent; ${describeSpec}${inv}` };
  }
  const value = joined ?? '';
  let inner: MatchResult;
  if (spec.kind === 'present') inner = result(spec.present, '');
  else inner = spec.test(value);
  const matched = inner.matched !== invert;
  return { matched, reason: `${label}=${JSON.stringify(value)} vs ${describeSpec}${inv}`, unsupported: inner.unsupported };
}

export function describeStringMatcher(m: Obj): string {
  const ic = bool(m.ignore_case) ? ' ignore_case' : '';
  for (const k of ['exact', 'prefix', 'suffix', 'contains']) if (typeof m[k] === 'string') return `${k} ${JSON.stringify(m[k])}${ic}`;
  const regex = regexOf(obj(m.safe_regex));
  if (regex !== undefined) return `safe_regex ${JSON.stringify(regex)}${ic}`;
  return JSON.stringify(m);
}

/** Parses a query string the way Envoy's route matching does: split on '&', the first '=' splits key and value, no decoding. */
export function parseQuery(path: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const q = path.indexOf('?');
  if (q < 0) return out;
  const query = path.slice(q + 1).split('#')[0];
  // As written: Envoy's route matching parses the query without decoding it
  // (Http::Utility::QueryParamsMulti::parseQueryString), so `a%20b` and `a+b` are not `a b`.
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    const list = out.get(key) ?? [];
    list.push(value);
    out.set(key, list);
  }
  return out;
}

/** config.route.v3.QueryParameterMatcher: the first value of a repeated parameter is used. */
export function matchQueryParameter(matcher: Obj, query: Map<string, string[]>): MatchResult {
  const name = str(matcher.name) ?? '';
  const values = query.get(name);
  const first = values?.[0];
  const present = typeof matcher.present_match === 'boolean' ? matcher.present_match : undefined;
  const sm = obj(matcher.string_match);
  if (first === undefined) {
    return { matched: present === false, reason: `query ${name} absent` };
  }
  if (present !== undefined) return { matched: present, reason: `query ${name} present; present_match ${present}` };
  if (!sm) return { matched: true, reason: `query ${name} present (no value matcher)` };
  const r = matchString(sm, first);
  return { matched: r.matched, reason: `query ${name}=${JSON.stringify(first)} vs ${describeStringMatcher(sm)}`, unsupported: r.unsupported };
}
