// Exercises KubernetesProvider through the real @kubernetes/client-node
// list-watch code against FakeApiServer, a test double of the API server.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubernetesProvider, type KubernetesProviderOptions } from '../../src/kubernetes/provider.js';
import { KubeRest } from '../../src/kubernetes/rest.js';
import { StatusWriter } from '../../src/kubernetes/status.js';
import { FakeApiServer, OTHER_CLIENT_TOKEN, RELEASE_NAMESPACE } from './apiserver-double.js';
import {
  CONTROLLER,
  GW,
  SnapshotLog,
  gateway,
  gatewayClass,
  httpRoute,
  namespace,
  routeStatus,
  service,
  sleep,
  waitFor,
} from './fixtures.js';

let api: FakeApiServer;
const providers: KubernetesProvider[] = [];

function provider(extra: Partial<KubernetesProviderOptions> = {}): KubernetesProvider {
  const created = new KubernetesProvider({
    kubeConfig: api.kubeConfig(),
    controllerName: CONTROLLER,
    debounceMs: 20,
    statusBatchMs: 10,
    retryBackoffMs: 50,
    ...extra,
  });
  providers.push(created);
  return created;
}

/** BackendTLSPolicy btls for Service echo, trusting the ConfigMaps named. */
function backendTlsPolicy(caConfigMaps: string[]) {
  return {
    apiVersion: GW,
    kind: 'BackendTLSPolicy',
    metadata: { name: 'btls', namespace: 'default' },
    spec: {
      targetRefs: [{ group: '', kind: 'Service', name: 'echo' }],
      validation: { hostname: 'echo.example.com', caCertificateRefs: caConfigMaps.map((name) => ({ group: '', kind: 'ConfigMap', name })) },
    },
  };
}

beforeEach(async () => {
  api = new FakeApiServer();
  api.installGatewayApi();
  await api.start();
});

afterEach(async () => {
  for (const created of providers.splice(0)) await created.stop();
  await api.close();
});

