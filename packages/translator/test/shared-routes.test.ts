import { describe, expect, it } from 'vitest';
import { ResourceSet } from '@portico/api';
import type { IR, IRRoute } from '@portico/ir';
import { translate } from '../src/index.js';

// A route attached to several listeners is handed to each as the same IRRoute objects when its
// action cannot differ between them, so buildXds builds and encodes it once.
const CONTROLLER = 'example.com/ctrl';
const GW = 'gateway.networking.k8s.io/v1';

function gateway(name: string, ports: number[]): Record<string, unknown> {
  return {
    apiVersion: GW,
    kind: 'Gateway',
    metadata: { name, namespace: 'ns' },
    spec: { gatewayClassName: 'portico', listeners: ports.map((port) => ({ name: `http-${port}`, port, protocol: 'HTTP' })) },
  };
}

function route(filters: unknown[] = []): Record<string, unknown> {
  return {
    apiVersion: GW,
    kind: 'HTTPRoute',
    metadata: { name: 'r', namespace: 'ns' },
    spec: {
      parentRefs: [{ name: 'one' }, { name: 'two' }],
      rules: [
        { matches: [{ path: { type: 'PathPrefix', value: '/a' } }, { path: { type: 'Exact', value: '/b' } }], filters, backendRefs: [{ name: 'svc', port: 80 }] },
      ],
    },
  };
}

const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc', namespace: 'ns' }, spec: { ports: [{ port: 80 }] } };

function routesByListener(objects: Array<Record<string, unknown>>): Map<string, IRRoute[]> {
  const classes = [{ apiVersion: GW, kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: CONTROLLER } }];
  const { ir } = translate(ResourceSet.from([...classes, service, ...objects] as Array<{ kind: string }>), { controllerName: CONTROLLER });
  return collect(ir);
}

function collect(ir: IR): Map<string, IRRoute[]> {
  const out = new Map<string, IRRoute[]>();
  for (const gateway of ir.gateways) {
    for (const listener of gateway.listeners) {
      for (const chain of listener.filterChains) {
        if (chain.type !== 'http') continue;
        out.set(listener.name, chain.routeConfig.virtualHosts.flatMap((host) => host.routes));
      }
    }
  }
  return out;
}

describe('IRRoute objects shared between listeners', () => {
  it('a route attached to two Gateways gives both the same IRRoute objects', () => {
    const routes = routesByListener([gateway('one', [80]), gateway('two', [80]), route()]);
    const one = routes.get('ns/one/80');
    const two = routes.get('ns/two/80');
    expect(one?.map((r) => r.name)).toEqual(['httproute/ns/r/rule/0/match/1', 'httproute/ns/r/rule/0/match/0']);
    expect(two).toHaveLength(2);
    two?.forEach((ir, index) => expect(ir).toBe(one?.[index]));
  });

  it('a redirect that takes the listener port gets one IRRoute per port, each with its own', () => {
    const redirect = [{ type: 'RequestRedirect', requestRedirect: { hostname: 'example.com' } }];
    const routes = routesByListener([gateway('one', [80, 8080]), gateway('two', [8080]), route(redirect)]);
    const portsOf = (listener: string) =>
      routes.get(listener)?.map((r) => (r.action.kind === 'redirect' ? r.action.redirect.port : undefined));
    // Port 80 for http is the scheme's default: left out of Location.
    expect(portsOf('ns/one/80')).toEqual([undefined, undefined]);
    expect(portsOf('ns/one/8080')).toEqual([8080, 8080]);
    expect(portsOf('ns/two/8080')).toEqual([8080, 8080]);
    expect(routes.get('ns/one/80')?.[0]).not.toBe(routes.get('ns/one/8080')?.[0]);
    // Same port and scheme: nothing of the listener differs in the action.
    expect(routes.get('ns/two/8080')?.[0]).toBe(routes.get('ns/one/8080')?.[0]);
  });
});
