// The translator's golden inputs with values swapped at random for values their CRDs would
// refuse (wrong types, out-of-range numbers, control characters, malformed names, missing
// fields): what a manifest file, or a cluster without the CRDs' validation, can hold. Each is
// translated (cold and through a memo), built and explained. Nothing may throw, and screening
// must refuse nothing, and nothing that must be unique in Envoy's eyes may repeat: anything Envoy
// would refuse has to be caught by the translator and reported on its object, because a refused
// RouteConfiguration takes every route of its port.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ResourceSet, loadManifests } from '@portico/api';
import { certificatePlaceholderNames, certificatesForPlaceholders, envoyLoadProblems, fillCertificatePlaceholders, fuzzParameters } from '@portico/test-support';
import { explainRequest } from '@portico/explain';
import { TranslationMemo, translate } from '@portico/translator';
import { buildXds, type EnvoyResources } from '@portico/xds';

const goldenDir = fileURLToPath(new URL('../../translator/test/golden/', import.meta.url));
const texts = readdirSync(goldenDir)
  .filter((file) => file.endsWith('.in.yaml'))
  .sort()
  .map((file) => ({ file, text: readFileSync(`${goldenDir}${file}`, 'utf8') }));
const certificates = await certificatesForPlaceholders(...texts.map(({ text }) => text));
// Each input twice: certificate placeholders unfilled (a PEM that is not one is bad input too)
// and filled with generated key pairs (so TLS listeners, client validation and backend TLS are built).
const inputs = texts.flatMap(({ file, text }) => {
  const unfilled = { file, objects: loadManifests(text, file).objects };
  if (certificatePlaceholderNames(text).length === 0) return [unfilled];
  return [unfilled, { file: `${file} (with key pairs)`, objects: loadManifests(fillCertificatePlaceholders(text, certificates), file).objects }];
});

const REFUSED_VALUES: readonly unknown[] = [
  null, -1, 0, 65536, 1e20, 1.5, '', '\u0000', 'a'.repeat(5000), [], {}, true, '*', '::1', '/', '%', '(', '[', '\\',
  'ünï', '-1', '0x10', '..', '/../', 'a b', 'A'.repeat(300), [null], [''], { '': 1 }, '*.', '*.*', '.', 'https://', 'x:y',
  '999999999999999999999',
  // A mapping whose toString is not a function: String() and template literals throw on it.
  { toString: 'x' },
];

/** `value` with every number one higher: the same entry, valid still, but not equal. */
function numbersShifted(value: unknown): unknown {
  if (typeof value === 'number') return value + 1;
  if (Array.isArray(value)) return value.map(numbersShifted);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, numbersShifted(item)]));
  return value;
}

/** An object with a `hostname` under another valid one; anything else as it is. */
function otherHostname(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !('hostname' in value)) return value;
  const hostname = (value as { hostname: unknown }).hostname;
  const other = typeof hostname !== 'string' ? 'other.example.com' : hostname.startsWith('*.') ? `*.other-${hostname.slice(2)}` : `other.${hostname}`;
  return { ...value, hostname: other };
}

/** A copy of `value` with fields swapped, dropped or added at the rate given, by a seeded generator. */
function mutate(value: unknown, random: () => number, rate: number, depth = 0): unknown {
  const pick = (): unknown => REFUSED_VALUES[Math.floor(random() * REFUSED_VALUES.length)];
  if (Array.isArray(value)) {
    const out = value.map((item) => mutate(item, random, rate, depth + 1));
    if (random() < rate / 2) out.push(pick());
    // An entry twice (a port, a listener, a hostname): what must be unique is then not. The copy
    // is the same, or differs elsewhere at random, or is the same entry under the same name with
    // another valid value (the next port, another hostname): a listener of one name twice.
    if (out.length > 0 && random() < rate / 2) {
      const copy = structuredClone(out[Math.floor(random() * out.length)]);
      const draw = random();
      out.push(draw < 0.25 ? copy : draw < 0.5 ? mutate(copy, random, rate, depth + 1) : draw < 0.75 ? numbersShifted(copy) : otherHostname(copy));
    }
    return out;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (random() < rate / 3) continue;
      // Defined, not assigned: a `__proto__` key (below) stays an own field, as YAML and JSON make it.
      const field = depth > 0 && random() < rate ? pick() : mutate(item, random, rate, depth + 1);
      Object.defineProperty(out, key, { value: field, enumerable: true, configurable: true, writable: true });
    }
    // A `__proto__` key, as YAML and JSON make it: an own field (not the prototype) holding the
    // object's own fields with refused values, which nothing may read.
    if (random() < rate / 4) {
      const shadow = Object.fromEntries(Object.keys(value).map((key) => [key, pick()]));
      Object.defineProperty(out, '__proto__', { value: shadow, enumerable: true, configurable: true, writable: true });
    }
    return out;
  }
  return value;
}

