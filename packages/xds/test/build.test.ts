import { describe, expect, it } from 'vitest';
import type { IR } from '@portico/ir';
import { buildXds, encodedBytesOf, encodeResource } from '../src/index.js';
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
