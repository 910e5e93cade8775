// The whole pipeline against a real xDS client: Gateway API YAML → translate() →
// buildXds() → SnapshotCache → ADS server → @grpc/grpc-js-xds → two echo backends.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpcXds from '@grpc/grpc-js-xds';
import { ResourceSet, loadManifests } from '@portico/api';
import type { IRHttpFilterChain } from '@portico/ir';
import { translate } from '@portico/translator';
import { buildXds, type XdsBuildResult } from '@portico/xds';
import { SnapshotCache, startXdsServer } from '../src/index.js';
import { startEchoBackend, XdsEchoClient, type EchoBackend } from './support/echo.js';

grpcXds.register();

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'echo-routes.yaml');
const GROUP = 'e2e/mesh';
let backendA: EchoBackend;
let backendB: EchoBackend;

/**
 * Runs the real translator and xds builder over the fixture. The translator does not
 * emit proxyless api_listeners yet, so the test adds them to the IR, pointing at the
 * RouteConfiguration the translator built for the Gateway's HTTP listener; the routes,
 * clusters and endpoints served are the translator's and the xds stage's own output.
 */
function pipeline(edit: (yaml: string) => string = (yaml) => yaml): XdsBuildResult {
  const text = edit(fs.readFileSync(FIXTURE, 'utf8'))
    .replaceAll('${PORT_A}', String(backendA.port))
    .replaceAll('${PORT_B}', String(backendB.port));
  const loaded = loadManifests(text, 'echo-routes.yaml');
  expect(loaded.problems).toEqual([]);
  const translated = translate(ResourceSet.from(loaded.objects), { controllerName: 'portico.dev/gateway-controller' });
  expect(translated.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const gateway = translated.ir.gateways.find((g) => g.proxyGroup === GROUP);
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
  const result = buildXds(translated.ir);
  expect(result.rejected).toEqual([]);
  return result;
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
    cache.setSnapshot(pipeline());
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
      cache.setSnapshot(pipeline((yaml) => yaml.replace('weight: 80', 'weight: 0')));
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
