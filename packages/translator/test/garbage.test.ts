import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ResourceSet } from '@portico/api';
import { ignoredFields, ignoredFieldWarnings, translate } from '../src/index.js';
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
        // Saying what sanitizing drops never throws either, and names a field the object has.
        for (const object of objects) for (const ignored of ignoredFields(object)) expect(valueAt(object, ignored.field), ignored.field).not.toBeUndefined();
      }),
      fuzzParameters(400, 11),
    );
  });
});

/** The value at a path as ignoredFields writes it (`spec.ports[0].port`), or undefined. */
function valueAt(object: unknown, path: string): unknown {
  let value = object;
  for (const [, name, index, quoted] of path.matchAll(/([^.[\]"]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g)) {
    if (typeof value !== 'object' || value === null) return undefined;
    const key = index !== undefined ? Number(index) : quoted !== undefined ? (JSON.parse(quoted) as string) : (name as string);
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

describe('what sanitizing drops, said', () => {
  it('names each wrong-typed field and nameless entry with its path and the type it wanted', () => {
    const service = {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' },
      spec: { ports: [{ name: 'http', port: '80' }, 'https', { port: 443, appProtocol: null }], selector: { app: 'web' } },
    };
    expect(ignoredFields(service)).toEqual([
      { field: 'spec.ports[0].port', message: 'expected a number, got a string ("80"); the field is ignored' },
      { field: 'spec.ports[1]', message: 'expected a mapping, got a string ("https"); the entry is ignored' },
    ]);
    const route = {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r', namespace: 'default' },
      spec: { parentRefs: [{ sectionName: 'http' }], hostnames: ['a.example.com', 7], rules: [{ matches: [{ headers: [{ name: 'x', value: true }] }] }] },
    };
    expect(ignoredFields(route)).toEqual([
      { field: 'spec.parentRefs[0]', message: 'an entry needs name (string); the entry is ignored' },
      { field: 'spec.hostnames[1]', message: 'expected a string, got a number (7); the entry is ignored' },
      { field: 'spec.rules[0].matches[0].headers[0].value', message: 'expected a string, got a boolean (true); the field is ignored' },
    ]);
    // As loaded manifests: the document and object are named, well-typed objects say nothing.
    const wellTyped = { ...service, spec: { ports: [{ port: 80 }] } };
    expect(ignoredFieldWarnings({ objects: [route, wellTyped, service], documents: [0, 1, 4] }, 'app.yaml')).toEqual([
      expect.objectContaining({ source: 'app.yaml', document: 0, object: 'HTTPRoute default/r', field: 'spec.parentRefs[0]' }),
      expect.objectContaining({ document: 0, field: 'spec.hostnames[1]' }),
      expect.objectContaining({ document: 0, field: 'spec.rules[0].matches[0].headers[0].value' }),
      expect.objectContaining({ source: 'app.yaml', document: 4, object: 'Service default/web', field: 'spec.ports[0].port' }),
      expect.objectContaining({ document: 4, field: 'spec.ports[1]' }),
    ]);
  });
});
