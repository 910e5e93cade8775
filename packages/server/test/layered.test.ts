// LayeredMap against plain Maps: every published map must hold, for as long as it lives, exactly
// what a Map holding the same edits held when it was published (streams keep published maps).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LayeredMap } from '../src/layered.js';

interface Value {
  version: number;
}

type Edit = { kind: 'set'; key: string; version: number } | { kind: 'delete'; key: string };

const key = fc.constantFrom(...Array.from({ length: 60 }, (_, i) => `k${i}`));
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key, version: fc.nat(5) }),
  fc.record({ kind: fc.constant('delete' as const), key }),
);

function contents(map: ReadonlyMap<string, Value>): Array<[string, number]> {
  return [...map].map(([k, v]): [string, number] => [k, v.version]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

describe('LayeredMap', () => {
  it('keeps every published map as it was, whatever is edited after it', () => {
    fc.assert(
      fc.property(fc.array(fc.array(edit, { maxLength: 25 }), { maxLength: 20 }), (drafts) => {
        // Every key in the base to start with (60 entries fold at once), so edits shadow base entries.
        const start = LayeredMap.empty<Value>().edit();
        const model = new Map<string, Value>();
        for (let i = 0; i < 60; i++) {
          const value = { version: 9 };
          start.set(`k${i}`, value);
          model.set(`k${i}`, value);
        }
        let map = start.publish();
        expect(map.pendingChanges).toBe(0);
        const published: Array<[LayeredMap<Value>, Array<[string, number]>]> = [];
        for (const edits of drafts) {
          const draft = map.edit();
          for (const step of edits) {
            if (step.kind === 'set') {
              const value = { version: step.version };
              draft.set(step.key, value);
              model.set(step.key, value);
            } else {
              expect(draft.delete(step.key)).toBe(model.delete(step.key));
            }
            expect(draft.get(step.key)).toBe(model.get(step.key));
          }
          map = draft.publish();
          published.push([map, contents(model)]);
          expect(map.size).toBe(model.size);
          for (const name of ['k0', 'k1', 'k59', 'absent']) {
            expect(map.has(name)).toBe(model.has(name));
            expect(map.get(name)).toBe(model.get(name));
          }
        }
        for (const [earlier, held] of published) {
          expect(contents(earlier)).toEqual(held);
          expect(earlier.size).toBe(held.length);
          expect([...earlier.keys()].length).toBe(held.length);
          expect([...earlier.values()].length).toBe(held.length);
          let visited = 0;
          earlier.forEach(() => (visited += 1));
          expect(visited).toBe(held.length);
        }
      }),
    );
  });

  it('folds its edits into a new base once they reach an eighth of it', () => {
    const first = LayeredMap.empty<Value>().edit();
    for (let i = 0; i < 1000; i++) first.set(`host${i}`, { version: 0 });
    let map = first.publish();
    expect(map.pendingChanges).toBe(0);
    let largest = 0;
    let compactions = 0;
    for (let i = 0; i < 400; i++) {
      const draft = map.edit();
      draft.set(`host${i}`, { version: 1 });
      map = draft.publish();
      largest = Math.max(largest, map.pendingChanges);
      if (map.pendingChanges === 0) compactions += 1;
    }
    expect(largest).toBe(125);
    expect(compactions).toBe(3);
    expect(map.get('host399')?.version).toBe(1);
    expect(map.get('host400')?.version).toBe(0);
    expect(map.size).toBe(1000);
  });
});
