// Proxyless gRPC clients (grpc-js-xds and friends) served through api_listeners.
// They match virtual host domains against `host:port` and NACK unknown HTTP
// filters unless those are marked optional; the router is always present.
import type { EnvoyMessage } from '../types.js';
import type { XdsFeature } from './feature.js';

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
