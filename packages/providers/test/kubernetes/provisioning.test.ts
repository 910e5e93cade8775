// Envoy provisioning through KubernetesProvider against FakeApiServer, a test double of the API server.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubernetesProvider } from '../../src/kubernetes/provider.js';
import { gatewayAddressesFromService, proxyName, servicePorts } from '../../src/kubernetes/provisioning.js';
import type { Gateway, Service } from '@portico/api';
import { translate } from '@portico/translator';
import { FakeApiServer, OTHER_CLIENT_TOKEN, RELEASE_NAMESPACE } from './apiserver-double.js';
import { CONTROLLER, GW, SnapshotLog, gateway, gatewayClass, sleep, waitFor } from './fixtures.js';

type Json = Record<string, unknown>;
let api: FakeApiServer;
let provider: KubernetesProvider | undefined;

beforeEach(async () => {
  api = new FakeApiServer();
  api.installGatewayApi();
  await api.start();
});

afterEach(async () => {
  await provider?.stop();
  provider = undefined;
  await api.close();
});

const provisioning = {
  envoyImage: 'envoyproxy/envoy:distroless-v1.37.0',
  xdsHost: 'portico.portico-system.svc.cluster.local',
  xdsPort: 18000,
};

function start(extra: Json = {}): Promise<SnapshotLog> {
  const log = new SnapshotLog();
  provider = new KubernetesProvider({ kubeConfig: api.kubeConfig(), controllerName: CONTROLLER, debounceMs: 20, provisioning, ...extra });
  return provider.start(log.push).then(() => log);
}

