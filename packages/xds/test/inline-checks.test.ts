// The encoder applies the PGV rules while it writes (encodeMessageChecked); validate.ts walks
// the JSON on its own. The two must agree on every message the encoder accepts: each golden
// output, and the same messages with one value broken in one of the ways the rules look for.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { typeNameOf } from '../src/codec.js';
import { envoyProtos } from '../src/protos.js';
import type { EnvoyMessage, EnvoyResource, XdsBuildResult } from '../src/index.js';
import { validateEncodedMessageJson, validateMessageJson } from '../src/validate.js';
import { encodeMessageChecked } from '../src/wire.js';
import { fuzzParameters } from '@portico/test-support';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden');

function goldenResources(): EnvoyResource[] {
  const out: EnvoyResource[] = [];
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.out.yaml')).sort()) {
    const result = parse(readFileSync(path.join(dir, file), 'utf8')) as XdsBuildResult;
    for (const group of Object.values(result.groups)) {
      out.push(...group.listeners, ...group.routes, ...group.clusters, ...group.endpoints, ...group.secrets);
    }
  }
  return out;
}

type Json = unknown;
type Path = Array<string | number>;

/** Every place in a JSON tree a value sits (objects' keys and lists' indices). */
function pathsOf(value: Json, at: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(value)) {
    out.push(at);
    value.forEach((item, i) => pathsOf(item, [...at, i], out));
  } else if (typeof value === 'object' && value !== null) {
    out.push(at);
    for (const [key, item] of Object.entries(value)) pathsOf(item, [...at, key], out);
  } else {
    out.push(at);
  }
  return out;
}

// Values the PGV rules of these messages tell apart: empty, too long, control characters,
// header-name characters, zero, negative, out of range, empty lists, repeats.
const BREAKS: Array<(value: Json) => Json | typeof REMOVE> = [
  () => REMOVE,
  (v) => (typeof v === 'string' ? '' : v),
  (v) => (typeof v === 'string' ? `${v}\n` : v),
  (v) => (typeof v === 'string' ? `${v} x` : v),
  (v) => (typeof v === 'string' ? `:${v}` : v),
  (v) => (typeof v === 'string' ? 'x'.repeat(70_000) : v),
  (v) => (typeof v === 'string' && /^\d+(\.\d+)?s$/.test(v) ? '0s' : v),
  (v) => (typeof v === 'string' && /^\d+(\.\d+)?s$/.test(v) ? '-1s' : v),
  (v) => (typeof v === 'number' ? 0 : v),
  (v) => (typeof v === 'number' ? 70_000 : v),
  (v) => (typeof v === 'number' ? 4_294_967_295 : v),
  (v) => (typeof v === 'string' && /^[A-Z][A-Z0-9_]+$/.test(v) ? 99 : v),
  (v) => (Array.isArray(v) ? [] : v),
  (v) => (Array.isArray(v) && v.length > 0 ? [...v, v[0]] : v),
  (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? {} : v),
];
const REMOVE = Symbol('remove');

function broken(message: EnvoyMessage, at: Path, breakValue: (value: Json) => Json | typeof REMOVE): EnvoyMessage {
  const copy = structuredClone(message) as Record<string | number, Json>;
  if (at.length === 0) return copy as EnvoyMessage;
  let parent: Record<string | number, Json> = copy;
  for (const segment of at.slice(0, -1)) parent = parent[segment] as Record<string | number, Json>;
  const last = at[at.length - 1];
  const next = breakValue(parent[last]);
  if (next !== REMOVE) parent[last] = next;
  else if (Array.isArray(parent)) parent.splice(last as number, 1);
  else delete parent[last];
  return copy as EnvoyMessage;
}

/** Whether both walks agree; undefined when the encoder refuses the message (no PGV then). */
function agreement(typeName: string, message: EnvoyMessage): { inline: boolean; walk: boolean } | undefined {
  let passed: boolean;
  try {
    passed = encodeMessageChecked(typeName, message).passed;
  } catch {
    return undefined;
  }
  const errors = validateEncodedMessageJson(typeName, message);
  expect(validateMessageJson(typeName, message)).toEqual(errors);
  return { inline: passed, walk: errors.length === 0 };
}

