import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ResourceSet, loadManifests } from '@portico/api';
import { certificatesForPlaceholders, fillCertificatePlaceholders, type TestCertificate } from '@portico/test-support';
import { translate, type ObjectStatus } from '../src/index.js';

// Golden tests: each test/golden/<feature>.in.yaml is translated and compared with
// <feature>.out.yaml (statuses + IR). Run with UPDATE_GOLDEN=1 to rewrite the expected
// files, then review the diff line by line. `mesh-*` cases translate with the mesh (GAMMA)
// enabled; the others without it.

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

// Key material is generated when the tests run, never checked in: inputs name it with
// `${TLS_CRT_B64:name}` / `${TLS_KEY_B64:name}` (base64 PEM of a self-signed certificate for
// `name`.example.com and *.example.com), and rendered output replaces PEM with a marker.
let certificates = new Map<string, TestCertificate>();

function render(input: string, source: string, keepFeatureList: boolean, mesh: boolean): string {
  const loaded = loadManifests(fillCertificatePlaceholders(input, certificates), source);
  expect(loaded.problems).toEqual([]);
  const translated = translate(ResourceSet.from(loaded.objects), { controllerName: CONTROLLER, ...(mesh ? { mesh: true } : {}) });
  const result = keepFeatureList ? translated : { ...translated, statuses: translated.statuses.map(withoutFeatureList) };
  // Private keys are test fixtures, but keep them out of reviewable output anyway.
  const secrets = result.ir.secrets.map((s) => ({
    ...s,
    ...(s.certificateChain ? { certificateChain: '<generated certificate>' } : {}),
    ...(s.privateKey ? { privateKey: '<redacted>' } : {}),
    ...(s.trustedCa ? { trustedCa: '<generated certificate>' } : {}),
  }));
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
  beforeAll(async () => {
    certificates = await certificatesForPlaceholders(...cases.map((name) => readFileSync(join(goldenDir, `${name}.in.yaml`), 'utf8')));
  });

  it('has cases', () => {
    expect(cases.length).toBeGreaterThan(0);
  });
  for (const name of cases) {
    it(name, () => {
      const inputPath = join(goldenDir, `${name}.in.yaml`);
      const outputPath = join(goldenDir, `${name}.out.yaml`);
      const actual = render(readFileSync(inputPath, 'utf8'), `${name}.in.yaml`, name === 'gatewayclass', name.startsWith('mesh-'));
      if (process.env.UPDATE_GOLDEN === '1' || !existsSync(outputPath)) {
        if (process.env.UPDATE_GOLDEN !== '1') throw new Error(`${outputPath} missing: run with UPDATE_GOLDEN=1`);
        writeFileSync(outputPath, actual);
      }
      expect(actual).toBe(readFileSync(outputPath, 'utf8'));
    });
  }
});
