import { describe, expect, it } from 'vitest';
import { applyUpstreamResponse, explainRequest } from '../src/index.js';
import { CORS_FILTER, ROUTER, simple, toCluster, vhost } from './fixtures.js';

const corsPolicy = (extra: Record<string, unknown> = {}) => ({
  '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy',
  allow_origin_string_match: [{ exact: 'https://app.example.com' }, { suffix: '.trusted.test' }],
  allow_methods: 'GET, POST',
  allow_headers: 'x-token',
  expose_headers: 'x-trace',
  max_age: '600',
  allow_credentials: true,
  ...extra,
});

function corsResources(policy: Record<string, unknown>, where: 'route' | 'vhost' = 'route', filters = [CORS_FILTER, ROUTER]) {
  const route = { ...toCluster('a', {}, { prefix: '/' }), ...(where === 'route' ? { typed_per_filter_config: { 'envoy.filters.http.cors': policy } } : {}) };
  return simple([vhost('vh', ['*'], [route], where === 'vhost' ? { typed_per_filter_config: { 'envoy.filters.http.cors': policy } } : {})], { httpFilters: filters });
}

const preflight = (origin: string, extra: Record<string, string> = {}) => ({
  method: 'OPTIONS', authority: 'api.test', port: 8080, path: '/x', headers: { origin, 'access-control-request-method': 'POST', ...extra },
});

describe('CORS filter (cors_filter.cc, cors.proto CorsPolicy)', () => {
  it('preflight: OPTIONS with Origin and Access-Control-Request-Method is answered 200 with the policy headers', () => {
    const t = explainRequest(corsResources(corsPolicy()), preflight('https://app.example.com'));
    expect(t.outcome).toBe('local_reply');
    expect(t.response?.status).toBe(200);
    expect(t.response?.headers).toMatchObject({
      'access-control-allow-origin': ['https://app.example.com'],
      'access-control-allow-credentials': ['true'],
      'access-control-allow-methods': ['GET, POST'],
      'access-control-allow-headers': ['x-token'],
      'access-control-max-age': ['600'],
      // The preflight answer passes through the cors filter's own encodeHeaders as well.
      'access-control-expose-headers': ['x-trace'],
    });
    expect(t.clusters).toEqual([]);
  });
  it('allow_origin_string_match: any matcher may allow the origin (suffix)', () => {
    expect(explainRequest(corsResources(corsPolicy()), preflight('https://x.trusted.test')).response?.headers['access-control-allow-origin']).toEqual(['https://x.trusted.test']);
  });
  it('isOriginAllowed: a matcher accepting the literal "*" allows every origin, and the origin is echoed', () => {
    const t = explainRequest(corsResources(corsPolicy({ allow_origin_string_match: [{ exact: '*' }] })), preflight('https://anything.test'));
    expect(t.response?.headers['access-control-allow-origin']).toEqual(['https://anything.test']);
  });
  it('forward_not_matching_preflights (default true): a preflight from a disallowed origin goes upstream', () => {
    const t = explainRequest(corsResources(corsPolicy()), preflight('https://evil.test'));
    expect(t.outcome).toBe('forwarded');
    expect(t.cors?.originAllowed).toBe(false);
  });
  it('forward_not_matching_preflights=false: a disallowed preflight gets 200 without Access-Control-Allow-Origin', () => {
    const t = explainRequest(corsResources(corsPolicy({ forward_not_matching_preflights: false })), preflight('https://evil.test'));
    expect(t.response?.status).toBe(200);
    expect(t.response?.headers['access-control-allow-origin']).toBeUndefined();
  });
  it('allow_methods "*" and allow_headers "*" echo the requested method and headers', () => {
    const t = explainRequest(corsResources(corsPolicy({ allow_methods: '*', allow_headers: '*' })), preflight('https://app.example.com', { 'access-control-request-headers': 'x-a, x-b' }));
    expect(t.response?.headers['access-control-allow-methods']).toEqual(['POST']);
    expect(t.response?.headers['access-control-allow-headers']).toEqual(['x-a, x-b']);
  });
  it('actual CORS request: forwarded, the response gets Access-Control-Allow-Origin, credentials and expose headers', () => {
    const t = explainRequest(corsResources(corsPolicy()), { method: 'GET', authority: 'api.test', port: 8080, headers: { origin: 'https://app.example.com' } });
    expect(t.outcome).toBe('forwarded');
    const out = applyUpstreamResponse(t, { status: 200, headers: { 'access-control-allow-origin': '*' } });
    expect(out.headers['access-control-allow-origin']).toEqual(['https://app.example.com']);
    expect(out.headers['access-control-allow-credentials']).toEqual(['true']);
    expect(out.headers['access-control-expose-headers']).toEqual(['x-trace']);
  });
  it('per-route policies: a virtual host policy applies when the route has none', () => {
    const t = explainRequest(corsResources(corsPolicy(), 'vhost'), preflight('https://app.example.com'));
    expect(t.response?.status).toBe(200);
  });
  it('legacy VirtualHost.cors is used only when no typed_per_filter_config policy exists', () => {
    const legacy = { allow_origin_string_match: [{ exact: 'https://legacy.test' }], allow_methods: 'PUT' };
    const r = simple([vhost('vh', ['*'], [toCluster('a')], { cors: legacy })], { httpFilters: [CORS_FILTER, ROUTER] });
    expect(explainRequest(r, preflight('https://legacy.test')).response?.headers['access-control-allow-methods']).toEqual(['PUT']);
  });
  it('without the cors HTTP filter, CORS policies have no effect', () => {
    const t = explainRequest(corsResources(corsPolicy(), 'route', [ROUTER]), preflight('https://app.example.com'));
    expect(t.outcome).toBe('forwarded');
  });
  it('filter_enabled 0%: the policy is not enforced', () => {
    const t = explainRequest(corsResources(corsPolicy({ filter_enabled: { default_value: { numerator: 0, denominator: 'HUNDRED' } } })), preflight('https://app.example.com'));
    expect(t.outcome).toBe('forwarded');
  });
});

