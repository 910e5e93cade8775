// Unit tests of the small translations the golden files rely on.
import { describe, expect, it } from 'vitest';
import type { IRRoute } from '@portico/ir';
import { goDurationToProto, pathSpecifier } from '../src/index.js';
import { routeMetadata } from '../src/build/route.js';
import { originMatcher } from '../src/features/cors.js';
import { prefixReplacement } from '../src/features/rewrite.js';

describe('goDurationToProto', () => {
  it.each([
    ['10s', '10s'],
    ['500ms', '0.5s'],
    ['1h30m', '5400s'],
    ['1m1s', '61s'],
    ['0s', '0s'],
    ['1.5s', '1.5s'],
    ['250us', '0.00025s'],
  ])('%s → %s', (input, expected) => {
    expect(goDurationToProto(input)).toBe(expected);
  });

  it.each(['', '10', 's', '10x', '1s junk'])('rejects %j', (input) => {
    expect(goDurationToProto(input)).toBeUndefined();
  });

  it('gives the same answer for a text it has seen before', () => {
    // Each text is converted once and remembered: asking again, in any order, must not mix answers up.
    const texts = ['90s', 'junk', '1h', '90s', 'junk', '1h', '2m'];
    expect(texts.map(goDurationToProto)).toEqual(['90s', undefined, '3600s', '90s', undefined, '3600s', '120s']);
  });
});

describe('pathSpecifier (Gateway API PathPrefix is element-wise)', () => {
  it.each([
    [{ type: 'PathPrefix' as const, value: '/' }, { prefix: '/' }],
    [{ type: 'PathPrefix' as const, value: '/foo' }, { path_separated_prefix: '/foo' }],
    [{ type: 'PathPrefix' as const, value: '/foo/' }, { path_separated_prefix: '/foo' }],
    [{ type: 'PathPrefix' as const, value: '//' }, { prefix: '/' }],
    [{ type: 'PathPrefix' as const, value: '/foo//' }, { path_separated_prefix: '/foo' }],
    [{ type: 'Exact' as const, value: '/foo/' }, { path: '/foo/' }],
    [{ type: 'RegularExpression' as const, value: '/v[0-9]' }, { safe_regex: { regex: '/v[0-9]' } }],
  ])('%j → %j', (input, expected) => {
    expect(pathSpecifier(input)).toEqual(expected);
  });
});

describe('CORS origins', () => {
  it('exact, any and host wildcards', () => {
    expect(originMatcher('https://a.example.com')).toEqual({ exact: 'https://a.example.com' });
    expect(originMatcher('*')).toEqual({ safe_regex: { regex: '.*' } });
    const wildcard = originMatcher('https://*.example.com') as { safe_regex: { regex: string } };
    const re = new RegExp(wildcard.safe_regex.regex);
    expect(re.test('https://a.example.com')).toBe(true);
    expect(re.test('https://a.b.example.com')).toBe(true);
    expect(re.test('https://example.com')).toBe(false);
    expect(re.test('https://a.example.com.evil.net')).toBe(false);
    expect(re.test('http://a.example.com')).toBe(false);
  });

  it("matches an origin written with its scheme's default port as browsers send it (without)", () => {
    // Gateway API: "port 80 is assumed for http scheme origins, and port 443 for https origins".
    expect(originMatcher('http://x.com:80')).toEqual({ exact: 'http://x.com' });
    expect(originMatcher('https://x.com:443')).toEqual({ exact: 'https://x.com' });
    // Another port, or a default port of the other scheme, is part of the origin.
    expect(originMatcher('http://x.com:443')).toEqual({ exact: 'http://x.com:443' });
    expect(originMatcher('https://x.com:8443')).toEqual({ exact: 'https://x.com:8443' });
    const wildcard = originMatcher('https://*.example.com:443') as { safe_regex: { regex: string } };
    expect(new RegExp(wildcard.safe_regex.regex).test('https://a.example.com')).toBe(true);
  });
});

describe('ReplacePrefixMatch', () => {
  // Applies Envoy's rewrite semantics to a request path, to check the Gateway API outcome.
  function apply(prefix: string, replacement: string, path: string): string {
    const rewrite = prefixReplacement({ type: 'PathPrefix', value: prefix }, replacement) as {
      prefix_rewrite?: string;
      regex_rewrite?: { pattern: { regex: string }; substitution: string };
    };
    if (rewrite.prefix_rewrite !== undefined) return rewrite.prefix_rewrite + path.slice(prefix.replace(/\/+$/, '').length);
    const { pattern, substitution } = rewrite.regex_rewrite!;
    return path.replace(new RegExp(pattern.regex), substitution);
  }

  it.each([
    ['/prefix/one', '/one', '/prefix/one/two', '/one/two'],
    ['/prefix/one', '/one', '/prefix/one', '/one'],
    ['/strip-prefix', '/', '/strip-prefix/three', '/three'],
    ['/strip-prefix', '/', '/strip-prefix', '/'],
    ['/foo/', '/bar', '/foo/x', '/bar/x'],
    ['/foo', '/bar/', '/foo/x', '/bar/x'],
    ['/', '/app', '/x', '/app/x'],
  ])('prefix %s → %s: %s becomes %s', (prefix, replacement, path, expected) => {
    expect(apply(prefix, replacement, path)).toBe(expected);
  });
});

describe('routeMetadata', () => {
  const route = (name: string, path?: string, extra: Partial<IRRoute['source']> = {}): IRRoute =>
    ({ name, source: { kind: 'HTTPRoute', namespace: 'ns', name: 'r', path, ...extra } }) as unknown as IRRoute;

  it.each([
    ['ns/r/rule/2/match/1', 'spec.rules[3].matches[0]', 3, 0],
    ['ns/r/rule/2/match/1', undefined, 2, 1],
    ['ns/r/rule/x/rule/7', 'spec.rulesX[1].rules/[2].rules/05', 5, undefined],
    ['ns/r/matches', 'matches[', undefined, undefined],
    ['ns/r/rrule[12]/match/', '', 12, undefined],
  ])('%s with path %s: rule %s, match %s', (name, path, rule, match) => {
    const portico: Record<string, unknown> = { kind: 'HTTPRoute', namespace: 'ns', name: 'r' };
    if (rule !== undefined) portico.rule = rule;
    if (match !== undefined) portico.match = match;
    portico.route = name;
    const metadata = routeMetadata(route(name, path));
    expect(metadata).toEqual({ filter_metadata: { portico } });
    expect(Object.keys((metadata.filter_metadata as { portico: object }).portico)).toEqual(Object.keys(portico));
  });

  it('leaves out empty source fields and keeps the rule name in place', () => {
    const metadata = routeMetadata(route('n', 'spec.rules[1]', { namespace: '', ruleName: 'first' }));
    expect(JSON.stringify(metadata)).toBe('{"filter_metadata":{"portico":{"kind":"HTTPRoute","name":"r","rule":1,"ruleName":"first","route":"n"}}}');
  });
});
