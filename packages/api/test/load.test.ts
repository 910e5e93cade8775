import { describe, expect, it } from 'vitest';
import { inCurrentShape, loadManifests, ResourceSet } from '../src/index.js';

describe('loadManifests', () => {
  it('keeps good documents when one document is broken', () => {
    const text = [
      'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: gw\nspec:\n  gatewayClassName: portico',
      'apiVersion: v1\nkind: Service\nmetadata: {}\n',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web',
    ].join('\n---\n');
    const result = loadManifests(text, 'input.yaml');
    expect(result.objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'Gateway/default/gw',
    ]);
    expect(result.problems).toEqual([
      expect.objectContaining({ document: 1, field: 'metadata.name', object: 'Service <unnamed>' }),
    ]);
    expect(result.ignored).toBe(1);
  });

  it('reads each kind from its own API group: a misspelt Gateway API kind is a problem, a namesake of another group or a kind Portico does not read is skipped', () => {
    const text = [
      'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoutes\nmetadata: {name: web}',
      'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: istio-ingress}',
      'apiVersion: example.com/v1\nkind: Service\nmetadata: {name: not-core}',
      'apiVersion: gateway.networking.x-k8s.io/v1alpha1\nkind: XBackendTrafficPolicy\nmetadata: {name: policy}',
      'apiVersion: gateway.networking.k8s.io/v1alpha2\nkind: BackendLBPolicy\nmetadata: {name: lb}',
      'apiVersion: gateway.networking.k8s.io/v1\nkind: HttpRoute\nmetadata: {name: cased}',
      'apiVersion: gateway.networking.k8s/v1\nkind: HTTPRoute\nmetadata: {name: group-typo}',
      'apiVersion: v1\nkind: Gateway\nmetadata: {name: core}',
      'apiVersion: gateway.networking.k8s.io\nkind: Gateway\nmetadata: {name: no-version}',
      'apiVersion: v1\nkind: Service\nmetadata: {name: web}',
      'apiVersion: gateway.networking.k8s.io/v1beta1\nkind: Gateway\nmetadata: {name: gw}',
      // The experimental group serves XListenerSet, read as a ListenerSet, and no route kind.
      'apiVersion: gateway.networking.x-k8s.io/v1alpha1\nkind: HTTPRoute\nmetadata: {name: experimental-group}',
      'apiVersion: gateway.networking.x-k8s.io/v1alpha1\nkind: XListenerSet\nmetadata: {name: extra}',
    ].join('\n---\n');
    const result = loadManifests(text, 'kinds.yaml');
    expect(result.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Service/web', 'Gateway/gw', 'ListenerSet/extra']);
    expect(result.problems).toEqual([
      expect.objectContaining({ document: 0, object: 'HTTPRoutes web', field: 'kind', message: 'HTTPRoutes is not a gateway.networking.k8s.io kind; did you mean HTTPRoute?' }),
      expect.objectContaining({ document: 5, object: 'HttpRoute cased', field: 'kind', message: 'HttpRoute is not a gateway.networking.k8s.io kind; did you mean HTTPRoute?' }),
      expect.objectContaining({ document: 6, field: 'apiVersion', message: 'gateway.networking.k8s/v1: HTTPRoute is a gateway.networking.k8s.io kind' }),
      expect.objectContaining({ document: 7, field: 'apiVersion', message: 'v1: Gateway is a gateway.networking.k8s.io kind' }),
      expect.objectContaining({ document: 8, field: 'apiVersion', message: 'gateway.networking.k8s.io has no version (group/version, e.g. gateway.networking.k8s.io/v1)' }),
      expect.objectContaining({ document: 11, object: 'HTTPRoute experimental-group', field: 'apiVersion', message: 'gateway.networking.x-k8s.io/v1alpha1: HTTPRoute is a gateway.networking.k8s.io kind' }),
    ]);
    // A kind of the Gateway API groups Portico does not read is not a typo: skipped, and said.
    expect(result.ignored).toBe(4);
    expect(result.unsupported).toEqual([
      expect.objectContaining({ document: 3, object: 'XBackendTrafficPolicy policy', message: 'XBackendTrafficPolicy (gateway.networking.x-k8s.io/v1alpha1) is not supported by Portico; the object has no effect' }),
      expect.objectContaining({ document: 4, object: 'BackendLBPolicy lb', message: 'BackendLBPolicy (gateway.networking.k8s.io/v1alpha2) is not supported by Portico; the object has no effect' }),
    ]);
  });

  it('does not quote the name of an alias it cannot resolve (document text, perhaps a key)', () => {
    const text = 'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {tls.key: *MIIEvQIBADANBgkqhkiG}';
    const result = loadManifests(text, 'secret.yaml');
    expect(result.problems).toEqual([expect.objectContaining({ document: 0, message: 'cannot load: Unresolved alias (the anchor must be set before the alias)' })]);
    expect(JSON.stringify(result.problems)).not.toContain('MIIEv');
  });

  it('refuses a document with an alias inside its own anchor, and keeps the others', () => {
    const text = [
      'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec: &s\n  hostnames: [a.example.com]\n  rules: [{matches: [*s]}]',
      'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80}]}',
    ].join('\n---\n');
    const result = loadManifests(text, 'loop.yaml');
    expect(result.objects.map((o) => o.metadata.name)).toEqual(['web']);
    expect(result.problems).toEqual([
      expect.objectContaining({ source: 'loop.yaml', document: 0, object: 'HTTPRoute r', field: 'spec.rules[0].matches[0]' }),
    ]);
    // The objects that come out have a JSON form.
    expect(() => JSON.stringify(result.objects)).not.toThrow();
  });

  it('refuses a document with a mapping or list as a key, naming where, without a process warning', () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      const text = [
        'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r, namespace: team}\nspec:\n  rules:\n  - matches: [{path: {value: /}}]\n    ? [a, b]\n    : c',
        'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80}]}',
        'apiVersion: v1\nkind: Service\nmetadata: {name: other, labels: &l {app: x}}\nspec:\n  ? *l\n  : y',
      ].join('\n---\n');
      const result = loadManifests(text, 'keys.yaml');
      expect(result.objects.map((o) => o.metadata.name)).toEqual(['web']);
      expect(result.problems).toEqual([
        expect.objectContaining({ source: 'keys.yaml', document: 0, object: 'HTTPRoute team/r', field: 'spec.rules[0]', message: expect.stringContaining('only string keys') }),
        expect.objectContaining({ source: 'keys.yaml', document: 2, object: 'Service other', field: 'spec' }),
      ]);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual([]);
  });

  it('accepts an alias that shares a value between two places', () => {
    const result = loadManifests(
      'apiVersion: v1\nkind: Service\nmetadata: {name: web, labels: &l {app: web}}\nspec: {selector: *l, ports: [{port: 80}]}',
      'shared.yaml',
    );
    expect(result.problems).toEqual([]);
    expect(result.objects).toHaveLength(1);
  });

  it('refuses aliases that expand without bound, and keeps the other documents', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const [i, name] of ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].entries()) {
      const previous = String.fromCharCode('a'.charCodeAt(0) + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`);
    }
    const text = [
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n${levels.map((line) => `  ${line}`).join('\n')}`,
      'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80}]}',
    ].join('\n---\n');
    const result = loadManifests(text, 'laughs.yaml');
    expect(result.objects.map((o) => o.metadata.name)).toEqual(['web']);
    expect(result.problems).toEqual([expect.objectContaining({ source: 'laughs.yaml', document: 0, message: expect.stringMatching(/^cannot load: /) })]);
  });

  it('reports YAML syntax errors with the source and document index', () => {
    const result = loadManifests('kind: Service\n---\nkind: [unclosed', 'bad.yaml');
    expect(result.problems.some((p) => p.source === 'bad.yaml' && p.document === 1 && /syntax/.test(p.message))).toBe(
      true,
    );
  });

  it('says where a YAML syntax error is without quoting the source, which may be a private key', () => {
    const text = [
      'apiVersion: v1',
      'kind: Secret',
      'metadata: {name: broken, namespace: infra}',
      'stringData:',
      '  tls.key: |',
      '    -----BEGIN PRIVATE KEY-----',
      '    MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCuQvMI2PaQbwyO',
      'SECRETLINEOUTOFPLACEqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCuQvMI2Pa',
      '    -----END PRIVATE KEY-----',
    ].join('\n');
    const [problem] = loadManifests(text, 'secret.yaml').problems;
    expect(problem?.message).toMatch(/^YAML syntax error: .* at line 8, column 1/);
    expect(problem?.message).not.toContain('SECRETLINE');
    expect(problem?.message).not.toContain('MIIE');
  });

  it('defaults namespace and generation as the API server would, but not for cluster-scoped kinds', () => {
    const result = loadManifests(
      'apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata:\n  name: portico\nspec:\n  controllerName: x',
      's',
    );
    expect(result.objects[0].metadata).toEqual({ name: 'portico', generation: 1 });
  });
});