describe('mirrors, retries, timeouts (route_components.proto RouteAction)', () => {
  it('RequestMirrorPolicy: cluster and runtime_fraction percentage; mirrored Host gets "-shadow" before the port', () => {
    const r = simple([vhost('vh', ['*'], [toCluster('a', { request_mirror_policies: [{ cluster: 'b' }, { cluster: 'c', runtime_fraction: { default_value: { numerator: 25, denominator: 'HUNDRED' } } }] })])]);
    const t = explainRequest(r, { authority: 'www.example.com:8080', port: 8080 });
    expect(t.mirrors.map((m) => [m.cluster, m.percent, m.authority])).toEqual([['b', 100, 'www.example.com-shadow:8080'], ['c', 25, 'www.example.com-shadow:8080']]);
    expect(t.mirrors[0].endpoints.length).toBe(2);
  });
  it('RequestMirrorPolicy.disable_shadow_host_suffix_append keeps the Host', () => {
    const r = simple([vhost('vh', ['*'], [toCluster('a', { request_mirror_policies: [{ cluster: 'b', disable_shadow_host_suffix_append: true }] })])]);
    expect(explainRequest(r, { authority: 'w.test', port: 8080 }).mirrors[0].authority).toBe('w.test');
  });
  it('RetryPolicy: num_retries defaults to 1; route policy overrides the virtual host one', () => {
    const r = simple([vhost('vh', ['*'], [toCluster('a', { retry_policy: { retry_on: '5xx,reset', per_try_timeout: '2s', retriable_status_codes: [503] } })], { retry_policy: { retry_on: 'connect-failure', num_retries: 5 } })]);
    const t = explainRequest(r, { authority: 'w.test', port: 8080 });
    expect(t.retry).toMatchObject({ retryOn: ['5xx', 'reset'], numRetries: 1, perTryTimeout: '2s', retriableStatusCodes: [503], from: 'route' });
    // The per-try timeout is shorter than the route timeout, so it is the expected timeout.
    expect(t.upstreamRequest?.headers['x-envoy-expected-rq-timeout-ms']).toEqual(['2000']);
  });
  it('VirtualHost.retry_policy applies when the route has none', () => {
    const r = simple([vhost('vh', ['*'], [toCluster('a')], { retry_policy: { retry_on: 'connect-failure', num_retries: 5 } })]);
    expect(explainRequest(r, { authority: 'w.test', port: 8080 }).retry).toMatchObject({ numRetries: 5, from: 'virtual_host' });
  });
  it('RouteAction.timeout given as {seconds, nanos}; 0 disables the timeout and its header', () => {
    const r = simple([vhost('vh', ['*'], [toCluster('a', { timeout: { seconds: 1, nanos: 500000000 } }, { prefix: '/slow' }), toCluster('a', { timeout: '0s' })])]);
    expect(explainRequest(r, { authority: 'w.test', port: 8080, path: '/slow' }).timeout?.route).toBe('1.5s');
    const t = explainRequest(r, { authority: 'w.test', port: 8080, path: '/' });
    expect(t.timeout?.route).toBe('0s');
    expect(t.upstreamRequest?.headers['x-envoy-expected-rq-timeout-ms']).toBeUndefined();
  });
  it('VirtualHost.require_tls ALL: a plaintext request is redirected to https with 301', () => {
    const r = simple([vhost('vh', ['*'], [toCluster('a')], { require_tls: 'ALL' })]);
    const t = explainRequest(r, { authority: 'w.test', port: 8080, path: '/p?q=1' });
    expect(t.response).toMatchObject({ status: 301, location: 'https://w.test/p?q=1' });
  });
});

