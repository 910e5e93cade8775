import type {
  GRPCMethodMatch,
  GRPCRoute,
  GRPCRouteRule,
  HTTPPathMatch,
  HTTPRoute,
  HTTPRouteMatch,
  HTTPRouteRule,
} from '@portico/api';
import { escapeRegex } from '@portico/ir';
import { INVALID_METHOD_MATCH, re2Problem } from './matches.js';
import type { GrpcMatchCharacters } from './precedence.js';

// A gRPC call is an HTTP/2 POST to `/<package.Service>/<Method>`, so every GRPCRoute has
// an equivalent HTTPRoute: method matches become path matches, header matches stay
// header matches, filters and backendRefs carry over unchanged. Translating that
// equivalent (httproute.ts, with kind GRPCRoute) gives GRPCRoute the same attachment,
// status, precedence and listener isolation rules without a second implementation.

/** Characters of a gRPC service or method name (RE2/JS compatible). */
const SEGMENT = '[^/]+';

/**
 * The path match equivalent to a GRPCMethodMatch. An invalid match (Exact with neither
 * service nor method, or a service/method containing `/`) is returned as a path that
 * fails validation with a message naming the GRPCRoute field, so the rule is reported
 * and dropped like any other invalid match.
 */
export function methodToPath(method: GRPCMethodMatch | undefined): HTTPPathMatch {
  if (!method) return { type: 'PathPrefix', value: '/' };
  // The CRD: "One or both of 'service' or 'method' must be specified", and neither may be empty.
  if (method.service === undefined && method.method === undefined) return invalid('method: a method match needs service or method');
  for (const part of ['service', 'method'] as const) if (method[part] === '') return invalid(`method.${part}: must not be empty`);
  const type = method.type ?? 'Exact';
  if (type === 'Exact') {
    for (const part of ['service', 'method'] as const) {
      if (method[part]?.includes('/')) return invalid(`method.${part}: "${method[part] ?? ''}" must not contain "/"`);
    }
    if (method.service !== undefined && method.method !== undefined) {
      return { type: 'Exact', value: `/${method.service}/${method.method}` };
    }
    if (method.service !== undefined) return { type: 'PathPrefix', value: `/${method.service}` };
    return { type: 'RegularExpression', value: `/${SEGMENT}/${escapeRegex(method.method ?? '')}` };
  }
  if (type === 'RegularExpression') {
    for (const part of ['service', 'method'] as const) {
      const pattern = method[part];
      const problem = pattern === undefined ? undefined : re2Problem(pattern);
      if (problem !== undefined) return invalid(`method.${part}: "${pattern ?? ''}" is not a valid RE2 regular expression: ${problem}`);
    }
    const service = method.service ?? SEGMENT;
    const name = method.method ?? SEGMENT;
    // Grouped: an alternation in either part must not take in the slash or the other part.
    return { type: 'RegularExpression', value: `/(?:${service})/(?:${name})` };
  }
  return invalid(`method.type: unknown method match type ${type} (Exact or RegularExpression)`);
}

/**
 * A method match that cannot become a path: compileMatch reports the problem as written here,
 * relative to the match, so that it names the GRPCRoute's fields and not the path they become.
 */
function invalid(problem: string): HTTPPathMatch {
  return { type: `${INVALID_METHOD_MATCH}${problem}`, value: '/' };
}

/**
 * The service and method characters of the GRPCRoute match each converted match came from, for
 * GRPCRoute's own precedence (see comparePrecedence), which the path alone cannot give.
 * Keyed by the converted match object, which compileMatch receives.
 */
export const grpcMatchCharacters = new WeakMap<HTTPRouteMatch, GrpcMatchCharacters>();

function convertRule(rule: GRPCRouteRule): HTTPRouteRule {
  const matches: HTTPRouteMatch[] = (rule.matches ?? []).map((match) => {
    const converted: HTTPRouteMatch = { path: methodToPath(match.method) };
    if (match.headers) converted.headers = match.headers;
    // The characters of the fields as written, a RegularExpression's included (the spec counts
    // the characters of the service and method a match gives, whatever its type).
    grpcMatchCharacters.set(converted, { service: match.method?.service?.length ?? 0, method: match.method?.method?.length ?? 0 });
    return converted;
  });
  const result: HTTPRouteRule = {};
  if (rule.name !== undefined) result.name = rule.name;
  if (matches.length > 0) result.matches = matches;
  if (rule.filters) result.filters = rule.filters;
  if (rule.backendRefs) result.backendRefs = rule.backendRefs;
  if (rule.sessionPersistence) result.sessionPersistence = rule.sessionPersistence;
  return result;
}

/** The HTTPRoute a GRPCRoute is equivalent to; metadata and apiVersion are kept. */
export function grpcRouteAsHttpRoute(route: GRPCRoute): HTTPRoute {
  const spec = route.spec ?? {};
  const converted: HTTPRoute = {
    apiVersion: route.apiVersion,
    kind: 'GRPCRoute',
    metadata: route.metadata,
    spec: {
      ...(spec.parentRefs ? { parentRefs: spec.parentRefs } : {}),
      ...(spec.useDefaultGateways !== undefined ? { useDefaultGateways: spec.useDefaultGateways } : {}),
      ...(spec.hostnames ? { hostnames: spec.hostnames } : {}),
      ...(spec.rules ? { rules: spec.rules.map(convertRule) } : {}),
    },
  };
  return converted;
}
