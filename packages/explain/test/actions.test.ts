import { describe, expect, it } from 'vitest';
import { applyUpstreamResponse, explainRequest } from '../src/index.js';
import { simple, toCluster, vhost } from './fixtures.js';

const at = (path = '/', extra: Record<string, unknown> = {}) => ({ authority: 'www.example.com', port: 8080, path, ...extra });
const hv = (key: string, value: string, append_action?: string) => ({ header: { key, value }, ...(append_action ? { append_action } : {}) });

describe('weighted clusters (route_components.proto WeightedCluster)', () => {
  const res = simple([vhost('vh', ['*'], [{ match: { prefix: '/' }, route: { weighted_clusters: { clusters: [{ name: 'a', weight: 70 }, { name: 'b', weight: 30 }, { name: 'c', weight: 0 }] } } }])]);
  it('WeightedCluster.clusters: each cluster gets weight / sum of weights; weight 0 is never picked', () => {
    const t = explainRequest(res, at());
    expect(t.clusters.map((c) => [c.name, c.weight, c.share])).toEqual([['a', 70, 0.7], ['b', 30, 0.3], ['c', 0, 0]]);
    expect(t.selectedCluster).toBe('a');
    expect(t.selection).toBe('highest_weight');
  });
  it('request.cluster picks which split is evaluated', () => {
    const t = explainRequest(res, at('/', { cluster: 'b' }));
    expect(t.selectedCluster).toBe('b');
    expect(t.upstreamRequest?.cluster).toBe('b');
  });
  it('a request.cluster the request cannot go to is said, and the highest weight shown', () => {
    const t = explainRequest(res, at('/', { cluster: 'typo' }));
    expect(t.selectedCluster).toBe('a');
    expect(t.steps.find((s) => s.stage === 'cluster' && s.name === 'typo')?.summary).toBe('--cluster typo is not one this request can go to (a, b, c); shown: a');
    expect(explainRequest(res, at('/', { cluster: 'b' })).steps.some((s) => s.name === 'b' && s.result === 'info' && s.summary.includes('not one'))).toBe(false);
  });
  it('cluster source metadata and endpoints are reported', () => {
    const t = explainRequest(res, at());
    expect(t.clusters[1].source).toEqual({ kind: 'Service', namespace: 'default', name: 'b', port: 8080 });
    expect(t.clusters[1].endpoints.map((e) => e.address)).toEqual(['10.0.0.2', '10.0.0.3']);
  });
  it('per-cluster request_headers_to_add apply only to that cluster, before the route levels', () => {
    const r = simple([vhost('vh', ['*'], [{
      match: { prefix: '/' },
      request_headers_to_add: [hv('x-level', 'route', 'OVERWRITE_IF_EXISTS_OR_ADD')],
      route: { weighted_clusters: { clusters: [{ name: 'a', weight: 1, request_headers_to_add: [hv('x-level', 'cluster', 'OVERWRITE_IF_EXISTS_OR_ADD'), hv('x-only-a', '1')] }, { name: 'b', weight: 1 }] } },
    }])]);
    const t = explainRequest(r, at());
    expect(t.clusters[0].request?.headers['x-level']).toEqual(['route']);
    expect(t.clusters[0].request?.headers['x-only-a']).toEqual(['1']);
    expect(t.clusters[1].request?.headers['x-only-a']).toBeUndefined();
  });
});

describe('missing clusters and endpoints', () => {
  it('RouteAction.cluster_not_found_response_code: default 503 when the cluster is not served', () => {
    const t = explainRequest(simple([vhost('vh', ['*'], [toCluster('missing')])]), at());
    expect(t.outcome).toBe('local_reply');
    expect(t.response?.status).toBe(503);
    expect(t.clusters[0].exists).toBe(false);
  });
  it('RouteAction.cluster_not_found_response_code NOT_FOUND → 404', () => {
    const t = explainRequest(simple([vhost('vh', ['*'], [toCluster('missing', { cluster_not_found_response_code: 'NOT_FOUND' })])]), at());
    expect(t.response?.status).toBe(404);
  });
  it('an EDS cluster whose ClusterLoadAssignment is not served has no hosts: 503 no healthy upstream', () => {
    const r = simple([vhost('vh', ['*'], [toCluster('a')])]);
    r.endpoints = [];
    const t = explainRequest(r, at());
    expect(t.response?.status).toBe(503);
    expect(t.response?.reason).toContain('no healthy upstream');
  });
});

