// Hand-written Envoy resources (snake_case, as @portico/xds builds them) for server tests.
import type { EnvoyResource, EnvoyResources, XdsBuildResult } from '@portico/xds';

const ADS = { ads: {}, resource_api_version: 'V3' };
const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

/** A gRPC-client style listener (api_listener) that takes its routes from RDS. */
export function apiListener(name: string, routeConfig: string): EnvoyResource {
  return {
    type: 'listener',
    name,
    message: {
      name,
      api_listener: {
        api_listener: {
          '@type': HCM,
          stat_prefix: name,
          rds: { route_config_name: routeConfig, config_source: ADS },
          http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } }],
        },
      },
    },
  };
}

export interface RouteSpec {
  domains?: string[];
  /** Clusters with weights; a single cluster without weight is a plain route. */
  clusters: Array<{ name: string; weight?: number }>;
  header?: { name: string; exact: string };
}

export function routeConfiguration(name: string, routes: RouteSpec[], domains = ['*']): EnvoyResource {
  return {
    type: 'route',
    name,
    message: {
      name,
      virtual_hosts: [
        {
          name: `${name}-vh`,
          domains,
          routes: routes.map((route) => ({
            match: {
              prefix: '/',
              headers: route.header ? [{ name: route.header.name, string_match: { exact: route.header.exact } }] : [],
            },
            route:
              route.clusters.length === 1 && route.clusters[0].weight === undefined
                ? { cluster: route.clusters[0].name }
                : {
                    weighted_clusters: {
                      clusters: route.clusters.map((cluster) => ({ name: cluster.name, weight: { value: cluster.weight ?? 1 } })),
                    },
                  },
          })),
        },
      ],
    },
  };
}

export function edsCluster(name: string, timeoutSeconds = 2): EnvoyResource {
  return {
    type: 'cluster',
    name,
    message: {
      name,
      type: 'EDS',
      connect_timeout: { seconds: timeoutSeconds },
      eds_cluster_config: { eds_config: ADS, service_name: name },
      lb_policy: 'ROUND_ROBIN',
    },
  };
}

export function endpoints(cluster: string, ports: number[], address = '127.0.0.1'): EnvoyResource {
  return {
    type: 'endpoint',
    name: cluster,
    message: {
      cluster_name: cluster,
      endpoints: [
        {
          locality: { region: 'local', zone: 'local' },
          load_balancing_weight: { value: 1 },
          lb_endpoints: ports.map((port) => ({
            endpoint: { address: { socket_address: { address, port_value: port } } },
          })),
        },
      ],
    },
  };
}

export function group(resources: EnvoyResource[]): EnvoyResources {
  const byName = (a: EnvoyResource, b: EnvoyResource) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const of = (type: EnvoyResource['type']) => resources.filter((r) => r.type === type).sort(byName);
  return {
    listeners: of('listener'),
    routes: of('route'),
    clusters: of('cluster'),
    endpoints: of('endpoint'),
    secrets: of('secret'),
  };
}

export function build(groups: Record<string, EnvoyResource[]>): XdsBuildResult {
  return { groups: Object.fromEntries(Object.entries(groups).map(([name, list]) => [name, group(list)])), rejected: [] };
}
