import type { HTTPHeaderMatch, HTTPRouteMatch } from '@portico/api';
import type { IRHeaderMatch, IRRouteMatch, IRStringMatch } from '@portico/ir';
import { RE2JS } from 're2js';
import { headerNameProblem } from './headers.js';
import type { GrpcMatchCharacters } from './precedence.js';

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];

export interface CompiledMatch {
  match: IRRouteMatch;
  hasMethod: boolean;
  headerCount: number;
  queryCount: number;
  /** A GRPCRoute match's service and method characters (see grpcMatchCharacters; set by compileRule). */
  grpc?: GrpcMatchCharacters;
}

/**
 * Most matches have no header or query parameter match: they share these (frozen, as the IR
 * is read-only downstream) instead of holding two empty arrays each for as long as the IR lives.
 */
const NO_HEADERS = Object.freeze([]) as readonly IRHeaderMatch[] as IRHeaderMatch[];
const NO_QUERY_PARAMS = Object.freeze([]) as readonly IRRouteMatch['queryParams'][number][] as IRRouteMatch['queryParams'];

/** An absent spec list, read like an empty one without making one per match. */
const NO_SPEC_MATCHES: readonly never[] = Object.freeze([]);

/** Path type of a GRPCRoute method match that cannot become a path, followed by the problem (see grpcroute.ts). */
export const INVALID_METHOD_MATCH = 'Invalid GRPCRoute method match: ';

/**
 * Why Envoy's regex engine (RE2) would refuse `value`, or undefined. JavaScript's RegExp is no
 * judge of that: it takes lookarounds and backreferences, which RE2 refuses (Envoy then NACKs
 * the whole route table), and refuses `(?i)`, `(?P<name>...)` and `\z`, which RE2 takes.
 */
export function re2Problem(value: string): string | undefined {
  // RE2 takes an empty pattern; Envoy's RegexMatcher does not.
  if (value === '') return 'an empty pattern';
  // RE2's parser and compiler take ~10 µs a pattern: the 750 of the large bench fixture (a
  // GRPCRoute method match is a regex) made translate ~25 % slower. The same patterns come back
  // on every translation: each is judged once (a pure answer, so output stays the same).
  if (re2Problems.has(value)) return re2Problems.get(value);
  let problem: string | undefined;
  try {
    RE2JS.compile(value);
  } catch (error) {
    problem = error instanceof Error ? error.message.replace(/^error parsing regexp: /, '') : String(error);
  }
  if (re2Problems.size >= MAX_REMEMBERED_PATTERNS) re2Problems.clear();
  re2Problems.set(value, problem);
  return problem;
}

const MAX_REMEMBERED_PATTERNS = 8192;
const re2Problems = new Map<string, string | undefined>();

// The CRD's rule for Exact and PathPrefix values: RFC 3986 path characters and %XX escapes. A
// "?" or "#" can never be part of a request path, and Envoy refuses a prefix that holds one.
const PATH_CHARACTERS = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+$/;

/** Whether `name` is among the first `count` entries of `names`. */
function seenIn(names: readonly string[], count: number, name: string): boolean {
  for (let i = 0; i < count; i++) if (names[i] === name) return true;
  return false;
}

/** The string match of `<match>.<list>[index]`; its field is spelled out only for a problem. */
function stringMatch(
  entry: HTTPHeaderMatch,
  matchField: string,
  list: 'headers' | 'queryParams',
  index: number,
  problems: string[],
): IRStringMatch | undefined {
  const type = entry.type ?? 'Exact';
  const badName = headerNameProblem(entry.name, list === 'headers' ? 'header' : 'query parameter');
  if (badName !== undefined) {
    problems.push(`${matchField}.${list}[${index}].name: ${badName}`);
    return undefined;
  }
  if (typeof entry.value !== 'string') {
    problems.push(`${matchField}.${list}[${index}].value: a value is required`);
    return undefined;
  }
  if (type === 'Exact') return { type: 'Exact', value: entry.value };
  if (type === 'RegularExpression') {
    const problem = re2Problem(entry.value);
    if (problem !== undefined) {
      problems.push(`${matchField}.${list}[${index}].value: "${entry.value}" is not a valid RE2 regular expression: ${problem}`);
      return undefined;
    }
    return { type: 'RegularExpression', value: entry.value };
  }
  problems.push(`${matchField}.${list}[${index}].type: unknown match type ${type}`);
  return undefined;
}

