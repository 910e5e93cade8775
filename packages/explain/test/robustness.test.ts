import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EnvoyResources } from '@portico/xds';
import { explainRequest, formatExplainTrace } from '../src/index.js';
import { CORS_FILTER, ROUTER, simple, toCluster, vhost } from './fixtures.js';
import { fuzzParameters } from '@portico/test-support';

const OUTCOMES = ['forwarded', 'redirect', 'direct_response', 'local_reply', 'tcp_proxy', 'udp_proxy', 'connection_rejected', 'unsupported'];

const requestArb = fc.record(
  {
    scheme: fc.constantFrom('http' as const, 'https' as const),
    method: fc.constantFrom('GET', 'POST', 'OPTIONS', 'CONNECT', 'get'),
    authority: fc.oneof(fc.string(), fc.constantFrom('www.example.com', 'a.b.example.com:8080', '[::1]:8080', 'x.test.')),
    port: fc.constantFrom(80, 443, 8080, 9000),
    path: fc.oneof(fc.string(), fc.constantFrom('/', '/api/x?y=1&y=2', '/a/../b', '?q', '/%zz?%zz=1')),
    // Any name a client sends, `__proto__` and `constructor` too.
    headers: fc.dictionary(fc.constantFrom('origin', 'x-env', 'content-type', 'cookie', 'access-control-request-method', 'x-forwarded-proto', 'host', '__proto__', 'constructor'), fc.string()),
    sni: fc.option(fc.string(), { nil: undefined }),
    transport: fc.constantFrom('tcp' as const, 'udp' as const),
  },
  { requiredKeys: [] },
);

describe('robustness (bad input never crashes)', () => {
  it('arbitrary requests against a valid configuration always give a trace with a known outcome', () => {
    const res = simple(
      [
        vhost('exact', ['www.example.com'], [toCluster('a', { prefix_rewrite: '/' }, { prefix: '/api' }), { match: { safe_regex: { regex: '/re/(a|b)+' } }, redirect: { https_redirect: true } }]),
        vhost('wild', ['*.example.com', 'x.*'], [toCluster('b', {}, { path_separated_prefix: '/p', headers: [{ name: 'x-env', safe_regex_match: { regex: '[' } }] }), toCluster('c')]),
        vhost('default', ['*'], [{ match: { prefix: '/' }, route: { weighted_clusters: { clusters: [{ name: 'a', weight: 1 }, { name: 'missing', weight: 1 }] }, regex_rewrite: { pattern: { regex: '(' }, substitution: 'x' } } }]),
      ],
      { httpFilters: [CORS_FILTER, ROUTER], hcmExtra: { normalize_path: true, merge_slashes: true } },
    );
    fc.assert(
      fc.property(requestArb, (request) => {
        const trace = explainRequest(res, request);
        expect(OUTCOMES).toContain(trace.outcome);
        expect(typeof formatExplainTrace(trace)).toBe('string');
        JSON.stringify(trace);
      }),
      fuzzParameters(300, 20261124),
    );
  });

  it('arbitrary (malformed) resource messages never make the evaluation throw', () => {
    const messageArb = fc.dictionary(
      fc.constantFrom('name', 'address', 'filter_chains', 'virtual_hosts', 'domains', 'routes', 'match', 'route', 'listener_filters', 'api_listener', 'type', 'load_assignment', 'filters', 'typed_config', 'default_filter_chain'),
      fc.anything({ maxDepth: 3 }),
    );
    fc.assert(
      fc.property(fc.array(messageArb, { maxLength: 3 }), fc.array(messageArb, { maxLength: 3 }), requestArb, (listeners, routes, request) => {
        const base = simple([vhost('vh', ['*'], [toCluster('a')])]);
        const res: EnvoyResources = {
          ...base,
          listeners: [...base.listeners, ...listeners.map((m, i) => ({ type: 'listener' as const, name: `l${i}`, message: m }))],
          routes: [...routes.map((m) => ({ type: 'route' as const, name: 'rc', message: m })), ...base.routes],
        };
        const trace = explainRequest(res, { ...request, port: 8080 });
        expect(OUTCOMES).toContain(trace.outcome);
        formatExplainTrace(trace);
      }),
      fuzzParameters(300, 20261124),
    );
  });
});
