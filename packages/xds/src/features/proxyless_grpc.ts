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
function optionalPerFilterConfigs(holder: EnvoyMessage): void {
  const perFilter = holder.typed_per_filter_config as Record<string, EnvoyMessage> | undefined;
  if (!perFilter) return;
  for (const name of Object.keys(perFilter)) perFilter[name] = optionalFilterConfig(perFilter[name]);
}

/**
 * gRPC supports only prefix/path/safe_regex matches and forwarding actions, and
 * refuses retries with zero attempts. Element-wise prefixes become `<prefix>/`
 * (gRPC method paths are always `/<service>/<method>`); fixed responses become
 * a never-served cluster, which fails the call with UNAVAILABLE. Per-route filter
 * configs become optional. Returns a new route: the one given may be served as
 * it is elsewhere (and reused by later builds), so it is left alone.
 */
function grpcCompatibleRoute(route: EnvoyMessage): EnvoyMessage {
  const out: EnvoyMessage = { ...route };
  const perFilter = route.typed_per_filter_config as Record<string, EnvoyMessage> | undefined;
  if (perFilter) {
    const optional: Record<string, EnvoyMessage> = {};
    for (const name of Object.keys(perFilter)) optional[name] = optionalFilterConfig(perFilter[name]);
    out.typed_per_filter_config = optional;
  }
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

// The same route object (reused by a memoized build) gets the same compatible copy, so its
// encoding, cached by object, is reused too.
const compatibleRoutes = new WeakMap<EnvoyMessage, EnvoyMessage>();

function compatibleRoute(route: EnvoyMessage): EnvoyMessage {
  let out = compatibleRoutes.get(route);
  if (!out) {
    out = grpcCompatibleRoute(route);
    compatibleRoutes.set(route, out);
  }
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
    for (const vh of virtualHosts) {
      // Virtual hosts are built anew for every configuration; routes may be shared.
      optionalPerFilterConfigs(vh);
      vh.routes = (vh.routes as EnvoyMessage[]).map(compatibleRoute);
    }
    const taken = new Set(virtualHosts.flatMap((vh) => vh.domains as string[]));
    for (const vh of virtualHosts) {
      const domains = vh.domains as string[];
      for (const domain of [...domains]) {
        const variant = `${domain}:*`;
        if (isWildcard(domain) || domain.includes(':') || taken.has(variant)) continue;
        domains.push(variant);
        taken.add(variant);
      }
    }
  },
};
