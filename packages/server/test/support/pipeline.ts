// The real pipeline the end-to-end tests serve: a fixture under test/fixtures → loadManifests
// → translate() → buildXds(). Whatever an xDS client then receives is the translator's and
// the xds stage's own output; every stage must succeed without problems.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { ResourceSet, loadManifests } from '@portico/api';
import type { IR } from '@portico/ir';
import { translate, type TranslationResult } from '@portico/translator';
import { buildXds, type XdsBuildResult } from '@portico/xds';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

export interface PipelineOptions {
  /** File name under test/fixtures. */
  fixture: string;
  /** `${NAME}` placeholders in the fixture and their values (e.g. backend ports). */
  values?: Record<string, string | number>;
  /** Translate with the service mesh (GAMMA) enabled. */
  mesh?: boolean;
  /** Edits the fixture text before it is loaded (e.g. a weight change). */
  edit?: (yaml: string) => string;
  /** Adds to the IR before the xds stage, for what the translator does not emit. */
  beforeBuild?: (ir: IR) => void;
}

export interface PipelineResult {
  translated: TranslationResult;
  xds: XdsBuildResult;
}

export function pipeline(options: PipelineOptions): PipelineResult {
  let text = (options.edit ?? ((yaml: string) => yaml))(fs.readFileSync(path.join(FIXTURES, options.fixture), 'utf8'));
  for (const [name, value] of Object.entries(options.values ?? {})) text = text.replaceAll(`\${${name}}`, String(value));
  const loaded = loadManifests(text, options.fixture);
  expect(loaded.problems).toEqual([]);
  const translated = translate(ResourceSet.from(loaded.objects), {
    controllerName: 'portico.dev/gateway-controller',
    ...(options.mesh ? { mesh: true } : {}),
  });
  expect(translated.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  options.beforeBuild?.(translated.ir);
  const xds = buildXds(translated.ir);
  expect(xds.rejected).toEqual([]);
  return { translated, xds };
}
