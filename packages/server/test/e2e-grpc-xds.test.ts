// End to end with a real xDS client: @grpc/grpc-js-xds resolves `xds:///echo.test:50051`
// through this ADS server and routes real calls to two local echo backends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpcXds from '@grpc/grpc-js-xds';
import type { EnvoyResource } from '@portico/xds';
import { SnapshotCache, startXdsServer } from '../src/index.js';
import { startEchoBackend, XdsEchoClient, type EchoBackend } from './support/echo.js';
import { encodeEnvoyResource } from './support/envoy-encoder.js';
import { apiListener, build, edsCluster, endpoints, routeConfiguration } from './support/resources.js';

grpcXds.register();

const GROUP = 'e2e/gateway';
let backendA: EchoBackend;
let backendB: EchoBackend;

function resources(extra: EnvoyResource[] = []): EnvoyResource[] {
  return [
    apiListener('echo.test:50051', 'echo-routes'),
    routeConfiguration(
      'echo-routes',
      [
        { header: { name: 'x-canary', exact: 'true' }, clusters: [{ name: 'backend-b' }] },
        { clusters: [{ name: 'backend-a' }] },
      ],
      ['echo.test:50051'],
    ),
    apiListener('split.test:50051', 'split-routes'),
    routeConfiguration('split-routes', [{ clusters: [{ name: 'backend-a', weight: 80 }, { name: 'backend-b', weight: 20 }] }]),
    edsCluster('backend-a'),
    edsCluster('backend-b'),
    endpoints('backend-a', [backendA.port]),
    endpoints('backend-b', [backendB.port]),
    ...extra,
  ];
}

beforeAll(async () => {
  [backendA, backendB] = await Promise.all([startEchoBackend('A'), startEchoBackend('B')]);
});

afterAll(async () => {
  await Promise.all([backendA?.close(), backendB?.close()]);
});

describe('grpc-js-xds against the ADS server', () => {
  it('routes by header and splits 80/20 by weight', async () => {
    const cache = new SnapshotCache({ encode: encodeEnvoyResource });
    cache.setSnapshot(build({ [GROUP]: resources() }));
    const server = await startXdsServer({ port: 0, cache });
    const echo = new XdsEchoClient('xds:///echo.test:50051', server.port, GROUP);
    const split = new XdsEchoClient('xds:///split.test:50051', server.port, GROUP);
    try {
      expect(await echo.until('A', {}, 15_000)).toBe('A');
      expect(await echo.say({ 'x-canary': 'true' })).toBe('B');
      expect(await echo.say({ 'x-canary': 'false' })).toBe('A');

      expect(await split.until('A')).toBe('A');
      const counts = await split.count(300);
      expect((counts.A ?? 0) + (counts.B ?? 0)).toBe(300);
      // Expected 240/60; the bounds are more than 5 standard deviations wide.
      expect(counts.A).toBeGreaterThan(205);
      expect(counts.A).toBeLessThan(275);
      expect(cache.nackErrors()).toEqual([]);
    } finally {
      echo.close();
      split.close();
      await server.close();
    }
  }, 60_000);

  it('keeps traffic flowing across an ADS server restart and follows updates afterwards', async () => {
    const cache = new SnapshotCache({ encode: encodeEnvoyResource });
    cache.setSnapshot(build({ [GROUP]: resources() }));
    let server = await startXdsServer({ port: 0, cache });
    const port = server.port;
    const echo = new XdsEchoClient('xds:///echo.test:50051', port, GROUP);
    try {
      expect(await echo.until('A')).toBe('A');
      await server.close();
      // The client keeps its last configuration while the control plane is away.
      expect(await echo.count(20)).toEqual({ A: 20 });

      const restarted = new SnapshotCache({ encode: encodeEnvoyResource });
      restarted.setSnapshot(build({ [GROUP]: resources() }));
      server = await startXdsServer({ port, cache: restarted });
      await expect.poll(() => restarted.connectedProxies().length, { timeout: 20_000, interval: 200 }).toBeGreaterThan(0);
      expect(await echo.count(20)).toEqual({ A: 20 });

      // The new server's updates are followed: default route now goes to B.
      const moved = resources().map((resource) =>
        resource.name === 'echo-routes'
          ? routeConfiguration('echo-routes', [{ clusters: [{ name: 'backend-b' }] }], ['echo.test:50051'])
          : resource,
      );
      restarted.setSnapshot(build({ [GROUP]: moved }));
      expect(await echo.until('B')).toBe('B');
    } finally {
      echo.close();
      await server.close();
    }
  }, 60_000);

  it('a NACKed resource does not poison the others', async () => {
    const cache = new SnapshotCache({ encode: encodeEnvoyResource });
    // gRPC rejects STATIC clusters; it is routed to by header so the client subscribes to it.
    const broken: EnvoyResource = {
      type: 'cluster',
      name: 'broken',
      message: { name: 'broken', type: 'STATIC', connect_timeout: { seconds: 1 } },
    };
    const withBroken = (base: EnvoyResource[]) =>
      base.map((resource) =>
        resource.name === 'echo-routes'
          ? routeConfiguration(
              'echo-routes',
              [
                { header: { name: 'x-broken', exact: 'true' }, clusters: [{ name: 'broken' }] },
                { header: { name: 'x-canary', exact: 'true' }, clusters: [{ name: 'backend-b' }] },
                { clusters: [{ name: 'backend-a' }] },
              ],
              ['echo.test:50051'],
            )
          : resource,
      );
    cache.setSnapshot(build({ [GROUP]: withBroken(resources([broken])) }));
    let clusterPushes = 0;
    cache.events.on('push', (event) => {
      if (event.typeUrl.endsWith('Cluster')) clusterPushes += 1;
    });
    const server = await startXdsServer({ port: 0, cache });
    const echo = new XdsEchoClient('xds:///echo.test:50051', server.port, GROUP);
    try {
      expect(await echo.until('A')).toBe('A');
      expect(await echo.until('B', { 'x-canary': 'true' })).toBe('B');
      await expect.poll(() => cache.nackErrors().length, { timeout: 10_000 }).toBeGreaterThan(0);
      const nack = cache.nackErrors().find((error) => error.type === 'cluster');
      expect(nack?.resourceNames).toContain('broken');
      expect(nack?.message).toMatch(/Unsupported type STATIC/);
      expect(await echo.say({ 'x-broken': 'true' }, 1_000)).toMatch(/^error:/);
      // No resend loop: the rejected content is not pushed again.
      const pushesAfterNack = clusterPushes;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(clusterPushes).toBe(pushesAfterNack);

      // Updates to good resources keep flowing while the broken one stays rejected.
      const moved = withBroken(resources([broken])).map((resource) =>
        resource.name === 'backend-a' && resource.type === 'endpoint' ? endpoints('backend-a', [backendB.port]) : resource,
      );
      cache.setSnapshot(build({ [GROUP]: moved }));
      expect(await echo.until('B')).toBe('B');
    } finally {
      echo.close();
      await server.close();
    }
  }, 60_000);
});
