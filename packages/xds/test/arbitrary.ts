// Arbitrary IR within the IR contract, including hostile strings: one route
// configuration with up to six routes, served to Envoy and (sometimes) to proxyless gRPC.
import fc from 'fast-check';
import type { IR, IRBackend, IRCluster, IRHeaderMutation, IRRoute, IRRouteAction, IRRouteConfig, IRStringMatch } from '@portico/ir';

export const CLUSTERS = ['default/a/80', 'default/b/8080', 'other/c/443'];
const headerName = fc.oneof(fc.constantFrom('x-a', 'x-b', 'authorization', 'x-Mixed'), fc.string({ maxLength: 6 }));
const headerValue = fc.string({ maxLength: 8 });
const goDuration = fc.oneof(
  fc.constantFrom('0s', '1s', '500ms', '1h30m', '10s'),
  fc.integer({ min: 0, max: 99999 }).map((n) => `${n}ms`),
);
const pathValue = fc.oneof(fc.constantFrom('/', '/a', '/a/b', '/a/', '/x.y/z'), fc.string({ maxLength: 6 }).map((s) => `/${s}`));

const stringMatch: fc.Arbitrary<IRStringMatch> = fc.record(
  {
    type: fc.constantFrom('Exact', 'Prefix', 'Suffix', 'Contains', 'RegularExpression'),
    value: fc.string({ maxLength: 6 }),
    ignoreCase: fc.boolean(),
  },
  { requiredKeys: ['type', 'value'] },
);

const mutation: fc.Arbitrary<IRHeaderMutation> = fc.record({
  set: fc.array(fc.record({ name: headerName, value: headerValue }), { maxLength: 2 }),
  add: fc.array(fc.record({ name: headerName, value: headerValue }), { maxLength: 2 }),
  remove: fc.array(headerName, { maxLength: 2 }),
});

const backend: fc.Arbitrary<IRBackend> = fc.record(
  { cluster: fc.constantFrom(...CLUSTERS), weight: fc.integer({ min: 0, max: 1000 }), requestHeaders: mutation },
  { requiredKeys: ['cluster', 'weight'] },
);

const action: fc.Arbitrary<IRRouteAction> = fc.oneof(
  fc.record(
    {
      kind: fc.constant('forward' as const),
      backends: fc.array(backend, { minLength: 1, maxLength: 3 }),
      invalidWeight: fc.integer({ min: 0, max: 10 }),
      timeouts: fc.record({ request: goDuration, backendRequest: goDuration }, { requiredKeys: [] }),
      retry: fc.record(
        { codes: fc.array(fc.integer({ min: 500, max: 599 }), { maxLength: 3 }), attempts: fc.integer({ min: 0, max: 5 }), backoff: goDuration },
        { requiredKeys: ['codes', 'attempts'] },
      ),
      mirrors: fc.array(fc.record({ cluster: fc.constantFrom(...CLUSTERS), percent: fc.double({ min: 0, max: 100, noNaN: true }) }), { maxLength: 2 }),
      urlRewrite: fc.record(
        {
          hostname: fc.constantFrom('a.example.com', 'b'),
          path: fc.oneof(
            fc.record({ type: fc.constant('ReplaceFullPath' as const), value: pathValue }),
            fc.record({ type: fc.constant('ReplacePrefixMatch' as const), value: pathValue }),
          ),
        },
        { requiredKeys: [] },
      ),
      sessionPersistence: fc.record(
        { type: fc.constantFrom('Cookie' as const, 'Header' as const), name: fc.constantFrom('s', 'x-session'), absoluteTimeoutSeconds: fc.nat(100000) },
        { requiredKeys: ['type', 'name'] },
      ),
    },
    { requiredKeys: ['kind', 'backends'] },
  ),
  fc.record({
    kind: fc.constant('redirect' as const),
    redirect: fc.record(
      {
        scheme: fc.constantFrom('http', 'https'),
        hostname: fc.constantFrom('r.example.com'),
        port: fc.integer({ min: 1, max: 65535 }),
        path: fc.oneof(
          fc.record({ type: fc.constant('ReplaceFullPath' as const), value: pathValue }),
          fc.record({ type: fc.constant('ReplacePrefixMatch' as const), value: pathValue }),
        ),
        statusCode: fc.constantFrom(301 as const, 302 as const, 303 as const, 307 as const, 308 as const),
      },
      { requiredKeys: ['statusCode'] },
    ),
  }),
  fc.record({ kind: fc.constant('directResponse' as const), status: fc.constantFrom(200, 404, 500, 503) }),
);

