// KnownResources against a plain Map: every operation, in any order, including sharing a view
// and holding names beside it, must leave both holding the same entries.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CachedResource } from '../src/cache.js';
import { KnownResources, type KnownResource } from '../src/known.js';
import { fuzzParameters } from '@portico/test-support';

const NAMES = ['a', 'b', 'c', 'd', 'e'];

function resource(name: string, version: string): CachedResource {
  return { name, version, typeUrl: 'type.googleapis.com/envoy.config.cluster.v3.Cluster' } as unknown as CachedResource;
}

type Op =
  | { kind: 'set'; name: string; version: string; declared: boolean }
  | { kind: 'delete'; name: string }
  | { kind: 'share'; view: Array<[string, string]>; held: string[] }
  | { kind: 'replace'; entries: Array<[string, string]> };

const name = fc.constantFrom(...NAMES);
const version = fc.constantFrom('1', '2', '3');
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), name, version, declared: fc.boolean() }),
  fc.record({ kind: fc.constant('delete' as const), name }),
  fc.record({ kind: fc.constant('share' as const), view: fc.uniqueArray(fc.tuple(name, version), { selector: ([n]) => n }), held: fc.array(name) }),
  fc.record({ kind: fc.constant('replace' as const), entries: fc.uniqueArray(fc.tuple(name, version), { selector: ([n]) => n }) }),
);

function sorted(entries: Iterable<[string, KnownResource]>): Array<[string, string]> {
  return [...entries].map(([n, known]): [string, string] => [n, known.version]).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
}

describe('KnownResources', () => {
  it('holds what a plain map holds after any sequence of operations', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const known = new KnownResources();
        let model = new Map<string, KnownResource>();
        // Each view shared, with the versions it held when shared.
        const views: Array<[ReadonlyMap<string, CachedResource>, Array<[string, string]>]> = [];
        for (const step of ops) {
          if (step.kind === 'set') {
            const value = step.declared ? { version: step.version } : resource(step.name, step.version);
            known.set(step.name, value);
            model.set(step.name, value);
          } else if (step.kind === 'delete') {
            known.delete(step.name);
            model.delete(step.name);
          } else if (step.kind === 'replace') {
            const map = new Map<string, KnownResource>(step.entries.map(([n, v]) => [n, resource(n, v)]));
            known.replace(map);
            model = new Map(map);
          } else {
            const view = new Map(step.view.map(([n, v]) => [n, resource(n, v)]));
            views.push([view, [...view].map(([n, value]): [string, string] => [n, value.version])]);
            const next = new Map<string, KnownResource>(view);
            for (const held of step.held) {
              const before = model.get(held);
              if (before && !view.has(held)) next.set(held, before);
            }
            known.share(view, step.held);
            model = next;
          }
          expect(sorted(known.entries())).toEqual(sorted(model.entries()));
          expect(known.size).toBe(model.size);
          expect([...known.keys()].sort()).toEqual([...model.keys()].sort());
          for (const n of NAMES) {
            expect(known.has(n)).toBe(model.has(n));
            expect(known.get(n)?.version).toBe(model.get(n)?.version);
          }
        }
        // A shared view is never written to: it holds what it held when it was shared.
        for (const [view, versions] of views) expect([...view].map(([n, value]) => [n, value.version])).toEqual(versions);
      }),
      fuzzParameters(500, 20261123),
    );
  });

  it('is the view itself after share, until something differs from it', () => {
    const view = new Map([['a', resource('a', '1')]]);
    const known = new KnownResources();
    known.share(view);
    expect(known.view).toBe(view);
    known.set('a', view.get('a') as CachedResource);
    expect(known.view).toBe(view);
    known.set('z', resource('z', '1'));
    expect(known.view, 'a name beside the view is held without a copy').toBe(view);
    known.delete('z');
    expect(known.view).toBe(view);
    known.set('a', resource('a', '2'));
    expect(known.view).toBeUndefined();
    expect(view.get('a')?.version, 'the view itself is unchanged').toBe('1');
  });
});
