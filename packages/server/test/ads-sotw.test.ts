import { describe, expect, it } from 'vitest';
import { TYPE_URLS, type EnvoyResource } from '@portico/xds';
import { SnapshotCache, type NackEvent } from '../src/index.js';
import { type SotwStream, type WireResponse } from './support/ads-client.js';
import { adsHarness } from './support/ads-harness.js';
import { decodeEnvoyResource, encodeEnvoyResource } from './support/envoy-encoder.js';
import { apiListener, build, edsCluster, endpoints, routeConfiguration } from './support/resources.js';

const NODE = { id: 'proxy-1', cluster: 'ns/gw' };

function names(response: WireResponse): string[] {
  return response.resources.map((any) => {
    const message = decodeEnvoyResource(any.type_url, any.value);
    return String(message.name ?? message.cluster_name);
  });
}

function gateway(options: { port?: number; cluster?: string; routeCluster?: string } = {}): EnvoyResource[] {
  const cluster = options.cluster ?? 'backend-a';
  return [
    apiListener('echo:1', 'routes'),
    routeConfiguration('routes', [{ clusters: [{ name: options.routeCluster ?? cluster }] }]),
    edsCluster(cluster),
    endpoints(cluster, [options.port ?? 1000]),
  ];
}

const serve = adsHarness();

function setup(cache = new SnapshotCache({ encode: encodeEnvoyResource })) {
  return serve(cache);
}

/** Subscribes a stream to everything of the gateway fixture and ACKs each response. */
async function subscribeAll(stream: SotwStream) {
  stream.request('listener', [], undefined, true);
  const lds = await stream.next();
  stream.request('listener', [], { response: lds });
  stream.request('route', ['routes']);
  const rds = await stream.next();
  stream.request('route', ['routes'], { response: rds });
  stream.request('cluster', []);
  const cds = await stream.next();
  stream.request('cluster', [], { response: cds });
  const clusterNames = names(cds);
  stream.request('endpoint', clusterNames);
  const eds = await stream.next();
  stream.request('endpoint', clusterNames, { response: eds });
  return { lds, rds, cds, eds };
}

