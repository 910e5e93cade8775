import { afterEach, describe, expect, it } from 'vitest';
import { FakeApiServer, imageTag, RELEASE_NAMESPACE } from './apiserver-double.js';

// The double stands in for kube-apiserver's RBAC in every provider test: what it lets through
// is what the chart's roles would.
describe('API server double: RBAC', () => {
  let api: FakeApiServer | undefined;
  afterEach(() => {
    api = undefined;
  });

  async function status(path: string, method = 'GET'): Promise<number> {
    const response = await fetch(`http://127.0.0.1:${api?.port}${path}`, {
      method,
      headers: { authorization: 'Bearer test-token', 'content-type': 'application/json' },
      ...(method === 'POST' ? { body: '{}' } : {}),
    });
    await response.text();
    return response.status;
  }

  it("grants the Role's permissions in the release namespace only, and the ClusterRole's everywhere", async () => {
    api = new FakeApiServer();
    await api.start();
    expect(await status(`/apis/coordination.k8s.io/v1/namespaces/${RELEASE_NAMESPACE}/leases/portico-leader`)).toBe(404);
    expect(await status('/apis/coordination.k8s.io/v1/namespaces/team-a/leases/portico-leader')).toBe(403);
    expect(await status('/apis/coordination.k8s.io/v1/leases', 'POST')).toBe(403);
    expect(await status('/api/v1/namespaces/team-a/services')).toBe(200);
    expect(api.refusedByRbac).toEqual(['get coordination.k8s.io/leases in namespace team-a', 'create coordination.k8s.io/leases in every namespace']);
    await expect(api.close()).rejects.toThrow('the provider made requests its permissions do not allow');
  });
});

describe('API server double: defaulting', () => {
  it("reads an image's tag as kube-apiserver does when it defaults imagePullPolicy", () => {
    expect(imageTag('envoyproxy/envoy')).toBe('latest');
    expect(imageTag('envoyproxy/envoy:v1.36.2')).toBe('v1.36.2');
    expect(imageTag('localhost:5001/envoy')).toBe('latest');
    expect(imageTag('localhost:5001/envoy:dev')).toBe('dev');
    expect(imageTag('envoyproxy/envoy@sha256:0123abcd')).toBe('');
    expect(imageTag('envoyproxy/envoy:v1.36.2@sha256:0123abcd')).toBe('v1.36.2');
  });
});
