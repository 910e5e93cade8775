import { describe, expect, it } from 'vitest';
import { ResourceSet, loadManifests } from '@portico/api';
import { explainRequest } from '@portico/explain';
import { translate } from '@portico/translator';
import { buildXds } from '@portico/xds';
import { FakeCluster } from '../src/cluster.js';
import { createExplainDataPath } from '../src/explain-adapter.js';

// The whole pipeline a sidecar is served (translator with the mesh → xds → explain): a request
// no Service covers leaves through the ORIGINAL_DST passthrough cluster, unchanged.
const INPUT = `
apiVersion: v1
kind: Namespace
metadata: {name: mesh}
---
apiVersion: v1
kind: Service
metadata: {name: echo, namespace: mesh}
spec:
  ports: [{name: http, port: 8080}, {name: grpc, port: 7070, appProtocol: grpc}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: echo-1, namespace: mesh, labels: {kubernetes.io/service-name: echo}}
addressType: IPv4
ports: [{name: http, port: 8080}, {name: grpc, port: 7070}]
endpoints: [{addresses: [10.244.0.4], conditions: {ready: true}}]
`;

function build() {
  const loaded = loadManifests(INPUT, 'mesh.yaml');
  expect(loaded.problems).toEqual([]);
  const translation = translate(ResourceSet.from(loaded.objects), { controllerName: 'portico.dev/gateway-controller', mesh: true });
  const xds = buildXds(translation.ir);
  expect(xds.rejected).toEqual([]);
  return { translation, xds };
}

describe('mesh passthrough (sidecar outbound traffic to uncovered destinations)', () => {
  it('serves an ORIGINAL_DST cluster and a catch-all virtual host after the Services\' ones, to sidecars only', () => {
    const group = build().xds.groups['mesh/mesh']!;
    const cluster = group.clusters.find((c) => c.name === 'passthrough')?.message;
    expect(cluster).toMatchObject({ type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED' });
    expect(cluster?.load_assignment).toBeUndefined();
    expect(cluster?.eds_cluster_config).toBeUndefined();
    const sidecarRoutes = group.routes.find((r) => r.name === 'mesh/mesh/8080')?.message;
    const vhosts = (sidecarRoutes?.virtual_hosts ?? []) as Array<{ domains: string[]; routes: Array<{ route?: { cluster?: string } }> }>;
    expect(vhosts.at(-1)?.domains).toEqual(['*']);
    expect(vhosts.at(-1)?.routes[0]?.route?.cluster).toBe('passthrough');
    expect(vhosts.filter((v) => v.domains.includes('*'))).toHaveLength(1);
    // Proxyless gRPC clients resolve Service names only; they get no passthrough.
    const apiRoutes = group.routes.filter((r) => r.name.startsWith('mesh/mesh/api/'));
    expect(apiRoutes.length).toBeGreaterThan(0);
    for (const r of apiRoutes) {
      for (const v of r.message.virtual_hosts as Array<{ routes: Array<{ route?: { cluster?: string } }> }>) {
        expect(v.routes.map((route) => route.route?.cluster)).not.toContain('passthrough');
      }
    }
  });

  it('serves a use_original_dst capture listener proxying other ports over TCP to the original destination', () => {
    const { xds, translation } = build();
    const capture = xds.groups['mesh/mesh']!.listeners.find((l) => l.name === 'mesh/mesh/outbound')?.message;
    expect(capture).toMatchObject({ use_original_dst: true, address: { socket_address: { port_value: 15001 } } });
    expect(JSON.stringify(capture?.filter_chains)).toContain('"cluster":"passthrough"');
    const dataPath = createExplainDataPath(buildXds as (ir: unknown) => unknown, explainRequest as (resources: unknown, request: unknown) => unknown)(translation, new FakeCluster());
    const answer = dataPath.send('mesh/mesh', { protocol: 'HTTP/1.1', scheme: 'http', method: 'GET', path: '/', headers: {}, authority: '10.244.0.4:9999', port: 9999, layer: 'tcp', destinationAddress: '10.244.0.4' });
    expect(answer).toMatchObject({ kind: 'stream', backends: [{ cluster: 'passthrough', destination: { address: '10.244.0.4', port: 9999 } }] });
  });

  it('a pod IP goes to that address; the Service name still goes to the Service', () => {
    const { translation } = build();
    const dataPath = createExplainDataPath(buildXds as (ir: unknown) => unknown, explainRequest as (resources: unknown, request: unknown) => unknown)(translation, new FakeCluster());
    const request = { protocol: 'HTTP/1.1' as const, scheme: 'http' as const, method: 'GET', path: '/', headers: {}, port: 8080 };
    const toPod = dataPath.send('mesh/mesh', { ...request, authority: '10.244.0.4:8080', destinationAddress: '10.244.0.4' });
    expect(toPod).toMatchObject({ kind: 'forward', backends: [{ cluster: 'passthrough', destination: { address: '10.244.0.4', port: 8080 } }] });
    const toService = dataPath.send('mesh/mesh', { ...request, authority: 'echo:8080' });
    expect(toService).toMatchObject({ kind: 'forward', backends: [{ cluster: 'mesh/echo/8080', service: { namespace: 'mesh', name: 'echo' } }] });
  });
  it('leaves TLS and other non-HTTP traffic on a Service port to the original destination (http_inspector, default chain)', () => {
    const { xds } = build();
    const listener = xds.groups['mesh/mesh']!.listeners.find((l) => l.name === 'mesh/mesh/8080')?.message as Record<string, unknown>;
    expect((listener.listener_filters as Array<{ name: string }>).map((f) => f.name)).toContain('envoy.filters.listener.http_inspector');
    expect(listener).toMatchObject({ continue_on_listener_filters_timeout: true, default_filter_chain: { name: 'mesh/mesh/8080/passthrough' } });
    expect(JSON.stringify(listener.default_filter_chain)).toContain('"cluster":"passthrough"');
    const resources = xds.groups['mesh/mesh']!;
    // TLS to the Service port: no plaintext-HTTP chain matches, the default chain passes it through.
    const tls = explainRequest(resources, { scheme: 'https', authority: 'echo.mesh:8080', destinationAddress: '10.244.0.4', stream: true });
    expect(tls.outcome).toBe('tcp_proxy');
    expect(tls.clusters.map((c) => c.name)).toEqual(['passthrough']);
    // A byte stream that is not HTTP (a database protocol): the same.
    const raw = explainRequest(resources, { transport: 'tcp', stream: true, authority: 'echo.mesh:8080', destinationAddress: '10.244.0.4' });
    expect(raw.outcome).toBe('tcp_proxy');
    // Plain HTTP still meets the routes.
    const http = explainRequest(resources, { scheme: 'http', method: 'GET', authority: 'echo.mesh:8080', path: '/' });
    expect(http.clusters.map((c) => c.name)).toEqual(['mesh/echo/8080']);
  });
});
