import type { HTTPHeaderMatch, HTTPRouteMatch } from '@portico/api';
import type { IRHeaderMatch, IRRouteMatch, IRStringMatch } from '@portico/ir';

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];

export interface CompiledMatch {
  match: IRRouteMatch;
  hasMethod: boolean;
  headerCount: number;
  queryCount: number;
}

/**
 * Most matches have no header or query parameter match: they share these (frozen, as the IR
 * is read-only downstream) instead of holding two empty arrays each for as long as the IR lives.
 */
const NO_HEADERS = Object.freeze([]) as readonly IRHeaderMatch[] as IRHeaderMatch[];
const NO_QUERY_PARAMS = Object.freeze([]) as readonly IRRouteMatch['queryParams'][number][] as IRRouteMatch['queryParams'];

/** An absent spec list, read like an empty one without making one per match. */
const NO_SPEC_MATCHES: readonly never[] = Object.freeze([]);

function validRegex(value: string): boolean {
  try {
    new RegExp(value);
    return true;
  } catch {
    return false;
  }
}

function stringMatch(
  entry: HTTPHeaderMatch,
  field: string,
  problems: string[],
): IRStringMatch | undefined {
  const type = entry.type ?? 'Exact';
  if (typeof entry.value !== 'string') {
    problems.push(`${field}.value: a value is required`);
    return undefined;
  }
  if (type === 'Exact') return { type: 'Exact', value: entry.value };
  if (type === 'RegularExpression') {
    if (!validRegex(entry.value)) {
      problems.push(`${field}.value: "${entry.value}" is not a valid regular expression`);
      return undefined;
    }
    return { type: 'RegularExpression', value: entry.value };
  }
  problems.push(`${field}.type: unknown match type ${type}`);
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
    else path = { type: pathType, value: pathValue };
  } else if (pathType === 'RegularExpression') {
    if (!validRegex(pathValue)) problems.push(`${field}.path.value: "${pathValue}" is not a valid regular expression`);
    else path = { type: 'RegularExpression', value: pathValue };
  } else {
    problems.push(`${field}.path.type: unknown path match type ${pathType}`);
  }
  // Lists made on first use: most matches have no header or query parameter match.
  let headers: IRHeaderMatch[] | undefined;
  const specHeaders = match.headers ?? NO_SPEC_MATCHES;
  // Most matches have no or one header match: no set to build for those.
  const seenHeaders = specHeaders.length > 1 ? new Set<string>() : undefined;
  for (let index = 0; index < specHeaders.length; index++) {
    const header = specHeaders[index] as (typeof specHeaders)[number];
    if (typeof header.name !== 'string' || header.name === '') {
      problems.push(`${field}.headers[${index}].name: a header match needs a name`);
      continue;
    }
    const name = header.name.toLowerCase();
    // The spec: only the first entry for an equivalent (case-insensitive) name counts.
    if (seenHeaders?.has(name)) continue;
    seenHeaders?.add(name);
    const value = stringMatch(header, `${field}.headers[${index}]`, problems);
    if (value) (headers ??= []).push({ name, value });
  }
  let queryParams: IRRouteMatch['queryParams'] | undefined;
  const specParams = match.queryParams ?? NO_SPEC_MATCHES;
  const seenQuery = specParams.length > 1 ? new Set<string>() : undefined;
  for (let index = 0; index < specParams.length; index++) {
    const param = specParams[index] as (typeof specParams)[number];
    if (typeof param.name !== 'string' || param.name === '') {
      problems.push(`${field}.queryParams[${index}].name: a query parameter match needs a name`);
      continue;
    }
    if (seenQuery?.has(param.name)) continue;
    seenQuery?.add(param.name);
    const value = stringMatch(param, `${field}.queryParams[${index}]`, problems);
    if (value) (queryParams ??= []).push({ name: param.name, value });
  }
  const headerCount = headers?.length ?? 0;
  let hasMethod = false;
  if (match.method !== undefined) {
    if (!HTTP_METHODS.includes(match.method)) problems.push(`${field}.method: unknown method ${match.method}`);
    else {
      hasMethod = true;
      (headers ??= []).push({ name: ':method', value: { type: 'Exact', value: match.method } });
    }
  }
  if (problems.length > before || !path) return undefined;
  const queryCount = queryParams?.length ?? 0;
  return { match: { path, headers: headers ?? NO_HEADERS, queryParams: queryParams ?? NO_QUERY_PARAMS }, hasMethod, headerCount, queryCount };
}