describe('redirects (route_components.proto RedirectAction, http/utility.cc newUri)', () => {
  const redirect = (r: Record<string, unknown>, match: Record<string, unknown> = { prefix: '/' }) => simple([vhost('vh', ['*'], [{ match, redirect: r }])]);
  it('RedirectAction.https_redirect: scheme https, default port of the old scheme dropped', () => {
    const t = explainRequest(redirect({ https_redirect: true }), { authority: 'www.example.com:80', port: 8080, path: '/a?b=1' });
    expect(t.response?.location).toBe('https://www.example.com/a?b=1');
    expect(t.response?.status).toBe(301);
  });
  it('RedirectAction.scheme_redirect keeps a non-default port', () => {
    const t = explainRequest(redirect({ scheme_redirect: 'https' }), { authority: 'www.example.com:8080', port: 8080, path: '/' });
    expect(t.response?.location).toBe('https://www.example.com:8080/');
  });
  it('RedirectAction.port_redirect replaces the request port', () => {
    const t = explainRequest(redirect({ port_redirect: 8443 }), { authority: 'www.example.com:8080', port: 8080, path: '/p' });
    expect(t.response?.location).toBe('http://www.example.com:8443/p');
  });
  it('RedirectAction.host_redirect with response_code FOUND → 302', () => {
    const t = explainRequest(redirect({ host_redirect: 'example.org', response_code: 'FOUND' }), at('/p'));
    expect(t.response?.location).toBe('http://example.org/p');
    expect(t.response?.status).toBe(302);
  });
  it('RedirectAction.response_code: SEE_OTHER 303, TEMPORARY_REDIRECT 307, PERMANENT_REDIRECT 308', () => {
    expect(explainRequest(redirect({ response_code: 'SEE_OTHER' }), at()).response?.status).toBe(303);
    expect(explainRequest(redirect({ response_code: 'TEMPORARY_REDIRECT' }), at()).response?.status).toBe(307);
    expect(explainRequest(redirect({ response_code: 'PERMANENT_REDIRECT' }), at()).response?.status).toBe(308);
  });
  it('RedirectAction.path_redirect keeps the request query unless it has its own', () => {
    expect(explainRequest(redirect({ path_redirect: '/new' }), at('/old?x=1')).response?.location).toBe('http://www.example.com/new?x=1');
    expect(explainRequest(redirect({ path_redirect: '/new?y=2' }), at('/old?x=1')).response?.location).toBe('http://www.example.com/new?y=2');
  });
  it('RedirectAction.strip_query removes the query', () => {
    expect(explainRequest(redirect({ path_redirect: '/new', strip_query: true }), at('/old?x=1')).response?.location).toBe('http://www.example.com/new');
  });
  it('RedirectAction.prefix_rewrite replaces the matched prefix', () => {
    const t = explainRequest(redirect({ prefix_rewrite: '/v2' }, { prefix: '/v1' }), at('/v1/items?q'));
    expect(t.response?.location).toBe('http://www.example.com/v2/items?q');
  });
  it('RedirectAction.regex_rewrite substitutes over the path, query kept', () => {
    const t = explainRequest(redirect({ regex_rewrite: { pattern: { regex: '^/old/(.*)$' }, substitution: '/new/\\1' } }), at('/old/a/b?z=1'));
    expect(t.response?.location).toBe('http://www.example.com/new/a/b?z=1');
  });
  it('response_headers_to_add apply to redirects', () => {
    const r = simple([vhost('vh', ['*'], [{ match: { prefix: '/' }, redirect: { https_redirect: true }, response_headers_to_add: [hv('x-r', '1')] }])]);
    expect(explainRequest(r, at()).response?.headers['x-r']).toEqual(['1']);
  });
});

