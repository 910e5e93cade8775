// The whole pipeline against a real xDS client: Gateway API YAML → translate() →
// buildXds() → SnapshotCache → ADS server → @grpc/grpc-js-xds → two echo backends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpcXds from '@grpc/grpc-js-xds';
import type { IRHttpFilterChain } from '@portico/ir';
import type { XdsBuildResult } from '@portico/xds';
import { SnapshotCache, startXdsServer } from '../src/index.js';
import { startEchoBackend, XdsEchoClient, type EchoBackend } from './support/echo.js';
import { pipeline } from './support/pipeline.js';

grpcXds.register();

const GROUP = 'e2e/mesh';
let backendA: EchoBackend;
let backendB: EchoBackend;

/**
 * The translator does not emit proxyless api_listeners for Gateways, so the test adds them
 * to the IR, pointing at the RouteConfiguration the translator built for the Gateway's HTTP
 * listener; the routes, clusters and endpoints served are the pipeline's own output.
 */
function build(edit?: (yaml: string) => string): XdsBuildResult {
  return pipeline({
    fixture: 'echo-routes.yaml',
    values: { PORT_A: backendA.port, PORT_B: backendB.port },
    ...(edit ? { edit } : {}),
    beforeBuild: (ir) => {
      const gateway = ir.gateways.find((g) => g.proxyGroup === GROUP);
      const chain = gateway?.listeners
        .flatMap((listener) => listener.filterChains)
        .find((c): c is IRHttpFilterChain => c.type === 'http');
      if (!gateway || !chain) throw new Error('the translator produced no HTTP listener for e2e/mesh');
      const existing = new Set((gateway.apiListeners ?? []).map((api) => api.name));
      gateway.apiListeners = [
        ...(gateway.apiListeners ?? []),
        ...['echo.test:50051', 'split.test:50051']
          .filter((name) => !existing.has(name))
          .map((name) => ({ name, routeConfig: chain.routeConfig })),
      ];
    },
  }).xds;
}

beforeAll(async () => {
  [backendA, backendB] = await Promise.all([startEchoBackend('A'), startEchoBackend('B')]);
});

afterAll(async () => {
  await Promise.all([backendA?.close(), backendB?.close()]);
});

describe('translated HTTPRoutes served to grpc-js-xds', () => {
  it('follows the header match and the 80/20 split, then a weight change', async () => {
    const cache = new SnapshotCache();
    cache.setSnapshot(build());
    expect(cache.encodeErrors()).toEqual([]);
    const server = await startXdsServer({ port: 0, cache });
    const echo = new XdsEchoClient('xds:///echo.test:50051', server.port, GROUP);
    const split = new XdsEchoClient('xds:///split.test:50051', server.port, GROUP);
    try {
      expect(await echo.until('A')).toBe('A');
      expect(await echo.say({ 'x-canary': 'true' })).toBe('B');
      expect(await echo.say({ 'x-canary': 'nope' })).toBe('A');
      expect(await echo.count(20)).toEqual({ A: 20 });

      expect(await split.until('A')).toBe('A');
      const counts = await split.count(300);
      expect((counts.A ?? 0) + (counts.B ?? 0)).toBe(300);
      // Expected 240/60; the bounds are more than 5 standard deviations wide.
      expect(counts.A).toBeGreaterThan(205);
      expect(counts.A).toBeLessThan(275);

      // Edit the manifest: all traffic of the split route to echo-b.
      cache.setSnapshot(build((yaml) => yaml.replace('weight: 80', 'weight: 0')));
      expect(await split.until('B')).toBe('B');
      expect(await split.count(30)).toEqual({ B: 30 });
      expect(cache.nackErrors()).toEqual([]);
    } finally {
      echo.close();
      split.close();
      await server.close();
    }
  }, 60_000);
});
