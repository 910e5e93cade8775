import { describe, expect, it } from 'vitest';
import { FakeCluster } from '../src/cluster.js';
import { parseExpectedPassing } from '../src/command.js';
import { assignedAddresses } from '../src/runner.js';
import { applyMergePatch } from '../src/mergepatch.js';
import { rewriteGatewayAddresses, substitute, substituteString, type PlaceholderValues } from '../src/placeholders.js';
import { emptyTally, summaryLine, tallyCases, type CaseResult } from '../src/report.js';

describe('applyMergePatch (RFC 7386)', () => {
  it('merges objects, removes null keys and replaces arrays whole', () => {
    const target = { spec: { a: 1, b: { c: 2, d: 3 }, list: [1, 2, 3] }, keep: true };
    const patch = { spec: { b: { c: null, e: 4 }, list: [9] } };
    expect(applyMergePatch(target, patch)).toEqual({ spec: { a: 1, b: { d: 3, e: 4 }, list: [9] }, keep: true });
    expect(target.spec.b).toEqual({ c: 2, d: 3 });
  });
  it('follows the RFC examples for non-object patches', () => {
    expect(applyMergePatch({ a: 'b' }, ['c'])).toEqual(['c']);
    expect(applyMergePatch({ a: 'b' }, null)).toBeNull();
    expect(applyMergePatch(['a'], { a: 'b' })).toEqual({ a: 'b' });
    expect(applyMergePatch({ e: null }, { a: 1 })).toEqual({ e: null, a: 1 });
  });
});

const values: PlaceholderValues = {
  gatewayClassName: 'portico-conformance',
  controllerName: 'portico.dev/gateway-controller',
  usableAddress: { type: 'IPAddress', value: '127.0.0.1' },
  unusableAddress: { type: 'IPAddress', value: '192.0.2.1' },
  configMapData: (ns, name, key) => (ns === 'infra' && name === 'ca' && key === 'ca.crt' ? 'PEM' : undefined),
  secretData: () => undefined,
  podIp: (selector) => (selector === 'app=echo,version=v2' ? '10.0.0.2' : undefined),
  uuid: () => 'fixed-uuid',
};

describe('placeholders', () => {
  it('substitutes every known placeholder and leaves unknown ones', () => {
    expect(substituteString('{GATEWAY_CLASS_NAME}', values)).toBe('portico-conformance');
    expect(substituteString('${CONTROLLER_NAME}', values)).toBe('portico.dev/gateway-controller');
    expect(substituteString('{GATEWAY_CONTROLLER_NAME}', values)).toBe('portico.dev/gateway-controller');
    expect(substituteString('${USABLE_ADDRESS_TYPE}:${USABLE_ADDRESS}', values)).toBe('IPAddress:127.0.0.1');
    expect(substituteString('${CONFIGMAP_DATA:infra/ca:ca.crt}', values)).toBe('PEM');
    expect(substituteString('${POD_IP:app=echo,version=v2}', values)).toBe('10.0.0.2');
    expect(substituteString('/x?id=${REQUEST_ID}', values)).toBe('/x?id=fixed-uuid');
    expect(substituteString('${SECRET_DATA:infra/missing:tls.crt}', values)).toBe('${SECRET_DATA:infra/missing:tls.crt}');
    expect(substituteString('${SOMETHING_ELSE}', values)).toBe('${SOMETHING_ELSE}');
  });
  it('substitutes deeply without touching the input', () => {
    const input = { a: ['${CONTROLLER_NAME}'], b: { c: 1, d: null } };
    expect(substitute(input, values)).toEqual({ a: ['portico.dev/gateway-controller'], b: { c: 1, d: null } });
    expect(input.a[0]).toBe('${CONTROLLER_NAME}');
  });
  it('rewrites Gateway addresses as the upstream applier does', () => {
    const rewritten = rewriteGatewayAddresses(
      [
        { type: 'test/fake-invalid-type', value: 'fake address teehee!' },
        { value: 'PLACEHOLDER_UNUSABLE_ADDRS' },
        { value: 'PLACEHOLDER_USABLE_ADDRS' },
        { type: 'IPAddress', value: '10.1.1.1' },
      ],
      values,
    );
    expect(rewritten).toEqual([
      { type: 'test/fake-invalid-type', value: 'fake address teehee!' },
      { type: 'IPAddress', value: '192.0.2.1' },
      { type: 'IPAddress', value: '127.0.0.1' },
    ]);
  });
});

