// The objects provisioned for a Gateway against the Kubernetes API models (e2e/k8s-models.mjs,
// the check the rendered chart gets): the API server drops a field it does not know without a
// word, so a misspelt or misplaced field in a provisioned Deployment would simply be missing.
import { describe, expect, it } from 'vitest';
import type { Gateway, ListenerSet } from '@portico/api';
import { desiredObjects } from '../../src/kubernetes/provisioning.js';
import type { ProvisioningOptions, ProvisioningParameters } from '../../src/kubernetes/provisioning.js';
import { MODELS, modelProblems } from '../../../../e2e/k8s-models.mjs';

const gateway = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name: 'web', namespace: 'apps', uid: 'uid-web' },
  spec: {
    gatewayClassName: 'portico',
    listeners: [
      { name: 'http', port: 80, protocol: 'HTTP' },
      { name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'cert' }] } },
      { name: 'dns', port: 53, protocol: 'UDP' },
    ],
    infrastructure: { labels: { team: 'payments' }, annotations: { 'example.com/owner': 'payments' } },
  },
} as Gateway;

const listenerSet = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'ListenerSet',
  metadata: { name: 'extra', namespace: 'apps' },
  spec: { parentRef: { name: 'web' }, listeners: [{ name: 'tcp', port: 5432, protocol: 'TCP' }] },
} as ListenerSet;

const options: ProvisioningOptions = {
  envoyImage: 'envoyproxy/envoy:distroless-v1.37.0',
  xdsHost: 'portico.portico-system.svc.cluster.local',
  xdsPort: 18000,
};

const parameters: ProvisioningParameters = {
  replicas: 3,
  image: 'registry.example/envoy:custom',
  serviceType: 'NodePort',
  resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } },
  labels: { tier: 'edge' },
  annotations: { 'example.com/cost-center': 'edge' },
};

describe('provisioned objects', () => {
  const variants: Array<[string, ProvisioningOptions, ProvisioningParameters | undefined]> = [
    ['defaults', options, undefined],
    ['GatewayParameters, mTLS to the control plane and VHDS', { ...options, xdsTlsSecretName: 'portico-xds-client', vhds: true }, parameters],
  ];
  for (const [what, provisioning, spec] of variants) {
    it(`have only fields the Kubernetes API knows: ${what}`, () => {
      const objects = Object.values(desiredObjects(gateway, [listenerSet], provisioning, spec));
      expect(objects).toHaveLength(4);
      for (const object of objects) {
        const { apiVersion, kind } = object as { apiVersion: string; kind: string };
        const model = MODELS[`${apiVersion}/${kind}`];
        expect(model, `${apiVersion} ${kind}`).toBeDefined();
        expect(modelProblems(object, model as string, kind)).toEqual([]);
      }
    });
  }
});
