import { describe, expect, it } from 'vitest';
import { explainRequest } from '../src/index.js';
import { regexReplaceAll } from '../src/explain.js';
import { simple, toCluster, vhost } from './fixtures.js';

const get = (authority: string, path = '/', headers: Record<string, string> = {}) => ({ authority, path, port: 8080, headers });

describe('virtual host selection (route_components.proto VirtualHost.domains, config_impl.cc findVirtualHost)', () => {
  const res = simple([
    vhost('exact', ['www.example.com'], [toCluster('a')]),
    vhost('suffix-long', ['*.api.example.com'], [toCluster('b')]),
    vhost('suffix-short', ['*.example.com'], [toCluster('c')]),
    vhost('prefix', ['foo.*'], [toCluster('a')]),
    vhost('dash', ['*-bar.org'], [toCluster('a')]),
    vhost('with-port', ['ported.example.net:8080'], [toCluster('a')]),
    vhost('default', ['*'], [toCluster('c')]),
  ]);
  it('VirtualHost.domains: exact domain names are searched first', () => {
    expect(explainRequest(res, get('www.example.com')).route?.virtualHost).toBe('exact');
  });
  it('VirtualHost.domains: suffix wildcard longer match wins', () => {
    expect(explainRequest(res, get('v1.api.example.com')).route?.virtualHost).toBe('suffix-long');
    expect(explainRequest(res, get('other.example.com')).route?.virtualHost).toBe('suffix-short');
  });
  it('VirtualHost.domains: the wildcard will not match the empty string', () => {
    expect(explainRequest(res, get('-bar.org')).route?.virtualHost).toBe('default');
    expect(explainRequest(res, get('baz-bar.org')).route?.virtualHost).toBe('dash');
  });
  it('VirtualHost.domains: prefix wildcards come after suffix wildcards, then "*"', () => {
    expect(explainRequest(res, get('foo.example.com')).route?.virtualHost).toBe('suffix-short');
    expect(explainRequest(res, get('foo.test')).route?.virtualHost).toBe('prefix');
    expect(explainRequest(res, get('unrelated.test')).route?.virtualHost).toBe('default');
  });
  it('findVirtualHost: host matching is case-insensitive', () => {
    expect(explainRequest(res, get('WWW.Example.COM')).route?.virtualHost).toBe('exact');
  });
  it('findVirtualHost: the Host port takes part in matching unless stripped', () => {
    expect(explainRequest(res, get('ported.example.net:8080')).route?.virtualHost).toBe('with-port');
    // www.example.com:8080 is not the exact domain www.example.com; *.example.com does not match "...com:8080".
    expect(explainRequest(res, get('www.example.com:8080')).route?.virtualHost).toBe('default');
  });
  it('HttpConnectionManager.strip_matching_host_port: the port equal to the listener port is removed before matching', () => {
    const stripped = simple([vhost('exact', ['www.example.com'], [toCluster('a')]), vhost('default', ['*'], [toCluster('c')])], { hcmExtra: { strip_matching_host_port: true } });
    const t = explainRequest(stripped, get('www.example.com:8080'));
    expect(t.route?.virtualHost).toBe('exact');
    expect(t.upstreamRequest?.authority).toBe('www.example.com');
    expect(explainRequest(stripped, get('www.example.com:9999')).route?.virtualHost).toBe('default');
  });
  it('HttpConnectionManager.strip_any_host_port: any port is removed', () => {
    const stripped = simple([vhost('exact', ['www.example.com'], [toCluster('a')])], { hcmExtra: { strip_any_host_port: true } });
    expect(explainRequest(stripped, get('www.example.com:9999')).route?.virtualHost).toBe('exact');
  });
  it('RouteConfiguration.ignore_port_in_host_matching: the port is ignored for matching but the Host is kept', () => {
    const r = simple([vhost('exact', ['www.example.com'], [toCluster('a')])], { rcExtra: { ignore_port_in_host_matching: true } });
    const t = explainRequest(r, get('www.example.com:9999'));
    expect(t.route?.virtualHost).toBe('exact');
    expect(t.upstreamRequest?.authority).toBe('www.example.com:9999');
  });
  it('no virtual host matches: Envoy answers 404', () => {
    const r = simple([vhost('exact', ['www.example.com'], [toCluster('a')])]);
    const t = explainRequest(r, get('nope.test'));
    expect(t.outcome).toBe('local_reply');
    expect(t.response?.status).toBe(404);
  });
});

