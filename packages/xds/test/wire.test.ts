// The direct encoder (src/wire.ts) against protobufjs' own fromObject + encode:
// the same bytes for everything the goldens serve and for hand-picked shapes
// (maps, packed lists, Struct, wrappers, 64-bit strings, enums by number), and
// the same refusal for malformed input.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { IR } from '@portico/ir';
import { StrictEncodeError, encodeMessageViaProtobufjs, typeNameOf } from '../src/codec.js';
import { buildXds, decodeMessage, encodeMessage } from '../src/index.js';
import type { EnvoyMessage, EnvoyResource } from '../src/index.js';
import { encodeMessageChecked } from '../src/wire.js';
import type { RepeatedMessages } from '../src/wire.js';

const goldenDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden');

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function refusal(encode: () => Uint8Array): string {
  try {
    encode();
  } catch (error) {
    expect(error).toBeInstanceOf(StrictEncodeError);
    return (error as Error).message;
  }
  return 'accepted';
}

describe('direct wire encoder', () => {
  it('writes the bytes protobufjs writes for every golden resource', () => {
    const files = readdirSync(goldenDir).filter((f) => f.endsWith('.in.yaml'));
    let compared = 0;
    for (const file of files) {
      const ir = parse(readFileSync(path.join(goldenDir, file), 'utf8')) as IR;
      for (const group of Object.values(buildXds(ir).groups)) {
        for (const resource of Object.values(group).flat() as EnvoyResource[]) {
          const typeName = typeNameOf(resource.type);
          expect(hex(encodeMessage(typeName, resource.message)), `${file} ${resource.type} ${resource.name}`).toBe(
            hex(encodeMessageViaProtobufjs(typeName, resource.message)),
          );
          compared += 1;
        }
      }
    }
    expect(compared).toBeGreaterThan(50);
  });

  const shapes: Array<[string, string, EnvoyMessage]> = [
    [
      'map of messages, Struct metadata and wrappers',
      'envoy.config.cluster.v3.Cluster',
      {
        name: 'c',
        type: 5,
        connect_timeout: '1.25s',
        per_connection_buffer_limit_bytes: 0,
        metadata: { filter_metadata: { portico: { a: 1, b: 'x', c: [true, null, { d: -2.5 }], e: {} } } },
        typed_extension_protocol_options: {
          'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
            '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
            explicit_http_config: { http2_protocol_options: { max_concurrent_streams: 100 } },
          },
        },
      },
    ],
    [
      'packed enums, 64-bit strings, repeated messages',
      'envoy.config.route.v3.Route',
      {
        name: 'r',
        match: { prefix: '/', headers: [{ name: 'x', string_match: { exact: 'y', ignore_case: true } }] },
        route: {
          cluster: 'c',
          timeout: '0s',
          retry_policy: { retry_on: '5xx', num_retries: 3, retriable_status_codes: [500, 503] },
          hash_policy: [{ header: { header_name: 'x' }, terminal: false }],
        },
        typed_per_filter_config: {
          'envoy.filters.http.cors': { '@type': 'type.googleapis.com/envoy.config.route.v3.FilterConfig', disabled: true },
        },
      },
    ],
    [
      'uint64 as a digit string and a Duration inside Any',
      'envoy.config.listener.v3.Listener',
      {
        name: 'l',
        address: { socket_address: { address: '0.0.0.0', port_value: 80 } },
        per_connection_buffer_limit_bytes: 32768,
        listener_filters_timeout: '15s',
        filter_chains: [{ name: 'f', filters: [{ name: 'tcp', typed_config: { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '2s' } }] }],
      },
    ],
  ];
  for (const [title, typeName, message] of shapes) {
    it(`matches protobufjs: ${title}`, () => {
      const direct = encodeMessage(typeName, message);
      expect(hex(direct)).toBe(hex(encodeMessageViaProtobufjs(typeName, message)));
      expect(decodeMessage(typeName, direct)).toBeTypeOf('object');
    });
  }

  const malformed: Array<[string, string, EnvoyMessage]> = [
    ['unknown field', 'envoy.config.cluster.v3.Cluster', { name: 'c', nam: 'x' }],
    ['unknown nested field', 'envoy.config.route.v3.Route', { match: { prefx: '/' } }],
    ['string for an integer', 'envoy.config.listener.v3.Listener', { address: { socket_address: { port_value: '80' } } }],
    ['unknown enum name', 'envoy.config.cluster.v3.Cluster', { type: 'EDSS' }],
    ['two members of a oneof', 'envoy.config.route.v3.RouteMatch', { prefix: '/', path: '/a' }],
    ['bad duration', 'envoy.config.cluster.v3.Cluster', { connect_timeout: '5 seconds' }],
    ['unknown Any type', 'envoy.config.listener.v3.Filter', { name: 'x', typed_config: { '@type': 'type.googleapis.com/no.Such' } }],
    ['a list where an object belongs', 'envoy.config.route.v3.Route', { match: [] }],
    ['an object where a list belongs', 'envoy.config.route.v3.RouteMatch', { prefix: '/', headers: {} }],
    ['null scalar', 'envoy.config.cluster.v3.Cluster', { name: null }],
    ['uint32 out of range', 'envoy.config.listener.v3.Listener', { address: { socket_address: { port_value: -1 } } }],
  ];
  for (const [title, typeName, message] of malformed) {
    it(`refuses like the protobufjs path: ${title}`, () => {
      const direct = refusal(() => encodeMessage(typeName, message));
      expect(direct).not.toBe('accepted');
      expect(direct).toBe(refusal(() => encodeMessageViaProtobufjs(typeName, message)));
    });
  }

  it('a refusal deep inside a message leaves nothing behind for the next encode', () => {
    const typeName = 'envoy.config.route.v3.RouteConfiguration';
    const good: EnvoyMessage = { name: 'rc', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c' } }] }] };
    const bad: EnvoyMessage = { name: 'rc', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/', path: '/a' } }] }] };
    expect(refusal(() => encodeMessage(typeName, bad))).toBe('virtual_hosts[0].routes[0].match.path: oneof path_specifier already set by "prefix"');
    expect(hex(encodeMessage(typeName, good))).toBe(hex(encodeMessageViaProtobufjs(typeName, good)));
  });
});

describe('repeated messages (one route JSON object in several places)', () => {
  const good: EnvoyMessage = { name: 'good', match: { prefix: '/' }, direct_response: { status: 200 } };
  // PGV: a direct response status must be 200..599.
  const bad: EnvoyMessage = { name: 'bad', match: { prefix: '/' }, direct_response: { status: 99 } };
  const repeatedRoutes = (...routes: EnvoyMessage[]): RepeatedMessages => ({
    typeName: 'envoy.config.route.v3.Route',
    bytes: new Map(routes.map((route) => [route, undefined])),
  });
  const host = (...routes: EnvoyMessage[]): EnvoyMessage => ({ name: 'h', domains: ['*'], routes });
  const VIRTUAL_HOST = 'envoy.config.route.v3.VirtualHost';

  it('writes every occurrence as the plain encoder does, in one message and across messages', () => {
    const repeated = repeatedRoutes(good);
    for (let round = 0; round < 2; round++) {
      const { bytes, passed } = encodeMessageChecked(VIRTUAL_HOST, host(good, good), repeated);
      expect(passed).toBe(true);
      expect(hex(bytes)).toBe(hex(encodeMessage(VIRTUAL_HOST, host(good, good))));
    }
    expect(repeated.bytes.get(good)).toBeDefined();
  });

  it('a repeated message that fails its rules fails every message it is in', () => {
    const repeated = repeatedRoutes(bad);
    expect(encodeMessageChecked(VIRTUAL_HOST, host(bad), repeated).passed).toBe(false);
    expect(encodeMessageChecked(VIRTUAL_HOST, host(bad), repeated).passed).toBe(false);
    expect(repeated.bytes.get(bad)).toBeUndefined();
  });

  it('a repeated message written after a failure is checked again where it recurs', () => {
    const repeated = repeatedRoutes(good);
    // The route after a failing one is written, but not known to pass: not kept.
    expect(encodeMessageChecked(VIRTUAL_HOST, host(bad, good), repeated).passed).toBe(false);
    expect(repeated.bytes.get(good)).toBeUndefined();
    expect(encodeMessageChecked(VIRTUAL_HOST, host(good), repeated).passed).toBe(true);
  });
});
