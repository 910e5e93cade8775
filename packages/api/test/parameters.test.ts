import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  effectiveGatewayParameters,
  gatewayParametersProblems,
  loadManifests,
  mergeGatewayParameters,
  parametersFromConfigMapData,
  parseQuantity,
  resolveParametersRef,
  ResourceSet,
  type Gateway,
  type GatewayParameters,
  type GatewayParametersSpec,
} from '../src/index.js';
import { fuzzParameters } from '@portico/test-support';

const PARAMETERS = `
apiVersion: gateway.portico.dev/v1alpha1
kind: GatewayParameters
metadata: {name: big, namespace: infra}
spec:
  replicas: 3
  image: envoyproxy/envoy:v1.36.2
  serviceType: NodePort
  resources:
    requests: {cpu: 250m, memory: 256Mi}
    limits: {memory: 1Gi}
  labels: {team: edge}
  annotations: {example.com/owner: platform}
---
apiVersion: gateway.portico.dev/v1alpha1
kind: GatewayParameters
metadata: {name: small, namespace: apps}
spec:
  replicas: 1
  labels: {tier: small}
---
apiVersion: gateway.portico.dev/v1alpha1
kind: GatewayParameters
metadata: {name: broken, namespace: apps}
spec: {replicas: -1}
---
apiVersion: gateway.kgateway.dev/v1alpha1
kind: GatewayParameters
metadata: {name: foreign, namespace: apps}
spec: {kube: {}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: legacy, namespace: apps}
data: {serviceType: ClusterIP, replicas: "2"}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: portico}
spec:
  controllerName: portico.dev/gateway-controller
  parametersRef: {group: gateway.portico.dev, kind: GatewayParameters, name: big, namespace: infra}
`;

function load(): ResourceSet {
  const loaded = loadManifests(PARAMETERS, 'parameters.yaml');
  expect(loaded.problems).toEqual([]);
  return ResourceSet.from(loaded.objects);
}

function gateway(parametersRef?: { group: string; kind: string; name: string }): Gateway {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'gw', namespace: 'apps' },
    spec: { gatewayClassName: 'portico', ...(parametersRef ? { infrastructure: { parametersRef } } : {}) },
  };
}

describe('GatewayParameters validation', () => {
  it('accepts a spec using every field, and an empty or absent spec', () => {
    const resources = load();
    expect(gatewayParametersProblems(resources.get('GatewayParameters', 'infra', 'big')?.spec)).toEqual([]);
    expect(gatewayParametersProblems({})).toEqual([]);
    expect(gatewayParametersProblems(undefined)).toEqual([]);
  });

  it('shows any value in a message, a mapping whose toString is not a function too', () => {
    // YAML `memory: {toString: x}` (or the same in JSON) made String() throw out of validation.
    expect(gatewayParametersProblems({ resources: { requests: { memory: { toString: 'x' } }, limits: { cpu: -1 } } })).toEqual([
      'spec.resources.limits.cpu: -1 is not a valid quantity',
      'spec.resources.requests.memory: {"toString":"x"} is not a valid quantity',
    ]);
  });

  it('names the field of every problem', () => {
    expect(
      gatewayParametersProblems({
        replicas: 2.5,
        image: 'has space',
        serviceType: 'ExternalName',
        resources: { requests: { cpu: '2', gpu: '1', memory: 'lots' }, limits: { cpu: '1' }, claims: [] },
        labels: { 'bad key!': 'x', ok: 'not valid value!' },
        annotations: { 'example.com/a': 7 },
        replica: 3,
      }),
    ).toEqual([
      'spec.replica: unknown field (expected replicas, image, serviceType, resources, labels, annotations)',
      'spec.replicas: must be an integer from 0 to 1000',
      'spec.image: must be a non-empty image reference without whitespace',
      'spec.serviceType: must be one of LoadBalancer, NodePort, ClusterIP',
      'spec.resources.claims: unknown field (expected requests, limits)',
      'spec.resources.requests.gpu: unsupported resource (expected cpu, memory, ephemeral-storage)',
      'spec.resources.requests.memory: "lots" is not a valid quantity',
      'spec.resources.requests.cpu: must not exceed spec.resources.limits.cpu',
      'spec.labels: key "bad key!" is not a valid key (name must be 1-63 alphanumeric characters, `-`, `_` or `.`, starting and ending with an alphanumeric)',
      'spec.labels["ok"]: "not valid value!" is not a valid label value',
      'spec.annotations["example.com/a"]: must be a string',
    ]);
  });

  it('parses Kubernetes quantities', () => {
    expect(parseQuantity('100m')).toBeCloseTo(0.1);
    expect(parseQuantity('128Mi')).toBe(128 * 2 ** 20);
    expect(parseQuantity('1.5G')).toBe(1.5e9);
    expect(parseQuantity('2e3')).toBe(2000);
    expect(parseQuantity(2)).toBe(2);
    expect(parseQuantity('-1')).toBeUndefined();
    expect(parseQuantity('1 Gi')).toBeUndefined();
    expect(parseQuantity('Mi')).toBeUndefined();
  });
});