const route = (index: number): fc.Arbitrary<IRRoute> =>
  fc.record(
    {
      name: fc.constant(`httproute/default/r/rule/${index}/match/0`),
      match: fc.record(
        {
          path: fc.oneof(
            fc.record({ type: fc.constant('Exact' as const), value: pathValue }),
            fc.record({ type: fc.constant('PathPrefix' as const), value: pathValue }),
            fc.record({ type: fc.constant('RegularExpression' as const), value: fc.constantFrom('^/a.*', '/[0-9]+') }),
          ),
          headers: fc.array(fc.record({ name: headerName, value: stringMatch, invert: fc.boolean() }, { requiredKeys: ['name'] }), { maxLength: 2 }),
          queryParams: fc.array(fc.record({ name: fc.string({ maxLength: 4 }), value: stringMatch }), { maxLength: 2 }),
          grpc: fc.boolean(),
        },
        { requiredKeys: ['path', 'headers', 'queryParams'] },
      ),
      requestHeaders: mutation,
      responseHeaders: mutation,
      cors: fc.record({
        allowOrigins: fc.array(fc.constantFrom('*', 'https://a.example.com', 'https://*.example.com'), { maxLength: 2 }),
        allowCredentials: fc.boolean(),
        allowMethods: fc.array(fc.constantFrom('GET', 'POST', '*'), { maxLength: 2 }),
        allowHeaders: fc.array(headerName, { maxLength: 2 }),
        exposeHeaders: fc.array(headerName, { maxLength: 2 }),
      }),
      externalAuth: fc.record(
        { protocol: fc.constantFrom('HTTP' as const, 'GRPC' as const), cluster: fc.constantFrom(...CLUSTERS), path: fc.constantFrom('/auth'), allowedHeaders: fc.array(headerName, { maxLength: 2 }) },
        { requiredKeys: ['protocol', 'cluster'] },
      ),
      action,
      source: fc.constant({ kind: 'HTTPRoute', namespace: 'default', name: 'r', path: `spec.rules[${index}].matches[0]` }),
    },
    { requiredKeys: ['name', 'match', 'action', 'source'] },
  );

/**
 * The IR of one Gateway `default/gw` with one HTTP listener on port 80 serving `routeConfig`; with
 * `proxyless` given, its api_listeners too (one for `routeConfig` when true).
 */
export function oneGatewayIR(routeConfig: IRRouteConfig, clusters: IRCluster[], proxyless?: boolean): IR {
  return {
    clusters,
    secrets: [],
    gateways: [
      {
        name: 'default/gw',
        namespace: 'default',
        proxyGroup: 'default/gw',
        listeners: [
          {
            name: 'default/gw/80',
            address: '0.0.0.0',
            port: 80,
            filterChains: [{ type: 'http' as const, name: 'default/gw/80/http', match: {}, routeConfig }],
          },
        ],
        ...(proxyless === undefined ? {} : { apiListeners: proxyless ? [{ name: 'example.com:80', routeConfig }] : [] }),
      },
    ],
  };
}

export const arbitraryIR: fc.Arbitrary<IR> = fc
  .tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), fc.boolean(), fc.boolean())
  .chain(([seeds, misdirected, proxyless]) =>
    fc.tuple(...seeds.map((_, i) => route(i))).map((routes) =>
      oneGatewayIR(
        {
          name: 'default/gw/80',
          detectMisdirected: misdirected,
          virtualHosts: [{ name: 'default/gw/80/example.com', domains: ['example.com'], routes }],
        },
        CLUSTERS.map((name) => ({
          name,
          discovery: 'eds' as const,
          protocol: 'http1' as const,
          endpoints: [{ address: '10.0.0.1', port: 80, ready: true }],
          source: { kind: 'Service', namespace: 'default', name: name.split('/')[1] },
        })),
        proxyless,
      ),
    ),
  );
