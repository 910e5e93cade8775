// Hand-built Envoy resources (proto3 JSON, snake_case), independent of the translator.
import type { EnvoyResources, EnvoyMessage } from '@portico/xds';

export const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
export const ROUTER = { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } };
export const CORS_FILTER = { name: 'envoy.filters.http.cors', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors' } };
export const TLS_INSPECTOR = { name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector' } };

export function hcm(routeConfigName: string, extra: EnvoyMessage = {}, httpFilters: EnvoyMessage[] = [ROUTER]): EnvoyMessage {
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: { '@type': HCM, stat_prefix: 'http', rds: { route_config_name: routeConfigName, config_source: { ads: {} } }, http_filters: httpFilters, ...extra },
  };
}

export function httpListener(name: string, port: number, routeConfigName: string, hcmExtra: EnvoyMessage = {}, httpFilters?: EnvoyMessage[]): EnvoyMessage {
  return {
    name,
    address: { socket_address: { address: '0.0.0.0', port_value: port } },
    filter_chains: [{ name: 'http', filters: [hcm(routeConfigName, hcmExtra, httpFilters)] }],
  };
}

export function routeConfig(name: string, virtualHosts: EnvoyMessage[], extra: EnvoyMessage = {}): EnvoyMessage {
  return { name, virtual_hosts: virtualHosts, ...extra };
}

export function vhost(name: string, domains: string[], routes: EnvoyMessage[], extra: EnvoyMessage = {}): EnvoyMessage {
  return { name, domains, routes, ...extra };
}

export function edsCluster(name: string, portico?: EnvoyMessage): EnvoyMessage {
  return {
    name,
    type: 'EDS',
    connect_timeout: '10s',
    eds_cluster_config: { eds_config: { ads: {} }, service_name: name },
    ...(portico ? { metadata: { filter_metadata: { portico } } } : {}),
  };
}

export function assignment(name: string, addresses: string[], port = 8080): EnvoyMessage {
  return {
    cluster_name: name,
    endpoints: [{ lb_endpoints: addresses.map((a) => ({ endpoint: { address: { socket_address: { address: a, port_value: port } } } })) }],
  };
}

export function resources(parts: {
  listeners?: EnvoyMessage[];
  routes?: EnvoyMessage[];
  clusters?: EnvoyMessage[];
  endpoints?: EnvoyMessage[];
  secrets?: EnvoyMessage[];
}): EnvoyResources {
  return {
    listeners: (parts.listeners ?? []).map((m) => ({ type: 'listener', name: String(m.name), message: m })),
    routes: (parts.routes ?? []).map((m) => ({ type: 'route', name: String(m.name), message: m })),
    clusters: (parts.clusters ?? []).map((m) => ({ type: 'cluster', name: String(m.name), message: m })),
    endpoints: (parts.endpoints ?? []).map((m) => ({ type: 'endpoint', name: String(m.cluster_name), message: m })),
    secrets: (parts.secrets ?? []).map((m) => ({ type: 'secret', name: String(m.name), message: m })),
  };
}

/** One listener on port 8080 → route config `rc` with the given virtual hosts; clusters a, b, c with endpoints. */
export function simple(virtualHosts: EnvoyMessage[], opts: { hcmExtra?: EnvoyMessage; rcExtra?: EnvoyMessage; httpFilters?: EnvoyMessage[] } = {}): EnvoyResources {
  return resources({
    listeners: [httpListener('http-8080', 8080, 'rc', opts.hcmExtra, opts.httpFilters)],
    routes: [routeConfig('rc', virtualHosts, opts.rcExtra)],
    clusters: ['a', 'b', 'c'].map((n) => edsCluster(n, { kind: 'Service', namespace: 'default', name: n, port: 8080 })),
    endpoints: [assignment('a', ['10.0.0.1']), assignment('b', ['10.0.0.2', '10.0.0.3']), assignment('c', ['10.0.0.4'])],
  });
}

export function toCluster(cluster: string, extra: EnvoyMessage = {}, match: EnvoyMessage = { prefix: '/' }): EnvoyMessage {
  return { match, route: { cluster, ...extra } };
}
