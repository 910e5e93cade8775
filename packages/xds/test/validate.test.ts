import { describe, expect, it } from 'vitest';
import { buildXds, validateMessageJson, validateResource } from '../src/index.js';
import { validateEncodedMessageJson } from '../src/validate.js';
import { encodeResource, typeNameOf } from '../src/codec.js';
import type { EnvoyMessage, EnvoyResource } from '../src/index.js';
import { loadIR } from './helpers.js';

function route(routeFields: EnvoyMessage, vhost: EnvoyMessage = {}): EnvoyResource {
  return {
    type: 'route',
    name: 'r',
    message: { name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, ...routeFields }], ...vhost }] },
  };
}

const validCluster: EnvoyMessage = {
  name: 'c',
  type: 'EDS',
  connect_timeout: '1s',
  eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } },
};

describe('validateResource (protoc-gen-validate rules from the Envoy protos)', () => {
  it('accepts valid resources', () => {
    expect(validateResource({ type: 'cluster', name: 'c', message: validCluster })).toEqual([]);
    expect(validateResource(route({ route: { cluster: 'c' } }))).toEqual([]);
  });

  it('duration gt: a negative or zero connect_timeout', () => {
    expect(validateResource({ type: 'cluster', name: 'c', message: { ...validCluster, connect_timeout: '-1s' } })).toEqual([
      { field: 'connect_timeout', message: 'must be greater than 0s' },
    ]);
    expect(validateResource({ type: 'cluster', name: 'c', message: { ...validCluster, connect_timeout: '0s' } })).toHaveLength(1);
  });

  it('repeated min_items: an empty weighted_clusters list', () => {
    expect(validateResource(route({ route: { weighted_clusters: { clusters: [] } } }))).toEqual([
      { field: 'virtual_hosts[0].routes[0].route.weighted_clusters.clusters', message: 'must not be empty' },
    ]);
  });

  it('string min_len and HTTP header name rules: an empty or invalid header name', () => {
    const errors = validateResource(
      route({
        route: { cluster: 'c' },
        request_headers_to_add: [{ header: { key: '', value: 'x' } }],
        request_headers_to_remove: ['bad\nname'],
      }),
    );
    expect(errors).toEqual([
      { field: 'virtual_hosts[0].routes[0].request_headers_to_add[0].header.key', message: 'must not be empty' },
      { field: 'virtual_hosts[0].routes[0].request_headers_to_remove[0]', message: 'must be a valid HTTP header name' },
    ]);
  });

  it('oneof (validate.required): a route without an action, a RouteAction without a cluster', () => {
    expect(validateResource(route({}))).toEqual([
      { field: 'virtual_hosts[0].routes[0].action', message: expect.stringContaining('one of route, redirect') },
    ]);
    expect(validateResource(route({ route: { timeout: '1s' } }))[0].field).toBe('virtual_hosts[0].routes[0].route.cluster_specifier');
  });

  it('uint32 range: a direct response status outside 200..599', () => {
    expect(validateResource(route({ direct_response: { status: 99 } }))).toEqual([
      { field: 'virtual_hosts[0].routes[0].direct_response.status', message: 'must be at least 200' },
    ]);
    expect(validateResource(route({ direct_response: { status: 600 } }))[0].message).toBe('must be less than 600');
  });

  it('string pattern: path_separated_prefix must not end with a slash', () => {
    const errors = validateResource({
      type: 'route',
      name: 'r',
      message: { name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { path_separated_prefix: '/a/' }, route: { cluster: 'c' } }] }] },
    });
    expect(errors[0].field).toBe('virtual_hosts[0].routes[0].match.path_separated_prefix');
    expect(errors[0].message).toContain('pattern');
  });

  it('repeated min_items: a virtual host without domains', () => {
    const errors = validateResource({ type: 'route', name: 'r', message: { name: 'r', virtual_hosts: [{ name: 'v', domains: [], routes: [] }] } });
    expect(errors).toEqual([{ field: 'virtual_hosts[0].domains', message: 'must not be empty' }]);
  });

  it('nested string rules: a socket address without an address', () => {
    const errors = validateResource({
      type: 'endpoint',
      name: 'c',
      message: { cluster_name: 'c', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { port_value: 1 } } } }] }] },
    });
    expect(errors).toEqual([
      { field: 'endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address', message: 'must not be empty' },
    ]);
  });

  it('uint32 lte: a port above 65535', () => {
    const errors = validateResource({
      type: 'listener',
      name: 'l',
      message: { name: 'l', address: { socket_address: { address: '0.0.0.0', port_value: 70000 } } },
    });
    expect(errors).toEqual([{ field: 'address.socket_address.port_value', message: 'must be at most 65535' }]);
  });

  it('enum defined_only: an undefined enum number', () => {
    const errors = validateResource({ type: 'cluster', name: 'c', message: { ...validCluster, lb_policy: 42 } });
    expect(errors).toEqual([{ field: 'lb_policy', message: 'must be a defined LbPolicy value' }]);
  });

  it('recurses into Any by @type: an HCM without stat_prefix inside a listener', () => {
    const errors = validateResource({
      type: 'listener',
      name: 'l',
      message: {
        name: 'l',
        address: { socket_address: { address: '0.0.0.0', port_value: 80 } },
        filter_chains: [
          {
            filters: [
              {
                name: 'envoy.filters.network.http_connection_manager',
                typed_config: {
                  '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                  rds: { route_config_name: 'r', config_source: { ads: {}, resource_api_version: 'V3' } },
                },
              },
            ],
          },
        ],
      },
    });
    expect(errors).toEqual([{ field: 'filter_chains[0].filters[0].typed_config.stat_prefix', message: 'must not be empty' }]);
  });

  it('map keys and values: typed_per_filter_config entries are validated', () => {
    const errors = validateResource(
      route({
        route: { cluster: 'c' },
        typed_per_filter_config: {
          'envoy.filters.http.cors': {
            '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy',
            allow_origin_string_match: [{ prefix: '' }],
          },
        },
      }),
    );
    expect(errors).toEqual([
      {
        field: 'virtual_hosts[0].routes[0].typed_per_filter_config["envoy.filters.http.cors"].allow_origin_string_match[0].prefix',
        message: 'must not be empty',
      },
    ]);
  });

  it('wrapper rules apply only when set: num_retries, and double ranges on runtime fractions', () => {
    expect(validateMessageJson('envoy.config.route.v3.RetryPolicy', { num_retries: 3 })).toEqual([]);
    const errors = validateMessageJson('envoy.type.v3.Percent', { value: 150 });
    expect(errors).toEqual([{ field: 'value', message: 'must be at most 100' }]);
  });

  it('duration required + gt inside retry back-off', () => {
    const errors = validateMessageJson('envoy.config.route.v3.RetryPolicy', { retry_back_off: {} });
    expect(errors.map((e) => e.field)).toContain('retry_back_off.base_interval');
  });

  it('every resource built from a rich IR passes validation', () => {
    const result = buildXds(loadIR('rich.ir.yaml'));
    expect(result.rejected).toEqual([]);
    const group = result.groups['default/edge'];
    for (const list of Object.values(group)) {
      for (const resource of list as EnvoyResource[]) expect(validateResource(resource), resource.name).toEqual([]);
    }
  });

  it('after a successful strict encode, the pruned walk reports exactly what the full walk does', () => {
    const listener = (config: EnvoyMessage): EnvoyResource => ({
      type: 'listener',
      name: 'l',
      message: {
        name: 'l',
        address: { socket_address: { address: '0.0.0.0', port_value: 80 } },
        metadata: { filter_metadata: { portico: { a: [1, { b: null }] } } },
        filter_chains: [{ filters: [{ name: 'f', typed_config: config }] }],
      },
    });
    const hcm = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
    const cases: EnvoyResource[] = [
      { type: 'cluster', name: 'c', message: validCluster },
      { type: 'cluster', name: 'c', message: { ...validCluster, connect_timeout: '0s', lb_policy: 42 } },
      route({ route: { cluster: 'c' }, metadata: { filter_metadata: { x: { y: 1 } } } }),
      route({ route: { weighted_clusters: { clusters: [] } }, request_headers_to_remove: ['bad\nname'] }),
      route({}, { domains: [] }),
      route({
        route: { cluster: 'c' },
        typed_per_filter_config: {
          cors: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy', allow_origin_string_match: [{ prefix: '' }] },
        },
      }),
      listener({ '@type': hcm, rds: { route_config_name: 'r', config_source: { ads: {}, resource_api_version: 'V3' } } }),
      listener({ '@type': hcm, stat_prefix: 's', route_config: { virtual_hosts: [{ name: '', domains: ['*'], routes: [{ match: {} }] }] } }),
    ];
    let failing = 0;
    for (const resource of cases) {
      encodeResource(resource);
      const full = validateResource(resource);
      if (full.length > 0) failing += 1;
      expect(validateEncodedMessageJson(typeNameOf(resource.type), resource.message)).toEqual(full);
    }
    expect(failing).toBe(cases.length - 2);
  });
});

