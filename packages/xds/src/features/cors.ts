// Gateway API CORS filter → the envoy.filters.http.cors HTTP filter in the HCM
// plus a per-route envoy.extensions.filters.http.cors.v3.CorsPolicy in
// typed_per_filter_config (the filter's own type; route.v3.CorsPolicy is refused there).
import type { IRCors, IRRouteConfig, IRVirtualHost } from '@portico/ir';
import type { BuildContext } from '../build/context.js';
import { escapeRegex } from '@portico/ir';
import { anyTrue, typed } from '../build/util.js';
import type { EnvoyMessage } from '../types.js';
import type { XdsFeature } from './feature.js';

export const CORS_FILTER = 'envoy.filters.http.cors';

function hostUsesCors(vh: IRVirtualHost): boolean {
  return vh.routes.some((r) => r.cors);
}

/** Every listener build asks, for every table: kept per host and per table (see rememberEach). */
function usesCors(routeConfig: IRRouteConfig, ctx: BuildContext): boolean {
  return ctx.rememberEach(hostUsesCors, anyTrue, routeConfig.name, routeConfig.virtualHosts);
}

/**
 * The origin as a browser sends it: without the scheme's default port (RFC 6454 leaves it
 * out), which Gateway API says is assumed when absent ("port 80 is assumed for http scheme
 * origins, and port 443 is assumed for https origins").
 */
function withoutDefaultPort(origin: string): string {
  if (origin.startsWith('http://') && origin.endsWith(':80')) return origin.slice(0, -':80'.length);
  if (origin.startsWith('https://') && origin.endsWith(':443')) return origin.slice(0, -':443'.length);
  return origin;
}

/** Gateway API origin (`https://*.example.com`, `*`, exact) → StringMatcher. */
export function originMatcher(allowed: string): EnvoyMessage {
  if (allowed === '*') return { safe_regex: { regex: '.*' } };
  const origin = withoutDefaultPort(allowed);
  if (!origin.includes('*')) return { exact: origin };
  const pattern = origin.split('*').map(escapeRegex).join('[^/]+');
  return { safe_regex: { regex: `^${pattern}$` } };
}

export function corsPolicy(cors: IRCors): EnvoyMessage {
  const policy: EnvoyMessage = { allow_origin_string_match: cors.allowOrigins.map(originMatcher) };
  if (cors.allowMethods.length > 0) policy.allow_methods = cors.allowMethods.join(',');
  if (cors.allowHeaders.length > 0) policy.allow_headers = cors.allowHeaders.join(',');
  // Gateway API: with allowCredentials, "the gateway cannot use the * in the
  // Access-Control-Expose-Headers response header" (browsers read it as a header named "*"
  // then): the named headers only.
  const exposed = cors.allowCredentials ? cors.exposeHeaders.filter((h) => h !== '*') : cors.exposeHeaders;
  if (exposed.length > 0) policy.expose_headers = exposed.join(',');
  if (cors.maxAgeSeconds !== undefined) policy.max_age = String(cors.maxAgeSeconds);
  if (cors.allowCredentials) policy.allow_credentials = true;
  // Gateway API: a preflight from an origin that is not allowed is answered by the
  // proxy (without CORS headers), never forwarded to the backend.
  policy.forward_not_matching_preflights = false;
  return policy;
}

export const corsFeature: XdsFeature = {
  name: 'cors',
  httpFilters(routeConfig, ctx) {
    if (!usesCors(routeConfig, ctx)) return [];
    return [{ name: CORS_FILTER, typed_config: typed('envoy.extensions.filters.http.cors.v3.Cors', {}) }];
  },
  patchRoute(route, ir) {
    if (!ir.cors) return;
    const perFilter = (route.typed_per_filter_config as EnvoyMessage | undefined) ?? {};
    perFilter[CORS_FILTER] = typed('envoy.extensions.filters.http.cors.v3.CorsPolicy', corsPolicy(ir.cors));
    route.typed_per_filter_config = perFilter;
  },
};
