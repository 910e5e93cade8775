import { describe, expect, it } from 'vitest';
import type { TranslationResult } from '@portico/translator';
import { FakeCluster } from '../src/cluster.js';
import { answerFromTrace, downstreamTrustAnchors, issuedByOneOf, upstreamClientCertificate } from '../src/explain-adapter.js';
import { testPki } from '@portico/test-support';
import type { Assertion } from '../src/model.js';
import {
  echoAttempt,
  evaluateTraffic,
  observe,
  parseDurationMs,
  type DataPath,
  type DataPathAnswer,
  type DataPathRequest,
  type TrafficContext,
} from '../src/traffic.js';

const NS = 'infra';

/** A cluster with two backends (one pod each) behind selector Services, as the suite's base manifests have. */
function backendCluster(): FakeCluster {
  const cluster = new FakeCluster();
  for (const name of ['infra-backend-v1', 'infra-backend-v2']) {
    cluster.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: NS }, spec: { template: { metadata: { labels: { app: name } } } } });
    cluster.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { selector: { app: name }, ports: [{ port: 8080, targetPort: 3000 }] } });
  }
  return cluster;
}

/** Test double for the data path: answers every request with `answer(request)`. */
function context(answer: (request: DataPathRequest) => DataPathAnswer, cluster = backendCluster()): TrafficContext & { sent: DataPathRequest[] } {
  const sent: DataPathRequest[] = [];
  const dataPath: DataPath = {
    gatewayAddress: () => '10.0.0.9',
    send: (_group, request) => {
      sent.push(request);
      return answer(request);
    },
  };
  return { dataPath, cluster, resources: {} as TranslationResult, sent };
}

function forward(request: DataPathRequest, services: Array<[string, number]>, extra: Partial<Extract<DataPathAnswer, { kind: 'forward' }>> = {}): DataPathAnswer {
  return {
    kind: 'forward',
    backends: services.map(([name, weight]) => ({ cluster: `${NS}/${name}/8080`, weight, service: { namespace: NS, name } })),
    upstream: { method: request.method, authority: request.authority, path: request.path, headers: request.headers },
    reason: 'test route',
    ...extra,
  };
}

const target = { kind: 'Gateway', namespace: NS, name: 'gw', listener: 'http', port: 80, portFrom: 'firstListener' };

function httpAssertion(fields: Record<string, unknown> = {}): Assertion {
  return {
    id: 'a1',
    category: 'traffic',
    type: 'http',
    expressible: true,
    client: 'gateway',
    target,
    request: { protocol: 'HTTP', scheme: 'http', method: 'GET', host: null, path: '/', query: null, headers: {}, followRedirects: true },
    response: { statusCodes: [200] },
    expectedRequest: { method: 'GET', host: null, path: '/', query: null, headers: {}, absentHeaders: [] },
    backend: { name: 'infra-backend-v1', namespace: NS },
    ...fields,
  };
}

