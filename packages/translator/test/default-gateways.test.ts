import { describe, expect, it } from 'vitest';
import { ResourceSet, type Condition, type RouteParentStatus } from '@portico/api';
import { translate } from '../src/index.js';

// GEP-3793 default Gateways: what the golden file does not show.
const CONTROLLER = 'example.com/ctrl';
const GW = 'gateway.networking.k8s.io/v1';

function gateway(name: string, defaultScope?: unknown): Record<string, unknown> {
  return {
    apiVersion: GW,
    kind: 'Gateway',
    metadata: { name, namespace: 'ns' },
    spec: { gatewayClassName: 'portico', ...(defaultScope !== undefined ? { defaultScope } : {}), listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
  };
}

function route(name: string, useDefaultGateways: unknown): Record<string, unknown> {
  return { apiVersion: GW, kind: 'HTTPRoute', metadata: { name, namespace: 'ns' }, spec: { useDefaultGateways, rules: [{}] } };
}

function run(objects: Array<Record<string, unknown>>) {
  const classes = [{ apiVersion: GW, kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: CONTROLLER } }];
  const result = translate(ResourceSet.from([...classes, ...objects] as Array<{ kind: string }>), { controllerName: CONTROLLER });
  const gatewayConditions = (name: string) =>
    (result.statuses.find((s) => s.kind === 'Gateway' && s.name === name)?.status as { conditions: Condition[] }).conditions;
  const routeParents = (name: string) =>
    (result.statuses.find((s) => s.kind === 'HTTPRoute' && s.name === name)?.status as { parents: RouteParentStatus[] } | undefined)?.parents ?? [];
  return { gatewayConditions, routeParents };
}

describe('default Gateways (GEP-3793)', () => {
  it('an unsupported defaultScope is reported and makes no default Gateway', () => {
    const { gatewayConditions, routeParents } = run([gateway('odd', 'Cluster'), route('r', 'Cluster')]);
    expect(gatewayConditions('odd').find((c) => c.type === 'DefaultGateway')).toMatchObject({
      status: 'False',
      reason: 'UnsupportedValue',
      message: 'Gateway ns/odd spec.defaultScope: "Cluster" is not a supported scope (All, None); the Gateway is not a default Gateway',
    });
    expect(routeParents('r')).toEqual([]);
  });

  it('without any default Gateway useDefaultGateways is ignored', () => {
    const { gatewayConditions, routeParents } = run([gateway('plain'), gateway('none', 'None'), route('r', 'All')]);
    expect(gatewayConditions('plain').map((c) => c.type)).not.toContain('DefaultGateway');
    expect(gatewayConditions('none').map((c) => c.type)).not.toContain('DefaultGateway');
    expect(routeParents('r')).toEqual([]);
  });

  it('a route attaches to a default Gateway once, named in status with its namespace', () => {
    const { routeParents } = run([gateway('main', 'All'), route('r', 'All'), route('typo', 7)]);
    expect(routeParents('r').map((p) => p.parentRef)).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'ns', name: 'main' },
    ]);
    expect(routeParents('r')[0]?.conditions.find((c) => c.type === 'Accepted')?.status).toBe('True');
    expect(routeParents('typo')).toEqual([]);
  });
});