describe('KubernetesProvider: caches and snapshots', () => {
  it('emits its first snapshot only after every cache synced, containing all objects', async () => {
    api.apply(namespace('default', { team: 'a' }));
    api.apply(gatewayClass());
    api.apply(gateway('gw'));
    api.apply(httpRoute('r1'));
    api.apply(service('echo'));
    // The first HTTPRoute list fails: nothing may be emitted until it has been retried.
    api.failNext('GET', /\/httproutes$/, 500, 2);
    const log = new SnapshotLog();
    await provider().start(log.push);
    await waitFor(() => log.latest, 'first snapshot');
    const first = log.all[0];
    expect(first.resources.get('HTTPRoute', 'default', 'r1')).toBeDefined();
    expect(first.resources.get('Gateway', 'default', 'gw')?.spec?.listeners?.[0]?.port).toBe(80);
    expect(first.resources.get('GatewayClass', undefined, 'portico')?.spec?.controllerName).toBe(CONTROLLER);
    expect(first.resources.get('Service', 'default', 'echo')).toBeDefined();
    expect(first.resources.get('Namespace', undefined, 'default')?.metadata.labels).toEqual({ team: 'a' });
    expect(api.requestsMatching('GET', /\/httproutes$/).filter((r) => !r.query.has('watch')).length).toBeGreaterThanOrEqual(3);
  });

  it('reflects watch adds, updates and deletes', async () => {
    api.apply(gatewayClass());
    const log = new SnapshotLog();
    await provider().start(log.push);
    await waitFor(() => log.latest, 'first snapshot');

    api.apply(httpRoute('added'));
    await waitFor(() => log.latest?.resources.get('HTTPRoute', 'default', 'added'), 'add');

    const updated = httpRoute('added');
    (updated.spec as { hostnames?: string[] }).hostnames = ['example.com'];
    api.apply(updated);
    await waitFor(() => log.latest?.resources.get('HTTPRoute', 'default', 'added')?.spec?.hostnames?.[0] === 'example.com', 'update');

    api.remove(GW, 'httproutes', 'default', 'added');
    await waitFor(() => log.latest && !log.latest.resources.get('HTTPRoute', 'default', 'added'), 'delete');
  });

  it('hands over an object the watch did not change as the same object in the next snapshot', async () => {
    api.apply(gatewayClass());
    api.apply(httpRoute('steady'));
    api.apply(httpRoute('edited'));
    const log = new SnapshotLog();
    await provider().start(log.push);
    const first = await waitFor(() => log.latest?.resources.get('HTTPRoute', 'default', 'edited') && log.latest, 'first snapshot');

    const updated = httpRoute('edited');
    (updated.spec as { hostnames?: string[] }).hostnames = ['example.com'];
    api.apply(updated);
    const second = await waitFor(
      () => (log.latest?.resources.get('HTTPRoute', 'default', 'edited')?.spec?.hostnames?.[0] === 'example.com' ? log.latest : undefined),
      'update',
    );
    expect(second.resources.get('HTTPRoute', 'default', 'steady')).toBe(first.resources.get('HTTPRoute', 'default', 'steady'));
    expect(second.resources.get('GatewayClass', undefined, 'portico')).toBeDefined();
    expect(second.resources.get('GatewayClass', undefined, 'portico')).toBe(first.resources.get('GatewayClass', undefined, 'portico'));
    expect(second.resources.get('HTTPRoute', 'default', 'edited')).not.toBe(first.resources.get('HTTPRoute', 'default', 'edited'));
  });

  it('debounces bursts into few snapshots', async () => {
    const log = new SnapshotLog();
    await provider({ debounceMs: 150 }).start(log.push);
    await waitFor(() => log.latest, 'first snapshot');
    const before = log.all.length;
    for (let index = 0; index < 20; index++) api.apply(httpRoute(`burst-${index}`));
    await waitFor(() => log.latest?.resources.list('HTTPRoute').length === 20, 'burst applied');
    expect(log.all.length - before).toBeLessThanOrEqual(3);
  });

  it('relists after 410 Gone and drops objects whose delete events were compacted away', async () => {
    api.apply(httpRoute('kept'));
    api.apply(httpRoute('vanishing'));
    const log = new SnapshotLog();
    await provider().start(log.push);
    await waitFor(() => log.latest?.resources.get('HTTPRoute', 'default', 'vanishing'), 'initial');
    const listsBefore = api.requestsMatching('GET', /\/httproutes$/).filter((r) => !r.query.has('watch')).length;

    api.removeSilently(GW, 'httproutes', 'default', 'vanishing');
    api.compact();
    api.closeWatches();

    await waitFor(() => log.latest && !log.latest.resources.get('HTTPRoute', 'default', 'vanishing'), 'relisted snapshot');
    expect(log.latest?.resources.get('HTTPRoute', 'default', 'kept')).toBeDefined();
    const listsAfter = api.requestsMatching('GET', /\/httproutes$/).filter((r) => !r.query.has('watch')).length;
    expect(listsAfter).toBeGreaterThan(listsBefore);
  });

  it('fetches referenced Secrets and ConfigMaps only, and follows reference changes', async () => {
    api.apply(gatewayClass());
    api.apply(
      gateway('gw', 'default', {
        listeners: [
          { name: 'https', port: 443, protocol: 'HTTPS', hostname: 'a.example.com', tls: { certificateRefs: [{ name: 'cert' }] } },
        ],
      }),
    );
    api.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cert', namespace: 'default' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'Y3J0', 'tls.key': 'a2V5' } });
    api.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'unrelated', namespace: 'default' }, data: { password: 'aHVudGVyMg==' } });
    api.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ca', namespace: 'default' }, data: { 'ca.crt': 'pem' } });
    const log = new SnapshotLog();
    await provider().start(log.push);
    const first = await waitFor(() => log.latest, 'snapshot');
    expect(first.resources.get('Secret', 'default', 'cert')?.data?.['tls.crt']).toBe('Y3J0');
    expect(first.resources.get('Secret', 'default', 'unrelated')).toBeUndefined();
    expect(first.resources.get('ConfigMap', 'default', 'ca')).toBeUndefined();

    // Every Secret request is narrowed to one referenced name; none ever reads the unrelated one.
    const secretRequests = api.requests.filter((r) => r.path.includes('/secrets'));
    expect(secretRequests.length).toBeGreaterThan(0);
    for (const request of secretRequests) expect(request.query.get('fieldSelector')).toBe('metadata.name=cert');

    // A BackendTLSPolicy starts referencing the ConfigMap: it is fetched then.
    api.apply(backendTlsPolicy(['ca']));
    await waitFor(() => log.latest?.resources.get('ConfigMap', 'default', 'ca'), 'referenced ConfigMap');

    // Updates to a referenced Secret are watched.
    api.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cert', namespace: 'default' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'bmV3', 'tls.key': 'a2V5' } });
    await waitFor(() => log.latest?.resources.get('Secret', 'default', 'cert')?.data?.['tls.crt'] === 'bmV3', 'secret update');
    expect(api.requests.some((r) => r.query.get('fieldSelector') === 'metadata.name=unrelated')).toBe(false);
  });

  it('keeps taking snapshots when a reference names an object that cannot exist, or one the server refuses to list', async () => {
    api.apply(gatewayClass());
    api.apply(gateway('gw'));
    const log = new SnapshotLog();
    await provider().start(log.push);
    await waitFor(() => log.latest, 'first snapshot');
    // A name with "," (no Kubernetes object has one; the CRD takes it) would not even parse as
    // a field selector; a well-formed name the server answers 400 for is treated as absent too.
    api.failNext('GET', /\/configmaps$/, 400, 1_000);
    api.apply(backendTlsPolicy(['ca,bundle', 'refused']));
    api.apply(httpRoute('after'));
    await waitFor(() => log.latest?.resources.get('HTTPRoute', 'default', 'after'), 'snapshot after the bad references');
    expect(api.requests.some((r) => r.query.get('fieldSelector')?.includes('ca,bundle'))).toBe(false);
  });

  it('takes the snapshot a failed first list held back once the list succeeds, with no other event', async () => {
    api.apply(gatewayClass());
    api.apply(gateway('gw'));
    // UDPRoute: a kind with no objects, so the retried list brings no watch event.
    api.failNext('GET', /\/udproutes$/, 500, 1);
    const log = new SnapshotLog();
    await provider().start(log.push);
    await waitFor(() => log.latest, 'snapshot after the retried list');
    expect(api.requestsMatching('GET', /\/udproutes$/).length).toBeGreaterThanOrEqual(2);
  });

  it('tolerates missing CRDs and picks them up once installed', async () => {
    const bare = new FakeApiServer();
    await bare.start();
    try {
      bare.apply(service('echo'));
      const log = new SnapshotLog();
      const created = new KubernetesProvider({ kubeConfig: bare.kubeConfig(), controllerName: CONTROLLER, debounceMs: 20, crdRecheckMs: 100 });
      providers.push(created);
      await created.start(log.push);
      const first = await waitFor(() => log.latest, 'snapshot without CRDs');
      expect(first.resources.get('Service', 'default', 'echo')).toBeDefined();
      expect(first.resources.list('Gateway')).toEqual([]);
      expect(first.problems.map((problem) => problem.source)).toContain('CustomResourceDefinition gateways.gateway.networking.k8s.io');
      expect(created.servedApiVersion('Gateway')).toBeUndefined();

      bare.installGatewayApi();
      bare.apply(gateway('late'));
      await waitFor(() => log.latest?.resources.get('Gateway', 'default', 'late'), 'Gateway after CRD install');
      await created.stop();
    } finally {
      await bare.close();
    }
  });

  it('lists and watches GatewayParameters, and reports its CRD when it is not installed', async () => {
    const parameters = (replicas: number) => ({
      apiVersion: 'gateway.portico.dev/v1alpha1',
      kind: 'GatewayParameters',
      metadata: { name: 'p', namespace: 'default' },
      spec: { replicas },
    });
    api.apply(parameters(2));
    const log = new SnapshotLog();
    await provider().start(log.push);
    const first = await waitFor(() => log.latest, 'snapshot');
    expect(first.resources.get('GatewayParameters', 'default', 'p')?.spec?.replicas).toBe(2);
    expect(first.problems).toEqual([]);
    api.apply(parameters(3));
    await waitFor(() => log.latest?.resources.get('GatewayParameters', 'default', 'p')?.spec?.replicas === 3, 'update watched');

    const older = new FakeApiServer();
    older.installGatewayApi({ portico: false });
    await older.start();
    try {
      const olderLog = new SnapshotLog();
      const created = new KubernetesProvider({ kubeConfig: older.kubeConfig(), controllerName: CONTROLLER, debounceMs: 20 });
      providers.push(created);
      await created.start(olderLog.push);
      const snapshot = await waitFor(() => olderLog.latest, 'snapshot without the Portico CRD');
      expect(snapshot.problems.map((problem) => problem.source)).toEqual(['CustomResourceDefinition gatewayparameters.gateway.portico.dev']);
      await created.stop();
    } finally {
      await older.close();
    }
  });

  it('serves the rest when forbidden to list one Gateway API kind, and picks it up once allowed', async () => {
    api.apply(httpRoute('r1'));
    api.apply({ apiVersion: GW, kind: 'GRPCRoute', metadata: { name: 'g1', namespace: 'default' }, spec: {} });
    api.failNext('GET', /\/grpcroutes$/, 403, 1_000);
    const log = new SnapshotLog();
    await provider().start(log.push);
    const first = await waitFor(() => log.latest, 'snapshot despite 403');
    expect(first.resources.get('HTTPRoute', 'default', 'r1')).toBeDefined();
    expect(first.resources.get('GRPCRoute', 'default', 'g1')).toBeUndefined();
    expect(first.problems.map((problem) => problem.source)).toEqual(['GRPCRoute']);
    api.clearFaults();
    await waitFor(() => log.latest?.resources.get('GRPCRoute', 'default', 'g1'), 'GRPCRoute after RBAC fixed');
    expect(log.latest?.problems).toEqual([]);
  });

  it('reads kinds served only at older versions', async () => {
    const old = new FakeApiServer();
    await old.start();
    try {
      old.register('gateway.networking.k8s.io', 'v1beta1', 'gateways', 'Gateway', true, true);
      old.register('gateway.networking.x-k8s.io', 'v1alpha1', 'xlistenersets', 'XListenerSet', true, true);
      old.apply({ ...gateway('legacy'), apiVersion: 'gateway.networking.k8s.io/v1beta1' });
      old.apply({
        apiVersion: 'gateway.networking.x-k8s.io/v1alpha1',
        kind: 'XListenerSet',
        metadata: { name: 'ls', namespace: 'default' },
        spec: { parentRef: { name: 'legacy' }, listeners: [{ name: 'extra', port: 8080, protocol: 'HTTP' }] },
      });
      // Gateway API v1.0's BackendTLSPolicy: one targetRef, and its validation under tls.
      old.register('gateway.networking.k8s.io', 'v1alpha2', 'backendtlspolicies', 'BackendTLSPolicy', true, true);
      old.apply({
        apiVersion: 'gateway.networking.k8s.io/v1alpha2',
        kind: 'BackendTLSPolicy',
        metadata: { name: 'tls', namespace: 'default' },
        spec: { targetRef: { group: '', kind: 'Service', name: 'web' }, tls: { hostname: 'web.example', caCertRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }] } },
      });
      const log = new SnapshotLog();
      const created = new KubernetesProvider({ kubeConfig: old.kubeConfig(), controllerName: CONTROLLER, debounceMs: 20 });
      providers.push(created);
      await created.start(log.push);
      const snapshot = await waitFor(() => log.latest, 'snapshot');
      expect(snapshot.resources.get('Gateway', 'default', 'legacy')?.apiVersion).toBe('gateway.networking.k8s.io/v1beta1');
      expect(snapshot.resources.get('ListenerSet', 'default', 'ls')?.spec?.listeners?.[0]?.port).toBe(8080);
      expect(created.servedApiVersion('ListenerSet')).toBe('gateway.networking.x-k8s.io/v1alpha1');
      const policy = snapshot.resources.get('BackendTLSPolicy', 'default', 'tls');
      expect(policy?.spec?.targetRefs).toEqual([{ group: '', kind: 'Service', name: 'web' }]);
      expect(policy?.spec?.validation).toEqual({ hostname: 'web.example', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }] });
      await created.stop();
    } finally {
      await old.close();
    }
  });
});

