import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { KubernetesFlagError, kubernetesProviderOptions, parseDuration } from '../../src/kubernetes/flags.js';

function kubeconfigFile(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'portico-kubeconfig-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'config');
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]',
      'users: [{name: u, user: {token: t}}]',
      'contexts: [{name: x, context: {cluster: c, user: u}}]',
      'current-context: x',
    ].join('\n'),
  );
  return file;
}

describe('kubernetes serve flags', () => {
  it('maps flags to provider options with in-cluster defaults from the pod environment', () => {
    const options = kubernetesProviderOptions(
      { kubeconfig: kubeconfigFile(), 'leader-elect': true, 'leader-election-lease-duration': '20s', 'envoy-service-type': 'NodePort' },
      { controllerName: 'portico.io/gateway-controller', xdsPort: 18000, env: { POD_NAMESPACE: 'infra', POD_NAME: 'portico-abc' } },
    );
    expect(options.kubeConfig?.getCurrentCluster()?.server).toBe('https://127.0.0.1:6443');
    expect(options.leaderElection).toMatchObject({ namespace: 'infra', leaseName: 'portico-leader', identity: 'portico-abc', leaseDurationMs: 20_000, renewDeadlineMs: 10_000 });
    expect(options.provisioning).toMatchObject({ xdsHost: 'portico.infra.svc.cluster.local', xdsPort: 18000, serviceType: 'NodePort', replicas: 1 });
  });

  it('rejects bad values naming the flag', () => {
    const context = { controllerName: 'c', xdsPort: 18000, env: {} };
    expect(() => kubernetesProviderOptions({ kubeconfig: kubeconfigFile(), 'envoy-service-type': 'Ingress' }, context)).toThrow(/--envoy-service-type/);
    expect(() => kubernetesProviderOptions({ kubeconfig: kubeconfigFile(), 'xds-service-port': '70000' }, context)).toThrow(KubernetesFlagError);
    expect(() => kubernetesProviderOptions({ kubeconfig: path.join(os.tmpdir(), 'portico-no-such-kubeconfig') }, context)).toThrow(/--kubeconfig/);
    expect(() => parseDuration('soon', '--leader-election-retry-period')).toThrow(/--leader-election-retry-period/);
    expect(parseDuration('1500ms', 'x')).toBe(1500);
    expect(parseDuration('2m', 'x')).toBe(120_000);
    expect(kubernetesProviderOptions({ kubeconfig: kubeconfigFile(), 'no-provision': true }, context).provisioning).toBeUndefined();
  });
});

describe('--envoy-vhds', () => {
  it('makes provisioned bootstraps use Delta ADS and ask for VHDS; without it they stay on SotW', async () => {
    const { envoyBootstrap } = await import('../../src/kubernetes/provisioning.js');
    const context = { controllerName: 'portico.io/gateway-controller', xdsPort: 18000, env: { POD_NAMESPACE: 'infra' } };
    const withVhds = kubernetesProviderOptions({ kubeconfig: kubeconfigFile(), 'envoy-vhds': true }, context);
    const without = kubernetesProviderOptions({ kubeconfig: kubeconfigFile() }, context);
    expect(withVhds.provisioning?.vhds).toBe(true);
    expect(without.provisioning?.vhds).toBeUndefined();
    const gateway = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'web', namespace: 'apps' }, spec: { gatewayClassName: 'portico', listeners: [] } };
    const vhdsBootstrap = envoyBootstrap(gateway, withVhds.provisioning!) as { node: Record<string, unknown>; dynamic_resources: { ads_config: { api_type: string } } };
    expect(vhdsBootstrap.node).toEqual({ cluster: 'apps/web', metadata: { 'portico.vhds': true } });
    expect(vhdsBootstrap.dynamic_resources.ads_config.api_type).toBe('DELTA_GRPC');
    const plain = envoyBootstrap(gateway, without.provisioning!) as { node: Record<string, unknown>; dynamic_resources: { ads_config: { api_type: string } } };
    expect(plain.node).toEqual({ cluster: 'apps/web' });
    expect(plain.dynamic_resources.ads_config.api_type).toBe('GRPC');
  });
});
