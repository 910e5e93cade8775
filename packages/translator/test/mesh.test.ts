import { describe, expect, it } from 'vitest';
import { ResourceSet, loadManifests } from '@portico/api';
import { translate } from '../src/index.js';

const CONTROLLER = 'portico.dev/gateway-controller';

const INPUT = `
apiVersion: v1
kind: Namespace
metadata: {name: consumer}
---
apiVersion: v1
kind: Service
metadata: {name: echo, namespace: mesh}
spec:
  clusterIP: 10.96.0.10
  ports: [{name: http, port: 80}, {name: grpc, port: 7070, appProtocol: grpc}]
---
apiVersion: v1
kind: Service
metadata: {name: echo-v2, namespace: mesh}
spec:
  ports: [{name: http, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: producer, namespace: mesh}
spec:
  parentRefs: [{group: "", kind: Service, name: echo, port: 80}]
  hostnames: [ignored.example.com]
  rules:
    - matches: [{headers: [{name: version, value: v2}]}]
      backendRefs: [{name: echo-v2, port: 80}]
    - backendRefs: [{name: echo, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: consumer-override, namespace: consumer}
spec:
  parentRefs: [{group: "", kind: Service, name: echo, namespace: mesh, port: 80}]
  rules:
    - backendRefs: [{name: echo-v2, namespace: mesh, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: ReferenceGrant
metadata: {name: consumer, namespace: mesh}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: consumer}]
  to: [{group: "", kind: Service}]
`;

function run(mesh: boolean) {
  const loaded = loadManifests(INPUT, 'mesh.yaml');
  expect(loaded.problems).toEqual([]);
  return translate(ResourceSet.from(loaded.objects), { controllerName: CONTROLLER, mesh });
}

