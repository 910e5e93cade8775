import { describe, expect, it } from 'vitest';
import { ResourceSet, loadManifests, type HTTPRoute } from '@portico/api';
import { TranslationMemo, translate } from '@portico/translator';
import { FEATURES, buildXds, createXdsBuildMemo, encodeResource, encodedBytesOf } from '@portico/xds';
import { readFileSync } from 'node:fs';
import type { EnvoyResource } from '@portico/xds';
import { SnapshotCache } from '../src/index.js';
import { encodeEnvoyResource } from './support/envoy-encoder.js';
import { pipeline } from './support/pipeline.js';
import { apiListener, build, edsCluster, endpoints, routeConfiguration } from './support/resources.js';

function countingEncoder() {
  const calls: string[] = [];
  return {
    calls,
    encode: (resource: EnvoyResource) => {
      calls.push(`${resource.type}/${resource.name}`);
      return encodeEnvoyResource(resource);
    },
  };
}

const base = () => [
  apiListener('echo:1', 'routes'),
  routeConfiguration('routes', [{ clusters: [{ name: 'a' }] }]),
  edsCluster('a'),
  endpoints('a', [1000]),
];

describe('SnapshotCache', () => {
  it('is not ready before the first snapshot and resolves waiters on it', async () => {
    const cache = new SnapshotCache({ encode: encodeEnvoyResource });
    expect(cache.ready).toBe(false);
    expect(cache.version).toBe(0);
    let resolved = false;
    const ready = cache.whenReady().then(() => (resolved = true));
    await Promise.resolve();
    expect(resolved).toBe(false);
    cache.setSnapshot(build({}));
    await ready;
    expect(cache.ready).toBe(true);
    expect(cache.version).toBe(1);
  });

  it('encodes each changed resource once, keeps bytes and versions of unchanged ones', () => {
    const encoder = countingEncoder();
    const cache = new SnapshotCache({ encode: encoder.encode });
    cache.setSnapshot(build({ 'ns/gw': base() }));
    expect(encoder.calls.sort()).toEqual(['cluster/a', 'endpoint/a', 'listener/echo:1', 'route/routes']);
    const before = cache.group('ns/gw');
    const listener = before.listener.get('echo:1');
    expect(listener?.version).toMatch(/^[\w-]{16}$/);

    encoder.calls.length = 0;
    // Fresh objects with equal content: nothing is re-encoded.
    const change = cache.setSnapshot(build({ 'ns/gw': base() }));
    expect(encoder.calls).toEqual([]);
    expect(change.groups.size).toBe(0);
    expect(cache.group('ns/gw').listener.get('echo:1')).toBe(listener);
    expect(cache.version).toBe(2);

    const updated = base().map((r) => (r.type === 'endpoint' ? endpoints('a', [1000, 1001]) : r));
    const next = cache.setSnapshot(build({ 'ns/gw': updated }));
    expect(encoder.calls).toEqual(['endpoint/a']);
    const groupChange = next.groups.get('ns/gw');
    expect([...(groupChange?.endpoint.changed ?? [])]).toEqual(['a']);
    expect(groupChange?.cluster.changed.size).toBe(0);
    expect(cache.group('ns/gw').endpoint.get('a')?.version).not.toBe(before.endpoint.get('a')?.version);
    expect(cache.group('ns/gw').cluster.get('a')).toBe(before.cluster.get('a'));
  });

  it('shares one encoding between groups serving the same content', () => {
    const encoder = countingEncoder();
    const cache = new SnapshotCache({ encode: encoder.encode });
    cache.setSnapshot(build({ 'ns/one': [edsCluster('shared')], 'ns/two': [edsCluster('shared')] }));
    expect(encoder.calls).toEqual(['cluster/shared']);
    expect(cache.group('ns/one').cluster.get('shared')).toBe(cache.group('ns/two').cluster.get('shared'));
  });

  it('reports removed resources and removed groups', () => {
    const cache = new SnapshotCache({ encode: encodeEnvoyResource });
    cache.setSnapshot(build({ 'ns/gw': base(), 'ns/old': [edsCluster('x')] }));
    const change = cache.setSnapshot(build({ 'ns/gw': base().filter((r) => r.type !== 'endpoint') }));
    expect([...(change.groups.get('ns/gw')?.endpoint.removed ?? [])]).toEqual(['a']);
    expect([...(change.groups.get('ns/old')?.cluster.removed ?? [])]).toEqual(['x']);
    expect(cache.hasGroup('ns/old')).toBe(false);
    expect(cache.group('ns/old').cluster.size).toBe(0);
  });

  it('drops only the resource that fails to encode and reports it', () => {
    const cache = new SnapshotCache({
      encode: (resource) => {
        if (resource.name === 'bad') throw new Error('cluster bad: connect_timeout must be > 0');
        return encodeEnvoyResource(resource);
      },
    });
    const errors: string[] = [];
    cache.events.on('encode_error', (event) => errors.push(`${event.proxyGroup} ${event.name}`));
    cache.setSnapshot(build({ 'ns/gw': [edsCluster('good'), edsCluster('bad')] }));
    expect([...cache.group('ns/gw').cluster.keys()]).toEqual(['good']);
    expect(errors).toEqual(['ns/gw bad']);
    expect(cache.encodeErrors()).toEqual([expect.objectContaining({ name: 'bad', type: 'cluster' })]);
  });

  it('emits a snapshot event with counts', () => {
    const cache = new SnapshotCache({ encode: encodeEnvoyResource });
    const events: unknown[] = [];
    cache.events.on('snapshot', (event) => events.push(event));
    cache.setSnapshot(build({ 'ns/gw': base() }));
    cache.setSnapshot(build({ 'ns/gw': base().slice(0, 3) }));
    expect(events).toEqual([
      { version: 1, groups: 1, changed: 4, removed: 0, encoded: 4 },
      { version: 2, groups: 1, changed: 0, removed: 1, encoded: 0 },
    ]);
  });

  it('serves the bytes buildXds wrote while checking, without encoding again', () => {
    const built = pipeline({ fixture: 'echo-routes.yaml', values: { PORT_A: 50051, PORT_B: 50052 } }).xds;
    const cache = new SnapshotCache();
    cache.setSnapshot(built);
    const [groupName] = Object.keys(built.groups);
    const group = built.groups[groupName];
    const resources = [...group.listeners, ...group.routes, ...group.clusters, ...group.endpoints];
    expect(resources.length).toBeGreaterThan(3);
    const view = cache.group(groupName);
    for (const resource of resources) {
      const prebuilt = encodedBytesOf(resource);
      expect(prebuilt, `${resource.type}/${resource.name}`).toBeDefined();
      const served = view[resource.type].get(resource.name);
      // The very same memory (not a second encoding), holding what encoding the resource writes.
      expect(served?.any.value.buffer).toBe(prebuilt?.buffer);
      expect(Buffer.from(served?.any.value ?? []).equals(Buffer.from(encodeResource(resource)))).toBe(true);
    }
  });

  it('after an edit built with the control plane\'s memos, announces only what changed and serves what a fresh cache serves', () => {
    const text = readFileSync(new URL('./fixtures/echo-routes.yaml', import.meta.url), 'utf8')
      .replaceAll('${PORT_A}', '50051')
      .replaceAll('${PORT_B}', '50052');
    const loaded = loadManifests(text, 'echo-routes.yaml');
    expect(loaded.problems).toEqual([]);
    const options = { controllerName: 'portico.dev/gateway-controller', memo: new TranslationMemo() };
    const xdsMemo = createXdsBuildMemo();
    const cache = new SnapshotCache();
    const serve = (objects: typeof loaded.objects) => buildXds(translate(ResourceSet.from(objects), options).ir, FEATURES, xdsMemo);
    const first = serve(loaded.objects);
    cache.setSnapshot(first);

    // One route edited; every other object is handed over as the same object, as the providers do.
    const edited = loaded.objects.map((object) =>
      object.kind === 'HTTPRoute' && object.metadata.name === 'split' ? { ...(object as HTTPRoute), spec: { ...(object as HTTPRoute).spec, hostnames: ['split2.test'] } } : object,
    );
    const second = serve(edited);
    const change = cache.setSnapshot(second);
    const changed = [...change.groups.values()].flatMap((perType) => Object.values(perType).flatMap((c) => [...c.changed, ...c.removed]));
    expect(changed).toEqual(['e2e/mesh/50051/http']);
    // The unchanged clusters were served from the entries kept for their resource objects.
    expect(second.groups['e2e/mesh'].clusters[0]).toBe(first.groups['e2e/mesh'].clusters[0]);

    const fresh = new SnapshotCache();
    fresh.setSnapshot(buildXds(translate(ResourceSet.from(edited), { controllerName: options.controllerName }).ir));
    for (const group of fresh.groups()) {
      for (const [type, view] of Object.entries(fresh.group(group))) {
        const served = cache.group(group)[type as keyof ReturnType<typeof fresh.group>];
        expect([...served.keys()]).toEqual([...view.keys()]);
        for (const [name, resource] of view) {
          expect(served.get(name)?.version).toBe(resource.version);
          expect(Buffer.from(served.get(name)?.any.value ?? []).equals(Buffer.from(resource.any.value))).toBe(true);
        }
      }
    }
  });
});