const resources = goldenResources();

describe('PGV applied while encoding (encodeMessageChecked)', () => {
  it('passes every golden resource, as validate.ts does', () => {
    expect(resources.length).toBeGreaterThan(50);
    for (const resource of resources) {
      expect(agreement(typeNameOf(resource.type), resource.message), `${resource.type} ${resource.name}`).toEqual({ inline: true, walk: true });
    }
  });

  it('fails what validate.ts fails, and only that, for every break of every field the golden resources set', () => {
    // One place per resource type and field path (list indices aside), each broken every way.
    const seen = new Set<string>();
    let failures = 0;
    let compared = 0;
    for (const resource of resources) {
      for (const at of pathsOf(resource.message)) {
        const shape = `${resource.type} ${at.filter((segment) => typeof segment === 'string').join('.')}`;
        if (seen.has(shape)) continue;
        seen.add(shape);
        for (const breakValue of BREAKS) {
          const result = agreement(typeNameOf(resource.type), broken(resource.message, at, breakValue));
          if (!result) continue;
          compared++;
          if (!result.walk) failures++;
          expect(result.inline, `${shape} (${resource.name})`).toBe(result.walk);
        }
      }
    }
    expect(compared).toBeGreaterThan(1000);
    expect(failures).toBeGreaterThan(200);
  });

  it('fails what validate.ts fails, and only that, with one value broken anywhere', () => {
    let failures = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: resources.length - 1 }),
        fc.nat(),
        fc.integer({ min: 0, max: BREAKS.length - 1 }),
        (resourceIndex, pathIndex, breakIndex) => {
          const resource = resources[resourceIndex];
          const paths = pathsOf(resource.message);
          const message = broken(resource.message, paths[pathIndex % paths.length], BREAKS[breakIndex]);
          const result = agreement(typeNameOf(resource.type), message);
          if (!result) return;
          if (!result.walk) failures++;
          expect(result.inline).toBe(result.walk);
        },
      ),
      fuzzParameters(1000, 20261123),
    );
    // The breaks reach rules: a good share of the encodable messages fail them.
    expect(failures).toBeGreaterThan(30);
  });

  it('checks nothing below a field whose rules say message.skip, nor in or below a disabled message', () => {
    // No Envoy message loaded here uses either option, so a test package adds some.
    const root = envoyProtos();
    protobuf.parse(
      `syntax = "proto3"; package portico.inline_test;
       message Inner { string name = 1 [(validate.rules).string.min_len = 1]; }
       message Off { option (validate.disabled) = true; Inner inner = 1; string name = 2 [(validate.rules).string.min_len = 1]; }
       message Outer {
         Inner skipped = 1 [(validate.rules).message.skip = true];
         repeated Inner skipped_items = 2 [(validate.rules).repeated.items.message.skip = true];
         map<string, Inner> skipped_values = 3 [(validate.rules).map.values.message.skip = true];
         Inner checked = 4;
         Off off = 5;
         repeated Inner checked_items = 6;
       }`,
      root,
      { keepCase: true },
    );
    root.resolveAll();
    const type = 'portico.inline_test.Outer';
    const bad = { name: '' };
    const cases: Array<[EnvoyMessage, boolean]> = [
      [{ checked: { name: 'a' } }, true],
      [{ checked: bad }, false],
      [{ checked_items: [{ name: 'a' }, bad] }, false],
      [{ skipped: bad }, true],
      [{ skipped_items: [bad] }, true],
      [{ skipped_values: { k: bad } }, true],
      [{ off: { name: '', inner: bad } }, true],
      [{ skipped: bad, checked: bad }, false],
    ];
    for (const [message, valid] of cases) {
      expect(agreement(type, message), JSON.stringify(message)).toEqual({ inline: valid, walk: valid });
    }
  });
});