describe('ADS state of the world', () => {
  it('serves nothing before the first snapshot, then answers the pending request', async () => {
    const { cache, client } = await setup();
    const stream = client.sotw(NODE);
    stream.request('listener', [], undefined, true);
    expect(await stream.quiet(400)).toBe(true);
    cache.setSnapshot(build({ 'ns/gw': gateway() }));
    const lds = await stream.next();
    expect(lds.type_url).toBe(TYPE_URLS.listener);
    expect(names(lds)).toEqual(['echo:1']);
    expect(lds.nonce).not.toBe('');
    expect(lds.version_info).not.toBe('');
  });

  it('serves wildcard LDS/CDS and named RDS/EDS, and stays quiet after ACKs', async () => {
    const { cache, client } = await setup();
    cache.setSnapshot(build({ 'ns/gw': [...gateway(), edsCluster('unused'), routeConfiguration('other', [{ clusters: [{ name: 'unused' }] }])] }));
    const stream = client.sotw(NODE);
    const { lds, rds, cds, eds } = await subscribeAll(stream);
    expect(names(lds)).toEqual(['echo:1']);
    expect(names(rds)).toEqual(['routes']);
    expect(names(cds)).toEqual(['backend-a', 'unused']);
    expect(names(eds)).toEqual(['backend-a']);
    expect(await stream.quiet()).toBe(true);
    const proxies = cache.connectedProxies();
    expect(proxies).toHaveLength(1);
    expect(proxies[0]).toMatchObject({ node: 'proxy-1', proxyGroup: 'ns/gw', mode: 'sotw' });
    const listenerState = proxies[0].types.find((type) => type.typeUrl === TYPE_URLS.listener);
    expect(listenerState).toMatchObject({ subscribed: '*', ackedVersion: lds.version_info, sentVersion: lds.version_info });
  });

  it('pushes changes, with a new version and nonce, only for the types that changed', async () => {
    const { cache, client } = await setup();
    cache.setSnapshot(build({ 'ns/gw': gateway({ port: 1000 }) }));
    const stream = client.sotw(NODE);
    const first = await subscribeAll(stream);
    expect(await stream.quiet()).toBe(true);
    cache.setSnapshot(build({ 'ns/gw': gateway({ port: 2000 }) }));
    const eds = await stream.next();
    expect(eds.type_url).toBe(TYPE_URLS.endpoint);
    expect(eds.version_info).not.toBe(first.eds.version_info);
    expect(eds.nonce).not.toBe(first.eds.nonce);
    const message = decodeEnvoyResource(eds.resources[0].type_url, eds.resources[0].value) as {
      endpoints: Array<{ lb_endpoints: Array<{ endpoint: { address: { socket_address: { port_value: number } } } }> }>;
    };
    expect(message.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value).toBe(2000);
    stream.request('endpoint', ['backend-a'], { response: eds });
    expect(await stream.quiet()).toBe(true);
  });

  it('on NACK keeps the last good version, never resends the rejected one, records the error', async () => {
    const { cache, client } = await setup();
    const nacks: NackEvent[] = [];
    cache.events.on('nack', (event) => nacks.push(event));
    cache.setSnapshot(build({ 'ns/gw': gateway({ port: 1000 }) }));
    const stream = client.sotw(NODE);
    const first = await subscribeAll(stream);

    cache.setSnapshot(build({ 'ns/gw': gateway({ port: 2000 }) }));
    const rejected = await stream.next();
    // As gRPC clients do: the NACK carries the new (rejected) version.
    stream.send({
      type_url: TYPE_URLS.endpoint,
      resource_names: ['backend-a'],
      version_info: rejected.version_info,
      response_nonce: rejected.nonce,
      error_detail: { code: 3, message: 'port 2000 is not allowed' },
    });
    expect(await stream.quiet(500)).toBe(true);
    expect(cache.nackErrors()).toEqual([
      expect.objectContaining({
        node: 'proxy-1',
        proxyGroup: 'ns/gw',
        type: 'endpoint',
        typeUrl: TYPE_URLS.endpoint,
        version: rejected.version_info,
        resourceNames: ['backend-a'],
        message: 'port 2000 is not allowed',
      }),
    ]);
    expect(nacks).toHaveLength(1);
    expect(rejected.version_info).not.toBe(first.eds.version_info);

    // A snapshot that changes something else does not resend the rejected endpoints.
    cache.setSnapshot(build({ 'ns/gw': [...gateway({ port: 2000 }), edsCluster('extra')] }));
    const cds = await stream.next();
    expect(cds.type_url).toBe(TYPE_URLS.cluster);
    stream.request('cluster', [], { response: cds });
    expect(await stream.quiet(500)).toBe(true);

    // New content is sent; its ACK clears the error.
    cache.setSnapshot(build({ 'ns/gw': [...gateway({ port: 3000 }), edsCluster('extra')] }));
    const fixed = await stream.next();
    expect(fixed.type_url).toBe(TYPE_URLS.endpoint);
    stream.request('endpoint', ['backend-a'], { response: fixed });
    await expect.poll(() => cache.nackErrors().length).toBe(0);
    const state = cache.connectedProxies()[0].types.find((type) => type.typeUrl === TYPE_URLS.endpoint);
    expect(state?.ackedVersion).toBe(fixed.version_info);
    expect(state?.nackedVersion).toBeUndefined();
  });

  it("sends a changed cluster's endpoints again though they did not change, so that Envoy ends its warming", async () => {
    const { cache, client } = await setup();
    const withTimeout = (seconds: number) => [apiListener('echo:1', 'routes'), routeConfiguration('routes', [{ clusters: [{ name: 'backend-a' }] }]), edsCluster('backend-a', seconds), endpoints('backend-a', [1000])];
    cache.setSnapshot(build({ 'ns/gw': withTimeout(2) }));
    const stream = client.sotw(NODE);
    const first = await subscribeAll(stream);
    expect(await stream.quiet()).toBe(true);
    cache.setSnapshot(build({ 'ns/gw': withTimeout(7) }));
    const cds = await stream.next();
    expect(cds.type_url).toBe(TYPE_URLS.cluster);
    const eds = await stream.next();
    expect(eds.type_url).toBe(TYPE_URLS.endpoint);
    expect(names(eds)).toEqual(['backend-a']);
    expect(eds.version_info).toBe(first.eds.version_info);
    expect(eds.nonce).not.toBe(first.eds.nonce);
    stream.request('cluster', [], { response: cds });
    stream.request('endpoint', ['backend-a'], { response: eds });
    expect(await stream.quiet()).toBe(true);
  });

  it('ignores requests that carry a stale nonce', async () => {
    const { cache, client } = await setup();
    cache.setSnapshot(build({ 'ns/gw': gateway({ port: 1000 }) }));
    const stream = client.sotw(NODE);
    const first = await subscribeAll(stream);
    cache.setSnapshot(build({ 'ns/gw': gateway({ port: 2000 }) }));
    const second = await stream.next();
    cache.setSnapshot(build({ 'ns/gw': gateway({ port: 3000 }) }));
    const third = await stream.next();
    expect(new Set([first.eds.nonce, second.nonce, third.nonce]).size).toBe(3);
    // A NACK and a subscription change on the older nonce are both ignored.
    stream.send({
      type_url: TYPE_URLS.endpoint,
      resource_names: ['backend-a', 'other'],
      response_nonce: second.nonce,
      error_detail: { code: 3, message: 'late' },
    });
    expect(await stream.quiet()).toBe(true);
    expect(cache.nackErrors()).toEqual([]);
    stream.request('endpoint', ['backend-a'], { response: third });
    expect(await stream.quiet()).toBe(true);
    const state = cache.connectedProxies()[0].types.find((type) => type.typeUrl === TYPE_URLS.endpoint);
    expect(state?.ackedVersion).toBe(third.version_info);
  });

  it('treats an empty list as unsubscribe once names were given, but keeps a legacy wildcard', async () => {
    const { cache, client } = await setup();
    cache.setSnapshot(build({ 'ns/gw': gateway() }));
    const named = client.sotw(NODE);
    named.request('listener', ['echo:1'], undefined, true);
    const lds = await named.next();
    expect(names(lds)).toEqual(['echo:1']);
    named.request('listener', [], { response: lds });
    const emptied = await named.next();
    expect(emptied.resources).toEqual([]);
    named.request('listener', [], { response: emptied });

    const wildcard = client.sotw({ id: 'proxy-2', cluster: 'ns/gw' });
    wildcard.request('listener', [], undefined, true);
    const all = await wildcard.next();
    wildcard.request('listener', [], { response: all });
    expect(await wildcard.quiet()).toBe(true);

    cache.setSnapshot(build({ 'ns/gw': [...gateway(), apiListener('echo:2', 'routes')] }));
    const update = await wildcard.next();
    expect(names(update)).toEqual(['echo:1', 'echo:2']);
    expect(await named.quiet()).toBe(true);
  });

  it('drops RDS names the client no longer asks for', async () => {
    const { cache, client } = await setup();
    cache.setSnapshot(build({ 'ns/gw': [...gateway(), routeConfiguration('extra', [{ clusters: [{ name: 'backend-a' }] }])] }));
    const stream = client.sotw(NODE);
    stream.request('route', ['routes', 'extra'], undefined, true);
    const both = await stream.next();
    expect(names(both)).toEqual(['extra', 'routes']);
    stream.request('route', ['routes'], { response: both });
    const one = await stream.next();
    expect(names(one)).toEqual(['routes']);
    stream.request('route', ['routes'], { response: one });
    cache.setSnapshot(build({ 'ns/gw': [...gateway(), routeConfiguration('extra', [{ clusters: [{ name: 'other' }] }])] }));
    expect(await stream.quiet()).toBe(true);
  });

  it('isolates proxy groups, and serves a group once its Gateway appears', async () => {
    const { cache, client } = await setup();
    cache.setSnapshot(build({ 'ns/one': gateway({ cluster: 'one' }), 'ns/two': gateway({ cluster: 'two' }) }));
    const one = client.sotw({ id: 'a', cluster: 'ns/one' });
    const two = client.sotw({ id: 'b', cluster: 'ns/two' });
    const byMetadata = client.sotw({ id: 'c', cluster: 'envoy' });
    const stranger = client.sotw({ id: 'd', cluster: 'ns/three' });
    one.request('cluster', [], undefined, true);
    two.request('cluster', [], undefined, true);
    byMetadata.send({
      type_url: TYPE_URLS.cluster,
      resource_names: [],
      node: {
        id: 'c',
        cluster: 'envoy',
        metadata: { fields: { 'portico.gateway': { stringValue: 'ns/two' } } },
      },
    });
    stranger.request('cluster', [], undefined, true);
    expect(names(await one.next())).toEqual(['one']);
    expect(names(await two.next())).toEqual(['two']);
    expect(names(await byMetadata.next())).toEqual(['two']);
    const nothing = await stranger.next();
    expect(nothing.resources).toEqual([]);
    stranger.request('cluster', [], { response: nothing });

    cache.setSnapshot(build({
      'ns/one': gateway({ cluster: 'one' }),
      'ns/two': gateway({ cluster: 'two' }),
      'ns/three': gateway({ cluster: 'three' }),
    }));
    expect(names(await stranger.next())).toEqual(['three']);
    expect(await one.quiet()).toBe(true);
    expect(cache.connectedProxies().map((proxy) => proxy.proxyGroup).sort()).toEqual(['ns/one', 'ns/three', 'ns/two', 'ns/two']);
  });

  /** A client subscribed to everything of a Gateway routing to `cluster`, in sync. */
  async function subscribedTo(cluster: string) {
    const { cache, client } = await setup();
    cache.setSnapshot(build({ 'ns/gw': gateway({ cluster }) }));
    const stream = client.sotw(NODE);
    await subscribeAll(stream);
    expect(await stream.quiet()).toBe(true);
    return { cache, stream };
  }

  it('sends new clusters before routes and removes old clusters only after the routes are acknowledged', async () => {
    const { cache, stream } = await subscribedTo('old');

    cache.setSnapshot(build({ 'ns/gw': gateway({ cluster: 'new' }) }));
    const cds = await stream.next();
    expect(cds.type_url).toBe(TYPE_URLS.cluster);
    // The old cluster is still served while routes point at it.
    expect(names(cds)).toEqual(['new', 'old']);
    // Make before break: the routes to "new" wait until the proxy has it and its endpoints.
    expect(await stream.quiet(300)).toBe(true);
    stream.request('cluster', [], { response: cds });
    expect(await stream.quiet(300)).toBe(true);
    // Like a real client: subscribe to the new cluster's endpoints; the routes follow them.
    stream.request('endpoint', ['new', 'old']);
    const eds = await stream.next();
    expect(eds.type_url).toBe(TYPE_URLS.endpoint);
    expect(names(eds)).toEqual(['new', 'old']);
    const rds = await stream.next();
    expect(rds.type_url).toBe(TYPE_URLS.route);
    expect(await stream.quiet(300)).toBe(true);
    stream.request('endpoint', ['new', 'old'], { response: eds });
    stream.request('route', ['routes'], { response: rds });
    const removal = await stream.next();
    expect(removal.type_url).toBe(TYPE_URLS.cluster);
    expect(names(removal)).toEqual(['new']);
    const edsRemoval = await stream.next();
    expect(edsRemoval.type_url).toBe(TYPE_URLS.endpoint);
    expect(names(edsRemoval)).toEqual(['new']);
  });

  it('keeps serving old clusters while the proxy rejects the routes that moved off them', async () => {
    const { cache, stream } = await subscribedTo('old');

    cache.setSnapshot(build({ 'ns/gw': gateway({ cluster: 'new' }) }));
    const cds = await stream.next();
    expect(names(cds)).toEqual(['new', 'old']);
    stream.request('cluster', [], { response: cds });
    stream.request('endpoint', ['new', 'old']);
    const eds = await stream.next();
    const rds = await stream.next();
    expect(rds.type_url).toBe(TYPE_URLS.route);
    stream.request('endpoint', ['new', 'old'], { response: eds });
    // The proxy keeps its old routes, which send to "old": "old" must stay.
    stream.request('route', ['routes'], { response: rds, error: 'rejected' });
    expect(await stream.quiet(300)).toBe(true);

    // Routes it accepts (now to "newer") end the wait.
    cache.setSnapshot(build({ 'ns/gw': [...gateway({ cluster: 'new', routeCluster: 'newer' }), edsCluster('newer'), endpoints('newer', [1001])] }));
    const cds2 = await stream.next();
    expect(names(cds2)).toEqual(['new', 'newer', 'old']);
    stream.request('cluster', [], { response: cds2 });
    stream.request('endpoint', ['new', 'newer', 'old']);
    stream.request('endpoint', ['new', 'newer', 'old'], { response: await stream.next() });
    const rds2 = await stream.next();
    expect(rds2.type_url).toBe(TYPE_URLS.route);
    stream.request('route', ['routes'], { response: rds2 });
    const removal = await stream.next();
    expect([removal.type_url, names(removal)]).toEqual([TYPE_URLS.cluster, ['new', 'newer']]);
  });

  it('serves secrets by name over SDS and only the ones asked for', async () => {
    const { cache, client } = await setup();
    const secret = (name: string): EnvoyResource => ({
      type: 'secret',
      name,
      message: { name, validation_context: { trusted_ca: { inline_string: `ca of ${name}` } } },
    });
    cache.setSnapshot(build({ 'ns/gw': [secret('ns/ca-a'), secret('ns/ca-b')] }));
    const stream = client.sotw(NODE);
    stream.request('secret', ['ns/ca-b'], undefined, true);
    const sds = await stream.next();
    expect(sds.type_url).toBe(TYPE_URLS.secret);
    expect(names(sds)).toEqual(['ns/ca-b']);
    stream.request('secret', ['ns/ca-b'], { response: sds });
    // A change to a secret nobody asked for is not pushed.
    cache.setSnapshot(build({ 'ns/gw': [{ ...secret('ns/ca-a'), message: { name: 'ns/ca-a' } }, secret('ns/ca-b')] }));
    expect(await stream.quiet()).toBe(true);
  });

  it('counts pushes and ACKs through events', async () => {
    const { cache, client } = await setup();
    const counts = { push: 0, ack: 0, open: 0, close: 0 };
    cache.events.on('push', () => counts.push++);
    cache.events.on('ack', () => counts.ack++);
    cache.events.on('stream_open', () => counts.open++);
    cache.events.on('stream_close', () => counts.close++);
    cache.setSnapshot(build({ 'ns/gw': gateway() }));
    const stream = client.sotw(NODE);
    await subscribeAll(stream);
    await expect.poll(() => counts.ack).toBe(4);
    expect(counts).toMatchObject({ push: 4, open: 1 });
    stream.close();
    await expect.poll(() => counts.close).toBe(1);
    await expect.poll(() => cache.connectedProxies().length).toBe(0);
  });
});
