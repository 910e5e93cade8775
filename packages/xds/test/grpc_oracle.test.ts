// An independent oracle: grpc-js-xds's own resource decoders (the code a
// proxyless gRPC client runs on every LDS/RDS/CDS/EDS response) must accept
// what Portico serves to api_listener clients.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { TYPE_URLS, buildXds, encodeResource } from '../src/index.js';
import type { EnvoyMessage, EnvoyResource } from '../src/index.js';
import fc from 'fast-check';
import { fuzzParameters } from '@portico/test-support';
import { arbitraryIR } from './arbitrary.js';
import { loadIR } from './helpers.js';

interface DecodeResult {
  name: string;
  error?: string;
  value?: unknown;
}
interface ResourceType {
  decode(context: unknown, resource: { type_url: string; value: Uint8Array }): DecodeResult;
}

const require = createRequire(import.meta.url);
// register() installs the client's HTTP filter registry (router, fault, rbac) as a real client has it.
(require('@grpc/grpc-js-xds') as { register(): void }).register();
function resourceType(file: string, exported: string): ResourceType {
  const mod = require(`@grpc/grpc-js-xds/build/src/xds-resource-type/${file}`) as Record<string, { get(): ResourceType }>;
  return mod[exported].get();
}

const context = { bootstrap: { certificateProviders: {}, node: {}, xdsServers: [], authorities: {} }, server: {} };

function decode(resource: EnvoyResource): DecodeResult {
  const types: Record<string, ResourceType> = {
    listener: resourceType('listener-resource-type.js', 'ListenerResourceType'),
    route: resourceType('route-config-resource-type.js', 'RouteConfigurationResourceType'),
    cluster: resourceType('cluster-resource-type.js', 'ClusterResourceType'),
    endpoint: resourceType('endpoint-resource-type.js', 'EndpointResourceType'),
  };
  return types[resource.type].decode(context, { type_url: TYPE_URLS[resource.type], value: encodeResource(resource) });
}

describe('grpc-js-xds accepts the api_listener resource set', () => {
  it('decodes the listener, route configuration, cluster and endpoints without errors', () => {
    const { groups } = buildXds(loadIR('../golden/api_listener.in.yaml'));
    const group = groups['mesh/grpc'];
    const served = [...group.listeners, ...group.routes, ...group.clusters, ...group.endpoints];
    expect(served.map((r) => r.type).sort()).toEqual(['cluster', 'endpoint', 'listener', 'route']);
    for (const resource of served) {
      const result = decode(resource);
      expect(result.error, `${resource.type} ${resource.name}`).toBeUndefined();
      expect(result.name).toBe(resource.name);
    }
  });

  it('the oracle is not blind: a non-optional unknown HTTP filter is refused', () => {
    const { groups } = buildXds(loadIR('../golden/api_listener.in.yaml'));
    const listener = structuredClone(groups['mesh/grpc'].listeners[0]);
    const hcm = (listener.message.api_listener as { api_listener: { http_filters: Array<Record<string, unknown>> } }).api_listener;
    hcm.http_filters[0].is_optional = false;
    expect(decode(listener).error).toMatch(/filter/i);
  });
});

describe('grpc-js-xds accepts what any IR serves to proxyless clients', () => {
  it('decodes every api_listener and the route tables, clusters and endpoints it leads to', () => {
    let checked = 0;
    fc.assert(
      fc.property(arbitraryIR, (input) => {
        const group = buildXds(input).groups['default/gw'];
        const apiListeners = group.listeners.filter((listener) => listener.message.api_listener !== undefined);
        const tables = new Set<string>();
        for (const listener of apiListeners) {
          const hcm = (listener.message.api_listener as { api_listener: { rds?: { route_config_name?: string } } }).api_listener;
          if (hcm.rds?.route_config_name) tables.add(hcm.rds.route_config_name);
        }
        const routes = group.routes.filter((route) => tables.has(route.name));
        const clusters = new Set<string>();
        for (const table of routes) {
          for (const host of (table.message.virtual_hosts as EnvoyMessage[] | undefined) ?? []) {
            for (const route of (host.routes as EnvoyMessage[] | undefined) ?? []) {
              const action = route.route as { cluster?: string; weighted_clusters?: { clusters: Array<{ name: string }> } } | undefined;
              if (action?.cluster) clusters.add(action.cluster);
              for (const weighted of action?.weighted_clusters?.clusters ?? []) clusters.add(weighted.name);
            }
          }
        }
        const served = [
          ...apiListeners,
          ...routes,
          ...group.clusters.filter((cluster) => clusters.has(cluster.name)),
          ...group.endpoints.filter((endpoint) => clusters.has(endpoint.name)),
        ];
        for (const resource of served) {
          const result = decode(resource);
          expect(result.error, `${resource.type} ${resource.name}: ${String(result.error)}`).toBeUndefined();
        }
        if (apiListeners.length > 0) checked++;
      }),
      fuzzParameters(40, 20261124),
    );
    // The generator gives proxyless clients something to decode in a good share of the runs.
    expect(checked).toBeGreaterThan(5);
  });
});