describe('parametersRef resolution', () => {
  it('resolves a GatewayParameters and a ConfigMap in the given namespace', () => {
    const resources = load();
    const ref = { group: 'gateway.portico.dev', kind: 'GatewayParameters', name: 'small' };
    expect(resolveParametersRef(resources, ref, 'apps', 'f')).toEqual({ ok: true, spec: { replicas: 1, labels: { tier: 'small' } } });
    expect(resolveParametersRef(resources, { group: '', kind: 'ConfigMap', name: 'legacy' }, 'apps', 'f')).toEqual({
      ok: true,
      spec: { serviceType: 'ClusterIP', replicas: 2 },
    });
  });

  it('explains a missing, invalid, namespace-less or unsupported reference', () => {
    const resources = load();
    const ref = (name: string) => ({ group: 'gateway.portico.dev', kind: 'GatewayParameters', name });
    expect(resolveParametersRef(resources, ref('absent'), 'apps', 'X spec.parametersRef')).toEqual({
      ok: false,
      message: 'X spec.parametersRef: GatewayParameters apps/absent not found',
    });
    expect(resolveParametersRef(resources, ref('broken'), 'apps', 'X spec.parametersRef')).toEqual({
      ok: false,
      message: 'X spec.parametersRef: GatewayParameters apps/broken is invalid: spec.replicas: must be an integer from 0 to 1000',
    });
    expect(resolveParametersRef(resources, ref('small'), undefined, 'X')).toEqual({
      ok: false,
      message: 'X: a GatewayParameters reference needs a namespace',
    });
    expect(resolveParametersRef(resources, { group: 'gateway.kgateway.dev', kind: 'GatewayParameters', name: 'foreign' }, 'apps', 'X')).toEqual({
      ok: false,
      message: 'X: gateway.kgateway.dev/GatewayParameters is not a parameters kind this controller supports (core/ConfigMap, gateway.portico.dev/GatewayParameters)',
    });
  });

  it('does not read another project\'s GatewayParameters from manifests', () => {
    expect(load().get('GatewayParameters', 'apps', 'foreign')).toBeUndefined();
  });

  it('overlays the Gateway parameters on the class parameters; labels and annotations merge', () => {
    const resources = load();
    expect(effectiveGatewayParameters(resources, gateway({ group: 'gateway.portico.dev', kind: 'GatewayParameters', name: 'small' }))).toEqual({
      replicas: 1,
      image: 'envoyproxy/envoy:v1.36.2',
      serviceType: 'NodePort',
      resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '1Gi' } },
      labels: { team: 'edge', tier: 'small' },
      annotations: { 'example.com/owner': 'platform' },
    });
    // An invalid Gateway-level object contributes nothing; the class defaults still apply.
    const withBroken = effectiveGatewayParameters(resources, gateway({ group: 'gateway.portico.dev', kind: 'GatewayParameters', name: 'broken' }));
    expect(withBroken.replicas).toBe(3);
    expect(effectiveGatewayParameters(resources, gateway({ group: '', kind: 'ConfigMap', name: 'legacy' }))).toMatchObject({
      replicas: 2,
      serviceType: 'ClusterIP',
      image: 'envoyproxy/envoy:v1.36.2',
    });
  });

  it('reads ConfigMap parameters leniently, ignoring values that do not parse', () => {
    expect(parametersFromConfigMapData({ replicas: 'many', serviceType: 'Bogus' })).toEqual({});
    expect(parametersFromConfigMapData({ replicas: ' ' })).toEqual({});
    expect(mergeGatewayParameters({ labels: { a: '1' } }, {})).toEqual({ labels: { a: '1' } });
  });
});

describe('GatewayParameters properties', () => {
  const field = fc.constantFrom('replicas', 'image', 'serviceType', 'resources', 'labels', 'annotations', 'requests', 'limits', 'cpu', 'memory', 'x');
  const value = fc.letrec<{ node: unknown }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small' },
      fc.anything({ maxDepth: 1 }),
      fc.constantFrom('100m', '1Gi', 'NodePort', '', '-1', 3, 1001, 2.5),
      fc.dictionary(field, tie('node'), { maxKeys: 4 }),
    ),
  })).node;

  it('validation never throws, and every accepted spec merges and provisions as given', () => {
    fc.assert(
      fc.property(value, (spec) => {
        const problems = gatewayParametersProblems(spec);
        for (const problem of problems) expect(problem).toMatch(/^spec[.:[]/);
        if (problems.length === 0 && spec !== undefined) {
          const accepted = spec as Record<string, unknown>;
          expect(mergeGatewayParameters({}, accepted)).toEqual(accepted);
        }
      }),
      fuzzParameters(300, 20261124),
    );
  });

  it('a valid GatewayParameters resolves to its spec; any problem makes the reference invalid', () => {
    fc.assert(
      fc.property(value, (spec) => {
        const parameters: GatewayParameters = {
          apiVersion: 'gateway.portico.dev/v1alpha1',
          kind: 'GatewayParameters',
          metadata: { name: 'p', namespace: 'ns' },
          spec: spec as GatewayParametersSpec,
        };
        const resources = ResourceSet.from([parameters]);
        const resolved = resolveParametersRef(resources, { group: 'gateway.portico.dev', kind: 'GatewayParameters', name: 'p' }, 'ns', 'f');
        expect(resolved.ok).toBe(gatewayParametersProblems(spec).length === 0);
      }),
      fuzzParameters(200, 20261124),
    );
  });
});
