// The bootstrap a provisioned Envoy starts from, against Envoy's own Bootstrap proto: strict
// encoding refuses a field Envoy does not know, the round trip shows every field and enum landed
// where Envoy reads it, and PGV gives the rules Envoy applies on load.
import { describe, expect, it } from 'vitest';
import type { Gateway } from '@portico/api';
import { decodeMessage, encodeMessage, loadEnvoyProtoFile, validateMessageJson } from '@portico/xds';
import type { EnvoyMessage } from '@portico/xds';
import { envoyBootstrap } from '../../src/kubernetes/provisioning.js';
import type { ProvisioningOptions } from '../../src/kubernetes/provisioning.js';

const BOOTSTRAP = 'envoy.config.bootstrap.v3.Bootstrap';

/** Envoy's Bootstrap message (not among the xds stage's resource protos). */
function loadBootstrapProto(): void {
  loadEnvoyProtoFile('envoy/config/bootstrap/v3/bootstrap.proto');
}

const gateway = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name: 'web', namespace: 'apps' },
  spec: { gatewayClassName: 'portico', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
} as Gateway;

const base: ProvisioningOptions = {
  envoyImage: 'envoyproxy/envoy:distroless-v1.37.0',
  xdsHost: 'portico.portico-system.svc.cluster.local',
  xdsPort: 18000,
};

describe('provisioned Envoy bootstrap', () => {
  const variants: Array<[string, ProvisioningOptions]> = [
    ['plain text, SotW', base],
    ['Delta ADS with VHDS', { ...base, vhds: true }],
    ['mTLS to the control plane, another admin port', { ...base, xdsTlsSecretName: 'portico-xds-client', xdsServerName: 'xds.example', envoyAdminPort: 9901 }],
  ];
  for (const [what, options] of variants) {
    it(`encodes as ${BOOTSTRAP} without losing a field and passes its rules: ${what}`, () => {
      loadBootstrapProto();
      const bootstrap = JSON.parse(JSON.stringify(envoyBootstrap(gateway, options))) as EnvoyMessage;
      expect(decodeMessage(BOOTSTRAP, encodeMessage(BOOTSTRAP, bootstrap))).toEqual(bootstrap);
      expect(validateMessageJson(BOOTSTRAP, bootstrap)).toEqual([]);
    });
  }
});