describe('http traffic', () => {
  it('passes when the request reaches the expected backend unchanged, and uses the Gateway address as Host', () => {
    const ctx = context((r) => forward(r, [['infra-backend-v1', 1]]));
    expect(evaluateTraffic(httpAssertion(), ctx)).toMatchObject({ passed: true, evaluated: true });
    expect(ctx.sent[0]).toMatchObject({ authority: '10.0.0.9', port: 80, path: '/', headers: { 'x-echo-set-header': '' } });
  });
  it('fails when another backend answers', () => {
    const verdict = evaluateTraffic(httpAssertion(), context((r) => forward(r, [['infra-backend-v2', 1]])));
    expect(verdict.passed).toBe(false);
    expect(verdict.reason).toContain('want infra-backend-v1');
  });
  it('fails on an unexpected status and on a backend header mismatch', () => {
    expect(evaluateTraffic(httpAssertion(), context(() => ({ kind: 'direct', status: 404, headers: {}, reason: 'no route' }))).reason).toContain('status 404');
    const wantHeader = httpAssertion({ expectedRequest: { method: 'GET', host: null, path: '/', query: null, headers: { 'X-Added': 'v' }, absentHeaders: [] } });
    expect(evaluateTraffic(wantHeader, context((r) => forward(r, [['infra-backend-v1', 1]]))).passed).toBe(false);
    const added = (r: DataPathRequest): DataPathAnswer => forward({ ...r, headers: { ...r.headers, 'x-added': 'v' } }, [['infra-backend-v1', 1]]);
    expect(evaluateTraffic(wantHeader, context(added)).passed).toBe(true);
  });
  it('answers 503 when the Service has no ready endpoints', () => {
    const cluster = backendCluster();
    cluster.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'empty', namespace: NS }, spec: { selector: { app: 'nothing' } } });
    const observed = observe(forward({} as DataPathRequest, [['empty', 1]], { upstream: { method: 'GET', authority: 'x', path: '/', headers: {} } }), cluster, {} as DataPathRequest);
    expect(observed.status).toBe(503);
  });
  it('checks redirects by Location', () => {
    const redirect = httpAssertion({
      response: { statusCodes: [302] },
      redirect: { scheme: 'https', host: 'example.org', port: null, path: '/x' },
    });
    const answer = (location: string) => () => ({ kind: 'direct', status: 302, headers: {}, location, reason: 'redirect' }) as DataPathAnswer;
    expect(evaluateTraffic(redirect, context(answer('https://example.org/x'))).passed).toBe(true);
    expect(evaluateTraffic(redirect, context(answer('https://example.org:443/x'))).passed).toBe(true);
    expect(evaluateTraffic(redirect, context(answer('https://example.org:8443/x'))).passed).toBe(false);
    expect(evaluateTraffic(redirect, context(answer('http://example.org/x'))).passed).toBe(false);
  });
  it('requires the proxy to answer when the backend namespace is null (CORS preflight)', () => {
    const preflight = httpAssertion({
      response: { statusCodes: [200, 204], headerOneOf: { 'access-control-allow-methods': ['GET, OPTIONS', 'OPTIONS, GET'] }, ignoreWhitespaceInHeaderValues: true },
      backend: { name: null, namespace: null },
      expectedRequest: { method: 'OPTIONS', host: null, path: '', query: null, headers: {}, absentHeaders: [] },
    });
    const direct = (): DataPathAnswer => ({ kind: 'direct', status: 200, headers: { 'Access-Control-Allow-Methods': 'OPTIONS,GET' }, reason: 'cors' });
    expect(evaluateTraffic(preflight, context(direct)).passed).toBe(true);
    expect(evaluateTraffic(preflight, context((r) => forward(r, [['infra-backend-v1', 1]]))).passed).toBe(false);
  });
  it('plays echo-backend retries against the proxy retry policy', () => {
    const path = '/retry/x?responseCode=500&succeedAfter=2&uuid=u';
    const request = { method: 'GET', path } as DataPathRequest;
    const answer = (numRetries: number) =>
      forward({ method: 'GET', authority: 'h', path, headers: {} } as DataPathRequest, [['infra-backend-v1', 1]], {
        retry: { retryOn: ['retriable-status-codes'], numRetries, retriableStatusCodes: [500] },
      });
    expect(observe(answer(2), backendCluster(), request).status).toBe(200);
    expect(observe(answer(1), backendCluster(), request).status).toBe(500);
  });
  it('retries an attempt that runs past the per-try timeout only when retry_on covers it', () => {
    const path = '/t?delay=1s';
    const request = { method: 'GET', path } as DataPathRequest;
    const answer = (retryOn: string[]) =>
      forward({ method: 'GET', authority: 'h', path, headers: {} } as DataPathRequest, [['infra-backend-v1', 1]], {
        retry: { retryOn, numRetries: 2, retriableStatusCodes: [], perTryTimeoutMs: 500 },
      });
    const reset = observe(answer(['connect-failure', 'reset']), backendCluster(), request);
    expect(reset.status).toBe(504);
    expect(reset.reason).toContain('attempt 3/3: per-try timeout 500ms');
    const connectOnly = observe(answer(['connect-failure']), backendCluster(), request);
    expect(connectOnly.status).toBe(504);
    expect(connectOnly.reason).toContain('attempt 1/3: per-try timeout 500ms');
  });
  it('times out when the backend delay reaches the route timeout', () => {
    const path = '/t?delay=1s';
    const answer = (timeoutMs: number) => forward({ method: 'GET', authority: 'h', path, headers: {} } as DataPathRequest, [['infra-backend-v1', 1]], { timeoutMs });
    expect(observe(answer(500), backendCluster(), {} as DataPathRequest).status).toBe(504);
    expect(observe(answer(2000), backendCluster(), {} as DataPathRequest).status).toBe(200);
  });
  it('applies response header mutations to the echo reply and checks absent headers', () => {
    const a = httpAssertion({ response: { statusCodes: [200], headers: { 'x-set': 'new' }, absentHeaders: ['x-remove'] }, request: { protocol: 'HTTP', scheme: 'http', method: 'GET', host: null, path: '/', query: null, headers: {}, followRedirects: true, echoSetResponseHeaders: { 'X-Set': 'old', 'X-Remove': 'gone' } } });
    const mutated = (r: DataPathRequest): DataPathAnswer => {
      const answer = forward(r, [['infra-backend-v1', 1]]);
      if (answer.kind === 'forward') answer.backends[0].responseMutations = [{ remove: ['x-remove'], add: [{ name: 'X-Set', value: 'new', appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' }] }];
      return answer;
    };
    expect(evaluateTraffic(a, context(mutated)).passed).toBe(true);
    expect(evaluateTraffic(a, context((r) => forward(r, [['infra-backend-v1', 1]]))).passed).toBe(false);
  });
});

describe('backend TLS', () => {
  const a = httpAssertion({ expectedRequest: { method: 'GET', host: null, path: '/', query: null, headers: {}, absentHeaders: [], tlsServerName: 'abc.example.com', tlsPeerCertificate: 'CERT-PEM' } });
  const tlsForward = (sni: string | undefined, certificate?: string) => (r: DataPathRequest): DataPathAnswer => {
    const answer = forward(r, [['infra-backend-v1', 1]]);
    if (answer.kind === 'forward') Object.assign(answer.backends[0], { upstreamTls: sni !== undefined, ...(sni ? { upstreamTlsServerName: sni } : {}), ...(certificate ? { upstreamClientCertificate: certificate } : {}) });
    return answer;
  };
  it('checks the SNI and client certificate the proxy uses towards the backend', () => {
    expect(evaluateTraffic(a, context(tlsForward('abc.example.com', 'CERT-PEM'))).passed).toBe(true);
    expect(evaluateTraffic(a, context(tlsForward('other.example.com', 'CERT-PEM'))).reason).toContain('SNI other.example.com');
    expect(evaluateTraffic(a, context(tlsForward(undefined))).reason).toContain('plain text');
    expect(evaluateTraffic(a, context(tlsForward('abc.example.com'))).reason).toContain('no client certificate');
  });
  it('finds the client certificate of a cluster through SDS', () => {
    const resources = {
      clusters: [{ name: 'c', message: { transport_socket: { typed_config: { common_tls_context: { tls_certificate_sds_secret_configs: [{ name: 's' }] } } } } }],
      secrets: [{ name: 's', message: { tls_certificate: { certificate_chain: { inline_string: 'PEM' } } } }],
    };
    expect(upstreamClientCertificate(resources, 'c')).toBe('PEM');
    expect(upstreamClientCertificate(resources, 'missing')).toBeUndefined();
  });
});

describe('weightedDistribution', () => {
  const weighted: Assertion = {
    id: 'a2',
    category: 'traffic',
    type: 'weightedDistribution',
    expressible: true,
    client: 'gateway',
    protocol: 'http',
    target,
    request: { protocol: 'HTTP', scheme: 'http', method: 'GET', host: null, path: '/', query: null, headers: {}, followRedirects: true },
    weights: { 'infra-backend-v1': 0.7, 'infra-backend-v2': 0.3 },
    tolerance: 0.05,
  };
  it('compares configured weights with the expected shares and says so', () => {
    const verdict = evaluateTraffic(weighted, context((r) => forward(r, [['infra-backend-v1', 70], ['infra-backend-v2', 30]])));
    expect(verdict.passed).toBe(true);
    expect(verdict.evaluation).toContain('deterministic');
  });
  it('fails outside the tolerance or when a weighted backend gets nothing', () => {
    expect(evaluateTraffic(weighted, context((r) => forward(r, [['infra-backend-v1', 60], ['infra-backend-v2', 40]]))).passed).toBe(false);
    expect(evaluateTraffic(weighted, context((r) => forward(r, [['infra-backend-v1', 1]]))).passed).toBe(false);
  });
});

describe('grpc and connection-level traffic', () => {
  it('sends gRPC as a POST to /service/method with content-type application/grpc', () => {
    const ctx = context((r) => forward(r, [['infra-backend-v1', 1]]));
    const grpc: Assertion = {
      id: 'a3', category: 'traffic', type: 'grpc', expressible: true, client: 'gateway', target,
      request: { protocol: 'gRPC', fullMethod: '/pkg.Svc/Echo', authority: null, metadata: {} },
      response: { code: 'OK' },
      backend: { name: 'infra-backend-v1', namespace: NS },
    };
    expect(evaluateTraffic(grpc, ctx).passed).toBe(true);
    expect(ctx.sent[0]).toMatchObject({ method: 'POST', path: '/pkg.Svc/Echo', headers: { 'content-type': 'application/grpc' } });
    expect(evaluateTraffic(grpc, context(() => ({ kind: 'direct', status: 404, headers: {}, reason: 'no route' }))).passed).toBe(false);
  });
  it('compares an expected gRPC error code with the status Envoy maps from its local reply', () => {
    const unimplemented: Assertion = {
      id: 'a5', category: 'traffic', type: 'grpc', expressible: true, client: 'gateway', target,
      request: { protocol: 'gRPC', fullMethod: '/pkg.Svc/Missing', authority: null, metadata: {} },
      response: { code: 'Unimplemented', codeNumber: 12 },
    };
    const direct = (status: number) => context(() => ({ kind: 'direct', status, headers: {}, reason: 'local reply' }));
    expect(evaluateTraffic(unimplemented, direct(404)).passed).toBe(true);
    for (const status of [503, 500, 403]) {
      const verdict = evaluateTraffic(unimplemented, direct(status));
      expect(verdict.passed, String(status)).toBe(false);
      expect(verdict.reason).toContain('want Unimplemented');
    }
    expect(evaluateTraffic(unimplemented, context(() => ({ kind: 'reset', reason: 'no listener' }))).passed).toBe(false);
    expect(evaluateTraffic(unimplemented, context((r) => forward(r, [['infra-backend-v1', 1]]))).passed).toBe(false);
  });
  it('checks TLS passthrough streams and rejected connections', () => {
    const stream = (): DataPathAnswer => ({ kind: 'stream', transport: 'tcp', tlsTerminated: false, backends: [{ cluster: 'c', weight: 1, service: { namespace: NS, name: 'infra-backend-v1' } }], reason: 'tcp_proxy' });
    const tcp: Assertion = {
      id: 'a4', category: 'traffic', type: 'tcp', expressible: true, client: 'gateway', target,
      request: { protocol: 'TLS', tls: { serverName: 'abc.example.com' } },
      backend: { name: 'infra-backend-v1', namespace: NS }, expectBackendSawTLS: true,
    };
    expect(evaluateTraffic(tcp, context(stream)).passed).toBe(true);
    expect(evaluateTraffic({ ...tcp, expectBackendSawTLS: false }, context(stream)).passed).toBe(false);
    const rejected: Assertion = { id: 'a5', category: 'traffic', type: 'tlsConnectionRejected', expressible: true, client: 'gateway', target, request: { serverName: 'x.example.com' } };
    expect(evaluateTraffic(rejected, context(() => ({ kind: 'reset', reason: 'no filter chain' }))).passed).toBe(true);
    expect(evaluateTraffic(rejected, context(stream)).passed).toBe(false);
  });
});

describe('mesh (sidecar) clients', () => {
  function meshAssertion(fields: Record<string, unknown> = {}): Assertion {
    return {
      id: 'a1',
      category: 'traffic',
      type: 'http',
      expressible: true,
      client: 'mesh',
      from: { selector: 'app=echo,version=v1', namespace: 'mesh-client' },
      request: { protocol: 'HTTP', scheme: 'http', method: 'GET', host: 'echo', path: '/p', query: null, headers: {}, followRedirects: false },
      response: { statusCodes: [200] },
      backend: { name: 'infra-backend-v1', namespace: 'elsewhere' },
      notVerifiedUpstream: ['backend.namespace'],
      ...fields,
    };
  }
  function recordingContext(answer: (request: DataPathRequest) => DataPathAnswer): { ctx: TrafficContext; groups: string[]; sent: DataPathRequest[] } {
    const groups: string[] = [];
    const sent: DataPathRequest[] = [];
    const ctx: TrafficContext = {
      cluster: backendCluster(),
      resources: {} as TranslationResult,
      dataPath: { gatewayAddress: () => undefined, send: (group, request) => (groups.push(group), sent.push(request), answer(request)) },
    };
    return { ctx, groups, sent };
  }
  it('sends from the client namespace\'s proxy group to the Service port in the host (default 80), Host = request.host', () => {
    const { ctx, groups, sent } = recordingContext((r) => forward(r, [['infra-backend-v1', 1]]));
    expect(evaluateTraffic(meshAssertion(), ctx)).toMatchObject({ passed: true, evaluated: true });
    expect(groups).toEqual(['mesh/mesh-client']);
    expect(sent[0]).toMatchObject({ authority: 'echo', port: 80, path: '/p' });
    evaluateTraffic(meshAssertion({ request: { protocol: 'HTTP', scheme: 'http', method: 'GET', host: 'echo-v1:8080', path: '/', query: null, headers: {} } }), ctx);
    expect(sent[1]).toMatchObject({ authority: 'echo-v1:8080', port: 8080 });
  });
  it('checks the status, the backend pod prefix and headers, but not the fields upstream does not verify', () => {
    const wrongPod = recordingContext((r) => forward(r, [['infra-backend-v2', 1]]));
    expect(evaluateTraffic(meshAssertion(), wrongPod.ctx).passed).toBe(false);
    const rewritten = recordingContext((r) => ({ ...forward(r, [['infra-backend-v1', 1]]), upstream: { method: 'GET', authority: 'other', path: '/x', headers: { ...r.headers, a: '1' } } }));
    const expectedRequest = { method: 'GET', host: 'echo', path: '/p', query: null, headers: { a: '1' }, absentHeaders: [] };
    const skipping = ['backend.namespace', 'expectedRequest.method', 'expectedRequest.host', 'expectedRequest.path', 'expectedRequest.query'];
    expect(evaluateTraffic(meshAssertion({ expectedRequest, notVerifiedUpstream: skipping }), rewritten.ctx).passed).toBe(true);
    expect(evaluateTraffic(meshAssertion({ expectedRequest, notVerifiedUpstream: ['backend.namespace'] }), rewritten.ctx).passed).toBe(false);
    expect(evaluateTraffic(meshAssertion({ expectedRequest: { ...expectedRequest, headers: { a: '2' } }, notVerifiedUpstream: skipping }), rewritten.ctx).passed).toBe(false);
    const redirect = recordingContext(() => ({ kind: 'direct', status: 302, headers: {}, location: 'http://echo:9999/q', reason: 'redirect' }));
    const redirectFields = { response: { statusCodes: [302] }, redirect: { scheme: 'http', host: null, port: '8083', path: '/p' } };
    expect(evaluateTraffic(meshAssertion({ ...redirectFields, notVerifiedUpstream: ['backend.namespace', 'redirect'] }), redirect.ctx).passed).toBe(true);
    expect(evaluateTraffic(meshAssertion({ ...redirectFields, notVerifiedUpstream: ['backend.namespace'] }), redirect.ctx).passed).toBe(false);
    expect(evaluateTraffic(meshAssertion({ response: { statusCodes: [301] }, notVerifiedUpstream: ['redirect'] }), redirect.ctx).passed).toBe(false);
  });
  it('weighted mesh traffic is compared with the configured shares', () => {
    const { ctx, groups } = recordingContext((r) => forward(r, [['infra-backend-v1', 70], ['infra-backend-v2', 30]]));
    const weighted = meshAssertion({ type: 'weightedDistribution', protocol: 'http', weights: { 'infra-backend-v1': 0.7, 'infra-backend-v2': 0.3 }, tolerance: 0.05 });
    expect(evaluateTraffic(weighted, ctx)).toMatchObject({ passed: true, evaluated: true });
    expect(groups).toEqual(['mesh/mesh-client']);
    expect(evaluateTraffic({ ...weighted, weights: { 'infra-backend-v1': 0.5, 'infra-backend-v2': 0.5 } }, ctx).passed).toBe(false);
  });
  it('a request to a pod IP names it as the destination, and a passthrough answer reaches the pod with that address', () => {
    const pod = backendCluster().pods().find((p) => p.deployment === 'infra-backend-v2')!;
    const passthrough = (address: string) => (r: DataPathRequest): DataPathAnswer => ({
      kind: 'forward',
      backends: [{ cluster: 'passthrough', weight: 1, destination: { address, port: r.port } }],
      upstream: { method: r.method, authority: r.authority, path: r.path, headers: r.headers },
      reason: 'passthrough',
    });
    const toPod = { request: { protocol: 'HTTP', scheme: 'http', method: 'GET', host: `${pod.ipv4}:8080`, path: '/', query: null, headers: {} }, backend: { name: 'infra-backend-v2', namespace: null } };
    const reached = recordingContext(passthrough(pod.ipv4));
    expect(evaluateTraffic(meshAssertion(toPod), reached.ctx)).toMatchObject({ passed: true, evaluated: true });
    expect(reached.sent[0]).toMatchObject({ authority: `${pod.ipv4}:8080`, port: 8080, destinationAddress: pod.ipv4 });
    // Nobody has the address: the connection fails, which is not a 200.
    const nowhere = recordingContext(passthrough('192.0.2.99'));
    expect(evaluateTraffic(meshAssertion(toPod), nowhere.ctx).passed).toBe(false);
    // A Service name is not an address: the client resolves it, the request names no destination.
    const byName = recordingContext((r) => forward(r, [['infra-backend-v1', 1]]));
    evaluateTraffic(meshAssertion(), byName.ctx);
    expect(byName.sent[0]?.destinationAddress).toBeUndefined();
  });
  it('connection-level mesh probes stay not evaluated', () => {
    const { ctx } = recordingContext(() => ({ kind: 'reset', reason: '' }));
    expect(evaluateTraffic(meshAssertion({ type: 'tcp' }), ctx)).toMatchObject({ passed: false, evaluated: false });
  });
});

describe('helpers', () => {
  it('parses durations', () => {
    expect(parseDurationMs('1s')).toBe(1000);
    expect(parseDurationMs('1.500s')).toBe(1500);
    expect(parseDurationMs('500ms')).toBe(500);
    expect(parseDurationMs('1m30s')).toBe(90_000);
    expect(parseDurationMs(undefined)).toBeUndefined();
  });
  it('models echo retries', () => {
    expect(echoAttempt('/retry/a?succeedAfter=1&uuid=x', 1).status).toBeUndefined();
    expect(echoAttempt('/retry/a?succeedAfter=1&uuid=x', 2).status).toBe(200);
    expect(echoAttempt('/status/418', 1).status).toBe(418);
  });
  it('maps explain traces to answers', () => {
    const forwarded = answerFromTrace({
      outcome: 'forwarded',
      summary: 'route r',
      clusters: [{ name: 'c1', weight: 3, exists: true, source: { kind: 'Service', namespace: NS, name: 'infra-backend-v1', port: 8080 }, request: { method: 'GET', authority: 'h', path: '/', headers: { a: ['1', '2'] } } }],
      retry: { retryOn: ['5xx'], numRetries: 2, retriableStatusCodes: [], perTryTimeout: '0.250s' },
      timeout: { route: '15s' },
    });
    expect(forwarded).toMatchObject({
      kind: 'forward',
      backends: [{ cluster: 'c1', weight: 3, service: { namespace: NS, name: 'infra-backend-v1', port: 8080 }, request: { headers: { a: '1,2' } } }],
      retry: { numRetries: 2, perTryTimeoutMs: 250 },
      timeoutMs: 15_000,
    });
    expect(answerFromTrace({ outcome: 'redirect', summary: 's', response: { from: 'envoy', status: 301, location: 'http://x/' } })).toMatchObject({ kind: 'direct', status: 301, location: 'http://x/' });
    expect(answerFromTrace({ outcome: 'connection_rejected', summary: 'no chain' }).kind).toBe('reset');
    expect(answerFromTrace({ outcome: 'tcp_proxy', summary: 't', clusters: [], steps: [{ stage: 'tls', result: 'applied' }] })).toMatchObject({ kind: 'stream', tlsTerminated: true });
    const missing = answerFromTrace({ outcome: 'forwarded', summary: 's', clusters: [{ name: 'gone', weight: 1, exists: false }], upstreamRequest: { method: 'GET', authority: 'h', path: '/', headers: {} } });
    expect(missing.kind === 'forward' && missing.backends[0].localReplyStatus).toBe(503);
  });
});

describe('mesh client traffic', () => {
  it('sends to the Service the host names, with a Host header as the authority the sidecar routes on', () => {
    const ctx = context((r) => forward(r, [['infra-backend-v1', 1]]));
    const mesh: Assertion = {
      ...httpAssertion({ client: 'mesh', from: { selector: 'app=echo', namespace: NS } }),
      target: undefined,
      request: { protocol: 'HTTP', scheme: 'http', method: 'GET', host: 'echo-v2', path: '/', query: null, headers: { Host: 'echo-v1' }, followRedirects: true },
    } as Assertion;
    evaluateTraffic(mesh, ctx);
    expect(ctx.sent[0]).toMatchObject({ authority: 'echo-v1', port: 80 });
    const plain: Assertion = { ...mesh, request: { ...(mesh.request as object), headers: {} } } as Assertion;
    evaluateTraffic(plain, ctx);
    expect(ctx.sent[1]).toMatchObject({ authority: 'echo-v2' });
  });
});

describe('client certificates the replay presents', () => {
  it('are valid when the anchors of the filter chain reached signed them', async () => {
    const pki = await testPki();
    expect(issuedByOneOf(pki.client.cert, pki.ca.cert)).toBe(true);
    expect(issuedByOneOf(pki.client.cert, `${pki.stranger.cert}${pki.ca.cert}`)).toBe(true);
    expect(issuedByOneOf(pki.stranger.cert, pki.ca.cert)).toBe(false);
    expect(issuedByOneOf(pki.client.cert, pki.stranger.cert)).toBe(false);
    expect(issuedByOneOf('', pki.ca.cert)).toBe(false);
  });

  it('finds the anchors of a chain inline or through its SDS secret, on the listener of the port', () => {
    const chain = (name: string, common: Record<string, unknown>) => ({
      name,
      transport_socket: { typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext', common_tls_context: common } },
    });
    const resources = {
      listeners: [
        {
          name: 'l443',
          message: {
            address: { socket_address: { port_value: 443 } },
            filter_chains: [
              chain('inline', { validation_context: { trusted_ca: { inline_string: 'INLINE-CA' } } }),
              chain('sds', { validation_context_sds_secret_config: { name: 'ca-secret' } }),
              chain('none', {}),
            ],
          },
        },
      ],
      secrets: [{ name: 'ca-secret', message: { name: 'ca-secret', validation_context: { trusted_ca: { inline_bytes: Buffer.from('SDS-CA').toString('base64') } } } }],
    };
    expect(downstreamTrustAnchors(resources, 443, 'inline')).toBe('INLINE-CA');
    expect(downstreamTrustAnchors(resources, 443, 'sds')).toBe('SDS-CA');
    expect(downstreamTrustAnchors(resources, 443, 'none')).toBeUndefined();
    expect(downstreamTrustAnchors(resources, 8443, 'inline')).toBeUndefined();
  });
});
