import { describe, expect, it } from 'vitest';
import type { IR, IRRoute, IRVirtualHost } from '@portico/ir';
import { buildXds, createXdsBuildMemo, encodedBytesOf, encodeResource } from '../src/index.js';
import type { EnvoyMessage, EnvoyResources } from '../src/index.js';
import { loadIR, loadYaml } from './helpers.js';

/** proxy_groups.in.yaml with both Gateways routing to default/a/80. */
function sharedClusterIR(): IR {
  const ir = loadYaml<IR>('../golden/proxy_groups.in.yaml');
  const text = JSON.stringify({ ...ir, clusters: [] }).replaceAll('"cluster":"default/b/80"', '"cluster":"default/a/80"');
  return { ...(JSON.parse(text) as IR), clusters: ir.clusters.filter((c) => c.name === 'default/a/80') };
}

describe('buildXds rejection', () => {
  it('a listener Envoy would refuse is not served and is reported; the rest keeps serving', () => {
    const ir: IR = loadIR('rich.ir.yaml');
    const gateway = ir.gateways[0];
    const bad = gateway.listeners.find((l) => l.name === 'default/edge/5432');
    if (!bad) throw new Error('fixture changed');
    bad.port = 70000;
    const result = buildXds(ir);
    expect(result.rejected).toEqual([
      {
        type: 'listener',
        name: 'default/edge/5432',
        field: 'address.socket_address.port_value',
        message: expect.stringContaining('must be at most 65535'),
        proxyGroup: 'default/edge',
      },
    ]);
    const served = result.groups['default/edge'].listeners.map((l) => l.name);
    expect(served).toEqual(['default/edge/443', 'default/edge/53', 'default/edge/80', 'grpc.example.com:50051']);
  });

  it('a rejected cluster is not served, its endpoints are withdrawn, routes to it stay', () => {
    const ir: IR = loadIR('rich.ir.yaml');
    const web = ir.clusters.find((c) => c.name === 'default/web/80');
    if (!web) throw new Error('fixture changed');
    web.endpoints[0].port = -1;
    web.discovery = 'static';
    const result = buildXds(ir);
    expect(result.rejected.map((r) => [r.type, r.name])).toEqual([['cluster', 'default/web/80']]);
    expect(result.rejected[0].field).toMatch(/^load_assignment\.endpoints\[\d+\]\.lb_endpoints\[\d+\]\.endpoint\.address\.socket_address\.port_value$/);
    const group = result.groups['default/edge'];
    expect(group.clusters.map((c) => c.name)).not.toContain('default/web/80');
    expect(group.endpoints.map((c) => c.name)).not.toContain('default/web/80');
    expect(JSON.stringify(group.routes)).toContain('"default/web/80"');
  });

  it('is deterministic whatever the order of gateways', () => {
    const ir: IR = loadIR('../golden/proxy_groups.in.yaml');
    const reversed: IR = { ...ir, gateways: [...ir.gateways].reverse() };
    expect(JSON.stringify(buildXds(reversed))).toBe(JSON.stringify(buildXds(ir)));
    expect(Object.keys(buildXds(ir).groups)).toEqual(['team-a/gw', 'team-b/gw']);
  });
});

describe('buildXds across proxy groups', () => {
  it('builds, encodes and checks a cluster routed to by two Gateways once, and serves it to both', () => {
    const result = buildXds(sharedClusterIR());
    const [a, b] = ['team-a/gw', 'team-b/gw'].map((group) => result.groups[group]);
    const clusterOf = (group: typeof a) => group.clusters.find((c) => c.name === 'default/a/80');
    const endpointsOf = (group: typeof a) => group.endpoints.find((c) => c.name === 'default/a/80');
    expect(clusterOf(a)).toBeDefined();
    expect(clusterOf(b)).toBe(clusterOf(a));
    expect(endpointsOf(b)).toBe(endpointsOf(a));
    const shared = clusterOf(a);
    if (!shared) throw new Error('unreachable');
    expect(Buffer.from(encodedBytesOf(shared) ?? []).equals(encodeResource(shared))).toBe(true);
  });

  it('reports a refused shared cluster for each proxy group that would have served it', () => {
    const ir = sharedClusterIR();
    const cluster = ir.clusters.find((c) => c.name === 'default/a/80');
    if (!cluster) throw new Error('fixture changed');
    cluster.discovery = 'static';
    cluster.endpoints[0].port = -1;
    const result = buildXds(ir);
    expect(result.rejected.map((r) => [r.type, r.name, r.proxyGroup])).toEqual([
      ['cluster', 'default/a/80', 'team-a/gw'],
      ['cluster', 'default/a/80', 'team-b/gw'],
    ]);
    for (const group of Object.values(result.groups)) expect(group.clusters.map((c) => c.name)).not.toContain('default/a/80');
  });
});

