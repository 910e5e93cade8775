// Proxyless gRPC mesh end to end: GRPCRoutes with a Service parent → translate({mesh}) →
// buildXds() → SnapshotCache → ADS → @grpc/grpc-js-xds, which follows the method/header
// match and the weights to two real local gRPC servers. Nothing is added to the
// translator's output: the api_listener, routes, clusters and endpoints are its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpcXds from '@grpc/grpc-js-xds';
import type { XdsBuildResult } from '@portico/xds';
import { SnapshotCache, startXdsServer } from '../src/index.js';
import { startEchoBackend, XdsEchoClient, type EchoBackend } from './support/echo.js';
import { pipeline } from './support/pipeline.js';

grpcXds.register();

const GROUP = 'mesh/e2e';
const TARGET = 'xds:///echo.e2e.svc.cluster.local:50051';
let backendA: EchoBackend;
let backendB: EchoBackend;

function build(edit?: (yaml: string) => string): XdsBuildResult {
  const { translated, xds } = pipeline({
    fixture: 'grpcroute-mesh.yaml',
    values: { PORT_A: backendA.port, PORT_B: backendB.port },
    mesh: true,
    ...(edit ? { edit } : {}),
  });
  const route = translated.statuses.find((s) => s.kind === 'GRPCRoute');
  expect(JSON.stringify(route?.status)).toContain('"reason":"Accepted"');
  expect(xds.groups[GROUP]?.listeners.map((l) => l.name)).toContain('echo.e2e.svc.cluster.local:50051');
  return xds;
}

beforeAll(async () => {
  [backendA, backendB] = await Promise.all([startEchoBackend('A'), startEchoBackend('B')]);
});

afterAll(async () => {
  await Promise.all([backendA?.close(), backendB?.close()]);
});

describe('GRPCRoute with a Service parent served to proxyless gRPC clients', () => {
  it('follows the method/header match and the 80/20 weights, then a weight edit', async () => {
    const cache = new SnapshotCache();
    cache.setSnapshot(build());
    expect(cache.encodeErrors()).toEqual([]);
    const server = await startXdsServer({ port: 0, cache });
    const client = new XdsEchoClient(TARGET, server.port, GROUP);
    try {
      expect(await client.until('B', { 'x-canary': 'true' })).toBe('B');
      expect(await client.count(20, { 'x-canary': 'true' })).toEqual({ B: 20 });

      const counts = await client.count(300);
      expect((counts.A ?? 0) + (counts.B ?? 0)).toBe(300);
      // Expected 240/60; the bounds are more than 5 standard deviations wide.
      expect(counts.A).toBeGreaterThan(205);
      expect(counts.A).toBeLessThan(275);

      cache.setSnapshot(build((yaml) => yaml.replace('weight: 80', 'weight: 0')));
      expect(await client.until('B')).toBe('B');
      expect(await client.count(30)).toEqual({ B: 30 });
      expect(cache.nackErrors()).toEqual([]);
    } finally {
      client.close();
      await server.close();
    }
  }, 60_000);
});