/** mulberry32: well spread from the first draw even for small seeds. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x100000000;
  };
}

/**
 * What Envoy refuses beyond its protos' rules, which screening cannot see: resources of one type
 * with one name, a domain twice in a route table, two filter chains with one match or one name,
 * two bound listeners on one address, and what envoyLoadProblems checks in each resource.
 */
function envoyWouldRefuse(resources: EnvoyResources): string[] {
  const problems: string[] = [];
  const unique = (values: readonly string[], what: string): void => {
    const seen = new Set<string>();
    for (const value of values) {
      if (seen.has(value)) problems.push(`${what} ${value} twice`);
      seen.add(value);
    }
  };
  for (const [type, list] of Object.entries(resources)) unique((list as Array<{ name: string }>).map((r) => r.name), `${type} name`);
  for (const route of resources.routes) {
    const hosts = (route.message.virtual_hosts ?? []) as Array<{ name: string; domains?: string[] }>;
    unique(hosts.map((host) => host.name), `${route.name}: virtual host`);
    unique(hosts.flatMap((host) => (host.domains ?? []).map((domain) => domain.toLowerCase())), `${route.name}: domain`);
  }
  const addresses: string[] = [];
  for (const listener of resources.listeners) {
    const chains = (listener.message.filter_chains ?? []) as Array<{ name?: string; filter_chain_match?: unknown }>;
    unique(chains.map((chain) => JSON.stringify(chain.filter_chain_match ?? {})), `${listener.name}: filter chain match`);
    unique(chains.flatMap((chain) => (chain.name ? [chain.name] : [])), `${listener.name}: filter chain name`);
    const socket = (listener.message.address as { socket_address?: { address: string; port_value: number; protocol?: string } } | undefined)?.socket_address;
    if (socket) addresses.push(`${socket.protocol ?? 'TCP'} ${socket.address}:${socket.port_value}`);
  }
  unique(addresses, 'listener address');
  // And the checks Envoy makes on each resource as it loads it (test-support's envoy-load.ts).
  for (const list of Object.values(resources)) {
    for (const resource of list as Array<{ name: string; message: unknown }>) problems.push(...envoyLoadProblems(resource.message, resource.name));
  }
  return problems;
}

describe('golden inputs with refused values', () => {
  it('never throw, and every resource built passes screening', () => {
    fc.assert(
      fc.property(fc.constantFrom(...inputs), fc.noBias(fc.integer({ min: 0, max: 0x7fffffff })), fc.constantFrom(0.08, 0.2), ({ file, objects }, seed, rate) => {
        const random = seeded(seed);
        const mutated = objects.map((object) => mutate(object, random, rate)) as typeof objects;
        const options = { controllerName: 'portico.dev/gateway-controller', ...(file.startsWith('mesh-') ? { mesh: true } : {}) };
        const memo = new TranslationMemo();
        translate(ResourceSet.from(objects), { ...options, memo });
        const result = translate(ResourceSet.from(mutated), { ...options, memo });
        const cold = translate(ResourceSet.from(mutated), options);
        expect(JSON.stringify(result.ir)).toEqual(JSON.stringify(cold.ir));
        const built = buildXds(result.ir);
        expect(built.rejected, JSON.stringify(built.rejected).slice(0, 600)).toEqual([]);
        for (const resources of Object.values(built.groups) as EnvoyResources[]) expect(envoyWouldRefuse(resources)).toEqual([]);
        for (const resources of Object.values(built.groups) as EnvoyResources[]) {
          for (const path of ['/', '/a/b', '/(']) explainRequest(resources, { authority: 'a.example.com', path, port: 80, headers: {} });
        }
      }),
      fuzzParameters(2000, 20261124),
    );
  });
});
