// The memos the control plane keeps (TranslationMemo, the xds build memo) must never change
// what is served. Every golden input goes through one pair of memos while each object in turn
// is removed, put back, edited, put back, renamed and put back again; after every step the
// statuses, IR and Envoy resources must equal a build without memos. Edits reach what the
// memos follow apart: a route's match, a Gateway's listeners, a ListenerSet's ports, a
// Service's ports, anything else's labels.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ResourceSet, loadManifests } from '@portico/api';
import { certificatesForPlaceholders, fillCertificatePlaceholders, fuzzParameters } from '@portico/test-support';
import { TranslationMemo, translate, type TranslateOptions } from '@portico/translator';
import { buildXds, createXdsBuildMemo } from '@portico/xds';

const goldenDir = fileURLToPath(new URL('../../translator/test/golden/', import.meta.url));
const CONTROLLER = 'portico.dev/gateway-controller';

type AnyObject = { kind: string; metadata: { name: string; labels?: Record<string, string> }; spec?: Record<string, unknown> };

const texts = readdirSync(goldenDir)
  .filter((file) => file.endsWith('.in.yaml'))
  .sort()
  .map((file) => ({ file, text: readFileSync(`${goldenDir}${file}`, 'utf8') }));
// Key pairs for the inputs' certificate placeholders, so TLS listeners are served too.
const certificates = await certificatesForPlaceholders(...texts.map(({ text }) => text));
const cases = texts.map(({ file, text }) => ({ file, objects: loadManifests(fillCertificatePlaceholders(text, certificates), file).objects as unknown as AnyObject[] }));

function edited(object: AnyObject, step: number): AnyObject {
  const copy = structuredClone(object);
  copy.metadata.labels = { ...copy.metadata.labels, edit: String(step) };
  const spec = copy.spec;
  if (!spec) return copy;
  const listeners = spec.listeners as Array<Record<string, unknown>> | undefined;
  if (copy.kind === 'Gateway' && listeners) spec.listeners = [...listeners, { name: `added-${step}`, port: 30000 + step, protocol: 'HTTP' }];
  if (copy.kind === 'ListenerSet' && listeners) spec.listeners = listeners.map((listener) => ({ ...listener, port: 31000 + step }));
  const ports = spec.ports as Array<Record<string, unknown>> | undefined;
  if (copy.kind === 'Service' && ports) spec.ports = [...ports, { name: `added-${step}`, port: 32000 + step }];
  const rules = spec.rules as Array<{ matches?: unknown[] }> | undefined;
  if (copy.kind === 'HTTPRoute' && rules?.[0]) rules[0].matches = [{ path: { type: 'PathPrefix', value: `/edited-${step}` } }];
  return copy;
}

function renamed(object: AnyObject): AnyObject {
  return { ...object, metadata: { ...object.metadata, name: `zz-${object.metadata.name}` } };
}

function served(objects: readonly AnyObject[], options: TranslateOptions, memos?: { translation: TranslationMemo; xds: ReturnType<typeof createXdsBuildMemo> }): string {
  const translation = translate(ResourceSet.from(objects as never), memos ? { ...options, memo: memos.translation } : options);
  const xds = buildXds(translation.ir, undefined, memos?.xds);
  return JSON.stringify({ statuses: translation.statuses, ir: translation.ir, groups: xds.groups, rejected: xds.rejected });
}

describe('pipeline memos', () => {
  it.each(cases.map(({ file }) => [file]))('%s: every step through the memos equals a build without them', (file) => {
    const { objects } = cases.find((c) => c.file === file) as (typeof cases)[number];
    const options: TranslateOptions = { controllerName: CONTROLLER, ...(file.startsWith('mesh-') ? { mesh: true } : {}) };
    const memos = { translation: new TranslationMemo(), xds: createXdsBuildMemo() };
    const check = (set: AnyObject[], what: string): void => {
      expect(served(set, options, memos), what).toEqual(served(set, options));
    };
    check(objects, 'first build');
    objects.forEach((object, i) => {
      const what = `${object.kind} ${object.metadata.name}`;
      check(objects.filter((_, j) => j !== i), `${what} removed`);
      check(objects, `${what} put back`);
      check(objects.map((o, j) => (j === i ? edited(o, i) : o)), `${what} edited`);
      check(objects, `${what} as it was`);
      // Renamed: one object goes and another comes in the same build, and the objects of its
      // kind sorted between the two names move by one place while their count stays the same.
      check(objects.map((o, j) => (j === i ? renamed(o) : o)), `${what} renamed`);
      check(objects, `${what} named as it was`);
    });
  });

  it('equals builds without them over arbitrary route and Service edits, several to a snapshot', () => {
    const base = (cases.find((c) => c.file === 'httproute-filters.in.yaml') as (typeof cases)[number]).objects;
    const templates = base.filter((o) => o.kind === 'HTTPRoute');
    const services = base.filter((o) => o.kind === 'Service');
    const others = base.filter((o) => o.kind !== 'HTTPRoute' && o.kind !== 'Service');
    const hostnames = ['a.example.com', 'b.example.com', '*.example.com'];
    // Routes in runs of twelve share a hostname, so a virtual host holds several in a row.
    const routeAt = (index: number, variant: number): AnyObject => {
      const copy = structuredClone(templates[index % templates.length]) as AnyObject;
      copy.metadata.name = `r${String(index).padStart(2, '0')}`;
      (copy.spec as Record<string, unknown>).hostnames = [hostnames[(Math.floor(index / 12) + variant) % hostnames.length]];
      return variant === 0 ? copy : edited(copy, variant);
    };
    const step = fc.record({
      op: fc.constantFrom('edit', 'remove', 'add', 'move', 'service'),
      index: fc.nat(23),
      variant: fc.nat(5),
      // The next step lands in the same snapshot.
      together: fc.boolean(),
    });
    const options: TranslateOptions = { controllerName: CONTROLLER };
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 10 }), (steps) => {
        const routes = new Map<number, AnyObject>();
        for (let i = 0; i < 24; i += 2) routes.set(i, routeAt(i, 0));
        let serviceObjects = services;
        const memos = { translation: new TranslationMemo(), xds: createXdsBuildMemo() };
        const check = (): void => {
          const set = [...others, ...serviceObjects, ...routes.values()];
          expect(served(set, options, memos)).toEqual(served(set, options));
        };
        check();
        for (const { op, index, variant, together } of steps) {
          if (op === 'remove') routes.delete(index);
          else if (op === 'add' || op === 'edit') routes.set(index, routeAt(index, op === 'add' ? 0 : variant + 1));
          else if (op === 'move') {
            const from = [...routes.keys()][index % Math.max(routes.size, 1)];
            if (from !== undefined) routes.delete(from);
            // Near where it was, among routes of the same hostname.
            const to = ((from ?? index) + 1 + variant) % 24;
            routes.set(to, routeAt(to, variant));
          } else serviceObjects = serviceObjects.map((o, i) => (i === variant % serviceObjects.length ? edited(o, variant + index) : o));
          if (!together) check();
        }
        check();
      }),
      fuzzParameters(25, 20261124),
    );
  });
});
