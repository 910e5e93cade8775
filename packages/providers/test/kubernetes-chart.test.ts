// The chart's RBAC must allow every request the provider really makes. The
// provider runs a full cycle (sync, referenced Secret, leader election, status,
// provisioning, cleanup) against FakeApiServer, a test double of the API
// server that records requests; each recorded request is then authorized
// against the rules in charts/portico/templates/{clusterrole,role}.yaml the
// way the RBAC authorizer would.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { KubernetesProvider } from '../src/kubernetes/provider.js';
import { proxyName } from '../src/kubernetes/provisioning.js';
import permissions from '../src/kubernetes/permissions.json' with { type: 'json' };
import { FakeApiServer, RELEASE_NAMESPACE, requestAttributes, type RecordedRequest, type RequestAttributes } from './kubernetes/apiserver-double.js';
import { CONTROLLER, GW, gateway, gatewayClass, httpRoute, routeStatus, waitFor } from './kubernetes/fixtures.js';

interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
}

const templates = new URL('../../../charts/portico/templates/', import.meta.url);
const values = parse(readFileSync(new URL('../values.yaml', templates), 'utf8')) as { leaderElection: { leaseName: string } };

/** The rules of a template: template actions are dropped, the lease name is substituted from values.yaml. */
function rulesOf(file: string, kind: 'ClusterRole' | 'Role'): PolicyRule[] {
  const text = readFileSync(new URL(file, templates), 'utf8')
    .replace(/\{\{ \.Values\.leaderElection\.leaseName \| quote \}\}/g, JSON.stringify(values.leaderElection.leaseName))
    .split('\n')
    .filter((line) => !/^\s*\{\{/.test(line))
    .join('\n')
    .replace(/\{\{[^}]*\}\}/g, 'templated');
  const docs = parseAllDocuments(text).map((doc) => doc.toJS() as { kind?: string; rules?: PolicyRule[] });
  const role = docs.find((doc) => doc?.kind === kind);
  if (!role?.rules) throw new Error(`${file} has no ${kind} rules`);
  return role.rules;
}

type Attributes = RequestAttributes;

/** Request attributes as the API server's RBAC authorizer sees them; undefined for discovery. */
function attributesOf(request: RecordedRequest): Attributes | undefined {
  return requestAttributes(request.method, request.path, request.query);
}

function allows(rules: PolicyRule[], a: Attributes): boolean {
  return rules.some(
    (rule) =>
      (rule.apiGroups ?? []).includes(a.group) &&
      (rule.resources ?? []).includes(a.resource) &&
      (rule.verbs ?? []).includes(a.verb) &&
      (!rule.resourceNames || (a.name !== undefined && rule.resourceNames.includes(a.name))),
  );
}

const LEASE_NAMESPACE = RELEASE_NAMESPACE;
let api: FakeApiServer;

beforeAll(async () => {
  api = new FakeApiServer();
  api.installGatewayApi();
  await api.start();
  api.apply(gatewayClass());
  api.apply(
    gateway('gw', 'default', {
      listeners: [{ name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'cert' }] } }],
    }),
  );
  api.apply(httpRoute('r1'));
  api.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cert', namespace: 'default' }, data: { 'tls.crt': 'eA==' } });

  const provider = new KubernetesProvider({
    kubeConfig: api.kubeConfig(),
    controllerName: CONTROLLER,
    debounceMs: 20,
    statusBatchMs: 10,
    leaderElection: { namespace: LEASE_NAMESPACE, leaseName: values.leaderElection.leaseName, retryPeriodMs: 50, leaseDurationMs: 2_000 },
    provisioning: { envoyImage: 'envoy:test', xdsHost: 'portico.portico-system.svc.cluster.local', xdsPort: 18000 },
  });
  let latest: unknown;
  await provider.start((snapshot) => (latest = snapshot));
  await waitFor(() => latest && provider.isLeader, 'leader with a snapshot');
  await waitFor(() => api.getObject('v1', 'services', 'default', proxyName('gw')), 'provisioned');
  await provider.writeStatus([routeStatus('r1', '2026-01-01T00:00:00Z')]);
  // An update to a provisioned object, then the Gateway goes away (deletes).
  api.apply(gateway('gw', 'default', { listeners: [{ name: 'http', port: 8080, protocol: 'HTTP' }] }));
  await waitFor(() => api.requestsMatching('PUT', /\/deployments\//).length > 0, 'provisioned object updated');
  api.remove(GW, 'gateways', 'default', 'gw');
  await waitFor(() => !api.getObject('apps/v1', 'deployments', 'default', proxyName('gw')), 'cleanup');
  await provider.stop(); // releases the Lease (update)
});

afterAll(async () => {
  await api.close();
});

