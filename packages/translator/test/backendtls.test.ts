import { beforeAll, describe, expect, it } from 'vitest';
import { ResourceSet, loadManifests } from '@portico/api';
import type { IRCluster } from '@portico/ir';
import { selfSignedCertificate, statusSchemaProblem } from '@portico/test-support';
import { translate, type ObjectStatus } from '../src/index.js';

const CONTROLLER = 'portico.dev/gateway-controller';
let caPem = '';

beforeAll(async () => {
  caPem = (await selfSignedCertificate('backend CA')).certificatePem;
});

function base(extra: string): string {
  return `
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: portico}
spec: {controllerName: ${CONTROLLER}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: portico
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: v1
kind: Service
metadata: {name: secure, namespace: infra}
spec:
  ports: [{name: https, port: 443}, {name: other, port: 8443}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: secure-1, namespace: infra, labels: {kubernetes.io/service-name: secure}}
addressType: IPv4
ports: [{name: https, port: 8443}, {name: other, port: 9443}]
endpoints: [{addresses: [10.0.0.9]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: route, namespace: infra}
spec:
  parentRefs: [{name: gw}]
  rules:
    - matches: [{path: {type: PathPrefix, value: /a}}]
      backendRefs: [{name: secure, port: 443}]
    - matches: [{path: {type: PathPrefix, value: /b}}]
      backendRefs: [{name: secure, port: 8443}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: ca, namespace: infra}
data:
  ca.crt: ${JSON.stringify(caPem)}
---
${extra}`;
}

function policy(name: string, created: string, body: string): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: ${name}, namespace: infra, creationTimestamp: "${created}"}
spec:
${body}
---
`;
}

function run(yaml: string): { statuses: ObjectStatus[]; clusters: IRCluster[] } {
  const loaded = loadManifests(yaml, 'test.yaml');
  expect(loaded.problems).toEqual([]);
  const result = translate(ResourceSet.from(loaded.objects), { controllerName: CONTROLLER });
  return { statuses: result.statuses, clusters: result.ir.clusters };
}

function ancestorConditions(statuses: ObjectStatus[], name: string): Array<[string, string, string]> {
  const status = statuses.find((s) => s.kind === 'BackendTLSPolicy' && s.name === name);
  const ancestors = (status?.status as { ancestors: Array<{ ancestorRef: { name: string }; conditions: Array<{ type: string; status: string; reason: string }> }> }).ancestors;
  expect(ancestors.map((a) => a.ancestorRef.name)).toEqual(['gw']);
  return ancestors[0]!.conditions.map((c) => [c.type, c.status, c.reason]);
}

describe('BackendTLSPolicy', () => {
  it('sets SNI, CA and SANs on the clusters of the targeted Service and reports the Gateway as ancestor', () => {
    const { statuses, clusters } = run(
      base(
        policy(
          'valid',
          '2026-01-01T00:00:00Z',
          `  targetRefs: [{group: "", kind: Service, name: secure}]
  validation:
    caCertificateRefs: [{group: "", kind: ConfigMap, name: ca}]
    hostname: secure.example.com
    subjectAltNames: [{type: Hostname, hostname: alt.example.com}, {type: URI, uri: "spiffe://cluster/ns/infra"}]`,
        ),
      ),
    );
    expect(ancestorConditions(statuses, 'valid')).toEqual([
      ['Accepted', 'True', 'Accepted'],
      ['ResolvedRefs', 'True', 'ResolvedRefs'],
    ]);
    for (const cluster of clusters) {
      expect(cluster.tls).toEqual({
        sni: 'secure.example.com',
        caSecret: 'backendtlspolicy/infra/valid/ca',
        subjectAltNames: [
          { type: 'Hostname', value: 'alt.example.com' },
          { type: 'URI', value: 'spiffe://cluster/ns/infra' },
        ],
      });
    }
  });

  it('lists at most 16 ancestors, the first by name, and still sets up TLS for every Gateway', () => {
    // 20 more Gateways, each with a route to the policy's Service: 21 ancestors in all.
    const more = Array.from({ length: 20 }, (_, i) => {
      const name = `gw-${String(i).padStart(2, '0')}`;
      return `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: infra}