describe('KubernetesProvider: status', () => {
  async function started(extra: Partial<KubernetesProviderOptions> = {}): Promise<{ p: KubernetesProvider; log: SnapshotLog }> {
    const log = new SnapshotLog();
    const p = provider(extra);
    await p.start(log.push);
    await waitFor(() => log.latest, 'snapshot');
    return { p, log };
  }

  const statusPuts = (): number => api.requestsMatching('PUT', /\/status$/).length + api.requestsMatching('PATCH', /\/status$/).length;

  it('does not write a status computed for a generation the object never had (a deleted namesake)', async () => {
    api.apply(httpRoute('r1'));
    const { p } = await started();
    // r1 is at generation 1: a status for generation 3 was its namesake's, deleted and created again.
    await p.writeStatus([{ ...routeStatus('r1', '2026-01-01T00:00:00Z'), generation: 3 }]);
    expect(statusPuts()).toBe(0);
    await p.writeStatus([{ ...routeStatus('r1', '2026-01-01T00:00:00Z'), generation: 1 }]);
    expect(statusPuts()).toBe(1);
  });

  it('writes status only when it changed, keeping lastTransitionTime for unchanged conditions', async () => {
    api.apply(httpRoute('r1'));
    const { p } = await started();
    await p.writeStatus([routeStatus('r1', '2026-01-01T00:00:00Z')]);
    expect(statusPuts()).toBe(1);
    const stored = api.getObject(GW, 'httproutes', 'default', 'r1') as { status: { parents: Array<{ conditions: Array<{ lastTransitionTime: string; observedGeneration: number }> }> } };
    expect(stored.status.parents[0].conditions[0].lastTransitionTime).toBe('2026-01-01T00:00:00Z');
    expect(stored.status.parents[0].conditions[0].observedGeneration).toBe(1);

    const requestsBefore = api.requests.length;
    // Same status computed later: only the clock moved. No request at all.
    await p.writeStatus([routeStatus('r1', '2026-06-01T00:00:00Z')]);
    await sleep(100);
    expect(api.requests.slice(requestsBefore).filter((r) => r.method !== 'GET' || !r.query.has('watch'))).toEqual([]);

    // A real change is written, and the unchanged condition keeps its time.
    const changed = routeStatus('r1', '2026-07-01T00:00:00Z');
    (changed.status.parents[0] as { conditions: unknown[] }).conditions[1] = {
      type: 'ResolvedRefs',
      status: 'False',
      reason: 'BackendNotFound',
      message: 'Service default/echo not found',
      lastTransitionTime: '2026-07-01T00:00:00Z',
    };
    await p.writeStatus([changed]);
    expect(statusPuts()).toBe(2);
    const after = api.getObject(GW, 'httproutes', 'default', 'r1') as typeof stored;
    expect(after.status.parents[0].conditions[0].lastTransitionTime).toBe('2026-01-01T00:00:00Z');
    expect(after.status.parents[0].conditions[1].lastTransitionTime).toBe('2026-07-01T00:00:00Z');
  });

  it('does not compare a status again when the same status object meets the same stored object', async () => {
    api.apply(httpRoute('r1'));
    const { p, log } = await started();
    const status = routeStatus('r1', '2026-01-01T00:00:00Z');
    await p.writeStatus([status]);
    expect(statusPuts()).toBe(1);
    // The watch delivers the written object; the first comparison against it finds it equal.
    await waitFor(() => (api.getObject(GW, 'httproutes', 'default', 'r1') as { status?: unknown }).status, 'stored status');
    await sleep(100);
    await p.writeStatus([status]);
    const reusedBefore = p.statusStats.reused;
    await p.writeStatus([status]);
    expect(p.statusStats.reused).toBe(reusedBefore + 1);
    expect(statusPuts()).toBe(1);
    // A different object with the same content is compared (and still not written).
    await p.writeStatus([routeStatus('r1', '2026-01-01T00:00:00Z')]);
    expect(p.statusStats.reused).toBe(reusedBefore + 1);
    expect(statusPuts()).toBe(1);
    // Someone else changes the stored object (a label): the same status object is compared
    // against the new one instead of being taken as settled (and, still equal, not written).
    const relabelled = httpRoute('r1');
    (relabelled.metadata as { labels?: Record<string, string> }).labels = { touched: 'yes' };
    api.apply(relabelled);
    await waitFor(() => log.latest?.resources.get('HTTPRoute', 'default', 'r1')?.metadata.labels?.touched === 'yes', 'relabelled object in the cache');
    const skippedBefore = p.statusStats.skipped;
    await p.writeStatus([status]);
    expect(p.statusStats.skipped).toBe(skippedBefore + 1);
    expect(statusPuts()).toBe(1);
    expect(p.statusStats.reused).toBe(reusedBefore + 1);
  });

  it("keeps other controllers' parent entries and replaces only ours", async () => {
    const foreign = {
      parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'other-gw' },
      controllerName: 'example.com/other-controller',
      conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'theirs', lastTransitionTime: '2025-01-01T00:00:00Z' }],
    };
    const staleOurs = {
      parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'removed-gw' },
      controllerName: CONTROLLER,
      conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'old', lastTransitionTime: '2025-01-01T00:00:00Z' }],
    };
    api.apply(httpRoute('shared'));
    const route = api.getObject(GW, 'httproutes', 'default', 'shared')!;
    // Status as other controllers left it (written through the status subresource).
    api.apply({ ...route, status: { parents: [foreign, staleOurs] } });
    const stored0 = api.getObject(GW, 'httproutes', 'default', 'shared')!;
    expect(stored0.status).toBeUndefined(); // main resource cannot set status...
    const res = await fetch(`http://127.0.0.1:${api.port}/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes/shared/status`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${OTHER_CLIENT_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...stored0, status: { parents: [foreign, staleOurs] } }),
    });
    expect(res.status).toBe(200); // ...the status subresource can.

    const { p } = await started();
    await waitFor(() => (api.getObject(GW, 'httproutes', 'default', 'shared')?.status as object | undefined) !== undefined, 'status seeded');
    await p.writeStatus([routeStatus('shared', '2026-01-01T00:00:00Z')]);
    const parents = (api.getObject(GW, 'httproutes', 'default', 'shared')!.status as { parents: Array<{ controllerName: string; parentRef: { name: string } }> }).parents;
    expect(parents).toHaveLength(2);
    expect(parents[0]).toEqual(foreign);
    expect(parents[1].controllerName).toBe(CONTROLLER);
    expect(parents[1].parentRef.name).toBe('gw');
  });

  it('retries 409 conflicts with a fresh read', async () => {
    api.apply(httpRoute('contended'));
    const { p } = await started();
    api.failNext('PUT', /httproutes\/contended\/status$/, 409, 2);
    await p.writeStatus([routeStatus('contended', '2026-01-01T00:00:00Z')]);
    expect(api.requestsMatching('PUT', /httproutes\/contended\/status$/)).toHaveLength(3);
    expect(api.requestsMatching('GET', /httproutes\/contended\/status$/)).toHaveLength(2);
    expect(p.statusStats.conflicts).toBe(2);
    expect((api.getObject(GW, 'httproutes', 'default', 'contended')!.status as { parents: unknown[] }).parents).toHaveLength(1);
  });

  it('writes a status again later when the API server failed to take it, and not one it refused', async () => {
    api.apply(httpRoute('flaky'));
    api.apply(httpRoute('refused'));
    const { p } = await started({ statusRetryMs: 50 });
    api.failNext('PUT', /httproutes\/flaky\/status$/, 500, 2);
    api.failNext('PUT', /httproutes\/refused\/status$/, 422, 1);
    await p.writeStatus([routeStatus('flaky', '2026-01-01T00:00:00Z'), routeStatus('refused', '2026-01-01T00:00:00Z')]);
    expect(p.statusStats.failures).toBe(2);
    // Builds write only when something changes: without a retry it would stay unwritten.
    await waitFor(() => (api.getObject(GW, 'httproutes', 'default', 'flaky')?.status as { parents?: unknown[] } | undefined)?.parents?.length === 1, 'flaky status written');
    expect(api.requestsMatching('PUT', /httproutes\/flaky\/status$/)).toHaveLength(3);
    // A 422 says the status itself is wrong: writing it again would be refused again.
    await sleep(300);
    expect(api.requestsMatching('PUT', /httproutes\/refused\/status$/)).toHaveLength(1);
  });

  it('stops writing a batch under way as soon as it may no longer write (leadership lost)', async () => {
    for (let index = 0; index < 6; index++) api.apply(httpRoute(`lead${index}`));
    let leader = true;
    const rest = new KubeRest(api.kubeConfig());
    const served = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes', serverKind: 'HTTPRoute' };
    const writer = new StatusWriter({
      rest: { ...rest, replace: async <T,>(path: string, body: unknown): Promise<T> => {
        const written = await rest.replace<T>(path, body);
        leader = false; // the Lease is lost while the first write is answered
        return written;
      } } as unknown as KubeRest,
      controllerName: CONTROLLER,
      logger: { warn: () => undefined, info: () => undefined, error: () => undefined, debug: () => undefined } as never,
      concurrency: 1,
      resolve: () => served,
      lookup: (_kind, namespace, name) => api.getObject(GW, 'httproutes', namespace ?? '', name) as never,
      mayWrite: () => leader,
    });
    await writer.enqueue([0, 1, 2, 3, 4, 5].map((index) => routeStatus(`lead${index}`, '2026-01-01T00:00:00Z')));
    expect(api.requestsMatching('PUT', /httproutes\/lead\d\/status$/)).toHaveLength(1);
    expect(writer.stats.skipped).toBe(5);
  });

  it('batches a burst of statuses and writes Gateway status with observedGeneration', async () => {
    api.apply(gatewayClass());
    api.apply(gateway('gw'));
    for (let index = 0; index < 5; index++) api.apply(httpRoute(`r${index}`));
    const { p } = await started();
    const gatewayStatus = {
      apiVersion: GW,
      kind: 'Gateway',
      namespace: 'default',
      name: 'gw',
      status: {
        conditions: [{ type: 'Programmed', status: 'True', reason: 'Programmed', message: 'ok', lastTransitionTime: '2026-01-01T00:00:00Z' }],
        listeners: [{ name: 'http', attachedRoutes: 5, supportedKinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }], conditions: [] }],
      },
    };
    await Promise.all([
      p.writeStatus([gatewayStatus]),
      p.writeStatus([gatewayStatus, ...[0, 1, 2, 3, 4].map((index) => routeStatus(`r${index}`, '2026-01-01T00:00:00Z'))]),
    ]);
    expect(statusPuts()).toBe(6);
    const gw = api.getObject(GW, 'gateways', 'default', 'gw')!.status as { conditions: Array<{ observedGeneration: number }> };
    expect(gw.conditions[0].observedGeneration).toBe(1);
  });
});

