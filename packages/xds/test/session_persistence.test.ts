import { describe, expect, it } from 'vitest';
import type { IRRouteMatch } from '@portico/ir';
import { sessionState } from '../src/features/session_persistence.js';

/** The Path of the session cookie a route with this path match sets. */
function cookiePathFor(path: IRRouteMatch['path']): unknown {
  const state = sessionState({ type: 'Cookie', name: 'session' }, path) as { typed_config: { cookie: { path: unknown } } };
  return state.typed_config.cookie.path;
}

describe('session cookie path (GEP-1619: from the route path that was matched)', () => {
  it('is the prefix or the exact path', () => {
    expect(cookiePathFor({ type: 'PathPrefix', value: '/shop/' })).toBe('/shop');
    expect(cookiePathFor({ type: 'PathPrefix', value: '/' })).toBe('/');
    expect(cookiePathFor({ type: 'Exact', value: '/a/b' })).toBe('/a/b');
  });

  it("is a regex's literal segments, cut where a path it matches could leave them", () => {
    // The GEP's example.
    expect(cookiePathFor({ type: 'RegularExpression', value: '/p1/p2/.*/p3' })).toBe('/p1/p2');
    expect(cookiePathFor({ type: 'RegularExpression', value: '/a/b+' })).toBe('/a');
    // The quantifier makes the slash before it optional: /ax matches, and is not under /a.
    expect(cookiePathFor({ type: 'RegularExpression', value: '/a/?x' })).toBe('/');
    // Either alternative matches: /cart/y is not under /shop.
    expect(cookiePathFor({ type: 'RegularExpression', value: '/shop/x|/cart/y' })).toBe('/');
    expect(cookiePathFor({ type: 'RegularExpression', value: '/(shop|cart)/x' })).toBe('/');
  });
});