spec: {gatewayClassName: portico, listeners: [{name: http, port: 80, protocol: HTTP}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: route-${name}, namespace: infra}
spec:
  parentRefs: [{name: ${name}}]
  rules: [{backendRefs: [{name: secure, port: 443}]}]
---
`;
    }).join('');
    const { statuses, clusters } = run(
      base(`${more}${policy('valid', '2026-01-01T00:00:00Z', `  targetRefs: [{group: "", kind: Service, name: secure}]
  validation:
    caCertificateRefs: [{group: "", kind: ConfigMap, name: ca}]
    hostname: secure.example.com`)}`),
    );
    const status = statuses.find((s) => s.kind === 'BackendTLSPolicy' && s.name === 'valid');
    const ancestors = (status?.status as { ancestors: Array<{ ancestorRef: { name: string } }> }).ancestors;
    expect(ancestors.map((a) => a.ancestorRef.name)).toEqual(['gw', ...Array.from({ length: 15 }, (_, i) => `gw-${String(i).padStart(2, '0')}`)]);
    expect(statusSchemaProblem('BackendTLSPolicy', status?.status)).toBeUndefined();
    expect(clusters.find((c) => c.name === 'infra/secure/443')?.tls?.sni).toBe('secure.example.com');
  });

  it('the older of two policies for the same Service wins; the newer is Conflicted', () => {
    const body = `  targetRefs: [{group: "", kind: Service, name: secure}]
  validation: {wellKnownCACertificates: System, hostname: NAME.example.com}`;
    const { statuses, clusters } = run(
      base(
        policy('newer', '2026-01-02T00:00:00Z', body.replace('NAME', 'newer')) +
          policy('older', '2026-01-01T00:00:00Z', body.replace('NAME', 'older')),
      ),
    );
    expect(ancestorConditions(statuses, 'older')[0]).toEqual(['Accepted', 'True', 'Accepted']);
    expect(ancestorConditions(statuses, 'newer')[0]).toEqual(['Accepted', 'False', 'Conflicted']);
    expect(clusters.map((c) => c.tls?.sni)).toEqual(['older.example.com', 'older.example.com']);
  });

  it('uses the valid CA references when only some are invalid, and names every invalid one', () => {
    const { statuses, clusters } = run(
      base(
        policy(
          'partial',
          '2026-01-01T00:00:00Z',
          `  targetRefs: [{group: "", kind: Service, name: secure}]
  validation:
    caCertificateRefs: [{group: "", kind: ConfigMap, name: missing}, {group: "", kind: ConfigMap, name: ca}, {group: "", kind: Secret, name: ca}]
    hostname: secure.example.com`,
        ),
      ),
    );
    // "If ALL CACertificateRefs are invalid ... Accepted ... NoValidCACertificate": here one is valid.
    expect(ancestorConditions(statuses, 'partial')).toEqual([
      ['Accepted', 'True', 'Accepted'],
      ['ResolvedRefs', 'False', 'InvalidCACertificateRef'],
    ]);
    const status = statuses.find((st) => st.kind === 'BackendTLSPolicy' && st.name === 'partial');
    const message = (status?.status as { ancestors: Array<{ conditions: Array<{ type: string; message: string }> }> }).ancestors[0]!.conditions[1]!.message;
    expect(message).toContain('caCertificateRefs[0]: ConfigMap infra/missing not found');
    expect(message).toContain('caCertificateRefs[2]: core/Secret is not supported');
    const secure = clusters.find((c) => c.name === 'infra/secure/443');
    expect(secure?.tls?.caSecret).toBe('backendtlspolicy/infra/partial/ca');
    expect(secure?.endpoints.length).toBe(1);
  });

  it('refuses an IP address as the SNI hostname', () => {
    const { statuses } = run(
      base(
        policy('by-ip', '2026-01-01T00:00:00Z', `  targetRefs: [{group: "", kind: Service, name: secure}]
  validation: {wellKnownCACertificates: System, hostname: 10.0.0.1}`),
      ),
    );
    expect(ancestorConditions(statuses, 'by-ip')[0]).toEqual(['Accepted', 'False', 'Invalid']);
    const status = statuses.find((s) => s.name === 'by-ip');
    const message = (status?.status as { ancestors: Array<{ conditions: Array<{ message: string }> }> }).ancestors[0]!.conditions[0]!.message;
    expect(message).toContain('spec.validation.hostname: "10.0.0.1" is an IP address');
  });

  it("governs a policy's other targets when it loses one to an older policy, and is Conflicted only where the lost one is reached", () => {
    const extra = `apiVersion: v1
kind: Service
metadata: {name: second, namespace: infra}
spec: {ports: [{name: https, port: 443}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: second-1, namespace: infra, labels: {kubernetes.io/service-name: second}}
addressType: IPv4
ports: [{name: https, port: 443}]
endpoints: [{addresses: [10.0.0.10]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: to-second, namespace: infra}
spec:
  parentRefs: [{name: gw}, {name: edge}]
  rules: [{matches: [{path: {type: PathPrefix, value: /second}}], backendRefs: [{name: second, port: 443}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: infra}
spec:
  gatewayClassName: portico
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
`;
    const { statuses, clusters } = run(
      base(
        extra +
          policy('older', '2026-01-01T00:00:00Z', `  targetRefs: [{group: "", kind: Service, name: secure}]
  validation: {wellKnownCACertificates: System, hostname: older.example.com}`) +
          policy('newer', '2026-01-02T00:00:00Z', `  targetRefs: [{group: "", kind: Service, name: secure}, {group: "", kind: Service, name: second}]
  validation: {wellKnownCACertificates: System, hostname: newer.example.com}`),
      ),
    );
    // Conflict resolution is per target: the older policy keeps Service secure, and the newer
    // still takes Service second, which no other policy names (it was left without endpoints).
    expect(clusters.find((c) => c.name === 'infra/secure/443')?.tls?.sni).toBe('older.example.com');
    const second = clusters.find((c) => c.name === 'infra/second/443');
    expect(second?.tls?.sni).toBe('newer.example.com');
    expect(second?.endpoints).toHaveLength(1);
    // gw reaches secure, where the newer policy lost; edge only reaches second.
    const newer = statuses.find((s) => s.kind === 'BackendTLSPolicy' && s.name === 'newer');
    const ancestors = (newer?.status as { ancestors: Array<{ ancestorRef: { name: string }; conditions: Array<{ type: string; status: string; reason: string; message: string }> }> }).ancestors;
    expect(ancestors.map((a) => [a.ancestorRef.name, a.conditions.map((c) => `${c.type}=${c.status}/${c.reason}`)])).toEqual([
      ['edge', ['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs']],
      ['gw', ['Accepted=False/Conflicted', 'ResolvedRefs=True/ResolvedRefs']],
    ]);
    expect(ancestors[1]?.conditions[0]?.message).toBe('BackendTLSPolicy infra/older already targets Service infra/secure and is older');
  });

  it('a sectionName policy governs its port without conflicting with a whole-Service policy', () => {
    const { statuses, clusters } = run(
      base(
        policy(
          'whole',
          '2026-01-01T00:00:00Z',
          `  targetRefs: [{group: "", kind: Service, name: secure}]
  validation: {wellKnownCACertificates: System, hostname: whole.example.com}`,
        ) +
          policy(
            'port',
            '2026-01-02T00:00:00Z',
            `  targetRefs: [{group: "", kind: Service, name: secure, sectionName: other}]
  validation: {wellKnownCACertificates: System, hostname: port.example.com}`,
          ),
      ),
    );
    expect(ancestorConditions(statuses, 'port')[0]).toEqual(['Accepted', 'True', 'Accepted']);
    expect(Object.fromEntries(clusters.map((c) => [c.name, c.tls?.sni]))).toEqual({
      'infra/secure/443': 'whole.example.com',
      'infra/secure/8443': 'port.example.com',
    });
  });

  it.each([
    ['missing ConfigMap', `[{group: "", kind: ConfigMap, name: nope}]`, 'InvalidCACertificateRef'],
    ['unsupported kind', `[{group: "", kind: Secret, name: ca}]`, 'InvalidKind'],
  ])('%s: NoValidCACertificate, and the backend gets no endpoints instead of plaintext', (_label, refs, reason) => {
    const { statuses, clusters } = run(
      base(
        policy(
          'broken',
          '2026-01-01T00:00:00Z',
          `  targetRefs: [{group: "", kind: Service, name: secure}]
  validation: {caCertificateRefs: ${refs}, hostname: secure.example.com}`,
        ),
      ),
    );
    expect(ancestorConditions(statuses, 'broken')).toEqual([
      ['Accepted', 'False', 'NoValidCACertificate'],
      ['ResolvedRefs', 'False', reason],
    ]);
    for (const cluster of clusters) {
      expect(cluster.tls).toBeUndefined();
      expect(cluster.endpoints).toEqual([]);
    }
  });

  it('a policy for a Service no Gateway of ours reaches gets no status from us', () => {
    const { statuses } = run(
      base(
        policy(
          'elsewhere',
          '2026-01-01T00:00:00Z',
          `  targetRefs: [{group: "", kind: Service, name: unrelated}]
  validation: {wellKnownCACertificates: System, hostname: x.example.com}`,
        ),
      ),
    );
    expect(statuses.some((s) => s.kind === 'BackendTLSPolicy')).toBe(false);
  });
});