describe('HTTP filters (http_connection_manager.proto HttpFilter)', () => {
  const extAuthz = { name: 'envoy.filters.http.ext_authz', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz', grpc_service: { envoy_grpc: { cluster_name: 'authz' } } } };
  it('ext_authz: the decision is reported as unknown, never guessed silently', () => {
    const t = explainRequest(simple([vhost('vh', ['*'], [toCluster('a')])], { httpFilters: [extAuthz, ROUTER] }), { authority: 'w.test', port: 8080 });
    expect(t.unknowns.join(' ')).toContain('authz');
    expect(t.steps.some((s) => s.stage === 'http_filter' && s.result === 'unknown')).toBe(true);
  });
  it('ExtAuthzPerRoute.disabled skips the check for the route', () => {
    const route = { ...toCluster('a'), typed_per_filter_config: { 'envoy.filters.http.ext_authz': { '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute', disabled: true } } };
    const t = explainRequest(simple([vhost('vh', ['*'], [route])], { httpFilters: [extAuthz, ROUTER] }), { authority: 'w.test', port: 8080 });
    expect(t.unknowns).toEqual([]);
  });
  it('HttpFilter.disabled: the filter runs only where a route enables it through typed_per_filter_config', () => {
    const disabledAuthz = { ...extAuthz, disabled: true };
    const t = explainRequest(simple([vhost('vh', ['*'], [toCluster('a')])], { httpFilters: [disabledAuthz, ROUTER] }), { authority: 'w.test', port: 8080 });
    expect(t.unknowns).toEqual([]);
    const enabled = { ...toCluster('a'), typed_per_filter_config: { 'envoy.filters.http.ext_authz': { '@type': 'type.googleapis.com/envoy.config.route.v3.FilterConfig', config: {} } } };
    const t2 = explainRequest(simple([vhost('vh', ['*'], [enabled])], { httpFilters: [disabledAuthz, ROUTER] }), { authority: 'w.test', port: 8080 });
    expect(t2.unknowns.length).toBe(1);
    expect(t2.unsupported).toEqual([]);
  });
  it('typed_per_filter_config: a FilterConfig without config is flagged, as Envoy refuses the route configuration for it', () => {
    const disabledAuthz = { ...extAuthz, disabled: true };
    const empty = { ...toCluster('a'), typed_per_filter_config: { 'envoy.filters.http.ext_authz': { '@type': 'type.googleapis.com/envoy.config.route.v3.FilterConfig' } } };
    const t = explainRequest(simple([vhost('vh', ['*'], [empty])], { httpFilters: [disabledAuthz, ROUTER] }), { authority: 'w.test', port: 8080 });
    expect(t.unsupported.join(' ')).toContain('a FilterConfig without config (Envoy refuses the route configuration)');
  });
  it('header_mutation filter: request mutations before routing to the upstream, response mutations on the way back', () => {
    const hm = { name: 'envoy.filters.http.header_mutation', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation', mutations: { request_mutations: [{ remove: 'x-drop' }, { append: { header: { key: 'x-added', value: 'yes' } } }], response_mutations: [{ append: { header: { key: 'x-resp', value: 'r' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' } }] } } };
    const t = explainRequest(simple([vhost('vh', ['*'], [toCluster('a')])], { httpFilters: [hm, ROUTER] }), { authority: 'w.test', port: 8080, headers: { 'x-drop': '1' } });
    expect(t.upstreamRequest?.headers['x-drop']).toBeUndefined();
    expect(t.upstreamRequest?.headers['x-added']).toEqual(['yes']);
    expect(applyUpstreamResponse(t, { status: 200 }).headers['x-resp']).toEqual(['r']);
  });
  it('an unknown HTTP filter is reported as not simulated', () => {
    const lua = { name: 'envoy.filters.http.lua', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua' } };
    const t = explainRequest(simple([vhost('vh', ['*'], [toCluster('a')])], { httpFilters: [lua, ROUTER] }), { authority: 'w.test', port: 8080 });
    expect(t.unsupported.join(' ')).toContain('envoy.filters.http.lua');
  });
});

