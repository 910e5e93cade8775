// Golden tests: each `golden/<feature>.in.yaml` (hand-written IR) is built and
// compared with `golden/<feature>.out.yaml` (the Envoy resources, reviewed line
// by line). Regenerate after an intended change with PORTICO_UPDATE_GOLDEN=1
// and review the diff like code.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { IR } from '@portico/ir';
import { buildXds, encodeResource, validateResource } from '../src/index.js';
import type { EnvoyResource } from '../src/index.js';
import { envoyLoadProblems } from '@portico/test-support';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden');
const update = process.env.PORTICO_UPDATE_GOLDEN === '1';
const cases = readdirSync(dir)
  .filter((file) => file.endsWith('.in.yaml'))
  .map((file) => file.slice(0, -'.in.yaml'.length))
  .sort();

describe('golden IR → Envoy resources', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThan(10);
  });

  for (const name of cases) {
    it(name, () => {
      const ir = parse(readFileSync(path.join(dir, `${name}.in.yaml`), 'utf8')) as IR;
      const result = buildXds(ir);
      const outFile = path.join(dir, `${name}.out.yaml`);
      const actual = stringify(result, { lineWidth: 0 });
      if (update || !existsSync(outFile)) {
        if (!update) throw new Error(`missing ${name}.out.yaml (run with PORTICO_UPDATE_GOLDEN=1 and review it)`);
        writeFileSync(outFile, actual);
      }
      expect(result).toEqual(parse(readFileSync(outFile, 'utf8')));
      // Whatever is served must be what Envoy accepts.
      for (const group of Object.values(result.groups)) {
        for (const resource of Object.values(group).flat() as EnvoyResource[]) {
          expect(() => encodeResource(resource)).not.toThrow();
          expect(validateResource(resource), `${resource.type} ${resource.name}`).toEqual([]);
          expect(envoyLoadProblems(resource.message), `${resource.type} ${resource.name}`).toEqual([]);
        }
      }
      // Deterministic: the same input builds byte-identical output.
      expect(stringify(buildXds(ir), { lineWidth: 0 })).toBe(actual);
    });
  }
});
