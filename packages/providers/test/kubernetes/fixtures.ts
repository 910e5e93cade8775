import type { ProviderSnapshot } from '../../src/provider.js';
import type { KubernetesSnapshot } from '../../src/kubernetes/provider.js';

export const CONTROLLER = 'portico.io/gateway-controller';
export const GW = 'gateway.networking.k8s.io/v1';

export async function waitFor<T>(probe: () => T | undefined | false, what: string, timeoutMs = 8_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class SnapshotLog {
  readonly all: KubernetesSnapshot[] = [];
  readonly push = (snapshot: ProviderSnapshot): void => {
    this.all.push(snapshot as KubernetesSnapshot);
  };
  get latest(): KubernetesSnapshot | undefined {
    return this.all[this.all.length - 1];
  }
}

export function gatewayClass(name = 'portico'): Record<string, unknown> {
  return { apiVersion: GW, kind: 'GatewayClass', metadata: { name }, spec: { controllerName: CONTROLLER } };
}

export function gateway(name: string, namespace = 'default', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: GW,
    kind: 'Gateway',
    metadata: { name, namespace },
    spec: {
      gatewayClassName: 'portico',
      listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
      ...extra,
    },
  };
}

export function httpRoute(name: string, namespace = 'default', status?: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: GW,
    kind: 'HTTPRoute',
    metadata: { name, namespace },
    spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'echo', port: 8080 }] }] },
    ...(status ? { status } : {}),
  };
}

export function service(name: string, namespace = 'default'): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { type: 'ClusterIP', clusterIP: '10.0.0.10', ports: [{ name: 'http', port: 8080 }] },
  };
}

export function namespace(name: string, labels: Record<string, string> = {}): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

export function routeStatus(name: string, lastTransitionTime: string, extraParents: unknown[] = []) {
  return {
    apiVersion: GW,
    kind: 'HTTPRoute',
    namespace: 'default',
    name,
    status: {
      parents: [
        {
          parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' },
          controllerName: CONTROLLER,
          conditions: [
            { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'Route is accepted', lastTransitionTime },
            { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message: 'All references resolved', lastTransitionTime },
          ],
        },
        ...extraParents,
      ],
    },
  };
}
