// Listener, filter chain and HttpConnectionManager builders. TLS, TCP/UDP
// proxying and listener filters are added by their feature files.
import type { IRApiListener, IRFilterChain, IRFilterChainMatch, IRListener, IRRouteConfig } from '@portico/ir';
import type { XdsFeature } from '../features/feature.js';
import type { EnvoyMessage } from '../types.js';
import type { BuildContext } from './context.js';
import { adsConfigSource, typed } from './util.js';

export const HCM_TYPE = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
export const ROUTER_FILTER: EnvoyMessage = {
  name: 'envoy.filters.http.router',
  typed_config: typed('envoy.extensions.filters.http.router.v3.Router', {}),
};

export function httpFilters(routeConfig: IRRouteConfig, ctx: BuildContext, features: readonly XdsFeature[]): EnvoyMessage[] {
  const filters: EnvoyMessage[] = [];
  for (const feature of features) filters.push(...(feature.httpFilters?.(routeConfig, ctx) ?? []));
  filters.push(ROUTER_FILTER);
  return filters;
}

export function buildHcm(
  statPrefix: string,
  routeConfig: IRRouteConfig,
  ctx: BuildContext,
  features: readonly XdsFeature[],
): EnvoyMessage {
  const hcm: EnvoyMessage = {
    stat_prefix: statPrefix,
    codec_type: 'AUTO',
    rds: { route_config_name: routeConfig.name, config_source: adsConfigSource() },
    http_filters: httpFilters(routeConfig, ctx, features),
  };
  for (const feature of features) feature.patchHcm?.(hcm, routeConfig, ctx);
  return hcm;
}

function filterChainMatch(match: IRFilterChainMatch): EnvoyMessage | undefined {
  const out: EnvoyMessage = {};
  if (match.serverNames && match.serverNames.length > 0) out.server_names = [...match.serverNames];
  if (match.transport === 'tls') out.transport_protocol = 'tls';
  if (match.transport === 'raw') out.transport_protocol = 'raw_buffer';
  return Object.keys(out).length > 0 ? out : undefined;
}

function buildFilterChain(chain: IRFilterChain, ctx: BuildContext, features: readonly XdsFeature[]): EnvoyMessage {
  const filterChain: EnvoyMessage = { name: chain.name };
  const match = filterChainMatch(chain.match);
  if (match) filterChain.filter_chain_match = match;
  if (chain.type === 'http') {
    filterChain.filters = [
      {
        name: 'envoy.filters.network.http_connection_manager',
        typed_config: typed(HCM_TYPE, buildHcm(chain.name, chain.routeConfig, ctx, features)),
      },
    ];
  }
  for (const feature of features) feature.patchFilterChain?.(filterChain, chain, ctx);
  return filterChain;
}

export function buildListener(ir: IRListener, ctx: BuildContext, features: readonly XdsFeature[]): EnvoyMessage {
  const listener: EnvoyMessage = {
    name: ir.name,
    address: { socket_address: { address: ir.address, port_value: ir.port } },
  };
  const streamChains = ir.filterChains.filter((chain) => chain.type !== 'udp');
  if (streamChains.length > 0) listener.filter_chains = streamChains.map((chain) => buildFilterChain(chain, ctx, features));
  for (const feature of features) feature.patchListener?.(listener, ir, ctx);
  return listener;
}

/** A Listener with an api_listener HCM for proxyless gRPC (`xds:///host:port`). */
export function buildApiListener(ir: IRApiListener, ctx: BuildContext, features: readonly XdsFeature[]): EnvoyMessage {
  const proxyless = { ...ctx, proxyless: true };
  return {
    name: ir.name,
    api_listener: { api_listener: typed(HCM_TYPE, buildHcm(ir.name, ir.routeConfig, proxyless, features)) },
  };
}