describe('KubernetesProvider: leader election', () => {
  const lease = { namespace: RELEASE_NAMESPACE, leaseName: 'portico-leader', leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 100 };

  it('elects one leader; the other takes over when the leader stops renewing; only the leader writes status', async () => {
    api.apply(httpRoute('r1'));
    const logA = new SnapshotLog();
    const logB = new SnapshotLog();
    const a = provider({ leaderElection: { ...lease, identity: 'replica-a' } });
    await a.start(logA.push);
    await waitFor(() => a.isLeader, 'a leads');
    const b = provider({ leaderElection: { ...lease, identity: 'replica-b' } });
    await b.start(logB.push);
    await waitFor(() => logB.latest, 'b snapshot');
    await sleep(300);
    expect(a.isLeader).toBe(true);
    expect(b.isLeader).toBe(false);
    // Both replicas serve snapshots (xDS); only the leader writes.
    expect(logA.latest?.resources.get('HTTPRoute', 'default', 'r1')).toBeDefined();

    await b.writeStatus([routeStatus('r1', '2026-01-01T00:00:00Z')]);
    await sleep(100);
    expect(api.requestsMatching('PUT', /\/status$/)).toHaveLength(0);

    const leaseObject = api.getObject('coordination.k8s.io/v1', 'leases', RELEASE_NAMESPACE, 'portico-leader') as { spec: { holderIdentity: string } };
    expect(leaseObject.spec.holderIdentity).toBe('replica-a');

    // a dies without releasing: b waits out the lease, takes over, and writes what it computed.
    const lostAt = Date.now();
    await a.abandon();
    await waitFor(() => b.isLeader, 'b takes over', 5_000);
    expect(Date.now() - lostAt).toBeGreaterThanOrEqual(lease.leaseDurationMs - 150);
    const taken = api.getObject('coordination.k8s.io/v1', 'leases', RELEASE_NAMESPACE, 'portico-leader') as {
      spec: { holderIdentity: string; leaseTransitions: number };
    };
    expect(taken.spec.holderIdentity).toBe('replica-b');
    expect(taken.spec.leaseTransitions).toBe(1);
    await waitFor(() => api.requestsMatching('PUT', /httproutes\/r1\/status$/).length === 1, 'new leader writes status');
  });

  it('steps down when its lease renewals go unanswered (a server that died holding the connection)', async () => {
    const a = provider({ leaderElection: { ...lease, identity: 'replica-a' } });
    await a.start(() => undefined);
    await waitFor(() => a.isLeader, 'a leads');
    const answerAgain = api.hang('PUT', /\/leases\//);
    const stopHangingGets = api.hang('GET', /\/leases\//);
    // A renewal that never returns must not keep it leader past the renew deadline: another
    // replica may have the lease by then.
    await waitFor(() => !a.isLeader, 'a steps down', 5_000);
    answerAgain();
    stopHangingGets();
    await waitFor(() => a.isLeader, 'a leads again once answered', 5_000);
  });

  it('releases the lease on shutdown so a successor takes over at once', async () => {
    const a = provider({ leaderElection: { ...lease, leaseDurationMs: 10_000, identity: 'replica-a' } });
    await a.start(() => undefined);
    await waitFor(() => a.isLeader, 'a leads');
    const b = provider({ leaderElection: { ...lease, leaseDurationMs: 10_000, identity: 'replica-b' } });
    await b.start(() => undefined);
    await sleep(200);
    expect(b.isLeader).toBe(false);
    const events: string[] = [];
    b.leaderElector?.on('leading', () => events.push('leading'));
    await a.stop();
    await waitFor(() => b.isLeader, 'b leads after release', 3_000);
    expect(events).toEqual(['leading']);
  });
});