describe('route matching (route_components.proto RouteMatch)', () => {
  const res = simple([
    vhost('vh', ['*'], [
      toCluster('a', {}, { path: '/exact' }),
      toCluster('b', {}, { prefix: '/API', case_sensitive: false }),
      toCluster('c', {}, { path_separated_prefix: '/sep' }),
      toCluster('a', {}, { safe_regex: { regex: '/re/[0-9]+' } }),
      toCluster('b', {}, { prefix: '/h', headers: [{ name: 'x-env', string_match: { exact: 'canary' } }] }),
      toCluster('c', {}, { prefix: '/h', headers: [{ name: 'x-env', present_match: true, invert_match: true }] }),
      toCluster('a', {}, { prefix: '/q', query_parameters: [{ name: 'v', string_match: { exact: 'two' } }] }),
      toCluster('b', {}, { prefix: '/g', grpc: {} }),
      toCluster('c', {}, { prefix: '/' }),
    ]),
  ]);
  const cluster = (path: string, headers: Record<string, string> = {}) => explainRequest(res, get('x.test', path, headers)).selectedCluster;

  it('RouteMatch.path: exact path, query ignored', () => {
    expect(cluster('/exact?x=1')).toBe('a');
    expect(cluster('/exact/more')).toBe('c');
  });
  it('RouteMatch.case_sensitive=false: prefix compared case-insensitively', () => {
    expect(cluster('/api/v1')).toBe('b');
  });
  it('RouteMatch.path_separated_prefix: matches the prefix or prefix followed by "/" only', () => {
    expect(cluster('/sep')).toBe('c');
    expect(cluster('/sep/x')).toBe('c');
    const t = explainRequest(res, get('x.test', '/separate'));
    expect(t.route?.index).toBe(8);
  });
  it('RouteMatch.safe_regex: the regex must match the whole path (RE2 FullMatch)', () => {
    expect(explainRequest(res, get('x.test', '/re/123')).route?.index).toBe(3);
    expect(explainRequest(res, get('x.test', '/re/123/x')).route?.index).toBe(8);
  });
  it('safe_regex is RE2: its syntax, not JavaScript\'s', () => {
    const regexRes = simple([
      vhost('re2', ['*'], [
        toCluster('a', {}, { safe_regex: { regex: '(?i)/API/v[[:digit:]]+' } }),
        toCluster('b', {}, { safe_regex: { regex: '/lit/\\Qa.b\\E' } }),
        toCluster('c', {}, { safe_regex: { regex: '/named/(?P<id>[0-9]+)' } }),
      ]),
    ]);
    const index = (path: string) => explainRequest(regexRes, get('x.test', path)).route?.index;
    // (?i) and [[:digit:]]: inline flags and POSIX classes, which a JavaScript RegExp refuses or misreads.
    expect(index('/api/V2')).toBe(0);
    expect(index('/api/vx')).toBeUndefined();
    // \Q...\E quotes: the dot is a dot.
    expect(index('/lit/a.b')).toBe(1);
    expect(index('/lit/aXb')).toBeUndefined();
    expect(index('/named/42')).toBe(2);
  });
  it('HeaderMatcher.string_match and invert_match of present_match', () => {
    expect(explainRequest(res, get('x.test', '/h', { 'x-env': 'canary' })).route?.index).toBe(4);
    // absent header with present_match true inverted → matches (header_utility.cc matchHeaders)
    expect(explainRequest(res, get('x.test', '/h')).route?.index).toBe(5);
    expect(explainRequest(res, get('x.test', '/h', { 'x-env': 'prod' })).route?.index).toBe(8);
  });
  it('QueryParameterMatcher.string_match: the first value of a repeated parameter is compared', () => {
    expect(explainRequest(res, get('x.test', '/q?v=two')).route?.index).toBe(6);
    expect(explainRequest(res, get('x.test', '/q?v=one&v=two')).route?.index).toBe(8);
  });
  it('QueryParameterMatcher: names and values are compared as written, not decoded (parseQueryString)', () => {
    expect(explainRequest(res, get('x.test', '/q?v=%74wo')).route?.index).toBe(8);
    expect(explainRequest(res, get('x.test', '/q?%76=two')).route?.index).toBe(8);
  });
  it('RouteMatch.grpc: content-type must be application/grpc', () => {
    expect(explainRequest(res, get('x.test', '/g', { 'content-type': 'application/grpc+proto' })).route?.index).toBe(7);
    expect(explainRequest(res, get('x.test', '/g', { 'content-type': 'application/json' })).route?.index).toBe(8);
  });
  it('routes are evaluated in order and the first match wins; earlier misses are reported', () => {
    const t = explainRequest(res, get('x.test', '/other'));
    const step = t.steps.find((s) => s.stage === 'route');
    expect(step?.candidates?.length).toBe(9);
    expect(step?.candidates?.slice(0, 8).every((c) => !c.matched)).toBe(true);
    expect(step?.candidates?.[0].reason).toContain('is not exactly /exact');
  });
  it('no route matches: 404', () => {
    const r = simple([vhost('vh', ['*'], [toCluster('a', {}, { path: '/only' })])]);
    expect(explainRequest(r, get('x.test', '/else')).response?.status).toBe(404);
  });
});

