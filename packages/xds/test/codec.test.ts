import { describe, expect, it } from 'vitest';
import {
  StrictEncodeError,
  TYPE_URLS,
  buildXds,
  decodeResource,
  encodeResource,
  envoyProtos,
  formatProtoDuration,
  messageType,
  parseProtoDuration,
} from '../src/index.js';
import type { EnvoyResource, EnvoyResources } from '../src/index.js';
import { loadIR } from './helpers.js';

function all(resources: EnvoyResources): EnvoyResource[] {
  return [...resources.listeners, ...resources.routes, ...resources.clusters, ...resources.endpoints, ...resources.secrets];
}

describe('envoyProtos', () => {
  it('loads the Envoy v3 API once, with validate rules visible', () => {
    const root = envoyProtos();
    expect(envoyProtos()).toBe(root);
    for (const url of Object.values(TYPE_URLS)) expect(messageType(url).fullName).toBe('.' + url.split('/')[1]);
    for (const name of [
      'envoy.service.discovery.v3.AggregatedDiscoveryService',
      'envoy.service.discovery.v3.DeltaDiscoveryRequest',
    ]) {
      expect(root.lookup(name)).not.toBeNull();
    }
    const connectTimeout = messageType('envoy.config.cluster.v3.Cluster').fields.connect_timeout;
    expect(connectTimeout.parsedOptions).toEqual([{ '(validate.rules)': { duration: { gt: {} } } }]);
  });
});

describe('strict encoding', () => {
  it('rejects an unknown top-level field with its path', () => {
    const resource: EnvoyResource = { type: 'cluster', name: 'c', message: { name: 'c', conect_timeout: '1s' } };
    expect(() => encodeResource(resource)).toThrowError(StrictEncodeError);
    try {
      encodeResource(resource);
    } catch (error) {
      expect((error as StrictEncodeError).field).toBe('conect_timeout');
    }
  });

  it('rejects unknown fields nested in repeated messages and inside Any (by @type)', () => {
    const listener: EnvoyResource = {
      type: 'listener',
      name: 'l',
      message: {
        name: 'l',
        filter_chains: [
          {
            filters: [
              {
                name: 'hcm',
                typed_config: {
                  '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                  stat_prefix: 'x',
                  route_config_nam: 'r',
                },
              },
            ],
          },
        ],
      },
    };
    expect(() => encodeResource(listener)).toThrowError(/filter_chains\[0\]\.filters\[0\]\.typed_config\.route_config_nam/);
  });

  it('rejects an unknown @type instead of encoding an empty Any', () => {
    const listener: EnvoyResource = {
      type: 'listener',
      name: 'l',
      message: { name: 'l', listener_filters: [{ name: 'x', typed_config: { '@type': 'type.googleapis.com/no.such.Type' } }] },
    };
    expect(() => encodeResource(listener)).toThrowError(/unknown type/);
  });

  it('rejects unknown enum names, wrong scalar types and two members of one oneof', () => {
    expect(() => encodeResource({ type: 'cluster', name: 'c', message: { name: 'c', type: 'EDSS' } })).toThrowError(/type: unknown/);
    expect(() => encodeResource({ type: 'cluster', name: 'c', message: { name: 7 } })).toThrowError(/name: expected a string/);
    expect(() =>
      encodeResource({
        type: 'route',
        name: 'r',
        message: { name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/', path: '/x' } }] }] },
      }),
    ).toThrowError(/oneof path_specifier/);
  });

  it('parses and formats proto3 JSON durations', () => {
    expect(parseProtoDuration('1.5s')).toEqual({ seconds: 1, nanos: 500_000_000 });
    expect(parseProtoDuration('-2s')).toEqual({ seconds: -2, nanos: -0 });
    expect(parseProtoDuration('10')).toBeUndefined();
    expect(formatProtoDuration(0, 100_000_000)).toBe('0.1s');
    expect(formatProtoDuration(3600, 0)).toBe('3600s');
  });
});

describe('round trip', () => {
  it('decode(encode(resource)) equals the resource for everything built from a rich IR', () => {
    const { groups } = buildXds(loadIR('rich.ir.yaml'));
    const resources = all(groups['default/edge']);
    expect(resources.length).toBeGreaterThan(15);
    for (const resource of resources) {
      const decoded = decodeResource(resource.type, encodeResource(resource));
      expect(decoded, `${resource.type} ${resource.name}`).toEqual(resource.message);
    }
  });

  it('keeps Struct metadata, wrappers and maps', () => {
    const message = {
      name: 'c',
      connect_timeout: '0.25s',
      per_connection_buffer_limit_bytes: 32768,
      metadata: { filter_metadata: { portico: { kind: 'Service', port: 80, tags: ['a', 1, true, null], nested: { x: 'y' } } } },
    };
    expect(decodeResource('cluster', encodeResource({ type: 'cluster', name: 'c', message }))).toEqual(message);
  });
});