describe('charts/portico RBAC', () => {
  it('authorizes every request the provider made, with no wildcard', () => {
    const clusterRules = rulesOf('clusterrole.yaml', 'ClusterRole');
    const leaseRules = rulesOf('role.yaml', 'Role');
    for (const rule of [...clusterRules, ...leaseRules]) {
      expect([...(rule.apiGroups ?? []), ...(rule.resources ?? []), ...(rule.verbs ?? [])]).not.toContain('*');
    }
    const seen = new Set<string>();
    const denied: string[] = [];
    for (const request of api.requests) {
      const attributes = attributesOf(request);
      if (!attributes) continue;
      const summary = `${attributes.verb} ${attributes.group || 'core'}/${attributes.resource}${attributes.namespace ? ` in ${attributes.namespace}` : ''}`;
      seen.add(`${attributes.verb} ${attributes.resource}`);
      const namespaceRules = attributes.namespace === LEASE_NAMESPACE ? [...clusterRules, ...leaseRules] : clusterRules;
      if (!allows(namespaceRules, attributes)) denied.push(summary);
    }
    expect(denied).toEqual([]);
    // The cycle really exercised reads, status writes, provisioning and the Lease.
    for (const expected of [
      'list gateways',
      'watch httproutes',
      'list gatewayparameters',
      'watch gatewayparameters',
      'list secrets',
      'update httproutes/status',
      'create deployments',
      'update deployments',
      'delete services',
      'create leases',
      'update leases',
    ]) {
      expect(seen).toContain(expected);
    }
  });

  it('does not allow writing Gateway API specs or Secrets', () => {
    const clusterRules = rulesOf('clusterrole.yaml', 'ClusterRole');
    for (const verb of ['create', 'update', 'patch', 'delete']) {
      expect(allows(clusterRules, { group: 'gateway.networking.k8s.io', resource: 'httproutes', verb })).toBe(false);
      expect(allows(clusterRules, { group: '', resource: 'secrets', verb })).toBe(false);
    }
    expect(allows(clusterRules, { group: 'coordination.k8s.io', resource: 'leases', verb: 'update' })).toBe(false);
  });
});

describe('e2e/check-chart.mjs (the rendered-chart checker CI runs)', () => {
  const checker = fileURLToPath(new URL('../../../e2e/check-chart.mjs', import.meta.url));
  const run = (yamlText: string) => spawnSync(process.execPath, [checker], { input: yamlText, encoding: 'utf8' });
  const deployment = (securityContextKey: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: portico }
spec:
  selector: { matchLabels: { app: portico } }
  template:
    metadata: { labels: { app: portico } }
    spec:
      ${securityContextKey}: { runAsNonRoot: true }
      containers:
        - name: portico
          image: portico:dev
          args: [serve, --provider=kubernetes, --controller-name=portico.dev/gateway-controller]
          ports: [{ name: xds, containerPort: 18000 }]
---
apiVersion: v1
kind: Service
metadata: { name: portico }
spec: { ports: [{ name: grpc-xds, port: 18000, targetPort: xds }] }
`;

  // The Deployment and the ClusterRole the provider's permissions call for, plus a rule under test.
  const clusterRole = (extra: string, keep: (rule: PolicyRule) => boolean = () => true) => `${deployment('securityContext')}---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: portico }
rules: ${JSON.stringify([...permissions.cluster.filter(keep), ...(extra ? [JSON.parse(extra) as PolicyRule] : [])])}
`;

  it('accepts well-formed objects', () => {
    const result = run(clusterRole(''));
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    // A render without the ClusterRole grants the provider nothing.
    expect(run(deployment('securityContext')).stderr).toMatch(/ClusterRole rules lack what the provider calls/);
  });

  it('rejects a misspelt field, an unknown target port and a ClusterRole writing route specs', () => {
    expect(run(deployment('securityContex')).stderr).toMatch(/unknown field "securityContex"/);
    expect(run(deployment('securityContext').replace('targetPort: xds', 'targetPort: grpc')).stderr).toMatch(/targetPort grpc/);
    expect(run(clusterRole('')).stderr).toBe('');
    const result = run(clusterRole('{"apiGroups": ["gateway.networking.k8s.io"], "resources": ["httproutes"], "verbs": ["update"]}'));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/only \*\/status \(and gateways\/finalizers update\) may be written/);
    expect(result.stderr).toMatch(/grant what the provider never calls \(not in permissions.json cluster\): update gateway.networking.k8s.io\/httproutes/);
    // Owning provisioned objects with blockOwnerDeletion needs update on gateways/finalizers: that verb only.
    expect(run(clusterRole('{"apiGroups": ["gateway.networking.k8s.io"], "resources": ["gateways/finalizers"], "verbs": ["patch"]}')).stderr).toMatch(
      /writes gateway.networking.k8s.io gateways\/finalizers/,
    );
    // A rule the provider needs, left out; a verb that escalates, added.
    const withoutSlices = run(clusterRole('', (rule) => !(rule.resources ?? []).includes('endpointslices')));
    expect(withoutSlices.stderr).toMatch(/lack what the provider calls \(cluster in permissions.json\): get discovery.k8s.io\/endpointslices, list discovery.k8s.io\/endpointslices, watch discovery.k8s.io\/endpointslices/);
    expect(run(clusterRole('{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "verbs": ["escalate"]}')).stderr).toMatch(
      /never calls \(not in permissions.json cluster\): escalate rbac.authorization.k8s.io\/clusterroles/,
    );
  });

  it('rejects controller args portico serve does not take', () => {
    const result = run(deployment('securityContext').replace('args: [serve,', 'args: [serve, --leader-elect=yes,'));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/portico refuses the controller's args: portico serve: Option '--leader-elect' does not take an argument/);
  });

  it("rejects a controller name other than the bundled examples' GatewayClass names", () => {
    const other = run(deployment('securityContext').replace('portico.dev/gateway-controller', 'portico.io/gateway-controller'));
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(/--controller-name=portico\.io\/gateway-controller, but docs\/examples\/quickstart\.yaml's GatewayClass names portico\.dev\/gateway-controller/);
    const gatewayClass = `${deployment('securityContext')}---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico }
spec: { controllerName: example.com/other }
`;
    expect(run(gatewayClass).stderr).toMatch(/GatewayClass names controller example\.com\/other, but the controller runs as portico\.dev\/gateway-controller/);
  });
});