describe('header matchers (header_utility.cc matchHeaders)', () => {
  const matchWith = (headers: Record<string, unknown>[], reqHeaders: Record<string, string | string[]>) => {
    const r = simple([vhost('vh', ['*'], [toCluster('a', {}, { prefix: '/', headers }), toCluster('c')])]);
    return explainRequest(r, { authority: 'x.test', port: 8080, headers: reqHeaders }).selectedCluster === 'a';
  };
  it('exact_match / prefix_match / suffix_match / contains_match (legacy fields)', () => {
    expect(matchWith([{ name: 'h', exact_match: 'v' }], { h: 'v' })).toBe(true);
    expect(matchWith([{ name: 'h', prefix_match: 'ab' }], { h: 'abc' })).toBe(true);
    expect(matchWith([{ name: 'h', suffix_match: 'bc' }], { h: 'abc' })).toBe(true);
    expect(matchWith([{ name: 'h', contains_match: 'x' }], { h: 'abc' })).toBe(false);
  });
  it('safe_regex_match is a full match', () => {
    expect(matchWith([{ name: 'h', safe_regex_match: { regex: 'v[0-9]' } }], { h: 'v1' })).toBe(true);
    expect(matchWith([{ name: 'h', safe_regex_match: { regex: 'v[0-9]' } }], { h: 'v12' })).toBe(false);
  });
  it('repeated header values are joined with "," before matching', () => {
    expect(matchWith([{ name: 'h', string_match: { exact: 'a,b' } }], { h: ['a', 'b'] })).toBe(true);
  });
  it('a missing header does not match an inverted value matcher', () => {
    expect(matchWith([{ name: 'h', string_match: { exact: 'x' }, invert_match: true }], {})).toBe(false);
    expect(matchWith([{ name: 'h', string_match: { exact: 'x' }, invert_match: true }], { h: 'y' })).toBe(true);
  });
  it('treat_missing_header_as_empty: a missing header is the empty string', () => {
    expect(matchWith([{ name: 'h', string_match: { exact: '' }, treat_missing_header_as_empty: true }], {})).toBe(true);
  });
  it('present_match false matches an absent header', () => {
    expect(matchWith([{ name: 'h', present_match: false }], {})).toBe(true);
  });
  it('StringMatcher.ignore_case', () => {
    expect(matchWith([{ name: 'h', string_match: { exact: 'ABC', ignore_case: true } }], { h: 'abc' })).toBe(true);
  });
  it('pseudo-headers (:method) can be matched', () => {
    expect(matchWith([{ name: ':method', string_match: { exact: 'GET' } }], {})).toBe(true);
  });
});

describe('regex_rewrite (RE2::GlobalReplace)', () => {
  it('substitutes \\N with the group and \\\\ with a backslash, for every match, in RE2 syntax', () => {
    expect(regexReplaceAll('^/api/(v[0-9]+)/', '/\\1/x/', '/api/v2/users')).toBe('/v2/x/users');
    expect(regexReplaceAll('(?i)O', '0', 'fOo')).toBe('f00');
    expect(regexReplaceAll('/', '\\\\', '/a/b')).toBe('\\a\\b');
    expect(regexReplaceAll('x', '$1', 'axb')).toBe('a$1b');
  });
});
