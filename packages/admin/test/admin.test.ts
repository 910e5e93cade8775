import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { translate } from '@portico/translator';
import { buildXds } from '@portico/xds';
import { ResourceSet, loadManifests } from '@portico/api';
import type { XdsBuildResult } from '@portico/xds';
import { loadFixture, privateKeyTraces, type Fixture } from '@portico/test-support';
import { buildAdminApp, explainWords, mergeGroups, PorticoMetrics, startAdminServer, type AdminState, type ControlPlaneSnapshot } from '../src/index.js';

const manifests = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: web, namespace: default }
spec: { gatewayClassName: portico, listeners: [{ name: http, port: 80, protocol: HTTP }] }
---
apiVersion: v1
kind: Secret
metadata: { name: cert, namespace: default }
type: kubernetes.io/tls
data: { tls.crt: Y2VydA==, tls.key: c2VjcmV0LWtleS1tYXRlcmlhbA== }
`;

/** A build result as the pipeline would hand it over: the admin API only reads it. */
const xds: XdsBuildResult = {
  groups: {
    'default/web': {
      listeners: [{ type: 'listener', name: 'default/web/80', message: { name: 'default/web/80' } }],
      routes: [],
      clusters: [{ type: 'cluster', name: 'default/svc/80', message: { name: 'default/svc/80' } }],
      endpoints: [],
      secrets: [],
    },
    'other/gw': {
      listeners: [],
      routes: [],
      clusters: [{ type: 'cluster', name: 'default/svc/80', message: { name: 'default/svc/80' } }],
      endpoints: [],
      secrets: [],
    },
  },
  rejected: [{ type: 'route', name: 'r', field: 'virtual_hosts[0].domains', message: 'must not be empty', proxyGroup: 'default/web' }],
};

function snapshot(): ControlPlaneSnapshot {
  const loaded = loadManifests(manifests, 'test.yaml');
  return {
    version: 1,
    builtAt: '2026-01-01T00:00:00.000Z',
    resources: ResourceSet.from(loaded.objects),
    statuses: [
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        namespace: 'default',
        name: 'web',
        status: { conditions: [{ type: 'Programmed', status: 'True' }] },
      },
    ],
    problems: [{ source: 'bad.yaml', document: 0, field: 'metadata.name', message: 'metadata.name is required' }],
    diagnostics: [],
    xds,
  };
}

class TestState implements AdminState {
  snapshot?: ControlPlaneSnapshot;
  current() {
    return this.snapshot;
  }
  nackErrors() {
    return [{ node: 'envoy-1', typeUrl: 'type.googleapis.com/envoy.config.listener.v3.Listener', message: 'bad port' }];
  }
  connectedProxies() {
    return [{ node: 'envoy-1' }, { node: 'envoy-2' }];
  }
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

describe('admin server', () => {
  it('lists its endpoints at /: each one it answers, and every one it answers', async () => {
    const app = buildAdminApp({ state: new TestState(), metrics: new PorticoMetrics({ defaultMetrics: false }) });
    closers.push(() => app.close());
    await app.ready();
    const index = await app.inject('/');
    expect(index.statusCode).toBe(200);
    const listed = (index.json() as { endpoints: Array<{ path: string; description: string }> }).endpoints.map((e) => e.path.split('?')[0] as string);
    for (const path of listed) expect(app.hasRoute({ method: 'GET', url: path }), path).toBe(true);
    // The routes the app has, from fastify's tree (one segment below / per line).
    const answered = app
      .printRoutes({ commonPrefix: false, method: 'GET' })
      .split('\n')
      .map((line) => /([\w/]+) \(GET\)$/.exec(line)?.[1])
      .filter((segment): segment is string => segment !== undefined && segment !== '/')
      .map((segment) => `/${segment}`);
    expect(answered.length).toBeGreaterThan(5);
    expect([...listed].sort()).toEqual([...answered].sort());
  });

  it('is healthy at once and ready only after the first build', async () => {
    const state = new TestState();
    const app = buildAdminApp({ state, metrics: new PorticoMetrics({ defaultMetrics: false }) });
    closers.push(() => app.close());
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    const before = await app.inject('/readyz');
    expect(before.statusCode).toBe(503);
    expect(before.json().reason).toMatch(/first build/);
    expect((await app.inject('/status')).statusCode).toBe(503);
    expect((await app.inject('/config_dump')).statusCode).toBe(503);

    state.snapshot = snapshot();
    const after = await app.inject('/readyz');
    expect(after.statusCode).toBe(200);
    expect(after.json()).toMatchObject({ status: 'ready', version: 1 });
  });

  it('/status lists every input object with its status, problems, rejected resources and NACKs, without secret data', async () => {
    const state = new TestState();
    state.snapshot = snapshot();
    const app = buildAdminApp({ state, metrics: new PorticoMetrics({ defaultMetrics: false }) });
    closers.push(() => app.close());
    const response = await app.inject('/status');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.objects).toEqual([
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: 'web', namespace: 'default', generation: 1 },
        status: { conditions: [{ type: 'Programmed', status: 'True' }] },
      },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cert', namespace: 'default', generation: 1 } },
    ]);
    expect(body.problems[0]).toMatchObject({ source: 'bad.yaml', field: 'metadata.name' });
    expect(body.rejected[0]).toMatchObject({ name: 'r', proxyGroup: 'default/web' });
    expect(body.nackErrors[0]).toMatchObject({ node: 'envoy-1', message: 'bad port' });
    expect(body.proxyGroups).toEqual(['default/web', 'other/gw']);
    expect(body.proxies).toEqual([{ node: 'envoy-1' }, { node: 'envoy-2' }]);
    expect(response.body).not.toContain('c2VjcmV0LWtleS1tYXRlcmlhbA==');
  });

  it('/config_dump rejects an unknown gateway, naming the known ones', async () => {
    const state = new TestState();
    state.snapshot = snapshot();
    const app = buildAdminApp({ state, metrics: new PorticoMetrics({ defaultMetrics: false }) });
    closers.push(() => app.close());
    const response = await app.inject('/config_dump?gateway=default/missing');
    expect(response.statusCode).toBe(404);
    expect(response.json().error).toBe("no proxy group for gateway 'default/missing'; known: default/web, other/gw");
    // Names every plain object has are no proxy group either.
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      for (const path of ['/config_dump', '/explain']) {
        const inherited = await app.inject(`${path}?gateway=${name}`);
        expect(inherited.statusCode, `${path} ${name}`).toBe(404);
      }
    }
  });

  it('/metrics exposes Portico and process metrics in Prometheus text format', async () => {
    const state = new TestState();
    const metrics = new PorticoMetrics({ connectedProxies: () => state.connectedProxies().length });
    metrics.recordBuild({ seconds: 0.02, errors: 2, problems: 1, xds });
    metrics.pushes.inc({ type_url: 'L' });
    metrics.nacks.inc({ type_url: 'L' });
    const app = buildAdminApp({ state, metrics });
    closers.push(() => app.close());
    const response = await app.inject('/metrics');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/plain/);
    const text = response.body;
    expect(text).toMatch(/^portico_build_duration_seconds_count 1$/m);
    expect(text).toMatch(/^portico_translate_errors_total 2$/m);
    expect(text).toMatch(/^portico_xds_resources\{type="cluster"\} 2$/m);
    expect(text).toMatch(/^portico_xds_resources\{type="listener"\} 1$/m);
    expect(text).toMatch(/^portico_xds_rejected_resources 1$/m);
    expect(text).toMatch(/^portico_connected_proxies 2$/m);
    expect(text).toMatch(/^portico_xds_pushes_total\{type_url="L"\} 1$/m);
    expect(text).toMatch(/^portico_xds_nacks_total\{type_url="L"\} 1$/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
  });

  it('binds loopback by default and supports port 0', async () => {
    const server = await startAdminServer({ port: 0, state: new TestState(), metrics: new PorticoMetrics({ defaultMetrics: false }) });
    closers.push(() => server.close());
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    const response = await fetch(`http://127.0.0.1:${server.port}/healthz`);
    expect(response.status).toBe(200);
  });
});