describe('direct responses (route_components.proto DirectResponseAction)', () => {
  it('DirectResponseAction.status and body.inline_string', () => {
    const r = simple([vhost('vh', ['*'], [{ match: { prefix: '/' }, direct_response: { status: 500, body: { inline_string: 'oops' } } }])]);
    const t = explainRequest(r, at());
    expect(t.outcome).toBe('direct_response');
    expect(t.response).toMatchObject({ from: 'envoy', status: 500, body: 'oops' });
    expect(t.response?.headers['content-type']).toEqual(['text/plain']);
  });
  it('421 direct response is reported as misdirected', () => {
    const r = simple([vhost('vh', ['*'], [{ match: { prefix: '/' }, direct_response: { status: 421 } }])]);
    const t = explainRequest(r, at());
    expect(t.summary).toContain('421 Misdirected');
  });
});

describe('rewrites (route_components.proto RouteAction)', () => {
  it('RouteAction.prefix_rewrite replaces the matched prefix; x-envoy-original-path is added', () => {
    const r = simple([vhost('vh', ['*'], [toCluster('a', { prefix_rewrite: '/' }, { prefix: '/api/' })])]);
    const t = explainRequest(r, at('/api/users?id=1'));
    expect(t.upstreamRequest?.path).toBe('/users?id=1');
    expect(t.upstreamRequest?.headers['x-envoy-original-path']).toEqual(['/api/users?id=1']);
  });
  it('Router.suppress_envoy_headers: no x-envoy-original-path nor x-envoy-expected-rq-timeout-ms', () => {
    const router = { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router', suppress_envoy_headers: true } };
    const r = simple([vhost('vh', ['*'], [toCluster('a', { prefix_rewrite: '/' }, { prefix: '/api/' })])], { httpFilters: [router] });
    const t = explainRequest(r, at('/api/users'));
    expect(t.upstreamRequest?.headers['x-envoy-original-path']).toBeUndefined();
    expect(t.upstreamRequest?.headers['x-envoy-expected-rq-timeout-ms']).toBeUndefined();
  });
  it('RouteAction.regex_rewrite replaces every match, preserving the query', () => {
    const r = simple([vhost('vh', ['*'], [toCluster('a', { regex_rewrite: { pattern: { regex: 'o' }, substitution: '0' } })])]);
    expect(explainRequest(r, at('/foo/boo?o=o')).upstreamRequest?.path).toBe('/f00/b00?o=o');
  });
  it('RouteAction.regex_rewrite with a full-path capture (Gateway API ReplacePrefixMatch shape)', () => {
    const r = simple([vhost('vh', ['*'], [toCluster('a', { regex_rewrite: { pattern: { regex: '^/prefix(/.*)?$' }, substitution: '/one\\1' } }, { path_separated_prefix: '/prefix' })])]);
    expect(explainRequest(r, at('/prefix/x')).upstreamRequest?.path).toBe('/one/x');
  });
  it('RouteAction.host_rewrite_literal sets :authority', () => {
    const r = simple([vhost('vh', ['*'], [toCluster('a', { host_rewrite_literal: 'internal.svc' })])]);
    expect(explainRequest(r, at()).upstreamRequest?.authority).toBe('internal.svc');
  });
  it('RouteAction.timeout default is 15s and x-envoy-expected-rq-timeout-ms carries it', () => {
    const r = simple([vhost('vh', ['*'], [toCluster('a')])]);
    const t = explainRequest(r, at());
    expect(t.timeout?.route).toBe('15s');
    expect(t.upstreamRequest?.headers['x-envoy-expected-rq-timeout-ms']).toEqual(['15000']);
  });
});

describe('header mutations (route_components.proto request_headers_to_add, header_parser.cc)', () => {
  const mk = (routeExtra: Record<string, unknown>, vhExtra: Record<string, unknown> = {}, rcExtra: Record<string, unknown> = {}) =>
    simple([vhost('vh', ['*'], [{ match: { prefix: '/' }, route: { cluster: 'a' }, ...routeExtra }], vhExtra)], { rcExtra });

  it('HeaderValueOption.append_action default APPEND_IF_EXISTS_OR_ADD appends a value', () => {
    const t = explainRequest(mk({ request_headers_to_add: [hv('x-a', 'two')] }), at('/', { headers: { 'x-a': 'one' } }));
    expect(t.upstreamRequest?.headers['x-a']).toEqual(['one', 'two']);
  });
  it('OVERWRITE_IF_EXISTS_OR_ADD replaces, ADD_IF_ABSENT keeps, OVERWRITE_IF_EXISTS skips absent', () => {
    const t = explainRequest(mk({ request_headers_to_add: [hv('x-a', 'new', 'OVERWRITE_IF_EXISTS_OR_ADD'), hv('x-b', 'new', 'ADD_IF_ABSENT'), hv('x-c', 'new', 'OVERWRITE_IF_EXISTS')] }), at('/', { headers: { 'x-a': 'old', 'x-b': 'old' } }));
    expect(t.upstreamRequest?.headers['x-a']).toEqual(['new']);
    expect(t.upstreamRequest?.headers['x-b']).toEqual(['old']);
    expect(t.upstreamRequest?.headers['x-c']).toBeUndefined();
  });
  it('HeaderValueOption.append=false (deprecated) means OVERWRITE_IF_EXISTS_OR_ADD', () => {
    const t = explainRequest(mk({ request_headers_to_add: [{ header: { key: 'x-a', value: 'new' }, append: false }] }), at('/', { headers: { 'x-a': 'old' } }));
    expect(t.upstreamRequest?.headers['x-a']).toEqual(['new']);
  });
  it('request_headers_to_remove is applied before additions of the same level', () => {
    const t = explainRequest(mk({ request_headers_to_remove: ['x-a'], request_headers_to_add: [hv('x-a', 'added')] }), at('/', { headers: { 'x-a': 'old' } }));
    expect(t.upstreamRequest?.headers['x-a']).toEqual(['added']);
  });
  it('most_specific_header_mutations_wins=false (default): route, then virtual host, then route configuration; least specific wins', () => {
    const t = explainRequest(mk({ request_headers_to_add: [hv('x-l', 'route', 'OVERWRITE_IF_EXISTS_OR_ADD')] }, { request_headers_to_add: [hv('x-l', 'vhost', 'OVERWRITE_IF_EXISTS_OR_ADD')] }, { request_headers_to_add: [hv('x-l', 'global', 'OVERWRITE_IF_EXISTS_OR_ADD')] }), at());
    expect(t.upstreamRequest?.headers['x-l']).toEqual(['global']);
  });
  it('most_specific_header_mutations_wins=true: the route level is applied last and wins', () => {
    const t = explainRequest(mk({ request_headers_to_add: [hv('x-l', 'route', 'OVERWRITE_IF_EXISTS_OR_ADD')] }, { request_headers_to_add: [hv('x-l', 'vhost', 'OVERWRITE_IF_EXISTS_OR_ADD')] }, { most_specific_header_mutations_wins: true }), at());
    expect(t.upstreamRequest?.headers['x-l']).toEqual(['route']);
  });
  it('response_headers_to_add/remove are applied to the upstream response', () => {
    const t = explainRequest(mk({ response_headers_to_add: [hv('x-resp', 'r', 'OVERWRITE_IF_EXISTS_OR_ADD')], response_headers_to_remove: ['x-secret'] }), at());
    expect(t.response?.from).toBe('upstream');
    const out = applyUpstreamResponse(t, { status: 200, headers: { 'x-secret': 's', 'x-resp': 'old', 'content-type': 'text/plain' } });
    expect(out.headers['x-secret']).toBeUndefined();
    expect(out.headers['x-resp']).toEqual(['r']);
    expect(out.headers['content-type']).toEqual(['text/plain']);
    expect(out.headers.server).toEqual(['envoy']);
  });
  it('Host and pseudo-headers cannot be mutated: the configuration is flagged', () => {
    const t = explainRequest(mk({ request_headers_to_add: [hv('host', 'x')] }), at());
    expect(t.unsupported.join(' ')).toContain('cannot be modified');
  });
  it('conn_manager_utility mutateRequestHeaders: x-forwarded-proto is added from the connection when absent', () => {
    const t = explainRequest(mk({}), at());
    expect(t.upstreamRequest?.headers['x-forwarded-proto']).toEqual(['http']);
    expect(t.upstreamRequest?.dynamicHeaders['x-request-id']).toBeDefined();
  });
  it('conn_manager_utility mutateRequestHeaders: a client x-forwarded-proto is kept unless use_remote_address with no trusted hops', () => {
    expect(explainRequest(mk({}), at('/', { headers: { 'x-forwarded-proto': 'https' } })).upstreamRequest?.headers['x-forwarded-proto']).toEqual(['https']);
    const edge = simple([vhost('vh', ['*'], [toCluster('a')])], { hcmExtra: { use_remote_address: true } });
    const t = explainRequest(edge, at('/', { headers: { 'x-forwarded-proto': 'https' }, sourceAddress: '192.0.2.7' }));
    expect(t.upstreamRequest?.headers['x-forwarded-proto']).toEqual(['http']);
    expect(t.upstreamRequest?.headers['x-forwarded-for']).toEqual(['192.0.2.7']);
  });
  it('cleanInternalHeaders: x-envoy-* control headers from an external client are removed', () => {
    const t = explainRequest(mk({}), at('/', { headers: { 'x-envoy-retry-on': '5xx', 'x-forwarded-client-cert': 'spoof' } }));
    expect(t.upstreamRequest?.headers['x-envoy-retry-on']).toBeUndefined();
    expect(t.upstreamRequest?.headers['x-forwarded-client-cert']).toBeUndefined();
  });
  it('route source metadata is surfaced', () => {
    const r = mk({ metadata: { filter_metadata: { portico: { kind: 'HTTPRoute', namespace: 'ns', name: 'r1', rule: 0, match: 0 } } } });
    const t = explainRequest(r, at());
    expect(t.route?.source).toMatchObject({ kind: 'HTTPRoute', name: 'r1' });
  });
});

describe('local replies', () => {
  it('router local reply (cluster not found) gets the route response_headers_to_add (filter_manager.cc, envoy#13204)', () => {
    const r = simple([vhost('vh', ['*'], [{ ...toCluster('missing'), response_headers_to_add: [hv('x-r', '1')] }])]);
    const t = explainRequest(r, at());
    expect(t.response?.status).toBe(503);
    expect(t.response?.headers['x-r']).toEqual(['1']);
    expect(t.response?.headers.server).toEqual(['envoy']);
  });
  it('a 404 for no route gets no route response_headers_to_add', () => {
    const r = simple([vhost('vh', ['*'], [{ ...toCluster('a'), match: { prefix: '/only' }, response_headers_to_add: [hv('x-r', '1')] }])]);
    const t = explainRequest(r, at());
    expect(t.response?.status).toBe(404);
    expect(t.response?.headers['x-r']).toBeUndefined();
  });
  it('HttpConnectionManager.server_header_transformation PASS_THROUGH adds no server header', () => {
    const r = simple([vhost('vh', ['*'], [{ match: { prefix: '/' }, direct_response: { status: 204 } }])], { hcmExtra: { server_header_transformation: 'PASS_THROUGH' } });
    expect(explainRequest(r, at()).response?.headers.server).toBeUndefined();
  });
});
