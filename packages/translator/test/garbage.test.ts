import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ResourceSet } from '@portico/api';
import { translate } from '../src/index.js';
import { fuzzParameters } from '@portico/test-support';

// Input is untrusted: fields may be missing, null, or of the wrong type. Whatever the
// shape, translate must not throw (problems become status, never a crash).

const CONTROLLER = 'portico.dev/gateway-controller';

const junk = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.integer(),
  fc.string({ maxLength: 5 }),
  fc.boolean(),
  fc.constant([]),
  fc.constant({}),
  // A mapping whose toString is not a function (YAML or JSON can say so): String() throws on it.
  fc.constant({ toString: 'x' }),
  fc.array(fc.oneof(fc.constant(null), fc.string({ maxLength: 3 }), fc.integer(), fc.constant({}), fc.constant({ toString: 'x' })), { maxLength: 2 }),
);

/** A plausible object whose fields are randomly replaced by junk. */
function mangled<T extends Record<string, unknown>>(shape: T): fc.Arbitrary<T> {
  const keys = Object.keys(shape);
  return fc.record(Object.fromEntries(keys.map((key) => [key, fc.oneof({ arbitrary: fc.constant(shape[key]), weight: 3 }, { arbitrary: junk, weight: 1 })]))) as unknown as fc.Arbitrary<T>;
}

const listener = mangled({
  name: 'l',
  port: 80,
  protocol: 'HTTPS',
  hostname: 'a.example.com',
  tls: { certificateRefs: [{ name: 'cert' }], mode: 'Terminate' },
  allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { a: 'b' }, matchExpressions: [{ key: 'a', operator: 'In', values: ['b'] }] } }, kinds: [{ kind: 'HTTPRoute' }] },
});

const rule = mangled({
  name: 'r',
  matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [{ name: 'x', value: 'y' }], queryParams: [{ name: 'q', value: 'v' }], method: 'GET' }],
  filters: [
    { type: 'RequestRedirect', requestRedirect: { scheme: 'https', path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/x' } } },
    { type: 'RequestMirror', requestMirror: { backendRef: { name: 'svc', port: 80 }, fraction: { numerator: 1 } } },
    { type: 'CORS', cors: { allowOrigins: ['*'] } },
    { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'a', value: 'b' }], remove: ['c'] } },
  ],
  backendRefs: [{ name: 'svc', port: 80, weight: 1, filters: [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'a', value: 'b' }] } }] }],
  timeouts: { request: '1s' },
  retry: { codes: [500], attempts: 2, backoff: '1s' },
  sessionPersistence: { type: 'Cookie', absoluteTimeout: '1h' },
});

const scenario = fc.record({
  listeners: fc.array(listener, { maxLength: 3 }),
  gatewaySpec: mangled({ gatewayClassName: 'portico', addresses: [{ type: 'IPAddress', value: '10.0.0.1' }], tls: { frontend: { default: { validation: { caCertificateRefs: [{ name: 'ca' }] } } } } }),
  routeSpec: mangled({ parentRefs: [{ name: 'gw', sectionName: 'l', port: 80 }], hostnames: ['a.example.com'] }),
  rules: fc.array(rule, { maxLength: 3 }),
  serviceSpec: mangled({ type: 'ClusterIP', ports: [{ name: 'http', port: 80, appProtocol: 'kubernetes.io/h2c' }], externalName: 'x' }),
  slice: mangled({ addressType: 'IPv4', ports: [{ name: 'http', port: 8080 }], endpoints: [{ addresses: ['10.0.0.2'], conditions: { ready: true } }] }),
  secretData: mangled({ 'tls.crt': 'eA==', 'tls.key': 'eA==' }),
  grpcMethod: mangled({ type: 'Exact', service: 'a.B', method: 'C' }),
});

describe('translate on malformed input', () => {
  it('never throws', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const objects = [
          { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: CONTROLLER } },
          { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'ns' }, spec: { ...s.gatewaySpec, gatewayClassName: 'portico', listeners: s.listeners } },
          { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r', namespace: 'ns' }, spec: { ...s.routeSpec, rules: s.rules } },
          {
            apiVersion: 'gateway.networking.k8s.io/v1',
            kind: 'GRPCRoute',
            metadata: { name: 'g', namespace: 'ns' },
            spec: { ...s.routeSpec, rules: s.rules.map((r) => ({ ...r, matches: [{ method: s.grpcMethod, headers: r.matches }] })) },
          },
          { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc', namespace: 'ns' }, spec: s.serviceSpec },
          { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'svc-1', namespace: 'ns', labels: { 'kubernetes.io/service-name': 'svc' } }, ...s.slice },
          { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name: 'cert', namespace: 'ns' }, data: s.secretData },
          { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ca', namespace: 'ns' }, data: { 'ca.crt': 'x' } },
        ];
        const result = translate(ResourceSet.from(objects), { controllerName: CONTROLLER });
        expect(result.statuses.length).toBeGreaterThan(0);
      }),
      fuzzParameters(400, 11),
    );
  });
});
