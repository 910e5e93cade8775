// The CORS filter (extensions/filters/http/cors/cors_filter.cc): per-route policies are taken from
// typed_per_filter_config (route, then virtual host, then route configuration: most specific first);
// only when none exists the legacy RouteAction.cors / VirtualHost.cors fields are used. Each field
// is taken from the first policy that sets it.
import type { HeaderMap } from './headers.js';
import { matchString } from './matchers.js';
import type { HeaderMutationLevel } from './types.js';
import { bool, fractionPercent, obj, objs, str, type Obj } from './util.js';

export interface CorsEvaluation {
  enabled: boolean;
  /** The request carries an Origin and the filter is enabled: response headers get CORS fields. */
  isCorsRequest: boolean;
  originAllowed: boolean;
  preflight: boolean;
  /** Set when the filter answers the preflight itself (200). */
  preflightHeaders?: Record<string, string>;
  /** Applied to every response (encodeHeaders) of an allowed CORS request. */
  encodeLevel?: HeaderMutationLevel;
  notes: string[];
  policySources: string[];
}

export function evaluateCors(policies: Array<{ level: string; policy: Obj }>, headers: HeaderMap, method: string): CorsEvaluation {
  const notes: string[] = [];
  const policySources = policies.map((p) => p.level);
  const firstSet = <T>(get: (p: Obj) => T | undefined): T | undefined => {
    for (const { policy } of policies) {
      const v = get(policy);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  const base: CorsEvaluation = { enabled: false, isCorsRequest: false, originAllowed: false, preflight: false, notes, policySources };
  if (policies.length === 0) {
    notes.push('no CORS policy on the route, virtual host or route configuration');
    return base;
  }
  const first = policies[0].policy;
  let enabled = true;
  const fe = obj(first.filter_enabled);
  if (fe) {
    const pct = fractionPercent(fe.default_value) ?? 100;
    enabled = pct > 0;
    if (pct > 0 && pct < 100) notes.push(`filter_enabled ${pct}%: enforced only on that share of requests (assumed enforced)`);
  }
  let shadow = false;
  const se = obj(first.shadow_enabled);
  if (se) shadow = (fractionPercent(se.default_value) ?? 0) > 0;
  if (!enabled && !shadow) {
    notes.push('the CORS policy is disabled (filter_enabled 0%)');
    return base;
  }
  const origin = headers.first('origin');
  if (!origin) {
    notes.push('no Origin header: not a CORS request');
    return { ...base, enabled };
  }
  const allowOrigins = firstSet((p) => (objs(p.allow_origin_string_match).length ? objs(p.allow_origin_string_match) : undefined)) ?? [];
  // isOriginAllowed: a matcher that accepts the literal "*" allows every origin.
  const originAllowed = allowOrigins.some((m) => matchString(m, '*').matched || matchString(m, origin).matched);
  notes.push(`Origin ${origin} ${originAllowed ? 'is allowed' : 'is not allowed'} by allow_origin_string_match (${allowOrigins.length} matcher(s))`);
  if (shadow && !enabled) {
    notes.push('shadow mode only: nothing is enforced');
    return { ...base, originAllowed };
  }
  const allowCredentials = firstSet((p) => bool(p.allow_credentials)) ?? false;
  const allowMethods = firstSet((p) => nonEmpty(p.allow_methods));
  const allowHeaders = firstSet((p) => nonEmpty(p.allow_headers));
  const exposeHeaders = firstSet((p) => nonEmpty(p.expose_headers));
  const maxAge = firstSet((p) => nonEmpty(p.max_age));
  const allowPna = firstSet((p) => bool(p.allow_private_network_access)) ?? false;
  const forwardNotMatching = firstSet((p) => bool(p.forward_not_matching_preflights)) ?? true;
  const requestMethod = headers.first('access-control-request-method') ?? '';
  const preflight = method === 'OPTIONS' && requestMethod !== '';

  let encodeLevel: HeaderMutationLevel | undefined;
  if (originAllowed) {
    encodeLevel = { level: 'filter:cors', remove: [], add: [{ name: 'access-control-allow-origin', value: origin, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD', keepEmptyValue: false }] };
    if (allowCredentials) encodeLevel.add.push({ name: 'access-control-allow-credentials', value: 'true', appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD', keepEmptyValue: false });
    if (exposeHeaders) encodeLevel.add.push({ name: 'access-control-expose-headers', value: exposeHeaders, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD', keepEmptyValue: false });
  }
  if (!preflight) return { enabled, isCorsRequest: true, originAllowed, preflight: false, encodeLevel, notes, policySources };
  if (!originAllowed && forwardNotMatching) {
    notes.push('preflight with a non-matching Origin is forwarded upstream (forward_not_matching_preflights, default true)');
    return { enabled, isCorsRequest: true, originAllowed, preflight: true, notes, policySources };
  }
  const h: Record<string, string> = {};
  if (originAllowed) h['access-control-allow-origin'] = origin;
  if (allowCredentials) h['access-control-allow-credentials'] = 'true';
  if (allowMethods) h['access-control-allow-methods'] = allowMethods === '*' ? requestMethod : allowMethods;
  if (allowHeaders) h['access-control-allow-headers'] = allowHeaders === '*' ? (headers.first('access-control-request-headers') ?? '') : allowHeaders;
  if (maxAge) h['access-control-max-age'] = maxAge;
  if (allowPna && headers.first('access-control-request-private-network') === 'true') h['access-control-allow-private-network'] = 'true';
  return { enabled, isCorsRequest: true, originAllowed, preflight: true, preflightHeaders: h, encodeLevel, notes, policySources };
}

function nonEmpty(v: unknown): string | undefined {
  const s = str(v);
  return s ? s : undefined;
}