describe('Envoy provisioning', () => {
  it('creates ServiceAccount, ConfigMap, Deployment and Service owned by the Gateway, with infrastructure labels', async () => {
    api.apply(gatewayClass());
    api.apply(
      gateway('web', 'apps', {
        listeners: [
          { name: 'http', port: 80, protocol: 'HTTP' },
          { name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'cert' }] } },
          { name: 'dns', port: 53, protocol: 'UDP' },
        ],
        infrastructure: { labels: { team: 'payments' }, annotations: { 'example.com/owner': 'payments' } },
      }),
    );
    const gatewayUid = (api.getObject(GW, 'gateways', 'apps', 'web')!.metadata as { uid: string }).uid;
    await start();
    const name = proxyName('web');
    const deployment = await waitFor(() => api.getObject('apps/v1', 'deployments', 'apps', name), 'deployment');
    const serviceAccount = api.getObject('v1', 'serviceaccounts', 'apps', name);
    const configMap = api.getObject('v1', 'configmaps', 'apps', name);
    const service = await waitFor(() => api.getObject('v1', 'services', 'apps', name), 'service');
    for (const object of [deployment, serviceAccount, configMap, service]) {
      const metadata = object!.metadata as { labels: Record<string, string>; annotations: Record<string, string>; ownerReferences: Json[] };
      expect(metadata.ownerReferences).toEqual([
        { apiVersion: GW, kind: 'Gateway', name: 'web', uid: gatewayUid, controller: true, blockOwnerDeletion: true },
      ]);
      expect(metadata.labels.team).toBe('payments');
      expect(metadata.labels['gateway.networking.k8s.io/gateway-name']).toBe('web');
      expect(metadata.annotations['example.com/owner']).toBe('payments');
    }
    const bootstrap = JSON.parse((configMap!.data as Record<string, string>)['envoy.json']) as {
      node: { cluster: string };
      static_resources: { clusters: Array<{ load_assignment: { endpoints: Array<{ lb_endpoints: Array<{ endpoint: { address: { socket_address: Json } } }> }> } }> };
      dynamic_resources: { ads_config: { api_type: string } };
      layered_runtime: { layers: Array<{ name: string; static_layer?: Json }> };
    };
    expect(bootstrap.node.cluster).toBe('apps/web');
    // Envoy's default RE2 program size limit (100) would NACK whole route tables over one user regex.
    expect(bootstrap.layered_runtime.layers[0]?.static_layer?.['re2.max_program_size.error_level']).toBe(4294967295);
    expect(bootstrap.dynamic_resources.ads_config.api_type).toBe('GRPC');
    expect(bootstrap.static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({
      address: provisioning.xdsHost,
      port_value: 18000,
    });
    const podSpec = ((deployment!.spec as Json).template as { spec: { containers: Array<{ image: string }>; serviceAccountName: string; volumes: Array<{ configMap?: { name: string } }> } }).spec;
    expect(podSpec.containers[0].image).toBe(provisioning.envoyImage);
    expect(podSpec.serviceAccountName).toBe(name);
    expect(podSpec.volumes[0].configMap?.name).toBe(name);
    const serviceSpec = service!.spec as { type: string; ports: Array<{ port: number; protocol: string }> };
    expect(serviceSpec.type).toBe('LoadBalancer');
    expect(serviceSpec.ports.map((port) => `${port.protocol}/${port.port}`)).toEqual(['UDP/53', 'TCP/80', 'TCP/443']);
  });

  it('reports addresses from the Service, updates on listener changes and cleans up when the Gateway goes', async () => {
    api.apply(gatewayClass());
    api.apply(gateway('edge'));
    const log = await start();
    const name = proxyName('edge');
    const service = await waitFor(() => api.getObject('v1', 'services', 'default', name), 'service');
    expect(log.latest?.gatewayAddresses['default/edge']).toEqual([]); // LoadBalancer still pending

    // The cloud load balancer arrives (status written by another controller).
    await fetch(`http://127.0.0.1:${api.port}/api/v1/namespaces/default/services/${name}/status`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${OTHER_CLIENT_TOKEN}`, 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ status: { loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } } }),
    });
    await waitFor(() => log.latest?.gatewayAddresses['default/edge']?.[0]?.value === '203.0.113.7', 'address reported');
    expect(provider!.gatewayAddresses()['default/edge']).toEqual([{ type: 'IPAddress', value: '203.0.113.7' }]);
    expect(service).toBeDefined();

    api.apply(gateway('edge', 'default', { listeners: [{ name: 'alt', port: 8443, protocol: 'HTTPS' }] }));
    await waitFor(
      () => ((api.getObject('v1', 'services', 'default', name)?.spec as { ports: Array<{ port: number }> }).ports[0]?.port === 8443),
      'service ports follow listeners',
    );

    api.remove(GW, 'gateways', 'default', 'edge');
    await waitFor(() => !api.getObject('apps/v1', 'deployments', 'default', name), 'deployment deleted');
    await waitFor(() => !api.getObject('v1', 'services', 'default', name), 'service deleted');
    await waitFor(() => !api.getObject('v1', 'configmaps', 'default', name), 'configmap deleted');
    await waitFor(() => !api.getObject('v1', 'serviceaccounts', 'default', name), 'serviceaccount deleted');
  });

  it('leaves provisioned objects alone when nothing of ours changed, whatever other controllers added', async () => {
    api.apply(gatewayClass());
    api.apply(gateway('quiet'));
    await start();
    const name = proxyName('quiet');
    const deployment = await waitFor(() => api.getObject('apps/v1', 'deployments', 'default', name), 'deployment');
    await waitFor(() => api.getObject('v1', 'services', 'default', name), 'service');
    // The deployment controller annotates its Deployments; the API server assigns node ports.
    const metadata = deployment.metadata as { annotations?: Record<string, string> };
    api.apply({ ...deployment, metadata: { ...metadata, annotations: { ...metadata.annotations, 'deployment.kubernetes.io/revision': '1' } } });
    const writesBefore = api.requests.filter((r) => r.method === 'PUT' || r.method === 'POST').length;
    // A Gateway change that does not affect the data plane objects triggers a reconcile.
    api.apply(gateway('quiet', 'default', { addresses: [{ type: 'IPAddress', value: '192.0.2.1' }] }));
    await waitFor(() => api.requestsMatching('GET', /\/deployments\/portico-quiet$/).length >= 2, 'reconciled again');
    await provider!.settled();
    expect(api.requests.filter((r) => r.method === 'PUT' || r.method === 'POST').length).toBe(writesBefore);
    const after = api.getObject('apps/v1', 'deployments', 'default', name)!.metadata as { annotations: Record<string, string> };
    expect(after.annotations['deployment.kubernetes.io/revision']).toBe('1');
  });

  it('takes Service type and replicas from GatewayClass and Gateway parameters ConfigMaps', async () => {
    api.apply({
      ...gatewayClass(),
      spec: { controllerName: CONTROLLER, parametersRef: { group: '', kind: 'ConfigMap', name: 'class-params', namespace: 'portico-system' } },
    });
    api.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'class-params', namespace: 'portico-system' }, data: { serviceType: 'NodePort', replicas: '2' } });
    api.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'gw-params', namespace: 'default' }, data: { replicas: '3' } });
    api.apply(gateway('tuned', 'default', { infrastructure: { parametersRef: { group: '', kind: 'ConfigMap', name: 'gw-params' } } }));
    api.apply(gateway('classdefault'));
    await start();
    const tuned = await waitFor(() => api.getObject('apps/v1', 'deployments', 'default', proxyName('tuned')), 'tuned deployment');
    expect((tuned.spec as { replicas: number }).replicas).toBe(3);
    const tunedService = await waitFor(() => api.getObject('v1', 'services', 'default', proxyName('tuned')), 'tuned service');
    expect((tunedService.spec as { type: string }).type).toBe('NodePort');
    const plain = await waitFor(() => api.getObject('apps/v1', 'deployments', 'default', proxyName('classdefault')), 'class default');
    expect((plain.spec as { replicas: number }).replicas).toBe(2);

    // Changing the parameters ConfigMap is followed.
    api.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'gw-params', namespace: 'default' }, data: { replicas: '1', serviceType: 'ClusterIP' } });
    await waitFor(() => (api.getObject('apps/v1', 'deployments', 'default', proxyName('tuned'))?.spec as { replicas: number }).replicas === 1, 'replicas follow');
    await waitFor(() => (api.getObject('v1', 'services', 'default', proxyName('tuned'))?.spec as { type: string }).type === 'ClusterIP', 'type follows');
  });

  it('does not rewrite a Deployment whose quantities the API server stored in canonical form (0.5 as 500m)', async () => {
    api.apply(gatewayClass());
    api.apply({
      apiVersion: 'gateway.portico.dev/v1alpha1',
      kind: 'GatewayParameters',
      metadata: { name: 'halves', namespace: 'default' },
      spec: { resources: { requests: { cpu: '0.5', memory: '0.5Gi' }, limits: { cpu: '1.0' } } },
    });
    const ref = { infrastructure: { parametersRef: { group: 'gateway.portico.dev', kind: 'GatewayParameters', name: 'halves' } } };
    api.apply(gateway('halves', 'default', ref));
    await start();
    type Deployment = Json & { spec: { template: { spec: { containers: Array<Json & { resources: Json }> } } } };
    const name = proxyName('halves');
    const deployment = (await waitFor(() => api.getObject('apps/v1', 'deployments', 'default', name), 'deployment')) as Deployment;
    expect(deployment.spec.template.spec.containers[0]?.resources).toEqual({ requests: { cpu: '0.5', memory: '0.5Gi' }, limits: { cpu: '1.0' } });
    // What a real API server stores: the same quantities, written canonically. The test double
    // keeps objects verbatim, so the rewrite is done here.
    const [container] = deployment.spec.template.spec.containers;
    const canonical = { ...container, resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '1' } } };
    api.apply({ ...deployment, spec: { ...deployment.spec, template: { ...deployment.spec.template, spec: { ...deployment.spec.template.spec, containers: [canonical] } } } });
    const writesBefore = api.requests.filter((r) => r.method === 'PUT' || r.method === 'POST').length;
    api.apply(gateway('halves', 'default', { ...ref, addresses: [{ type: 'IPAddress', value: '192.0.2.9' }] }));
    await waitFor(() => api.requestsMatching('GET', /\/deployments\/portico-halves$/).length >= 2, 'reconciled again');
    await provider!.settled();
    expect(api.requests.filter((r) => r.method === 'PUT' || r.method === 'POST').length).toBe(writesBefore);
    // A quantity that really changed is written back.
    const stored = api.getObject('apps/v1', 'deployments', 'default', name) as Deployment;
    const changed = { ...canonical, resources: { requests: { cpu: '750m', memory: '512Mi' }, limits: { cpu: '1' } } };
    api.apply({ ...stored, spec: { ...stored.spec, template: { ...stored.spec.template, spec: { ...stored.spec.template.spec, containers: [changed] } } } });
    api.apply(gateway('halves', 'default', { ...ref, addresses: [{ type: 'IPAddress', value: '192.0.2.10' }] }));
    await waitFor(
      () => ((api.getObject('apps/v1', 'deployments', 'default', name) as Deployment).spec.template.spec.containers[0]?.resources as { requests: { cpu: string } }).requests.cpu === '0.5' || undefined,
      'deployment written back',
    );
  });

  it('provisions from GatewayParameters: class defaults overlaid by the Gateway, followed on change', async () => {
    const PORTICO = 'gateway.portico.dev/v1alpha1';
    api.apply({
      ...gatewayClass(),
      spec: {
        controllerName: CONTROLLER,
        parametersRef: { group: 'gateway.portico.dev', kind: 'GatewayParameters', name: 'class-defaults', namespace: 'portico-system' },
      },
    });
    api.apply({
      apiVersion: PORTICO,
      kind: 'GatewayParameters',
      metadata: { name: 'class-defaults', namespace: 'portico-system' },
      spec: {
        replicas: 2,
        serviceType: 'NodePort',
        resources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { memory: '1Gi' } },
        labels: { team: 'edge' },
        annotations: { 'example.com/cost-center': 'edge' },
      },
    });
    api.apply({
      apiVersion: PORTICO,
      kind: 'GatewayParameters',
      metadata: { name: 'small', namespace: 'default' },
      spec: { replicas: 1, image: 'registry.example.com/envoy:custom', labels: { tier: 'small' } },
    });
    api.apply(gateway('tuned', 'default', { infrastructure: { parametersRef: { group: 'gateway.portico.dev', kind: 'GatewayParameters', name: 'small' } } }));
    api.apply(gateway('classdefault'));
    // Invalid Gateway parameters contribute nothing: the class defaults still apply.
    api.apply({ apiVersion: PORTICO, kind: 'GatewayParameters', metadata: { name: 'broken', namespace: 'default' }, spec: { replicas: -3 } });
    api.apply(gateway('misconfigured', 'default', { infrastructure: { parametersRef: { group: 'gateway.portico.dev', kind: 'GatewayParameters', name: 'broken' } } }));
    await start();

    type Container = { image: string; resources: Json };
    type Deployment = { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: { replicas: number; template: { metadata: { labels: Record<string, string> }; spec: { containers: Container[] } } } };
    const deploymentOf = (gatewayName: string) => api.getObject('apps/v1', 'deployments', 'default', proxyName(gatewayName)) as Deployment | undefined;
    const tuned = await waitFor(() => deploymentOf('tuned'), 'tuned deployment');
    expect(tuned.spec.replicas).toBe(1);
    expect(tuned.spec.template.spec.containers[0].image).toBe('registry.example.com/envoy:custom');
    expect(tuned.spec.template.spec.containers[0].resources).toEqual({ requests: { cpu: '200m', memory: '256Mi' }, limits: { memory: '1Gi' } });
    expect(tuned.metadata.labels).toMatchObject({ team: 'edge', tier: 'small', 'gateway.networking.k8s.io/gateway-name': 'tuned' });
    expect(tuned.spec.template.metadata.labels).toMatchObject({ team: 'edge', tier: 'small' });
    expect(tuned.metadata.annotations['example.com/cost-center']).toBe('edge');
    const tunedService = await waitFor(() => api.getObject('v1', 'services', 'default', proxyName('tuned')), 'tuned service');
    expect((tunedService.spec as { type: string }).type).toBe('NodePort');

    const plain = await waitFor(() => deploymentOf('classdefault'), 'class default deployment');
    expect(plain.spec.replicas).toBe(2);
    expect(plain.spec.template.spec.containers[0].image).toBe(provisioning.envoyImage);
    expect(plain.metadata.labels.tier).toBeUndefined();
    const misconfigured = await waitFor(() => deploymentOf('misconfigured'), 'misconfigured deployment');
    expect(misconfigured.spec.replicas).toBe(2);

    // Editing the Gateway's GatewayParameters is followed.
    api.apply({
      apiVersion: PORTICO,
      kind: 'GatewayParameters',
      metadata: { name: 'small', namespace: 'default' },
      spec: { replicas: 4, resources: { requests: { cpu: '1' }, limits: { cpu: '2' } } },
    });
    await waitFor(() => deploymentOf('tuned')?.spec.replicas === 4, 'replicas follow');
    const updated = deploymentOf('tuned')!;
    expect(updated.spec.template.spec.containers[0].image).toBe(provisioning.envoyImage);
    expect(updated.spec.template.spec.containers[0].resources).toEqual({ requests: { cpu: '1' }, limits: { cpu: '2' } });
  });

  it('provisions the GatewayParameters the translator accepted, also when sanitizing dropped a wrongly typed field', async () => {
    const PORTICO = 'gateway.portico.dev/v1alpha1';
    api.apply(gatewayClass());
    // A label value that is not a string is dropped by sanitizing, so the translator accepts these parameters.
    const parameters = { apiVersion: PORTICO, kind: 'GatewayParameters', metadata: { name: 'odd', namespace: 'default' }, spec: { replicas: 3, labels: { team: 5 } } };
    api.apply(parameters);
    const edge = gateway('odd', 'default', { infrastructure: { parametersRef: { group: 'gateway.portico.dev', kind: 'GatewayParameters', name: 'odd' } } });
    api.apply(edge);
    const log = await start();
    const snapshot = await waitFor(() => log.latest?.resources.get('GatewayParameters', 'default', 'odd') && log.latest, 'snapshot with the parameters');
    const accepted = translate(snapshot.resources, { controllerName: CONTROLLER })
      .statuses.find((s) => s.kind === 'Gateway' && s.name === 'odd')
      ?.status.conditions as Array<{ type: string; status: string }> | undefined;
    expect(accepted?.find((c) => c.type === 'Accepted')?.status).toBe('True');
    type Deployment = { metadata: { labels: Record<string, string> }; spec: { replicas: number } };
    const deployment = await waitFor(() => api.getObject('apps/v1', 'deployments', 'default', proxyName('odd')) as Deployment | undefined, 'deployment');
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.metadata.labels.team).toBeUndefined();
  });

  it('a Portico label in GatewayParameters cannot take over the Deployment selector', async () => {
    api.apply({
      ...gatewayClass(),
      spec: { controllerName: CONTROLLER, parametersRef: { group: 'gateway.portico.dev', kind: 'GatewayParameters', name: 'p', namespace: 'default' } },
    });
    api.apply({
      apiVersion: 'gateway.portico.dev/v1alpha1',
      kind: 'GatewayParameters',
      metadata: { name: 'p', namespace: 'default' },
      spec: { labels: { 'gateway.networking.k8s.io/gateway-name': 'someone-else', 'app.kubernetes.io/managed-by': 'me' } },
    });
    api.apply(gateway('web'));
    await start();
    const deployment = await waitFor(() => api.getObject('apps/v1', 'deployments', 'default', proxyName('web')), 'deployment');
    const labels = (deployment.metadata as { labels: Record<string, string> }).labels;
    expect(labels['gateway.networking.k8s.io/gateway-name']).toBe('web');
    expect(labels['app.kubernetes.io/managed-by']).toBe('portico');
  });

  it('does not provision for other controllers, and not while a follower', async () => {
    api.apply({ apiVersion: GW, kind: 'GatewayClass', metadata: { name: 'theirs' }, spec: { controllerName: 'example.com/other' } });
    api.apply({ ...gateway('foreign'), spec: { gatewayClassName: 'theirs', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] } });
    api.apply(gatewayClass());
    api.apply(gateway('ours'));
    // Someone else holds the lease and keeps renewing it.
    const lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'portico-leader', namespace: RELEASE_NAMESPACE },
      spec: { holderIdentity: 'someone-else', leaseDurationSeconds: 3600, renewTime: new Date().toISOString() },
    };
    api.apply(lease);
    const log = await start({ leaderElection: { namespace: RELEASE_NAMESPACE, leaseName: 'portico-leader', retryPeriodMs: 50, leaseDurationMs: 60_000 } });
    await waitFor(() => log.latest, 'snapshot');
    await sleep(300);
    expect(api.listObjects('apps/v1', 'deployments')).toEqual([]);
    expect(provider!.isLeader).toBe(false);

    // The holder releases: this replica leads and provisions only its own Gateway.
    api.apply({ ...lease, spec: { ...lease.spec, holderIdentity: '' } });
    await waitFor(() => api.getObject('apps/v1', 'deployments', 'default', proxyName('ours')), 'provisioned as leader');
    expect(api.getObject('apps/v1', 'deployments', 'default', proxyName('foreign'))).toBeUndefined();
  });
});

describe('provisioning helpers', () => {
  it('derives addresses from load balancer ingress, else cluster IPs', () => {
    const lb = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { type: 'LoadBalancer', clusterIP: '10.0.0.1' }, status: { loadBalancer: { ingress: [{ hostname: 'lb.example.com' }] } } } as Service;
    expect(gatewayAddressesFromService(lb)).toEqual([{ type: 'Hostname', value: 'lb.example.com' }]);
    const clusterIp = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { type: 'ClusterIP', clusterIPs: ['10.0.0.1', 'fd00::1'] } } as Service;
    expect(gatewayAddressesFromService(clusterIp)).toEqual([
      { type: 'IPAddress', value: '10.0.0.1' },
      { type: 'IPAddress', value: 'fd00::1' },
    ]);
    expect(gatewayAddressesFromService(undefined)).toEqual([]);
  });

  it('keeps names within 63 characters and includes ListenerSet ports', () => {
    const long = 'g'.repeat(80);
    expect(proxyName(long).length).toBeLessThanOrEqual(63);
    expect(proxyName(long)).not.toBe(proxyName(`${'g'.repeat(79)}h`));
    const gw = gateway('gw') as unknown as Gateway;
    const ports = servicePorts(gw, [
      { apiVersion: GW, kind: 'ListenerSet', metadata: { name: 'ls', namespace: 'default' }, spec: { parentRef: { name: 'gw' }, listeners: [{ name: 'x', port: 9090, protocol: 'TCP' }] } },
      { apiVersion: GW, kind: 'ListenerSet', metadata: { name: 'other', namespace: 'default' }, spec: { parentRef: { name: 'elsewhere' }, listeners: [{ name: 'y', port: 7070, protocol: 'TCP' }] } },
    ]);
    expect(ports.map((port) => port.port)).toEqual([80, 9090]);
  });
});
