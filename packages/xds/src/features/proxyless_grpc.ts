// Proxyless gRPC clients (grpc-js-xds and friends) served through api_listeners.
// They match virtual host domains against `host:port` and NACK unknown HTTP
// filters (and per-route filter configs) unless those are marked optional; the
// router is always present.
import { INVALID_BACKEND_CLUSTER } from '../build/route.js';
import { typed } from '../build/util.js';
import type { EnvoyMessage } from '../types.js';
import type { XdsFeature } from './feature.js';

const FILTER_CONFIG = 'type.googleapis.com/envoy.config.route.v3.FilterConfig';

function optionalFilterConfig(config: EnvoyMessage): EnvoyMessage {
  if (config['@type'] === FILTER_CONFIG) return { ...config, is_optional: true };
  return typed('envoy.config.route.v3.FilterConfig', { config, is_optional: true });
}

/** Per-route filter configs wrapped in an optional FilterConfig, so gRPC ignores what it does not know. */
function optionalPerFilterConfigs(perFilter: Record<string, EnvoyMessage>): Record<string, EnvoyMessage> {
  const optional: Record<string, EnvoyMessage> = {};
  for (const name of Object.keys(perFilter)) optional[name] = optionalFilterConfig(perFilter[name]);
  return optional;
}

/**
 * gRPC supports only prefix/path/safe_regex matches and forwarding actions, and
 * refuses retries with zero attempts. Element-wise prefixes become `<prefix>/`
 * (gRPC method paths are always `/<service>/<method>`); fixed responses become
 * a never-served cluster, which fails the call with UNAVAILABLE. Per-route filter
 * configs become optional. Returns a new route: the one given may be served as
 * it is elsewhere (and reused by later builds), so it is left alone.
 */
export function grpcCompatibleRoute(route: EnvoyMessage): EnvoyMessage {
  const out: EnvoyMessage = { ...route };
  const perFilter = route.typed_per_filter_config as Record<string, EnvoyMessage> | undefined;
  if (perFilter) out.typed_per_filter_config = optionalPerFilterConfigs(perFilter);
  const { path_separated_prefix: separated, ...rest } = route.match as EnvoyMessage;
  if (typeof separated === 'string') out.match = { prefix: `${separated}/`, ...rest };
  if (out.direct_response || out.redirect) {
    delete out.direct_response;
    delete out.redirect;
    out.route = { cluster: INVALID_BACKEND_CLUSTER };
  }
  const action = out.route as EnvoyMessage | undefined;
  const retry = action?.retry_policy as EnvoyMessage | undefined;
  if (action && retry && retry.num_retries === 0) {
    const kept: EnvoyMessage = { ...action };
    delete kept.retry_policy;
    out.route = kept;
  }
  return out;
}

// The same route or virtual host object (reused by a memoized build) gets the same compatible
// copy, so its encoding, cached by object, is reused too.
const compatibleRoutes = new WeakMap<EnvoyMessage, EnvoyMessage>();
const compatibleVirtualHosts = new WeakMap<EnvoyMessage, { added: string[]; out: EnvoyMessage }>();

function compatibleRoute(route: EnvoyMessage): EnvoyMessage {
  let out = compatibleRoutes.get(route);
  if (!out) {
    out = grpcCompatibleRoute(route);
    compatibleRoutes.set(route, out);
  }
  return out;
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

/** A copy of `vh` with compatible routes, optional per-filter configs and the `added` domains. */
function compatibleVirtualHost(vh: EnvoyMessage, added: string[]): EnvoyMessage {
  const cached = compatibleVirtualHosts.get(vh);
  if (cached && sameStrings(cached.added, added)) return cached.out;
  const out: EnvoyMessage = { ...vh, domains: [...(vh.domains as string[]), ...added], routes: (vh.routes as EnvoyMessage[]).map(compatibleRoute) };
  const perFilter = vh.typed_per_filter_config as Record<string, EnvoyMessage> | undefined;
  if (perFilter) out.typed_per_filter_config = optionalPerFilterConfigs(perFilter);
  compatibleVirtualHosts.set(vh, { added, out });
  return out;
}

function isWildcard(domain: string): boolean {
  return domain.includes('*');
}

export const proxylessGrpcFeature: XdsFeature = {
  name: 'proxyless_grpc',
  patchHcm(hcm, _routeConfig, ctx) {
    if (!ctx.proxyless) return;
    for (const filter of hcm.http_filters as EnvoyMessage[]) {
      if (filter.name !== 'envoy.filters.http.router') filter.is_optional = true;
    }
  },
  patchRouteConfig(routeConfig, _ir, ctx) {
    if (!ctx.proxyless) return;
    // gRPC keeps the port in the authority; add `host:*` next to each port-less exact host.
    const virtualHosts = routeConfig.virtual_hosts as EnvoyMessage[];
    const taken = new Set(virtualHosts.flatMap((vh) => vh.domains as string[]));
    // Virtual hosts and routes may be shared with other configurations and builds: replaced, not changed.
    routeConfig.virtual_hosts = virtualHosts.map((vh) => {
      const added: string[] = [];
      for (const domain of vh.domains as string[]) {
        const variant = `${domain}:*`;
        if (isWildcard(domain) || domain.includes(':') || taken.has(variant)) continue;
        added.push(variant);
        taken.add(variant);
      }
      return compatibleVirtualHost(vh, added);
    });
  },
};
