// The cluster loop end to end, minus Envoy: the provider's snapshot goes
// through the real translator, and the statuses it computes are written back
// to FakeApiServer (a test double of the API server) and read from there.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TranslationMemo, translate, type TranslationResult } from '@portico/translator';
import { KubernetesProvider, type KubernetesSnapshot } from '../../src/kubernetes/provider.js';
import { FakeApiServer } from './apiserver-double.js';
import { CONTROLLER, GW, gateway, gatewayClass, httpRoute, service, sleep, waitFor } from './fixtures.js';

let api: FakeApiServer;
let provider: KubernetesProvider;

beforeEach(async () => {
  api = new FakeApiServer();
  api.installGatewayApi();
  await api.start();
});

afterEach(async () => {
  await provider?.stop();
  await api.close();
});

interface Condition {
  type: string;
  status: string;
  observedGeneration?: number;
}

/**
 * What the control plane does with each snapshot: translate it (with `memo`, when given) and
 * write the statuses back. Resolves once the first build's statuses are written.
 */
async function runControlLoop(memo?: TranslationMemo): Promise<{ builds: Promise<void>[]; results: TranslationResult[] }> {
  provider = new KubernetesProvider({ kubeConfig: api.kubeConfig(), controllerName: CONTROLLER, debounceMs: 20, statusBatchMs: 10 });
  const started = provider;
  const builds: Promise<void>[] = [];
  const results: TranslationResult[] = [];
  await started.start((snapshot) => {
    const result = translate(snapshot.resources, {
      controllerName: CONTROLLER,
      gatewayAddresses: (snapshot as KubernetesSnapshot).gatewayAddresses,
      crdBundleVersions: (snapshot as KubernetesSnapshot).crdBundleVersions,
      now: new Date().toISOString(), // a moving clock, as in production
      ...(memo ? { memo } : {}),
    });
    results.push(result);
    builds.push(started.writeStatus(result.statuses));
  });
  await waitFor(() => builds.length > 0, 'first build');
  await Promise.all(builds);
  return { builds, results };
}

describe('provider → translator → status', () => {
  it('writes the translator’s Gateway, GatewayClass and HTTPRoute status to the status subresource', async () => {
    api.apply(gatewayClass());
    api.apply(gateway('gw'));
    api.apply(httpRoute('r1'));
    api.apply(service('echo'));
    const { builds } = await runControlLoop();

    const gatewayClassStatus = api.getObject(GW, 'gatewayclasses', undefined, 'portico')?.status as { conditions?: Condition[] } | undefined;
    expect(gatewayClassStatus?.conditions?.find((c) => c.type === 'Accepted')?.status).toBe('True');
    const gatewayStatus = api.getObject(GW, 'gateways', 'default', 'gw')?.status as { conditions?: Condition[] } | undefined;
    expect(gatewayStatus?.conditions?.find((c) => c.type === 'Accepted')).toMatchObject({ status: 'True', observedGeneration: 1 });
    const routeStatus = api.getObject(GW, 'httproutes', 'default', 'r1')?.status as
      | { parents?: Array<{ controllerName: string; conditions: Condition[] }> }
      | undefined;
    expect(routeStatus?.parents?.[0]?.controllerName).toBe(CONTROLLER);
    expect(routeStatus?.parents?.[0]?.conditions.find((c) => c.type === 'Accepted')?.status).toBe('True');

    // Translating the same input again (status echoes back as watch events) settles: no further writes.
    const writes = api.requestsMatching('PUT', /\/status$/).length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    await Promise.all(builds);
    expect(api.requestsMatching('PUT', /\/status$/).length).toBe(writes);
  });

  it('reads the Gateway API CRDs’ bundle versions: one of another release makes the GatewayClass SupportedVersion=False', async () => {
    api.apply(gatewayClass());
    // One CRD of an older release (as a partly upgraded cluster has).
    api.apply({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'tcproutes.gateway.networking.k8s.io', annotations: { 'gateway.networking.k8s.io/bundle-version': 'v1.5.0' } },
      spec: { group: 'gateway.networking.k8s.io', names: { plural: 'tcproutes' } },
    });
    const { results } = await runControlLoop();
    const supported = (results.at(-1)?.statuses.find((s) => s.kind === 'GatewayClass')?.status as { conditions: Array<Condition & { reason: string; message: string }> })
      .conditions.find((c) => c.type === 'SupportedVersion');
    expect(supported).toMatchObject({ status: 'False', reason: 'UnsupportedVersion' });
    expect(supported?.message).toContain('v1.5.0 (tcproutes.gateway.networking.k8s.io)');
    const written = api.getObject(GW, 'gatewayclasses', undefined, 'portico')?.status as { conditions?: Condition[] } | undefined;
    expect(written?.conditions?.find((c) => c.type === 'SupportedVersion')?.status).toBe('False');
    expect(written?.conditions?.find((c) => c.type === 'Accepted')?.status).toBe('True');
  });

  it('takes the objects its status writes bring back through the watch for the ones it had: the memo keeps every route', async () => {
    api.apply(gatewayClass());
    api.apply(gateway('gw'));
    api.apply(httpRoute('r1'));
    api.apply(httpRoute('r2'));
    api.apply(service('echo'));
    const { builds, results } = await runControlLoop(new TranslationMemo());
    expect(api.getObject(GW, 'gateways', 'default', 'gw')?.status).toBeDefined();
    // The GatewayClass, Gateway and HTTPRoute status writes come back as watch events: new objects.
    await waitFor(() => results.length > 1, 'a snapshot after the status writes');
    await sleep(200);
    await Promise.all(builds);
    const virtualHosts = (result: TranslationResult): unknown[] =>
      result.ir.gateways.flatMap((g) => g.listeners.flatMap((l) => l.filterChains.flatMap((c) => (c.type === 'http' ? c.routeConfig.virtualHosts : []))));
    const first = virtualHosts(results[0] as TranslationResult);
    const last = virtualHosts(results[results.length - 1] as TranslationResult);
    expect(first.length).toBeGreaterThan(0);
    expect(last.length).toBe(first.length);
    last.forEach((vhost, i) => expect(vhost).toBe(first[i]));
  });
  it('removes its parent entries from a route that no longer names a Gateway of its own, and keeps other controllers\' entries', async () => {
    api.apply(gatewayClass());
    api.apply(gateway('gw'));
    api.apply(service('echo'));
    const theirs = { parentRef: { name: 'elsewhere' }, controllerName: 'example.com/other', conditions: [] };
    api.apply(httpRoute('r1', 'default', { parents: [theirs] }));
    const { builds } = await runControlLoop();
    type Parents = { parents?: Array<{ controllerName: string }> } | undefined;
    const controllers = (): string[] => ((api.getObject(GW, 'httproutes', 'default', 'r1')?.status as Parents)?.parents ?? []).map((p) => p.controllerName);
    expect(controllers()).toEqual(['example.com/other', CONTROLLER]);
    // The Gateway goes: the route gets no status from the next build, and ours must not linger.
    api.remove(GW, 'gateways', 'default', 'gw');
    await waitFor(() => controllers().length === 1, 'our parent entry removed');
    await Promise.all(builds);
    expect(controllers()).toEqual(['example.com/other']);
  });
});