/** The only virtual host of a proxy_groups.in.yaml Gateway. */
function hostOf(ir: IR, gateway: string): IRVirtualHost {
  const chain = ir.gateways.find((g) => g.name === gateway)?.listeners[0]?.filterChains[0];
  if (chain?.type !== 'http') throw new Error('fixture changed');
  return chain.routeConfig.virtualHosts[0] as IRVirtualHost;
}

/**
 * proxy_groups.in.yaml with both Gateways serving team-a's route as the same IRRoute object (as
 * the translator hands over a route attached to both), `change` applied to it.
 */
function sharedRouteIR(change: (route: IRRoute) => void = () => {}): IR {
  const ir = loadYaml<IR>('../golden/proxy_groups.in.yaml');
  const route = hostOf(ir, 'team-a/gw').routes[0] as IRRoute;
  change(route);
  hostOf(ir, 'team-b/gw').routes = [route, ...hostOf(ir, 'team-b/gw').routes];
  return ir;
}

function routesOf(group: EnvoyResources | undefined): EnvoyMessage[] {
  const hosts = (group?.routes[0]?.message.virtual_hosts ?? []) as EnvoyMessage[];
  return hosts.flatMap((host) => host.routes as EnvoyMessage[]);
}

describe('buildXds with a route two Gateways serve', () => {
  for (const memo of [false, true]) {
    it(`builds it once, adds its clusters to both groups and serves each the bytes Envoy's encoding gives${memo ? ' (with a memo)' : ''}`, () => {
      const ir = sharedRouteIR((route) => {
        if (route.action.kind === 'forward') route.action.mirrors = [{ cluster: 'default/b/80' }];
      });
      const result = buildXds(ir, undefined, memo ? createXdsBuildMemo() : undefined);
      expect(result.rejected).toEqual([]);
      const [a, b] = ['team-a/gw', 'team-b/gw'].map((group) => result.groups[group]);
      const [fromA] = routesOf(a);
      const [fromB] = routesOf(b);
      expect(fromA?.name).toBe('httproute/team-a/r/rule/0/match/0');
      expect(fromB).toBe(fromA);
      // team-b's own route goes to default/b/80: default/a/80 is served to it only for the shared route.
      expect(b?.clusters.map((c) => c.name)).toEqual(['default/a/80', 'default/b/80']);
      expect(a?.clusters.map((c) => c.name)).toEqual(['default/a/80', 'default/b/80']);
      for (const group of [a, b]) {
        const [routeConfiguration] = group?.routes ?? [];
        if (!routeConfiguration) throw new Error('no RouteConfiguration');
        expect(Buffer.from(encodedBytesOf(routeConfiguration) ?? []).equals(encodeResource(routeConfiguration))).toBe(true);
      }
    });
  }

  it('a shared route Envoy would refuse is replaced in each RouteConfiguration and reported for each', () => {
    const ir = sharedRouteIR((route) => {
      route.requestHeaders = { set: [{ name: 'bad header\r\nx', value: 'v' }], add: [], remove: [] };
    });
    const result = buildXds(ir);
    expect(result.rejected.map((r) => [r.proxyGroup, r.name, r.field])).toEqual([
      ['team-a/gw', 'team-a/gw/80', 'virtual_hosts[0].routes[0].request_headers_to_add[0].header.key'],
      ['team-b/gw', 'team-b/gw/8080', 'virtual_hosts[0].routes[0].request_headers_to_add[0].header.key'],
    ]);
    for (const group of ['team-a/gw', 'team-b/gw']) {
      const [replaced] = routesOf(result.groups[group]);
      expect(replaced).toMatchObject({ name: 'httproute/team-a/r/rule/0/match/0', direct_response: { status: 500 } });
    }
  });
});
