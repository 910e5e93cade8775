import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ResourceSet } from '@portico/api';
import { fuzzParameters, selfSignedCertificate, tlsSecret } from '@portico/test-support';
import { translate } from '../src/index.js';
import { irProblems, statusIrProblems } from './wellformed.js';

// Arbitrary Gateways, HTTPRoutes, Services and EndpointSlices drawn from small name pools
// so references often (but not always) resolve. The translator must never throw and
// its output must always be well-formed.

const CONTROLLER = 'portico.dev/gateway-controller';
const namespaces = ['a', 'a', 'a', 'b'];
const gatewayNames = ['gw1', 'gw1', 'gw1', 'gw2'];
const serviceNames = ['svc1', 'svc2', 'missing'];
const hostnames = ['foo.example.com', '*.example.com', 'bar.org', '*.org', 'example.com'];

const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });
/** Mostly absent: for fields whose presence usually makes attachment fail. */
const rarely = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: arb, weight: 1 });

const listener = fc.record({
  name: fc.constantFrom('l1', 'l2', 'l3'),
  port: fc.constantFrom(80, 443, 8080),
  protocol: fc.constantFrom('HTTP', 'HTTP', 'HTTP', 'HTTPS', 'TCP', 'UDP', 'TLS', 'SCTP'),
  hostname: maybe(fc.constantFrom(...hostnames)),
  allowedRoutes: rarely(
    fc.record({
      namespaces: fc.record({ from: fc.constantFrom('All', 'All', 'Same', 'Selector', 'Bogus') }),
      kinds: rarely(fc.array(fc.record({ kind: fc.constantFrom('HTTPRoute', 'TCPRoute', 'Foo') }), { maxLength: 2 })),
    }),
  ),
  tls: maybe(fc.record({ certificateRefs: fc.array(fc.record({ name: fc.constantFrom('cert', 'cert', 'cert', 'nope') }), { minLength: 1, maxLength: 2 }) })),
});

const gateway = fc.record({
  namespace: fc.constantFrom(...namespaces),
  name: fc.constantFrom(...gatewayNames),
  listeners: fc.array(listener, { minLength: 1, maxLength: 4 }),
  addresses: maybe(fc.array(fc.record({ type: fc.constantFrom('IPAddress', 'Hostname', 'NamedAddress'), value: fc.constantFrom('10.0.0.1', 'not an ip', 'lb.example.com') }), { maxLength: 2 })),
});

const backendRef = fc.record({
  name: fc.constantFrom(...serviceNames),
  namespace: maybe(fc.constantFrom(...namespaces)),
  port: maybe(fc.constantFrom(80, 8080)),
  weight: maybe(fc.integer({ min: 0, max: 5 })),
  kind: rarely(fc.constantFrom('Service', 'Unknown')),
});