describe('FakeCluster', () => {
  const gateway = (listeners: unknown[]) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'gw', namespace: 'infra' },
    spec: { gatewayClassName: 'c', listeners },
  });
  it('orders creationTimestamps by apply order and advances on wait', () => {
    const cluster = new FakeCluster();
    const a = cluster.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'a', namespace: 'x' } });
    const b = cluster.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'b', namespace: 'x' } });
    cluster.clock.advance(5);
    const c = cluster.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'c', namespace: 'x' } });
    expect(String(a.metadata.creationTimestamp) < String(b.metadata.creationTimestamp)).toBe(true);
    expect(Date.parse(String(c.metadata.creationTimestamp)) - Date.parse(String(b.metadata.creationTimestamp))).toBe(6000);
  });
  it('bumps generation on spec change only, keeping uid and creationTimestamp', () => {
    const cluster = new FakeCluster();
    const created = cluster.apply(gateway([{ name: 'http', port: 80, protocol: 'HTTP' }]));
    const same = cluster.apply(gateway([{ name: 'http', port: 80, protocol: 'HTTP' }]));
    expect(same.metadata.generation).toBe(1);
    const patched = cluster.patch('Gateway', 'infra', 'gw', { spec: { listeners: [{ name: 'http', port: 8080, protocol: 'HTTP' }] } });
    expect(patched.metadata.generation).toBe(2);
    expect(patched.metadata.uid).toBe(created.metadata.uid);
    expect(patched.metadata.creationTimestamp).toBe(created.metadata.creationTimestamp);
    const labelled = cluster.patch('Gateway', 'infra', 'gw', { metadata: { labels: { a: 'b' } } });
    expect(labelled.metadata.generation).toBe(2);
  });
  it('plays the EndpointSlice controller for selector Services and fills manual slices', () => {
    const cluster = new FakeCluster();
    cluster.apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web-v1', namespace: 'infra' },
      spec: { replicas: 2, template: { metadata: { labels: { app: 'web' } } } },
    });
    cluster.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'infra' }, spec: { selector: { app: 'web' }, ports: [{ port: 8080, targetPort: 3000 }] } });
    cluster.apply({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'manual', namespace: 'infra', labels: { 'kubernetes.io/service-name': 'manual' } }, addressType: 'IPv6', ports: [{ port: 3000 }] });
    const slices = cluster.resourceSet().list('EndpointSlice');
    const controller = slices.find((s) => s.metadata.labels?.['kubernetes.io/service-name'] === 'web');
    expect(controller?.endpoints?.length).toBe(2);
    expect(controller?.ports?.[0].port).toBe(3000);
    expect(controller?.endpoints?.[0].targetRef?.name).toMatch(/^web-v1-[a-z0-9]{10}-[a-z0-9]{5}$/);
    cluster.fillEndpointSlices([{ namespace: 'infra', name: 'manual' }], cluster.podsOfDeployment('infra', 'web-v1'));
    const manual = cluster.resourceSet().get('EndpointSlice', 'infra', 'manual');
    expect(manual?.endpoints?.map((e) => e.addresses[0]).every((address) => address.includes(':'))).toBe(true);
  });
});

describe('summary line and tallies', () => {
  const result = (name: string, passed: boolean[], extra: Partial<CaseResult> = {}): CaseResult => ({
    shortName: name,
    suite: 'gateway',
    features: ['Gateway', 'HTTPRoute'],
    profiles: ['GATEWAY-HTTP'],
    outcome: 'ran',
    featuresAdvertised: true,
    assertions: passed.map((p, i) => ({ id: `a${i + 1}`, category: i % 2 ? 'traffic' : 'status', type: 'x', expressible: true, evaluated: true, passed: p, reason: '' })),
    fullyPassing: passed.every(Boolean),
    durationMs: 0,
    ...extra,
  });
  it('has the documented shape', () => {
    expect(summaryLine(emptyTally())).toBe('conformance: status 0/0, traffic 0/0, not-expressible 0, cases fully passing 0/0');
  });
  it('counts expressible assertions, not-expressible ones separately, and skips skipped cases', () => {
    const withUnexpressible = result('B', [true, false]);
    withUnexpressible.assertions.push({ id: 'a3', category: 'traffic', type: 'websocket', expressible: false, evaluated: false, passed: false, reason: '' });
    const { totals, byFeature, byProfile } = tallyCases([
      result('A', [true, true, true]),
      withUnexpressible,
      result('C', [false], { outcome: 'skipped' }),
    ]);
    expect(summaryLine(totals)).toBe('conformance: status 3/3, traffic 1/2, not-expressible 1, cases fully passing 1/2');
    expect(byFeature.HTTPRoute.cases).toEqual({ passed: 1, total: 2 });
    expect(byProfile['GATEWAY-HTTP'].traffic).toEqual({ passed: 1, total: 2 });
  });
  it('parses expected-passing lists with comments', () => {
    expect(parseExpectedPassing('# header\nA\n  B  # trailing\n\n#C\n')).toEqual(['A', 'B']);
  });
});

describe('assignedAddresses', () => {
  const usable = { type: 'IPAddress', value: '127.0.0.1' };
  const gateway = (name: string, addresses?: Array<{ type?: string; value?: string }>) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace: 'infra' },
    spec: { gatewayClassName: 'c', ...(addresses ? { addresses } : {}) },
  });
  it('grants requested usable addresses, a dynamic one otherwise, and leaves Gateways without static addresses alone', () => {
    expect(
      assignedAddresses(
        [
          gateway('none'),
          gateway('typed-only', [{ type: 'IPAddress' }]),
          gateway('both', [{ type: 'IPAddress', value: '192.0.2.1' }, { type: 'IPAddress', value: '127.0.0.1' }]),
          gateway('unusable', [{ type: 'IPAddress', value: '192.0.2.1' }]),
        ],
        usable,
      ),
    ).toEqual({ 'infra/both': [usable], 'infra/unusable': [usable] });
  });
});
