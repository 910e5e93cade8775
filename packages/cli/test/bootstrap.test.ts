import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { decodeMessage, encodeMessage, loadEnvoyProtoFile, validateMessageJson } from '@portico/xds';
import { buildBootstrap } from '../src/bootstrap.js';
import { runInProcess, runPortico } from './helpers.js';

const BOOTSTRAP = 'envoy.config.bootstrap.v3.Bootstrap';

/** Envoy's Bootstrap message (not among the xds stage's resource protos). */
function loadBootstrapProto(): void {
  loadEnvoyProtoFile('envoy/config/bootstrap/v3/bootstrap.proto');
}

describe('portico bootstrap', () => {
  it('prints a bootstrap that encodes as envoy.config.bootstrap.v3.Bootstrap without losing a field', async () => {
    const result = await runPortico(['bootstrap', '--gateway', 'default/quickstart', '--xds-address', 'xds.portico.svc:18000', '--node-id', 'edge-1', '--admin-port', '9901']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const bootstrap = parse(result.stdout) as Record<string, unknown>;
    loadBootstrapProto();
    // Strict encoding rejects unknown fields; the round trip proves every field and enum landed where Envoy reads it.
    const decoded = decodeMessage(BOOTSTRAP, encodeMessage(BOOTSTRAP, bootstrap));
    expect(decoded).toEqual(bootstrap);
    expect(validateMessageJson(BOOTSTRAP, bootstrap)).toEqual([]);
    expect(bootstrap).toMatchObject({
      node: { id: 'edge-1', cluster: 'default/quickstart', metadata: { 'portico.gateway': 'default/quickstart' } },
      dynamic_resources: {
        ads_config: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds_cluster' } }] },
        lds_config: { ads: {}, resource_api_version: 'V3' },
        cds_config: { ads: {}, resource_api_version: 'V3' },
      },
      static_resources: {
        clusters: [
          {
            name: 'xds_cluster',
            type: 'STRICT_DNS',
            load_assignment: {
              endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'xds.portico.svc', port_value: 18000 } } } }] }],
            },
          },
        ],
      },
      admin: { address: { socket_address: { address: '127.0.0.1', port_value: 9901 } } },
      // Envoy's default RE2 program size limit (100) would NACK whole route tables over one user
      // regex; the admin layer keeps /runtime_modify working.
      layered_runtime: {
        layers: [
          { name: 'portico', static_layer: { 're2.max_program_size.error_level': 4294967295 } },
          { name: 'admin', admin_layer: {} },
        ],
      },
    });
  });

  it('asks for VHDS over Delta ADS with --vhds (Envoy refuses VHDS on a SotW ADS stream)', async () => {
    const result = await runPortico(['bootstrap', '--gateway', 'infra/edge', '--vhds']);
    expect(result.code).toBe(0);
    const bootstrap = parse(result.stdout) as Record<string, unknown>;
    loadBootstrapProto();
    expect(decodeMessage(BOOTSTRAP, encodeMessage(BOOTSTRAP, bootstrap))).toEqual(bootstrap);
    expect(validateMessageJson(BOOTSTRAP, bootstrap)).toEqual([]);
    expect(bootstrap).toMatchObject({
      node: { cluster: 'infra/edge', metadata: { 'portico.gateway': 'infra/edge', 'portico.vhds': true } },
      dynamic_resources: { ads_config: { api_type: 'DELTA_GRPC' } },
    });
    const plain = buildBootstrap({ gateway: { namespace: 'infra', name: 'edge' }, xds: { host: '10.0.0.7', port: 18000 } });
    expect(plain).toMatchObject({ dynamic_resources: { ads_config: { api_type: 'GRPC' } } });
    expect((plain.node as { metadata: Record<string, unknown> }).metadata['portico.vhds']).toBeUndefined();
  });

  it('uses a STATIC cluster for an IP address and HTTP/2 to the control plane', () => {
    const bootstrap = buildBootstrap({ gateway: { namespace: 'infra', name: 'edge' }, xds: { host: '10.0.0.7', port: 18000 } });
    const cluster = (bootstrap.static_resources as { clusters: Array<Record<string, unknown>> }).clusters[0];
    expect(cluster.type).toBe('STATIC');
    expect(cluster.typed_extension_protocol_options).toEqual({
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
        explicit_http_config: { http2_protocol_options: {} },
      },
    });
    expect((bootstrap.node as Record<string, unknown>).id).toBe('portico-infra-edge');
  });

  it('rejects a misspelled field, so the round trip above can fail', () => {
    loadBootstrapProto();
    const bootstrap = buildBootstrap({ gateway: { namespace: 'a', name: 'b' }, xds: { host: '127.0.0.1', port: 1 } });
    (bootstrap.admin as Record<string, unknown>).adress = {};
    expect(() => encodeMessage(BOOTSTRAP, bootstrap)).toThrow(/adress/);
  });

  it('rejects bad usage', async () => {
    const missing = await runInProcess(['bootstrap']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--gateway NAMESPACE\/NAME is required/);
    const badRef = await runInProcess(['bootstrap', '--gateway', 'quickstart']);
    expect(badRef.code).toBe(2);
    expect(badRef.stderr).toMatch(/--gateway must be NAMESPACE\/NAME, got 'quickstart'/);
    const badAddress = await runInProcess(['bootstrap', '--gateway', 'a/b', '--xds-address', 'nohost']);
    expect(badAddress.code).toBe(2);
    expect(badAddress.stderr).toMatch(/--xds-address must be HOST:PORT, got 'nohost'/);
  });
});
