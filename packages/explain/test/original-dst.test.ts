import { describe, expect, it } from 'vitest';
import { explainRequest } from '../src/index.js';
import { assignment, edsCluster, httpListener, resources, routeConfig, toCluster, vhost } from './fixtures.js';

// A sidecar's outbound listener: one virtual host per Service, then a catch-all that passes
// everything else to an ORIGINAL_DST cluster (the connection's original destination).
const CAPTURE = {
  name: 'outbound',
  address: { socket_address: { address: '0.0.0.0', port_value: 15001 } },
  use_original_dst: true,
  filter_chains: [
    {
      name: 'passthrough',
      filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', stat_prefix: 'passthrough', cluster: 'passthrough' } }],
    },
  ],
};

function sidecar(passthroughExtra: Record<string, unknown> = {}, capture = false) {
  return resources({
    listeners: [httpListener('outbound-8080', 8080, 'rc'), ...(capture ? [CAPTURE] : [])],
    routes: [
      routeConfig('rc', [
        vhost('echo', ['echo', 'echo.mesh.svc.cluster.local'], [toCluster('echo')]),
        vhost('passthrough', ['*'], [toCluster('passthrough', { timeout: '0s' })]),
      ], { ignore_port_in_host_matching: true }),
    ],
    clusters: [
      edsCluster('echo', { kind: 'Service', namespace: 'mesh', name: 'echo', port: 8080 }),
      { name: 'passthrough', type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', connect_timeout: '10s', ...passthroughExtra },
    ],
    endpoints: [assignment('echo', ['10.0.0.1'])],
  });
}

describe('ORIGINAL_DST (passthrough) clusters', () => {
  it('forward to the address the client dialled: an IP literal in the authority, on the connection port', () => {
    const t = explainRequest(sidecar(), { authority: '10.244.0.4:8080', path: '/' });
    expect(t.outcome).toBe('forwarded');
    expect(t.route?.virtualHost).toBe('passthrough');
    expect(t.clusters).toHaveLength(1);
    expect(t.clusters[0]).toMatchObject({ name: 'passthrough', type: 'ORIGINAL_DST', exists: true });
    expect(t.clusters[0]?.endpoints).toEqual([{ address: '10.244.0.4', port: 8080, healthStatus: 'HEALTHY', priority: 0 }]);
    expect(t.clusters[0]?.localReplyStatus).toBeUndefined();
    expect(t.upstreamRequest?.authority).toBe('10.244.0.4:8080');
    expect(t.timeout?.route).toBe('0s');
  });

  it('use destinationAddress when the client resolved a name itself', () => {
    const t = explainRequest(sidecar(), { authority: 'api.example.com:8080', destinationAddress: '203.0.113.7' });
    expect(t.outcome).toBe('forwarded');
    expect(t.clusters[0]?.endpoints.map((e) => `${e.address}:${e.port}`)).toEqual(['203.0.113.7:8080']);
    const v6 = explainRequest(sidecar(), { authority: '[fd00::4]:8080' });
    expect(v6.clusters[0]?.endpoints.map((e) => e.address)).toEqual(['fd00::4']);
  });

  it('without a known destination the host is unknown: reported, and answered 503 when picked', () => {
    const t = explainRequest(sidecar(), { authority: 'api.example.com:8080' });
    expect(t.clusters[0]?.localReplyStatus).toBe(503);
    expect(t.clusters[0]?.endpoints).toEqual([]);
    expect(t.unknowns.join(' ')).toMatch(/original destination/);
  });

  it('a Service host still takes its own virtual host, not the passthrough', () => {
    const t = explainRequest(sidecar(), { authority: 'echo:8080' });
    expect(t.clusters.map((c) => c.name)).toEqual(['echo']);
  });

  it('use_http_header is reported as not simulated', () => {
    const t = explainRequest(sidecar({ original_dst_lb_config: { use_http_header: true } }), { authority: '10.244.0.4:8080' });
    expect(t.unsupported.join(' ')).toMatch(/use_http_header/);
  });

  it('a connection to a port no listener binds stays on the use_original_dst listener it was redirected to', () => {
    const t = explainRequest(sidecar({}, true), { transport: 'tcp', authority: '10.244.0.4:9999' });
    expect(t.listener).toBe('outbound');
    expect(t.outcome).toBe('tcp_proxy');
    expect(t.clusters[0]?.endpoints.map((e) => `${e.address}:${e.port}`)).toEqual(['10.244.0.4:9999']);
    // A port with its own listener is handed to it.
    expect(explainRequest(sidecar({}, true), { authority: '10.244.0.4:8080' }).listener).toBe('outbound-8080');
    // Without a use_original_dst listener nothing accepts the connection.
    expect(explainRequest(sidecar(), { transport: 'tcp', authority: '10.244.0.4:9999' }).outcome).toBe('connection_rejected');
  });
});
