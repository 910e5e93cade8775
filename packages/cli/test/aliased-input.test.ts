// A YAML alias loads as the very object its anchor made, so two input objects can share a
// sub-object (two Services' `spec`, two routes' `matches`) where the API server would hand over
// copies. Nothing in the pipeline may tell the two apart: every golden input, with every pair
// of equal sub-objects made one shared object, must translate and build exactly as its copy
// with nothing shared, cold and through the memos the control plane keeps.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ResourceSet, loadManifests } from '@portico/api';
import { certificatesForPlaceholders, fillCertificatePlaceholders } from '@portico/test-support';
import { TranslationMemo, translate, type TranslateOptions } from '@portico/translator';
import { buildXds, createXdsBuildMemo } from '@portico/xds';

const goldenDir = fileURLToPath(new URL('../../translator/test/golden/', import.meta.url));
const CONTROLLER = 'portico.dev/gateway-controller';
const texts = readdirSync(goldenDir)
  .filter((file) => file.endsWith('.in.yaml'))
  .sort()
  .map((file) => ({ file, text: readFileSync(`${goldenDir}${file}`, 'utf8') }));
// Key pairs for the inputs' certificate placeholders, so TLS listeners are served too.
const certificates = await certificatesForPlaceholders(...texts.map(({ text }) => text));
const cases = texts.map(({ file, text }) => ({ file, objects: loadManifests(fillCertificatePlaceholders(text, certificates), file).objects as unknown[] }));

/**
 * A copy of `objects` in which equal objects and arrays below the top level are one object:
 * the first of each (by its JSON) stands for all. Top-level objects stay apart, as documents do.
 */
function interned(objects: readonly unknown[]): { objects: unknown[]; shared: number } {
  const first = new Map<string, unknown>();
  let shared = 0;
  const walk = (value: unknown, top: boolean): unknown => {
    if (value === null || typeof value !== 'object') return value;
    const copy: unknown = Array.isArray(value)
      ? value.map((item) => walk(item, false))
      : Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item, false)]));
    if (top) return copy;
    const key = JSON.stringify(copy);
    const seen = first.get(key);
    if (seen !== undefined) {
      shared++;
      return seen;
    }
    first.set(key, copy);
    return copy;
  };
  return { objects: objects.map((object) => walk(object, true)), shared };
}

/** What the pipeline makes of `objects`: statuses, IR and Envoy resources, as JSON. */
function pipeline(objects: readonly unknown[], options: TranslateOptions, memos?: { translation: TranslationMemo; xds: ReturnType<typeof createXdsBuildMemo> }): string {
  const translation = translate(ResourceSet.from(objects as never), memos ? { ...options, memo: memos.translation } : options);
  const xds = buildXds(translation.ir, undefined, memos?.xds);
  return JSON.stringify({ statuses: translation.statuses, ir: translation.ir, groups: xds.groups, rejected: xds.rejected });
}

describe('aliased input', () => {
  it('shares sub-objects in most golden inputs', () => {
    const sharing = cases.filter(({ objects }) => interned(objects).shared > 0);
    expect(sharing.length).toBeGreaterThan(cases.length / 2);
  });

  it.each(cases.map(({ file }) => [file]))('%s: equal sub-objects made one object change nothing', (file) => {
    const { objects } = cases.find((c) => c.file === file) as (typeof cases)[number];
    const options: TranslateOptions = { controllerName: CONTROLLER, ...(file.startsWith('mesh-') ? { mesh: true } : {}) };
    const apart = structuredClone(objects);
    const together = interned(objects).objects;
    expect(pipeline(together, options)).toEqual(pipeline(apart, options));
    // Through memos, first the copy with nothing shared, then the shared one (new objects each).
    const memos = { translation: new TranslationMemo(), xds: createXdsBuildMemo() };
    pipeline(apart, options, memos);
    expect(pipeline(together, options, memos)).toEqual(pipeline(apart, options));
  });
});
