import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { TYPE_URLS } from '@portico/xds';
import {
  SnapshotCache,
  discoveryPackage,
  lookupService,
  startXdsServer,
  type DiscoveryRequest,
  type LargeMessageEvent,
  type XdsServer,
} from '../src/index.js';
import { AdsTestClient, SotwStream, type WireResponse } from './support/ads-client.js';
import { testPki } from '@portico/test-support';
import { decodeEnvoyResource, encodeEnvoyResource } from './support/envoy-encoder.js';
import { build, edsCluster, endpoints } from './support/resources.js';

const NODE = { id: 'p', cluster: 'ns/gw' };
const cleanups: Array<() => unknown> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(options: Partial<Parameters<typeof startXdsServer>[0]> = {}): Promise<{ cache: SnapshotCache; server: XdsServer }> {
  const cache = options.cache ?? new SnapshotCache({ encode: encodeEnvoyResource });
  const server = await startXdsServer({ port: 0, ...options, cache });
  cleanups.push(() => server.close());
  return { cache, server };
}

function adsClient(port: number): AdsTestClient {
  const client = new AdsTestClient(port);
  cleanups.push(() => client.close());
  return client;
}

function waitForStatus(stream: SotwStream, timeoutMs = 5_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      const ended = stream.ended;
      if (ended) return resolve('code' in ended ? Number(ended.code) : -1);
      if (Date.now() - started > timeoutMs) return reject(new Error('stream did not end'));
      setTimeout(poll, 50);
    };
    poll();
  });
}