describe('ResourceSet', () => {
  it('lists objects sorted by namespace/name regardless of insertion order', () => {
    const set = ResourceSet.from([
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'b', namespace: 'ns' } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'a', namespace: 'ns' } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'z', namespace: 'a' } },
    ] as never);
    expect(set.list('Service').map((s) => `${s.metadata.namespace}/${s.metadata.name}`)).toEqual(['a/z', 'ns/a', 'ns/b']);
    expect(set.get('Service', 'ns', 'a')?.metadata.name).toBe('a');
  });
});

describe('inCurrentShape', () => {
  it('renames a v1alpha2 BackendTLSPolicy\'s fields as v1alpha3 did, without changing what it was given', () => {
    const old = {
      apiVersion: 'gateway.networking.k8s.io/v1alpha2',
      kind: 'BackendTLSPolicy',
      metadata: { name: 'p' },
      spec: { targetRef: { group: '', kind: 'Service', name: 's' }, tls: { caCertRefs: [{ kind: 'ConfigMap', name: 'ca' }], hostname: 'h.example.com' } },
    };
    const before = JSON.stringify(old);
    expect(inCurrentShape(old)).toEqual({
      ...old,
      spec: { targetRefs: [{ group: '', kind: 'Service', name: 's' }], validation: { caCertificateRefs: [{ kind: 'ConfigMap', name: 'ca' }], hostname: 'h.example.com' } },
    });
    expect(JSON.stringify(old)).toBe(before);
    const current = { ...old, apiVersion: 'gateway.networking.k8s.io/v1alpha3' };
    expect(inCurrentShape(current)).toBe(current);
  });
});