const filter = fc.oneof(
  fc.constant({ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x', value: 'y' }] } }),
  fc.record({ type: fc.constant('RequestRedirect'), requestRedirect: fc.record({ scheme: maybe(fc.constantFrom('http', 'https', 'ftp')), port: maybe(fc.constantFrom(80, 8443)), statusCode: maybe(fc.constantFrom(301, 302, 418)) }) }),
  fc.constant({ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/x' } } }),
  fc.record({ type: fc.constant('RequestMirror'), requestMirror: fc.record({ backendRef, percent: maybe(fc.integer({ min: 0, max: 100 })) }) }),
  fc.constant({ type: 'CORS', cors: { allowOrigins: ['*'] } }),
  fc.constant({ type: 'ExtensionRef', extensionRef: { group: 'example.com', kind: 'Thing', name: 't' } }),
  fc.constant({ type: 'Unknown' }),
);

const match = fc.record({
  path: maybe(fc.record({ type: fc.constantFrom('Exact', 'PathPrefix', 'PathPrefix', 'RegularExpression', 'Weird'), value: fc.constantFrom('/', '/foo', '/foo/bar', '/foo', '[', 'nope') })),
  headers: maybe(fc.array(fc.record({ name: fc.constantFrom('X-A', 'x-a', 'x-b'), value: fc.constantFrom('1', '2'), type: maybe(fc.constantFrom('Exact', 'RegularExpression')) }), { maxLength: 3 })),
  method: maybe(fc.constantFrom('GET', 'POST', 'BREW')),
});

const route = fc.record({
  namespace: fc.constantFrom(...namespaces),
  name: fc.constantFrom('r1', 'r2', 'r3'),
  creationTimestamp: maybe(fc.constantFrom('2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z')),
  parentRefs: fc.array(
    fc.record({
      name: fc.constantFrom(...gatewayNames),
      namespace: maybe(fc.constantFrom(...namespaces)),
      sectionName: rarely(fc.constantFrom('l1', 'l2', 'zz')),
      port: rarely(fc.constantFrom(80, 443, 9999)),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  hostnames: rarely(fc.array(fc.constantFrom(...hostnames), { maxLength: 3 })),
  rules: maybe(
    fc.array(
      fc.record({
        name: maybe(fc.constantFrom('one', 'two')),
        matches: maybe(fc.array(match, { maxLength: 3 })),
        filters: maybe(fc.array(filter, { maxLength: 2 })),
        backendRefs: maybe(fc.array(backendRef, { maxLength: 3 })),
        timeouts: maybe(fc.record({ request: maybe(fc.constantFrom('10s', '1m30s', 'bogus')), backendRequest: maybe(fc.constantFrom('5s', '0s')) })),
      }),
      { maxLength: 4 },
    ),
  ),
});

const service = fc.record({
  namespace: fc.constantFrom(...namespaces),
  name: fc.constantFrom('svc1', 'svc2'),
  type: fc.constantFrom('ClusterIP', 'ExternalName'),
  appProtocol: maybe(fc.constantFrom('kubernetes.io/h2c', 'kubernetes.io/ws', 'kubernetes.io/wss')),
  ready: fc.boolean(),
});

const scenario = fc.record({
  gateways: fc.array(gateway, { minLength: 1, maxLength: 3 }),
  routes: fc.array(route, { maxLength: 5 }),
  services: fc.array(service, { maxLength: 4 }),
  grant: fc.boolean(),
});

function strip<T extends object>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

// A key pair generated before the properties run (never checked in), as Secret `a/cert`.
let validCertificate: { kind: string } = { kind: 'Secret' };
beforeAll(async () => {
  validCertificate = tlsSecret(await selfSignedCertificate('cert.example.com', ['cert.example.com', '*.example.com']), 'cert', 'a');
});

type Scenario = typeof scenario extends fc.Arbitrary<infer U> ? U : never;

function build(s: Scenario): ResourceSet {
  const objects: Array<{ kind: string }> = [
    { kind: 'GatewayClass', apiVersion: 'gateway.networking.k8s.io/v1', metadata: { name: 'portico', generation: 1 }, spec: { controllerName: CONTROLLER } } as { kind: string },
  ];
  for (const g of s.gateways) {
    objects.push(strip({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: g.name, namespace: g.namespace, generation: 2 }, spec: { gatewayClassName: 'portico', listeners: g.listeners, addresses: g.addresses } }));
  }
  for (const r of s.routes) {
    objects.push(strip({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: r.name, namespace: r.namespace, generation: 3, creationTimestamp: r.creationTimestamp }, spec: { parentRefs: r.parentRefs, hostnames: r.hostnames, rules: r.rules } }));
  }
  for (const svc of s.services) {
    objects.push(strip({ apiVersion: 'v1', kind: 'Service', metadata: { name: svc.name, namespace: svc.namespace }, spec: { type: svc.type, externalName: svc.type === 'ExternalName' ? 'backend.example.com' : undefined, ports: [{ name: 'http', port: 80, appProtocol: svc.appProtocol }, { port: 8080 }] } }));
    objects.push(strip({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: `${svc.name}-x`, namespace: svc.namespace, labels: { 'kubernetes.io/service-name': svc.name } }, addressType: 'IPv4', ports: [{ name: 'http', port: 9000 }], endpoints: [{ addresses: ['10.1.0.1'], conditions: { ready: svc.ready } }] }));
  }
  objects.push(validCertificate);
  objects.push({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name: 'nope', namespace: 'a' }, data: { 'tls.crt': 'bm90IGEgY2VydA==', 'tls.key': 'bm90IGEga2V5' } } as { kind: string });
  if (s.grant) {
    objects.push({ apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: { name: 'g', namespace: 'b' }, spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'a' }], to: [{ group: '', kind: 'Service' }] } } as { kind: string });
  }
  return ResourceSet.from(objects);
}

describe('translate on arbitrary input', () => {
  it('never throws and always produces well-formed output', () => {
    let withRoutes = 0;
    let withTls = 0;
    fc.assert(
      fc.property(scenario, (s) => {
        const result = translate(build(s), { controllerName: CONTROLLER });
        const chains = result.ir.gateways.flatMap((g) => g.listeners.flatMap((l) => l.filterChains));
        if (chains.some((c) => c.type === 'http' && c.routeConfig.virtualHosts.some((v) => v.routes.length > 0))) withRoutes++;
        if (chains.some((c) => c.type !== 'udp' && c.tls)) withTls++;
        expect(irProblems(result)).toEqual([]);
        expect(statusIrProblems(result, CONTROLLER)).toEqual([]);
        expect(JSON.stringify(translate(build(s), { controllerName: CONTROLLER }))).toBe(JSON.stringify(result));
      }),
      fuzzParameters(300, 42),
    );
    // The generator must actually reach the interesting paths, or the property says little.
    expect(withRoutes).toBeGreaterThan(20);
    expect(withTls).toBeGreaterThan(5);
  });
});
