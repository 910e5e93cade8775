// One ADS server and raw client per test, closed after it: registers the afterEach hook in the
// calling test file.
import { afterEach } from 'vitest';
import { SnapshotCache, startXdsServer, type XdsServer } from '../../src/index.js';
import { AdsTestClient } from './ads-client.js';

export function adsHarness(): (cache: SnapshotCache) => Promise<{ cache: SnapshotCache; client: AdsTestClient; server: XdsServer }> {
  let server: XdsServer | undefined;
  let client: AdsTestClient | undefined;
  afterEach(async () => {
    client?.close();
    client = undefined;
    await server?.close();
    server = undefined;
  });
  return async (cache) => {
    server = await startXdsServer({ port: 0, cache });
    client = new AdsTestClient(server.port);
    return { cache, client, server };
  };
}
