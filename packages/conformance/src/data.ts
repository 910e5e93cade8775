// Reading the suite from disk: the runner takes the suite's path (its root or
// its cases/ folder) and never embeds the data.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { loadManifests } from '@portico/api';
import { parseAllDocuments } from 'yaml';
import type { StoredObject } from './cluster.js';
import type { ConformanceCase, FeaturesData, SetupData } from './model.js';

export interface SuiteLayout {
  root: string;
  casesDir: string;
  manifestsDir: string;
}

/** Accepts the suite root (holding cases/ and manifests/) or its cases/ folder. */
export function resolveSuite(dataDir: string): SuiteLayout {
  const given = resolve(dataDir);
  const root = existsSync(join(given, 'cases')) ? given : basename(given) === 'cases' ? dirname(given) : given;
  const casesDir = join(root, 'cases');
  const manifestsDir = join(root, 'manifests');
  if (!existsSync(casesDir)) throw new Error(`conformance data: no cases/ folder under ${dataDir}`);
  if (!existsSync(manifestsDir)) throw new Error(`conformance data: no manifests/ folder next to ${casesDir}`);
  return { root, casesDir, manifestsDir };
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export function loadCases(layout: SuiteLayout, filter?: RegExp): ConformanceCase[] {
  return readdirSync(layout.casesDir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => readJson<ConformanceCase>(join(layout.casesDir, file)))
    .filter((c) => !filter || filter.test(c.shortName));
}

export function loadSetup(layout: SuiteLayout): SetupData {
  return readJson<SetupData>(join(layout.root, 'setup.json'));
}

export function loadFeatures(layout: SuiteLayout): FeaturesData | undefined {
  const path = join(layout.root, 'features.json');
  return existsSync(path) ? readJson<FeaturesData>(path) : undefined;
}

function isObject(value: unknown): value is StoredObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const candidate = value as Record<string, unknown>;
  const metadata = candidate.metadata as Record<string, unknown> | undefined;
  return typeof candidate.kind === 'string' && typeof candidate.apiVersion === 'string' && typeof metadata?.name === 'string';
}

const manifestCache = new Map<string, StoredObject[]>();

/**
 * Every object of a manifest file in document order, of any kind: the replay
 * needs Deployments (pods, endpoints) as well as the kinds Portico reads, which
 * loadManifests alone would skip.
 */
export function readManifest(layout: SuiteLayout, relativePath: string): StoredObject[] {
  const path = join(layout.manifestsDir, relativePath);
  let objects = manifestCache.get(path);
  if (!objects) {
    objects = [];
    const text = readFileSync(path, 'utf8');
    // The kinds Portico reads go through the same validation as file mode, so a
    // malformed manifest is reported with its document and field.
    const problems = loadManifests(text, relativePath).problems;
    if (problems.length > 0) {
      const first = problems[0];
      throw new Error(`${relativePath} document ${first.document}${first.object ? ` (${first.object})` : ''}${first.field ? ` ${first.field}` : ''}: ${first.message}`);
    }
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0) throw new Error(`${relativePath}: ${doc.errors.map((e) => e.message).join('; ')}`);
      const value: unknown = doc.toJS();
      const items = isObject(value) && value.kind === 'List' ? ((value as Record<string, unknown>).items as unknown[]) : [value];
      for (const item of items) if (isObject(item)) objects.push(item);
    }
    manifestCache.set(path, objects);
  }
  return structuredClone(objects);
}