describe('helpers', () => {
  it('mergeGroups keeps one copy of a resource served to several gateways, sorted by name', () => {
    const merged = mergeGroups(xds.groups);
    expect(merged.clusters.map((c) => c.name)).toEqual(['default/svc/80']);
    expect(merged.listeners.map((l) => l.name)).toEqual(['default/web/80']);
  });

  it('explainWords turns query parameters into command-line words', () => {
    expect(explainWords({ method: 'POST', header: ['a: 1', 'b: 2'], url: 'http://h/p' })).toEqual([
      '-X', 'POST', '-H', 'a: 1', '-H', 'b: 2', 'http://h/p',
    ]);
  });
});

describe('/config_dump over a real build', () => {
  // An HTTPS Gateway whose TLS Secret holds a key pair generated for this run.
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await loadFixture('https.yaml');
  });

  function builtSnapshot(): ControlPlaneSnapshot {
    const loaded = loadManifests(fixture.text, 'https.yaml');
    const resources = ResourceSet.from(loaded.objects);
    const result = translate(resources, { controllerName: 'portico.dev/gateway-controller' });
    return {
      version: 7,
      builtAt: '2026-01-01T00:00:00.000Z',
      resources,
      statuses: result.statuses,
      problems: loaded.problems,
      diagnostics: result.diagnostics,
      xds: buildXds(result.ir),
    };
  }

  it('is an Envoy ConfigDump of every resource type, without the private key', async () => {
    const state = new TestState();
    state.snapshot = builtSnapshot();
    const keyTraces = privateKeyTraces(fixture.certificates.get('www')!);
    // The input does carry the key (base64 in the Secret's data).
    expect(keyTraces.some((trace) => fixture.text.includes(trace))).toBe(true);
    const app = buildAdminApp({ state, metrics: new PorticoMetrics({ defaultMetrics: false }) });
    closers.push(() => app.close());
    for (const url of ['/config_dump', '/config_dump?gateway=default/secure']) {
      const response = await app.inject(url);
      expect(response.statusCode).toBe(200);
      const dump = response.json() as { configs: Array<Record<string, unknown>> };
      expect(dump.configs.map((c) => c['@type'])).toEqual(
        expect.arrayContaining([
          'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
          'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
          'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
          'type.googleapis.com/envoy.admin.v3.EndpointsConfigDump',
          'type.googleapis.com/envoy.admin.v3.SecretsConfigDump',
        ]),
      );
      expect(response.body).toContain('type.googleapis.com/envoy.config.listener.v3.Listener');
      expect(response.body).toContain('BEGIN CERTIFICATE');
      expect(response.body).not.toMatch(/PRIVATE KEY/);
      for (const trace of keyTraces) expect(response.body).not.toContain(trace);
    }
  });

  it('/explain traces a request given as query parameters over the live resources', async () => {
    const state = new TestState();
    state.snapshot = builtSnapshot();
    const app = buildAdminApp({ state, metrics: new PorticoMetrics({ defaultMetrics: false }) });
    closers.push(() => app.close());
    const ok = await app.inject('/explain?url=https://www.example.com:8443/&header=x-test:%201');
    expect(ok.statusCode).toBe(200);
    const body = ok.json() as { gateway: string; trace: { outcome: string; clusters?: Array<{ name: string }> }; text: string };
    expect(body.gateway).toBe('default/secure');
    expect(body.trace.outcome).toBe('forwarded');
    expect(body.trace.clusters?.map((c) => c.name)).toEqual(['default/web/80']);
    expect(body.text).toMatch(/^Outcome: forwarded/m);
    const bad = await app.inject('/explain?url=http://a/&header=no-colon');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatch(/must be "name: value"/);
  });

  it('/explain with no Gateway served says so instead of asking to choose among none', async () => {
    const state = new TestState();
    state.snapshot = { ...builtSnapshot(), xds: { groups: {}, rejected: [] } as unknown as ControlPlaneSnapshot['xds'] };
    const app = buildAdminApp({ state, metrics: new PorticoMetrics({ defaultMetrics: false }) });
    closers.push(() => app.close());
    const none = await app.inject('/explain?url=http://a/');
    expect(none.statusCode).toBe(404);
    expect(none.json().error).toBe('no Gateway is served: nothing to explain (see /status for why)');
  });
});
