import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ResourceSet, loadManifests } from '@portico/api';
import { translate, type ObjectStatus } from '../src/index.js';

// Golden tests: each test/golden/<feature>.in.yaml is translated and compared with
// <feature>.out.yaml (statuses + IR). Run with UPDATE_GOLDEN=1 to rewrite the expected
// files, then review the diff line by line.

const here = dirname(fileURLToPath(import.meta.url));
const goldenDir = join(here, 'golden');
export const CONTROLLER = 'portico.dev/gateway-controller';

// The advertised feature list is reviewed once, in gatewayclass.out.yaml; elsewhere it
// would turn every feature addition into a diff of every golden file.
function withoutFeatureList(status: ObjectStatus): ObjectStatus {
  if (status.kind !== 'GatewayClass' || !('supportedFeatures' in status.status)) return status;
  const { supportedFeatures: _omitted, ...rest } = status.status;
  return { ...status, status: rest };
}

function render(input: string, source: string, keepFeatureList: boolean): string {
  const loaded = loadManifests(input, source);
  expect(loaded.problems).toEqual([]);
  const translated = translate(ResourceSet.from(loaded.objects), { controllerName: CONTROLLER });
  const result = keepFeatureList ? translated : { ...translated, statuses: translated.statuses.map(withoutFeatureList) };
  // Private keys are test fixtures, but keep them out of reviewable output anyway.
  const secrets = result.ir.secrets.map((s) => (s.privateKey ? { ...s, privateKey: '<redacted>' } : s));
  return stringify(
    { statuses: result.statuses, ir: { ...result.ir, secrets }, diagnostics: result.diagnostics },
    { lineWidth: 0, aliasDuplicateObjects: false },
  );
}

const cases = readdirSync(goldenDir)
  .filter((f) => f.endsWith('.in.yaml'))
  .map((f) => f.slice(0, -'.in.yaml'.length))
  .sort();

describe('golden', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThan(0);
  });
  for (const name of cases) {
    it(name, () => {
      const inputPath = join(goldenDir, `${name}.in.yaml`);
      const outputPath = join(goldenDir, `${name}.out.yaml`);
      const actual = render(readFileSync(inputPath, 'utf8'), `${name}.in.yaml`, name === 'gatewayclass');
      if (process.env.UPDATE_GOLDEN === '1' || !existsSync(outputPath)) {
        if (process.env.UPDATE_GOLDEN !== '1') throw new Error(`${outputPath} missing: run with UPDATE_GOLDEN=1`);
        writeFileSync(outputPath, actual);
      }
      expect(actual).toBe(readFileSync(outputPath, 'utf8'));
    });
  }
});