describe('ADS server options', () => {
  it('serves the per-type discovery services with the same logic', async () => {
    const { cache, server } = await serve();
    cache.setSnapshot(build({ 'ns/gw': [edsCluster('a'), edsCluster('b')] }));
    const Cds = lookupService(discoveryPackage(), 'envoy.service.cluster.v3.ClusterDiscoveryService');
    const cds = new Cds(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
      StreamClusters(): grpc.ClientDuplexStream<DiscoveryRequest, WireResponse>;
    };
    cleanups.push(() => cds.close());
    const stream = new SotwStream(cds.StreamClusters(), NODE);
    cleanups.push(() => stream.close());
    // type_url may be left out on a single-type service.
    stream.send({ node: NODE, resource_names: [] });
    const response = await stream.next();
    expect(response.type_url).toBe(TYPE_URLS.cluster);
    expect(response.resources).toHaveLength(2);
  });

  it('refuses streams beyond maxStreams', async () => {
    const { cache, server } = await serve({ limits: { maxStreams: 1 } });
    cache.setSnapshot(build({ 'ns/gw': [edsCluster('a')] }));
    const client = adsClient(server.port);
    const first = client.sotw(NODE);
    first.request('cluster', [], undefined, true);
    await first.next();
    const second = client.sotw(NODE);
    second.request('cluster', [], undefined, true);
    expect(await waitForStatus(second)).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(server.streams()).toBe(1);
    first.close();
    await expect.poll(() => server.streams()).toBe(0);
  });

  it('refuses a stream whose first request has no node (INVALID_ARGUMENT) instead of serving it empty listeners', async () => {
    const { cache, server } = await serve();
    cache.setSnapshot(build({ 'ns/gw': [edsCluster('a')] }));
    const client = adsClient(server.port);
    const anonymous = client.sotw(NODE);
    anonymous.request('cluster', []);
    expect(await waitForStatus(anonymous)).toBe(grpc.status.INVALID_ARGUMENT);
    expect(anonymous.pending()).toBe(0);
    const delta = client.delta();
    delta.send({ type_url: TYPE_URLS.cluster, resource_names_subscribe: [] });
    await expect.poll(() => delta.ended !== undefined).toBe(true);
    expect(delta.ended && 'code' in delta.ended ? delta.ended.code : undefined).toBe(grpc.status.INVALID_ARGUMENT);
    await expect.poll(() => server.streams()).toBe(0);
    // Only the first request must carry it: later ones on an identified stream may leave it out.
    const identified = client.sotw(NODE);
    identified.request('cluster', [], undefined, true);
    const first = await identified.next();
    identified.request('cluster', [], { response: first });
    expect(await identified.quiet()).toBe(true);
    expect(identified.ended).toBeUndefined();
  });

  it('warns about large responses and never sends one over the hard limit', async () => {
    const warnings: string[] = [];
    const logger = { warn: (_details: object, message: string) => warnings.push(message), error: (_d: object, message: string) => warnings.push(message) };
    const { cache, server } = await serve({ logger, limits: { warnMessageBytes: 200, maxSendMessageBytes: 600 } });
    const events: LargeMessageEvent[] = [];
    cache.events.on('large_message', (event) => events.push(event));
    const many = (count: number) => Array.from({ length: count }, (_, i) => edsCluster(`cluster-with-a-long-name-${String(i).padStart(3, '0')}`));
    cache.setSnapshot(build({ 'ns/gw': many(3) }));
    const stream = adsClient(server.port).sotw(NODE);
    stream.request('cluster', [], undefined, true);
    const first = await stream.next();
    expect(first.resources).toHaveLength(3);
    expect(events).toEqual([expect.objectContaining({ dropped: false, limit: 200, typeUrl: TYPE_URLS.cluster })]);
    expect(warnings.some((message) => /4 MiB/.test(message))).toBe(true);
    stream.request('cluster', [], { response: first });

    cache.setSnapshot(build({ 'ns/gw': many(20) }));
    expect(await stream.quiet(500)).toBe(true);
    expect(events.at(-1)).toMatchObject({ dropped: true, limit: 600 });
    expect(warnings.some((message) => /maximum message size/.test(message))).toBe(true);
  });

  it('splits a Delta response that would reach the warning size into parts under it, and records a NACK of any part', async () => {
    const warnings: string[] = [];
    const logger = { warn: (_details: object, message: string) => warnings.push(message) };
    const { cache, server } = await serve({ logger, limits: { warnMessageBytes: 400 } });
    const events: LargeMessageEvent[] = [];
    cache.events.on('large_message', (event) => events.push(event));
    const many = (count: number, timeoutSeconds = 2) => Array.from({ length: count }, (_, i) => edsCluster(`cluster-with-a-long-name-${String(i).padStart(3, '0')}`, timeoutSeconds));
    cache.setSnapshot(build({ 'ns/gw': many(12) }));
    const stream = adsClient(server.port).delta();
    stream.send({ type_url: TYPE_URLS.cluster, node: NODE, resource_names_subscribe: [] });
    const parts = [];
    for (;;) {
      const part = await stream.next(1_000).catch(() => undefined);
      if (!part) break;
      parts.push(part);
      stream.ack(part);
    }
    expect(parts.length).toBeGreaterThan(1);
    const names = parts.flatMap((part) => part.resources.map((resource) => resource.name));
    expect(names).toEqual(many(12).map((resource) => resource.name));
    for (const part of parts) expect(part.resources.reduce((sum, resource) => sum + resource.resource.value.length, 0)).toBeLessThan(400);
    expect(new Set(parts.map((part) => part.system_version_info)).size).toBe(1);
    expect(events).toEqual([]);
    expect(warnings).toEqual([]);
    await expect.poll(() => cache.connectedProxies()[0]?.types[0]?.ackedVersion).toBe(parts[0]?.system_version_info);

    // Every cluster changes: the client rejects the first part and accepts the others.
    cache.setSnapshot(build({ 'ns/gw': many(12, 3) }));
    const next = [];
    for (;;) {
      const part = await stream.next(1_000).catch(() => undefined);
      if (!part) break;
      next.push(part);
      if (next.length === 1) stream.send({ type_url: part.type_url, response_nonce: part.nonce, error_detail: { code: 3, message: 'first part refused' } });
      else stream.ack(part);
    }
    expect(next.length).toBeGreaterThan(1);
    const refused = next[0]?.resources.map((resource) => resource.name);
    await expect.poll(() => cache.nackErrors()).toEqual([expect.objectContaining({ type: 'cluster', message: 'first part refused', resourceNames: refused })]);
    expect(cache.connectedProxies()[0]?.types[0]).toMatchObject({ nackedVersion: next[0]?.system_version_info });
  });

  it('splits a SotW response of endpoints that would reach the warning size, and records a NACK of an earlier part', async () => {
    const warnings: string[] = [];
    const logger = { warn: (_details: object, message: string) => warnings.push(message) };
    const { cache, server } = await serve({ logger, limits: { warnMessageBytes: 400 } });
    const events: LargeMessageEvent[] = [];
    cache.events.on('large_message', (event) => events.push(event));
    const clusterNames = Array.from({ length: 12 }, (_, i) => `cluster-with-a-long-name-${String(i).padStart(3, '0')}`);
    const snapshot = (port: number) => build({ 'ns/gw': clusterNames.flatMap((name) => [edsCluster(name), endpoints(name, [port, port + 1, port + 2])]) });
    cache.setSnapshot(snapshot(1000));
    const stream = adsClient(server.port).sotw(NODE);
    stream.request('endpoint', clusterNames, undefined, true);
    const parts = [];
    for (;;) {
      const part = await stream.next(1_000).catch(() => undefined);
      if (!part) break;
      parts.push(part);
      stream.request('endpoint', clusterNames, { response: part });
    }
    expect(parts.length).toBeGreaterThan(1);
    const sent = parts.flatMap((part) => part.resources.map((any) => String(decodeEnvoyResource(any.type_url, any.value).cluster_name)));
    expect(sent).toEqual(clusterNames);
    for (const part of parts) expect(part.resources.reduce((sum, any) => sum + any.value.length, 0)).toBeLessThan(400);
    expect(new Set(parts.map((part) => part.version_info)).size).toBe(1);
    expect(events).toEqual([]);
    expect(warnings).toEqual([]);

    // Every assignment changes: the client rejects the first part and accepts the others.
    cache.setSnapshot(snapshot(2000));
    const next = [];
    for (;;) {
      const part = await stream.next(1_000).catch(() => undefined);
      if (!part) break;
      next.push(part);
      if (next.length === 1) stream.request('endpoint', clusterNames, { response: part, error: 'first part refused' });
      else stream.request('endpoint', clusterNames, { response: part });
    }
    expect(next.length).toBeGreaterThan(1);
    await expect.poll(() => cache.nackErrors()).toEqual([expect.objectContaining({ type: 'endpoint', message: 'first part refused' })]);
  });

  it('requires a client certificate from the configured CA (mTLS)', async () => {
    const pki = await testPki();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-xds-tls-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = (name: string, text: string) => {
      const target = path.join(dir, name);
      fs.writeFileSync(target, text);
      return target;
    };
    const { cache, server } = await serve({
      tls: { certFile: file('server.crt', pki.server.cert), keyFile: file('server.key', pki.server.key), caFile: file('ca.crt', pki.ca.cert) },
    });
    cache.setSnapshot(build({ 'ns/gw': [edsCluster('a')] }));
    const Ads = lookupService(discoveryPackage(), 'envoy.service.discovery.v3.AggregatedDiscoveryService');
    const open = (identity: { cert: string; key: string } | undefined) => {
      const credentials = grpc.credentials.createSsl(
        Buffer.from(pki.ca.cert),
        identity ? Buffer.from(identity.key) : null,
        identity ? Buffer.from(identity.cert) : null,
      );
      const client = new Ads(`127.0.0.1:${server.port}`, credentials) as unknown as grpc.Client & {
        StreamAggregatedResources(): grpc.ClientDuplexStream<DiscoveryRequest, WireResponse>;
      };
      cleanups.push(() => client.close());
      const stream = new SotwStream(client.StreamAggregatedResources(), NODE);
      cleanups.push(() => stream.close());
      stream.request('cluster', [], undefined, true);
      return stream;
    };

    const trusted = open(pki.client);
    expect((await trusted.next()).resources).toHaveLength(1);
    expect(await waitForStatus(open(undefined))).toBe(grpc.status.UNAVAILABLE);
    expect(await waitForStatus(open(pki.stranger))).toBe(grpc.status.UNAVAILABLE);
  });
});