describe('mesh (GAMMA): routes with a Service parent', () => {
  it('are left alone (no status, no config) unless the mesh is enabled', () => {
    const result = run(false);
    expect(result.statuses.filter((s) => s.kind === 'HTTPRoute')).toEqual([]);
    expect(result.ir.gateways).toEqual([]);
  });

  it('get Accepted/ResolvedRefs per Service parent, with the parentRef echoed', () => {
    const result = run(true);
    const producer = result.statuses.find((s) => s.name === 'producer')!;
    const parents = (producer.status as { parents: Array<{ parentRef: unknown; conditions: Array<{ type: string; status: string }> }> })
      .parents;
    expect(parents).toHaveLength(1);
    expect(parents[0]!.parentRef).toEqual({ group: '', kind: 'Service', namespace: 'mesh', name: 'echo', port: 80 });
    expect(parents[0]!.conditions.map((c) => `${c.type}=${c.status}`)).toEqual(['Accepted=True', 'ResolvedRefs=True']);
  });

  it('producer routes serve every namespace, a consumer route replaces them for its own namespace only', () => {
    const result = run(true);
    const vhost = (group: string, service: string) => {
      const gateway = result.ir.gateways.find((g) => g.proxyGroup === group)!;
      const listener = gateway.listeners.find((l) => l.port === 80)!;
      const chain = listener.filterChains[0]!;
      if (chain.type !== 'http') throw new Error('expected an HTTP chain');
      return chain.routeConfig.virtualHosts.find((v) => v.name.endsWith(`/mesh/${service}`))!;
    };
    const inMesh = vhost('mesh/mesh', 'echo');
    expect(inMesh.domains).toContain('echo');
    expect(inMesh.domains).toContain('echo.mesh.svc.cluster.local:80');
    expect(inMesh.domains).toContain('10.96.0.10:80');
    expect(inMesh.domains).not.toContain('ignored.example.com');
    expect(inMesh.routes.map((r) => r.source.name)).toEqual(['producer', 'producer']);
    const inConsumer = vhost('mesh/consumer', 'echo');
    expect(inConsumer.domains).not.toContain('echo');
    expect(inConsumer.routes.map((r) => r.source.name)).toEqual(['consumer-override']);
    // A Service without routes keeps its default: straight to its own endpoints.
    expect(vhost('mesh/consumer', 'echo-v2').routes.map((r) => r.name)).toEqual(['mesh/mesh/echo-v2/80/default']);
  });

  it('serves proxyless gRPC clients an api_listener per host:port of gRPC ports', () => {
    const result = run(true);
    const names = result.ir.gateways.find((g) => g.proxyGroup === 'mesh/mesh')!.apiListeners!.map((a) => a.name);
    expect(names).toContain('echo.mesh.svc.cluster.local:7070');
    expect(names).toContain('echo:7070');
    expect(result.statuses.find((s) => s.kind === 'GatewayClass')).toBeUndefined();
  });

  it('offers sidecars an outbound capture port for passthrough, unless a Service port takes it', () => {
    const result = run(true);
    const gateway = result.ir.gateways.find((g) => g.proxyGroup === 'mesh/mesh')!;
    expect(gateway.outboundCapturePort).toBe(15001);
    for (const listener of gateway.listeners) {
      for (const chain of listener.filterChains) if (chain.type === 'http') expect(chain.routeConfig.passthrough).toBe(true);
    }
    for (const api of gateway.apiListeners ?? []) expect(api.routeConfig.passthrough).toBeUndefined();
    const taken = loadManifests(`${INPUT}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: proxy, namespace: mesh}\nspec: {ports: [{port: 15001}]}\n`, 'taken.yaml');
    const withTaken = translate(ResourceSet.from(taken.objects), { controllerName: CONTROLLER, mesh: true });
    expect(withTaken.ir.gateways.find((g) => g.proxyGroup === 'mesh/mesh')!.outboundCapturePort).toBeUndefined();
  });

  it('need no ReferenceGrant for backendRefs in another namespace (GEP-1294), unlike Gateway routes', () => {
    const input = `${INPUT}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: no-grant, namespace: other}\nspec:\n  parentRefs: [{group: "", kind: Service, name: echo-v2, namespace: mesh}]\n  rules: [{backendRefs: [{name: echo-v2, namespace: mesh, port: 80}]}]\n`;
    const loaded = loadManifests(input, 'no-grant.yaml');
    expect(loaded.problems).toEqual([]);
    const result = translate(ResourceSet.from(loaded.objects), { controllerName: CONTROLLER, mesh: true });
    const status = result.statuses.find((s) => s.name === 'no-grant')!.status as { parents: Array<{ conditions: Array<{ type: string; status: string }> }> };
    expect(status.parents[0]!.conditions.map((c) => `${c.type}=${c.status}`)).toEqual(['Accepted=True', 'ResolvedRefs=True']);
  });

  it('a route with a Gateway and a Service parent checks the ReferenceGrant for the Gateway only', () => {
    const input = `${INPUT}
---
apiVersion: v1
kind: Namespace
metadata: {name: other}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: portico}
spec: {controllerName: ${CONTROLLER}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: other}
spec:
  gatewayClassName: portico
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: both, namespace: other}
spec:
  parentRefs: [{name: edge}, {group: "", kind: Service, name: echo-v2, namespace: mesh}]
  rules: [{backendRefs: [{name: echo-v2, namespace: mesh, port: 80}]}]
`;
    const loaded = loadManifests(input, 'both.yaml');
    expect(loaded.problems).toEqual([]);
    const result = translate(ResourceSet.from(loaded.objects), { controllerName: CONTROLLER, mesh: true });
    const status = result.statuses.find((s) => s.name === 'both')!.status as {
      parents: Array<{ parentRef: { kind?: string }; conditions: Array<{ type: string; status: string; reason: string }> }>;
    };
    const resolvedRefs = (kind: string) => status.parents.find((p) => (p.parentRef.kind ?? 'Gateway') === kind)!.conditions.find((c) => c.type === 'ResolvedRefs');
    expect(resolvedRefs('Gateway')).toMatchObject({ status: 'False', reason: 'RefNotPermitted' });
    expect(resolvedRefs('Service')).toMatchObject({ status: 'True' });
    // The Gateway serves a 500 for the refused backend; the mesh forwards to it.
    const edge = result.ir.gateways.find((g) => g.name === 'other/edge')!;
    const edgeChain = edge.listeners[0]!.filterChains[0]!;
    if (edgeChain.type !== 'http') throw new Error('expected an HTTP chain');
    expect(edgeChain.routeConfig.virtualHosts[0]!.routes[0]!.action).toEqual({ kind: 'directResponse', status: 500 });
    const meshChain = result.ir.gateways.find((g) => g.proxyGroup === 'mesh/other')!.listeners.find((l) => l.port === 80)!.filterChains[0]!;
    if (meshChain.type !== 'http') throw new Error('expected an HTTP chain');
    const vhost = meshChain.routeConfig.virtualHosts.find((v) => v.name.endsWith('/mesh/echo-v2'))!;
    expect(vhost.routes[0]!.action).toMatchObject({ kind: 'forward', backends: [{ cluster: 'mesh/echo-v2/80' }] });
  });
});
