import { describe, expect, it } from 'vitest';
import { TYPE_URLS, type EnvoyResource, type ResourceType } from '@portico/xds';
import { SnapshotCache } from '../src/index.js';
import { HeldResources, type DeltaStream, type WireDeltaResponse } from './support/ads-client.js';
import { adsHarness } from './support/ads-harness.js';
import { encodeEnvoyResource } from './support/envoy-encoder.js';
import { apiListener, build, edsCluster, endpoints, routeConfiguration } from './support/resources.js';

const NODE = { id: 'delta-1', cluster: 'ns/gw' };

const serve = adsHarness();

function setup() {
  return serve(new SnapshotCache({ encode: encodeEnvoyResource }));
}

function gateway(cluster = 'backend-a', port = 1000): EnvoyResource[] {
  return [
    apiListener('echo:1', 'routes'),
    routeConfiguration('routes', [{ clusters: [{ name: cluster }] }]),
    edsCluster(cluster),
    endpoints(cluster, [port]),
  ];
}

function subscribe(stream: DeltaStream, type: ResourceType, names: string[], options: { first?: boolean; initial?: Record<string, string> } = {}) {
  stream.send({
    type_url: TYPE_URLS[type],
    node: options.first ? NODE : undefined,
    resource_names_subscribe: names,
    initial_resource_versions: options.initial,
  });
}

function ack(stream: DeltaStream, response: WireDeltaResponse, error?: string) {
  stream.send({
    type_url: response.type_url,
    response_nonce: response.nonce,
    error_detail: error ? { code: 3, message: error } : undefined,
  });
}

const namesOf = (response: WireDeltaResponse) => response.resources.map((resource) => resource.name);

/** A stream subscribed like Envoy (LDS, RDS, CDS, EDS) to a gateway whose routes use cluster "old", every response ACKed. */
async function inSyncWithClusterOld() {
  const { cache, client } = await setup();
  cache.setSnapshot(build({ 'ns/gw': gateway('old') }));
  const stream = client.delta();
  subscribe(stream, 'listener', [], { first: true });
  ack(stream, await stream.next());
  subscribe(stream, 'route', ['routes']);
  ack(stream, await stream.next());
  subscribe(stream, 'cluster', []);
  ack(stream, await stream.next());
  subscribe(stream, 'endpoint', ['old']);
  ack(stream, await stream.next());
  expect(await stream.quiet()).toBe(true);
  return { cache, stream };
}


