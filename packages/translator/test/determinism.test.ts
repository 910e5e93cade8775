import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ResourceSet, loadManifests } from '@portico/api';
import { translate } from '../src/index.js';
import { irProblems } from './wellformed.js';
import { fuzzParameters } from '@portico/test-support';

const goldenDir = join(dirname(fileURLToPath(import.meta.url)), 'golden');
const inputs = readdirSync(goldenDir)
  .filter((f) => f.endsWith('.in.yaml'))
  .sort()
  .map((f) => ({ name: f, objects: loadManifests(readFileSync(join(goldenDir, f), 'utf8'), f).objects }));
const options = { controllerName: 'portico.dev/gateway-controller' };

describe('determinism', () => {
  for (const input of inputs) {
    it(`${input.name}: any input order gives byte-identical output`, () => {
      const expected = JSON.stringify(translate(ResourceSet.from(input.objects), options));
      fc.assert(
        fc.property(fc.shuffledSubarray(input.objects, { minLength: input.objects.length }), (shuffled) => {
          expect(JSON.stringify(translate(ResourceSet.from(shuffled), options))).toBe(expected);
        }),
        fuzzParameters(20, 7),
      );
    });

    it(`${input.name}: output is well-formed`, () => {
      expect(irProblems(translate(ResourceSet.from(input.objects), options))).toEqual([]);
    });
  }

  it('does not mutate its input', () => {
    for (const input of inputs) {
      const before = JSON.stringify(input.objects);
      translate(ResourceSet.from(input.objects), options);
      expect(JSON.stringify(input.objects)).toBe(before);
    }
  });

  it('never writes to its input: translating frozen objects gives the same output', () => {
    // Well-formed input is not copied before translation (sanitizing is copy-on-write), so a
    // write anywhere in the translator would land in the caller's objects; frozen ones throw.
    for (const input of inputs) {
      const expected = JSON.stringify(translate(ResourceSet.from(input.objects), options));
      const frozen = structuredClone(input.objects).map(deepFreeze);
      expect(JSON.stringify(translate(ResourceSet.from(frozen), options)), input.name).toBe(expected);
    }
  });
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
