import { describe, expect, it } from 'vitest';
import type { IRRouteMatch } from '@portico/ir';
import { comparePrecedence, type PrecedenceKey } from '../src/routes/precedence.js';

function key(overrides: Partial<PrecedenceKey> & { path?: IRRouteMatch['path'] }): PrecedenceKey {
  const { path, ...rest } = overrides;
  return {
    match: { path: path ?? { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] },
    hasMethod: false,
    headerCount: 0,
    queryCount: 0,
    routeKey: 'default/route',
    ruleIndex: 0,
    matchIndex: 0,
    ...rest,
  };
}

function order(keys: Record<string, PrecedenceKey>): string[] {
  return Object.entries(keys)
    .sort(([, a], [, b]) => comparePrecedence(a, b))
    .map(([name]) => name);
}

describe('HTTPRoute precedence', () => {
  it('puts an exact path before any prefix, even a longer one', () => {
    expect(
      order({
        prefix: key({ path: { type: 'PathPrefix', value: '/very/long/prefix' } }),
        exact: key({ path: { type: 'Exact', value: '/a' } }),
      }),
    ).toEqual(['exact', 'prefix']);
  });

  it('orders prefixes by length, then method, headers, query params', () => {
    expect(
      order({
        root: key({}),
        long: key({ path: { type: 'PathPrefix', value: '/foo' } }),
        query: key({ queryCount: 3 }),
        headers: key({ headerCount: 1 }),
        method: key({ hasMethod: true }),
        moreHeaders: key({ headerCount: 2 }),
      }),
    ).toEqual(['long', 'method', 'moreHeaders', 'headers', 'query', 'root']);
  });

  it('a method match outranks more header matches', () => {
    expect(order({ headers: key({ headerCount: 5 }), method: key({ hasMethod: true }) })).toEqual(['method', 'headers']);
  });

  it('breaks ties by oldest route, then namespace/name, then rule and match order', () => {
    expect(
      order({
        newer: key({ creationTimestamp: '2024-01-02T00:00:00Z', routeKey: 'a/a' }),
        older: key({ creationTimestamp: '2024-01-01T00:00:00Z', routeKey: 'z/z' }),
        sameTimeB: key({ creationTimestamp: '2024-01-02T00:00:00Z', routeKey: 'b/b' }),
        rule1: key({ creationTimestamp: '2024-01-02T00:00:00Z', routeKey: 'a/a', ruleIndex: 1 }),
        match1: key({ creationTimestamp: '2024-01-02T00:00:00Z', routeKey: 'a/a', matchIndex: 1 }),
      }),
    ).toEqual(['older', 'newer', 'match1', 'rule1', 'sameTimeB']);
  });

  it('places regular expressions after literal paths', () => {
    expect(
      order({
        regex: key({ path: { type: 'RegularExpression', value: '/.*' } }),
        prefix: key({}),
        exact: key({ path: { type: 'Exact', value: '/' } }),
      }),
    ).toEqual(['exact', 'prefix', 'regex']);
  });
});