describe('ADS delta', () => {
  it('keeps a client equal to the cache through many changes, including snapshots that skip its group', async () => {
    const { cache, client } = await setup();
    const clustersAt = (step: number) =>
      Array.from({ length: 12 }, (_, i) => i)
        .filter((i) => (i + step) % 5 !== 0)
        .map((i) => edsCluster(`c${i}`, (i * step) % 3));
    cache.setSnapshot(build({ 'ns/gw': clustersAt(0), 'other/gw': [edsCluster('x')] }));
    const stream = client.delta();
    subscribe(stream, 'cluster', [], { first: true });
    const holder = new HeldResources(stream);
    const held = holder.of(TYPE_URLS.cluster);
    const apply = () => holder.applyUntilQuiet();
    const expected = () => new Map([...cache.group('ns/gw').cluster].map(([name, resource]) => [name, resource.version]));
    await apply();
    expect(held).toEqual(expected());
    const computed: string[] = [];
    cache.events.on('push', (event) => computed.push(event.computed));
    for (let step = 1; step <= 6; step++) {
      cache.setSnapshot(build({ 'ns/gw': clustersAt(step), 'other/gw': [edsCluster('x')] }));
      // Another group changes alone: nothing for this stream, which must stay able to apply the next change alone.
      cache.setSnapshot(build({ 'ns/gw': clustersAt(step), 'other/gw': [edsCluster('x', step)] }));
      await apply();
      expect(held, `after step ${step}`).toEqual(expected());
    }
    // Every change went out from the snapshots' change sets, not from a diff of the whole group.
    expect(computed.length).toBeGreaterThanOrEqual(6);
    expect(new Set(computed)).toEqual(new Set(['changes']));
  });

  it('serves a wildcard, then only what changed, then removals', async () => {
    const { cache, client } = await setup();
    cache.setSnapshot(build({ 'ns/gw': [edsCluster('a'), edsCluster('b'), edsCluster('c')] }));
    const stream = client.delta();
    subscribe(stream, 'cluster', [], { first: true });
    const initial = await stream.next();
    expect(initial.type_url).toBe(TYPE_URLS.cluster);
    expect(namesOf(initial)).toEqual(['a', 'b', 'c']);
    expect(initial.resources[0].version).toBe(cache.group('ns/gw').cluster.get('a')?.version);
    expect(initial.removed_resources).toEqual([]);
    ack(stream, initial);
    expect(await stream.quiet()).toBe(true);

    cache.setSnapshot(build({ 'ns/gw': [edsCluster('a'), edsCluster('b', 5), edsCluster('d')] }));
    const changed = await stream.next();
    expect(namesOf(changed)).toEqual(['b', 'd']);
    expect(changed.removed_resources).toEqual([]);
    // No listeners or routes on this stream: the removal follows at once.
    const removed = await stream.next();
    expect(removed.resources).toEqual([]);
    expect(removed.removed_resources).toEqual(['c']);
    ack(stream, changed);
    ack(stream, removed);
    expect(await stream.quiet()).toBe(true);
    expect(cache.connectedProxies()[0]).toMatchObject({ mode: 'delta', proxyGroup: 'ns/gw' });
  });

  it("sends a changed cluster's endpoints again though they did not change, so that Envoy ends its warming", async () => {
    const { cache, client } = await setup();
    cache.setSnapshot(build({ 'ns/gw': [edsCluster('a'), endpoints('a', [1000]), edsCluster('b'), endpoints('b', [2000])] }));
    const stream = client.delta();
    subscribe(stream, 'cluster', [], { first: true });
    const clusters = await stream.next();
    ack(stream, clusters);
    subscribe(stream, 'endpoint', ['a', 'b']);
    const assignments = await stream.next();
    expect(namesOf(assignments)).toEqual(['a', 'b']);
    ack(stream, assignments);
    expect(await stream.quiet()).toBe(true);

    // Cluster a changes (its connect timeout); no endpoint does. Envoy sends no request for them.
    cache.setSnapshot(build({ 'ns/gw': [edsCluster('a', 9), endpoints('a', [1000]), edsCluster('b'), endpoints('b', [2000])] }));
    const changed = await stream.next();
    expect(changed.type_url).toBe(TYPE_URLS.cluster);
    expect(namesOf(changed)).toEqual(['a']);
    const again = await stream.next();
    expect(again.type_url).toBe(TYPE_URLS.endpoint);
    expect(namesOf(again)).toEqual(['a']);
    expect(again.resources[0].version).toBe(assignments.resources[0].version);
    ack(stream, changed);
    ack(stream, again);
    expect(await stream.quiet()).toBe(true);
  });

  it('names a subscribed resource that does not exist as removed, also when it was subscribed before the first snapshot', async () => {
    const { cache, client } = await setup();
    const stream = client.delta();
    subscribe(stream, 'endpoint', ['a', 'missing'], { first: true });
    expect(await stream.quiet(300)).toBe(true);
    cache.setSnapshot(build({ 'ns/gw': [edsCluster('a'), endpoints('a', [1000])] }));
    const first = await stream.next();
    expect(namesOf(first)).toEqual(['a']);
    expect(first.removed_resources).toEqual(['missing']);
  });

  it('honours initial_resource_versions', async () => {
    const { cache, client } = await setup();
    cache.setSnapshot(build({ 'ns/gw': [edsCluster('a'), edsCluster('b')] }));
    const stream = client.delta();
    const versionOfA = cache.group('ns/gw').cluster.get('a')?.version ?? '';
    subscribe(stream, 'cluster', ['*'], { first: true, initial: { a: versionOfA, b: 'outdated', gone: 'v0' } });
    const response = await stream.next();
    expect(namesOf(response)).toEqual(['b']);
    expect(response.removed_resources).toEqual(['gone']);
  });

  it('withdraws a declared resource that no longer exists even while removals are held back', async () => {
    const { cache, client } = await setup();
    const at = (routeTo: string) => [
      apiListener('echo:1', 'routes'),
      routeConfiguration('routes', [{ clusters: [{ name: routeTo }] }]),
      edsCluster('a'),
      edsCluster('b'),
    ];
    cache.setSnapshot(build({ 'ns/gw': at('a') }));
    const stream = client.delta();
    subscribe(stream, 'listener', [], { first: true });
    ack(stream, await stream.next());
    subscribe(stream, 'route', ['routes']);
    ack(stream, await stream.next());
    // A route push waits for its ACK, so removals are held back when the client (reconnected)
    // first asks for clusters and declares one that is gone.
    cache.setSnapshot(build({ 'ns/gw': at('b') }));
    const rds = await stream.next();
    const versionOf = (name: string) => cache.group('ns/gw').cluster.get(name)?.version ?? '';
    subscribe(stream, 'cluster', ['*'], { initial: { a: versionOf('a'), b: versionOf('b'), gone: 'v0' } });
    const cds = await stream.next();
    expect([namesOf(cds), cds.removed_resources]).toEqual([[], []]);
    ack(stream, cds);
    ack(stream, rds);
    const removal = await stream.next();
    expect([removal.type_url, removal.removed_resources]).toEqual([TYPE_URLS.cluster, ['gone']]);
  });

  it('subscribes and unsubscribes by name', async () => {
    const { cache, client } = await setup();
    cache.setSnapshot(build({ 'ns/gw': gateway() }));
    const stream = client.delta();
    subscribe(stream, 'route', ['routes'], { first: true });
    const first = await stream.next();
    expect(namesOf(first)).toEqual(['routes']);
    ack(stream, first);
    stream.send({ type_url: TYPE_URLS.route, resource_names_unsubscribe: ['routes'] });
    expect(await stream.quiet()).toBe(true);
    cache.setSnapshot(build({ 'ns/gw': gateway('backend-b') }));
    expect(await stream.quiet()).toBe(true);
    subscribe(stream, 'route', ['routes']);
    const again = await stream.next();
    expect(namesOf(again)).toEqual(['routes']);
    // A name nobody serves is answered as removed (xDS: "Knowing When a Requested Resource Does
    // Not Exist"), so the client need not wait for its fetch timeout; nothing is invented.
    ack(stream, again);
    subscribe(stream, 'route', ['unknown']);
    const missing = await stream.next();
    expect([namesOf(missing), missing.removed_resources]).toEqual([[], ['unknown']]);
    ack(stream, missing);
    expect(await stream.quiet()).toBe(true);
  });

  it('resends a resource subscribed to again, even one the client is believed to hold', async () => {
    const { cache, client } = await setup();
    cache.setSnapshot(build({ 'ns/gw': gateway() }));
    const stream = client.delta();
    subscribe(stream, 'endpoint', ['backend-a'], { first: true });
    const first = await stream.next();
    expect(namesOf(first)).toEqual(['backend-a']);
    ack(stream, first);
    expect(await stream.quiet()).toBe(true);
    // xDS: "the client may have forgotten those resources despite apparently remaining subscribed".
    subscribe(stream, 'endpoint', ['backend-a']);
    const again = await stream.next();
    expect([namesOf(again), again.removed_resources]).toEqual([['backend-a'], []]);
  });

  it('answers a name unsubscribed under a wildcard: the resource when the wildcard has it, else its removal', async () => {
    const { cache, client } = await setup();
    cache.setSnapshot(build({ 'ns/gw': [edsCluster('a'), edsCluster('b')] }));
    const stream = client.delta();
    subscribe(stream, 'cluster', ['*', 'a', 'elsewhere'], { first: true });
    const first = await stream.next();
    expect([namesOf(first), first.removed_resources]).toEqual([['a', 'b'], ['elsewhere']]);
    ack(stream, first);
    stream.send({ type_url: TYPE_URLS.cluster, resource_names_unsubscribe: ['a'] });
    const kept = await stream.next();
    expect([namesOf(kept), kept.removed_resources]).toEqual([['a'], []]);
    ack(stream, kept);
    subscribe(stream, 'cluster', ['gone-later']);
    const absent = await stream.next();
    expect(absent.removed_resources).toEqual(['gone-later']);
    ack(stream, absent);
    stream.send({ type_url: TYPE_URLS.cluster, resource_names_unsubscribe: ['gone-later'] });
    const dropped = await stream.next();
    expect([namesOf(dropped), dropped.removed_resources]).toEqual([[], ['gone-later']]);
  });

  it('sends everything again after the wildcard is dropped and taken up again', async () => {
    const { cache, client } = await setup();
    cache.setSnapshot(build({ 'ns/gw': [edsCluster('a'), edsCluster('b')] }));
    const stream = client.delta();
    subscribe(stream, 'cluster', ['*'], { first: true });
    ack(stream, await stream.next());
    stream.send({ type_url: TYPE_URLS.cluster, resource_names_unsubscribe: ['*'] });
    // Dropping a subscription needs no answer: the client forgets what it no longer wants.
    expect(await stream.quiet()).toBe(true);
    subscribe(stream, 'cluster', ['*']);
    const again = await stream.next();
    expect(namesOf(again)).toEqual(['a', 'b']);
  });

  it('records a NACK and does not resend the rejected resource', async () => {
    const { cache, client } = await setup();
    cache.setSnapshot(build({ 'ns/gw': gateway() }));
    const stream = client.delta();
    subscribe(stream, 'endpoint', ['backend-a'], { first: true });
    ack(stream, await stream.next());
    cache.setSnapshot(build({ 'ns/gw': gateway('backend-a', 2000) }));
    const rejected = await stream.next();
    ack(stream, rejected, 'no port 2000');
    expect(await stream.quiet()).toBe(true);
    expect(cache.nackErrors()).toEqual([
      expect.objectContaining({ node: 'delta-1', type: 'endpoint', resourceNames: ['backend-a'], message: 'no port 2000', version: rejected.system_version_info }),
    ]);
    cache.setSnapshot(build({ 'ns/gw': [...gateway('backend-a', 2000), edsCluster('unrelated')] }));
    expect(await stream.quiet()).toBe(true);
    cache.setSnapshot(build({ 'ns/gw': gateway('backend-a', 3000) }));
    const fixed = await stream.next();
    expect(namesOf(fixed)).toEqual(['backend-a']);
    ack(stream, fixed);
    await expect.poll(() => cache.nackErrors().length).toBe(0);
  });

  it('keeps the old cluster while the proxy refuses the new one the routes moved to, until it accepts clusters again', async () => {
    const { cache, stream } = await inSyncWithClusterOld();

    cache.setSnapshot(build({ 'ns/gw': gateway('new') }));
    const cds = await stream.next();
    expect(namesOf(cds)).toEqual(['new']);
    ack(stream, cds, 'cluster new refused');
    // Not waited for (it will never have "new"): the routes go out, and are accepted.
    const rds = await stream.next();
    expect(rds.type_url).toBe(TYPE_URLS.route);
    ack(stream, rds);
    // "old" is all the proxy has for them: it is not withdrawn.
    expect(await stream.quiet(400)).toBe(true);

    // Cluster "new" fixed (another connect timeout); its routes and endpoints as they were.
    cache.setSnapshot(build({ 'ns/gw': [apiListener('echo:1', 'routes'), routeConfiguration('routes', [{ clusters: [{ name: 'new' }] }]), edsCluster('new', 3), endpoints('new', [1000])] }));
    const fixed = await stream.next();
    expect(namesOf(fixed)).toEqual(['new']);
    ack(stream, fixed);
    const removal = await stream.next(2_000);
    expect([removal.type_url, removal.removed_resources]).toEqual([TYPE_URLS.cluster, ['old']]);
  });

  it('orders a cluster swap: new cluster and its endpoints, routes, then removal after the routes are acknowledged', async () => {
    const { cache, stream } = await inSyncWithClusterOld();

    cache.setSnapshot(build({ 'ns/gw': gateway('new') }));
    const cds = await stream.next();
    expect([cds.type_url, namesOf(cds), cds.removed_resources]).toEqual([TYPE_URLS.cluster, ['new'], []]);
    // Make before break: no route to "new" until the proxy has it and its endpoints.
    expect(await stream.quiet(300)).toBe(true);
    ack(stream, cds);
    expect(await stream.quiet(300)).toBe(true);
    // Like Envoy: a new EDS cluster subscribes to its endpoints.
    subscribe(stream, 'endpoint', ['new']);
    const eds = await stream.next();
    expect([eds.type_url, namesOf(eds)]).toEqual([TYPE_URLS.endpoint, ['new']]);
    const rds = await stream.next();
    expect(rds.type_url).toBe(TYPE_URLS.route);
    expect(await stream.quiet(300)).toBe(true);
    ack(stream, eds);
    ack(stream, rds);
    const cdsRemoval = await stream.next();
    expect([cdsRemoval.type_url, cdsRemoval.removed_resources]).toEqual([TYPE_URLS.cluster, ['old']]);
    const edsRemoval = await stream.next();
    expect([edsRemoval.type_url, edsRemoval.removed_resources]).toEqual([TYPE_URLS.endpoint, ['old']]);
  });

  it('keeps an Envoy-like client equal to the cache: wildcard LDS and CDS, RDS and EDS by name, removals held for route ACKs', async () => {
    const { cache, client } = await setup();
    // Clusters come and go; the routes follow them, so removals wait for the route ACK.
    const namesAt = (step: number) => Array.from({ length: 8 }, (_, i) => `c${i}`).filter((_, i) => (i + step) % 4 !== 0);
    const at = (step: number) => {
      const names = namesAt(step);
      return [
        apiListener('echo:1', 'routes'),
        routeConfiguration('routes', [{ clusters: names.map((name) => ({ name })) }]),
        ...names.map((name) => edsCluster(name, 1 + ((step + name.length) % 3))),
        ...names.map((name) => endpoints(name, [1000 + (step % 2)])),
      ];
    };
    cache.setSnapshot(build({ 'ns/gw': at(0) }));
    const stream = client.delta();
    const held = new HeldResources(stream);
    const heldOf = (typeUrl: string) => held.of(typeUrl);
    const edsNames = new Set<string>();
    subscribe(stream, 'listener', [], { first: true });
    subscribe(stream, 'cluster', []);
    subscribe(stream, 'route', ['routes']);
    const apply = () =>
      held.applyUntilQuiet((response) => {
        if (response.type_url === TYPE_URLS.cluster) {
          // Like Envoy: endpoints of every cluster held, by name.
          const clusters = [...heldOf(TYPE_URLS.cluster).keys()];
          const added = clusters.filter((name) => !edsNames.has(name));
          const gone = [...edsNames].filter((name) => !clusters.includes(name));
          for (const name of added) edsNames.add(name);
          for (const name of gone) edsNames.delete(name);
          if (added.length > 0 || gone.length > 0) {
            stream.send({ type_url: TYPE_URLS.endpoint, resource_names_subscribe: added, resource_names_unsubscribe: gone });
          }
        }
      });
    const versions = (view: ReadonlyMap<string, { version: string }>, names?: Set<string>) =>
      new Map([...view].filter(([name]) => !names || names.has(name)).map(([name, resource]) => [name, resource.version]));
    const check = (what: string) => {
      const group = cache.group('ns/gw');
      expect(heldOf(TYPE_URLS.listener), what).toEqual(versions(group.listener));
      expect(heldOf(TYPE_URLS.route), what).toEqual(versions(group.route));
      expect(heldOf(TYPE_URLS.cluster), what).toEqual(versions(group.cluster));
      expect(heldOf(TYPE_URLS.endpoint), what).toEqual(versions(group.endpoint, edsNames));
      expect(edsNames, what).toEqual(new Set(group.endpoint.keys()));
    };
    await apply();
    check('initial sync');
    for (let step = 1; step <= 8; step++) {
      cache.setSnapshot(build({ 'ns/gw': at(step) }));
      if (step % 3 === 0) cache.setSnapshot(build({ 'ns/gw': at(step), 'other/gw': [edsCluster('x', step)] }));
      await apply();
      check(`after step ${step}`);
    }
  });
});