/** Compiles one HTTPRouteMatch; problems (UnsupportedValue) are appended with their field. */
export function compileMatch(match: HTTPRouteMatch, field: string, problems: string[]): CompiledMatch | undefined {
  const before = problems.length;
  const pathType = match.path?.type ?? 'PathPrefix';
  const pathValue = match.path?.value ?? '/';
  let path: IRRouteMatch['path'] | undefined;
  if (pathType === 'Exact' || pathType === 'PathPrefix') {
    if (!pathValue.startsWith('/')) problems.push(`${field}.path.value: "${pathValue}" must start with "/"`);
    else if (!PATH_CHARACTERS.test(pathValue)) {
      problems.push(`${field}.path.value: "${pathValue}" may hold only path characters and %XX escapes (no "?", "#" or spaces)`);
    } else path = { type: pathType, value: pathValue };
  } else if (pathType === 'RegularExpression') {
    const problem = re2Problem(pathValue);
    if (problem !== undefined) problems.push(`${field}.path.value: "${pathValue}" is not a valid RE2 regular expression: ${problem}`);
    else path = { type: 'RegularExpression', value: pathValue };
  } else {
    problems.push(pathType.startsWith(INVALID_METHOD_MATCH) ? `${field}.${pathType.slice(INVALID_METHOD_MATCH.length)}` : `${field}.path.type: unknown path match type ${pathType}`);
  }
  // Lists made on first use (most matches have no header or query parameter match), at their
  // largest possible size: they are IR, kept until the build is served, and a list grown by push
  // reserves room for 16 entries.
  const method = match.method;
  let headers: IRHeaderMatch[] | undefined;
  let headerCount = 0;
  const specHeaders = match.headers ?? NO_SPEC_MATCHES;
  // Most matches have no or one header match: nothing to remember names in for those.
  const seenHeaders = specHeaders.length > 1 ? new Array<string>(specHeaders.length) : undefined;
  let seenHeaderCount = 0;
  for (let index = 0; index < specHeaders.length; index++) {
    const header = specHeaders[index] as (typeof specHeaders)[number];
    if (typeof header.name !== 'string' || header.name === '') {
      problems.push(`${field}.headers[${index}].name: a header match needs a name`);
      continue;
    }
    const name = header.name.toLowerCase();
    // The spec: only the first entry for an equivalent (case-insensitive) name counts.
    if (seenHeaders) {
      if (seenIn(seenHeaders, seenHeaderCount, name)) continue;
      seenHeaders[seenHeaderCount++] = name;
    }
    const value = stringMatch(header, field, 'headers', index, problems);
    if (!value) continue;
    headers ??= new Array<IRHeaderMatch>(specHeaders.length + (method !== undefined ? 1 : 0));
    headers[headerCount++] = { name, value };
  }
  let queryParams: IRRouteMatch['queryParams'] | undefined;
  let queryCount = 0;
  const specParams = match.queryParams ?? NO_SPEC_MATCHES;
  const seenQuery = specParams.length > 1 ? new Array<string>(specParams.length) : undefined;
  let seenQueryCount = 0;
  for (let index = 0; index < specParams.length; index++) {
    const param = specParams[index] as (typeof specParams)[number];
    if (typeof param.name !== 'string' || param.name === '') {
      problems.push(`${field}.queryParams[${index}].name: a query parameter match needs a name`);
      continue;
    }
    if (seenQuery) {
      if (seenIn(seenQuery, seenQueryCount, param.name)) continue;
      seenQuery[seenQueryCount++] = param.name;
    }
    const value = stringMatch(param, field, 'queryParams', index, problems);
    if (!value) continue;
    queryParams ??= new Array<IRRouteMatch['queryParams'][number]>(specParams.length);
    queryParams[queryCount++] = { name: param.name, value };
  }
  const matchHeaderCount = headerCount;
  let hasMethod = false;
  if (method !== undefined) {
    // Sanitizing keeps a mapping here (a GRPCRoute's method match is one); an HTTPRoute's is a name.
    if (typeof method !== 'string') problems.push(`${field}.method: must be an HTTP method name`);
    else if (!HTTP_METHODS.includes(method)) problems.push(`${field}.method: unknown method ${method}`);
    else {
      hasMethod = true;
      headers ??= new Array<IRHeaderMatch>(1);
      headers[headerCount++] = { name: ':method', value: { type: 'Exact', value: method } };
    }
  }
  if (problems.length > before || !path) return undefined;
  if (headers && headerCount < headers.length) headers.length = headerCount;
  if (queryParams && queryCount < queryParams.length) queryParams.length = queryCount;
  return { match: { path, headers: headers ?? NO_HEADERS, queryParams: queryParams ?? NO_QUERY_PARAMS }, hasMethod, headerCount: matchHeaderCount, queryCount };
}