describe('per-route filter configuration types and sessions', () => {
  it('cors typed_per_filter_config must be envoy.extensions.filters.http.cors.v3.CorsPolicy; another type is flagged as a rejected configuration', () => {
    const policy = { ...corsPolicy(), '@type': 'type.googleapis.com/envoy.config.route.v3.CorsPolicy' };
    const t = explainRequest(corsResources(policy), preflight('https://app.example.com'));
    expect(t.unsupported.join(' ')).toContain('requires envoy.extensions.filters.http.cors.v3.CorsPolicy');
  });
  it('StatefulSessionPerRoute: a cookie-based session present on the request is reported, not decoded', () => {
    const filter = { name: 'envoy.filters.http.stateful_session', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.stateful_session.v3.StatefulSession' } };
    const perRoute = {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.stateful_session.v3.StatefulSessionPerRoute',
      stateful_session: { session_state: { name: 'envoy.http.stateful_session.cookie', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.http.stateful_session.cookie.v3.CookieBasedSessionState', cookie: { name: 'sess' } } } },
    };
    const r = simple([vhost('vh', ['*'], [{ ...toCluster('a'), typed_per_filter_config: { 'envoy.filters.http.stateful_session': perRoute } }])], { httpFilters: [filter, ROUTER] });
    expect(explainRequest(r, { authority: 'w.test', port: 8080 }).unknowns).toEqual([]);
    const t = explainRequest(r, { authority: 'w.test', port: 8080, headers: { cookie: 'a=1; sess=abc' } });
    expect(t.unknowns.join(' ')).toContain('cookie sess');
  });
  it('DirectResponseAction with a 3xx status carries a Location built from the request (router.cc)', () => {
    const r = simple([vhost('vh', ['*'], [{ match: { prefix: '/' }, direct_response: { status: 302 } }])]);
    expect(explainRequest(r, { authority: 'w.test', port: 8080, path: '/a?b' }).response?.location).toBe('http://w.test/a?b');
  });
  it('HttpConnectionManager.normalize_path and merge_slashes apply before route matching', () => {
    const r = simple([vhost('vh', ['*'], [toCluster('a', {}, { path: '/a/c' }), toCluster('c')])], { hcmExtra: { normalize_path: true, merge_slashes: true } });
    const t = explainRequest(r, { authority: 'w.test', port: 8080, path: '/a/b/..//c' });
    expect(t.selectedCluster).toBe('a');
    expect(t.upstreamRequest?.path).toBe('/a/c');
  });
});

describe('api_listener (listener.proto Listener.api_listener)', () => {
  it('request.listener starts at a named api_listener and evaluates its HCM with the same route rules', () => {
    const r = simple([vhost('grpc', ['echo:50051'], [toCluster('a', {}, { prefix: '/echo.Echo/' })])]);
    r.listeners.push({ type: 'listener', name: 'echo:50051', message: { name: 'echo:50051', api_listener: { api_listener: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', stat_prefix: 'echo', rds: { route_config_name: 'rc' }, http_filters: [ROUTER] } } } });
    const t = explainRequest(r, { listener: 'echo:50051', method: 'POST', authority: 'echo:50051', path: '/echo.Echo/UnaryEcho', headers: { 'content-type': 'application/grpc' } });
    expect(t.outcome).toBe('forwarded');
    expect(t.selectedCluster).toBe('a');
    expect(explainRequest(r, { listener: 'missing:1', authority: 'x' }).outcome).toBe('connection_rejected');
  });
  it('api_listeners never accept socket connections', () => {
    const r = simple([vhost('grpc', ['*'], [toCluster('a')])]);
    r.listeners = [{ type: 'listener', name: 'echo:8080', message: { name: 'echo:8080', api_listener: { api_listener: {} } } }];
    expect(explainRequest(r, { authority: 'echo', port: 8080 }).outcome).toBe('connection_rejected');
  });
});
