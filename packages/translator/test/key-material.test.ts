// A private key pasted into a certificate field (a CA bundle made with `cat ca.crt ca.key`, a
// tls.crt holding its key) must not reach the IR's certificate fields: those are served to
// every proxy, dumped and explained. Only the key pair's own tls.key may carry a key.
import { beforeAll, describe, expect, it } from 'vitest';
import { ResourceSet, loadManifests } from '@portico/api';
import { selfSignedCertificate, selfSignedRsaCertificate, type TestCertificate } from '@portico/test-support';
import { translate } from '../src/index.js';
import { readKeyPair } from '../src/gateway/tls.js';

const CONTROLLER = 'portico.dev/gateway-controller';
let ca: TestCertificate;
let site: TestCertificate;

beforeAll(async () => {
  ca = await selfSignedCertificate('a CA');
  site = await selfSignedCertificate('site.example.com');
});

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** Portico's GatewayClass and a kubernetes.io/tls Secret in infra holding `crt` and `key`. */
function classAndTlsSecret(name: string, crt: string, key: string): string {
  return `
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: portico}
spec: {controllerName: ${CONTROLLER}}
---
apiVersion: v1
kind: Secret
metadata: {name: ${name}, namespace: infra}
type: kubernetes.io/tls
data: {tls.crt: ${b64(crt)}, tls.key: ${b64(key)}}
---`;
}

function manifest(): string {
  const withKey = `${ca.certificatePem}\n${ca.privateKeyPem}`;
  return `${classAndTlsSecret('site', `${site.certificatePem}\n${site.privateKeyPem}`, site.privateKeyPem)}
apiVersion: v1
kind: ConfigMap
metadata: {name: ca, namespace: infra}
data:
  ca.crt: ${JSON.stringify(withKey)}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: portico
  tls:
    frontend:
      default:
        validation:
          caCertificateRefs: [{kind: ConfigMap, group: "", name: ca}]
  listeners:
    - {name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: site}]}}
---
apiVersion: v1
kind: Service
metadata: {name: secure, namespace: infra}
spec:
  ports: [{name: https, port: 443}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: route, namespace: infra}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: secure, port: 443}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: tls, namespace: infra}
spec:
  targetRefs: [{group: "", kind: Service, name: secure}]
  validation:
    caCertificateRefs: [{group: "", kind: ConfigMap, name: ca}]
    hostname: secure.example.com
`;
}

describe('key material in certificate fields', () => {
  it('keeps only the certificates of a CA bundle or a tls.crt that also holds a private key', () => {
    const loaded = loadManifests(manifest(), 'keys.yaml');
    expect(loaded.problems).toEqual([]);
    const result = translate(ResourceSet.from(loaded.objects), { controllerName: CONTROLLER });
    const secrets = result.ir.secrets;
    const trusted = secrets.filter((secret) => secret.trustedCa !== undefined);
    const chains = secrets.filter((secret) => secret.certificateChain !== undefined);
    // The frontend validation CA and the BackendTLSPolicy CA; the listener's key pair.
    expect(trusted.length).toBe(2);
    expect(chains.length).toBe(1);
    for (const secret of trusted) expect(secret.trustedCa?.trim()).toBe(ca.certificatePem.trim());
    expect(chains[0]?.certificateChain?.trim()).toBe(site.certificatePem.trim());
    // The key pair's own key is where a key belongs, and the only place.
    const keyBody = (certificate: TestCertificate) => certificate.privateKeyPem.split('\n')[1] as string;
    const withoutKeyField = JSON.stringify(secrets.map(({ privateKey: _key, ...rest }) => rest));
    expect(withoutKeyField).not.toContain('PRIVATE KEY');
    expect(withoutKeyField).not.toContain(keyBody(ca));
    expect(withoutKeyField).not.toContain(keyBody(site));
  });
});

describe('keys Envoy refuses', () => {
  it('a listener certificate with an RSA key under 2048 bits is an invalid certificate reference, not served', async () => {
    const weak = await selfSignedRsaCertificate('weak.example.com', 1024);
    const loaded = loadManifests(
      `${classAndTlsSecret('weak', weak.certificatePem, weak.privateKeyPem)}
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: portico
  listeners: [{name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: weak}]}}]
`,
      'weak.yaml',
    );
    expect(loaded.problems).toEqual([]);
    const result = translate(ResourceSet.from(loaded.objects), { controllerName: CONTROLLER });
    const gateway = result.statuses.find((s) => s.kind === 'Gateway')?.status as {
      listeners: Array<{ conditions: Array<{ type: string; status: string; reason: string; message: string }> }>;
    };
    const resolved = gateway.listeners[0]?.conditions.find((c) => c.type === 'ResolvedRefs');
    expect(resolved).toMatchObject({ status: 'False', reason: 'InvalidCertificateRef' });
    expect(resolved?.message).toContain('an RSA key of 1024 bits; Envoy requires at least 2048');
    expect(result.ir.secrets.filter((secret) => secret.privateKey !== undefined)).toEqual([]);
  });
});

describe('readKeyPair', () => {
  it('names what is wrong with the certificate before saying that the key is missing', () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name: 'bad', namespace: 'default' }, data: { 'tls.crt': Buffer.from('not a certificate').toString('base64') } };
    expect(readKeyPair(secret as Parameters<typeof readKeyPair>[0])).toBe('tls.crt is not a valid PEM certificate');
  });
});
