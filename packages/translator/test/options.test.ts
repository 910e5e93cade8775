import { describe, expect, it } from 'vitest';
import { ResourceSet, type Condition } from '@portico/api';
import { translate } from '../src/index.js';
import { statusSchemaProblem } from '@portico/test-support';

const objects = [
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'portico', generation: 2 }, spec: { controllerName: 'example.com/ctrl' } },
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'gw', namespace: 'ns', generation: 5 },
    spec: { gatewayClassName: 'portico', addresses: [{ type: 'IPAddress', value: '192.0.2.1' }], listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
  },
];

function gatewayStatus(result: ReturnType<typeof translate>): { addresses: unknown; conditions: Condition[] } {
  const status = result.statuses.find((s) => s.kind === 'Gateway')?.status;
  return status as { addresses: unknown; conditions: Condition[] };
}

function supportedVersion(result: ReturnType<typeof translate>): Condition | undefined {
  const status = result.statuses.find((s) => s.kind === 'GatewayClass')?.status as { conditions: Condition[] } | undefined;
  return status?.conditions.find((condition) => condition.type === 'SupportedVersion');
}

describe('translate options', () => {
  it('says SupportedVersion=False when installed Gateway API CRDs are of another bundle version or carry none', () => {
    const options = { controllerName: 'example.com/ctrl' };
    // Nothing known of the CRDs (file mode): supported.
    expect(supportedVersion(translate(ResourceSet.from(objects), options))).toMatchObject({ status: 'True', reason: 'SupportedVersion' });
    const current = { 'gateways.gateway.networking.k8s.io': 'v1.6.1', 'httproutes.gateway.networking.k8s.io': 'v1.6.0' };
    expect(supportedVersion(translate(ResourceSet.from(objects), { ...options, crdBundleVersions: current }))).toMatchObject({ status: 'True' });
    const mixed = { ...current, 'tcproutes.gateway.networking.k8s.io': 'v1.5.0', 'udproutes.gateway.networking.k8s.io': null };
    const result = translate(ResourceSet.from(objects), { ...options, crdBundleVersions: mixed });
    expect(supportedVersion(result)).toMatchObject({
      status: 'False',
      reason: 'UnsupportedVersion',
      message:
        'installed Gateway API CRDs are v1.5.0 (tcproutes.gateway.networking.k8s.io); no bundle-version annotation (udproutes.gateway.networking.k8s.io); this controller supports v1.6.x (implements v1.6.1)',
    });
    // Best effort: the class is still accepted, and its Gateways served.
    const classConditions = (result.statuses.find((s) => s.kind === 'GatewayClass')?.status as { conditions: Condition[] }).conditions;
    expect(classConditions.find((condition) => condition.type === 'Accepted')?.status).toBe('True');
    expect(result.ir.gateways.map((gateway) => gateway.name)).toEqual(['ns/gw']);
  });

  it('reports provider addresses over spec addresses', () => {
    const result = translate(ResourceSet.from(objects), {
      controllerName: 'example.com/ctrl',
      gatewayAddresses: { 'ns/gw': [{ type: 'Hostname', value: 'lb.example.com' }] },
    });
    expect(gatewayStatus(result).addresses).toEqual([{ type: 'Hostname', value: 'lb.example.com' }]);
  });

  it('reports at most 16 provider addresses, the status schema limit', () => {
    const provided = Array.from({ length: 20 }, (_, i) => ({ type: 'IPAddress', value: `10.0.1.${i}` }));
    const result = translate(ResourceSet.from(objects), { controllerName: 'example.com/ctrl', gatewayAddresses: { 'ns/gw': provided } });
    const status = gatewayStatus(result);
    expect(status.addresses).toEqual(provided.slice(0, 16));
    expect(statusSchemaProblem('Gateway', status)).toBeUndefined();
  });

  it('reports a requested static address the provider could not assign as AddressNotUsable', () => {
    const result = translate(ResourceSet.from(objects), {
      controllerName: 'example.com/ctrl',
      gatewayAddresses: { 'ns/gw': [{ type: 'IPAddress', value: '10.0.0.7' }] },
    });
    const { conditions } = gatewayStatus(result);
    expect(conditions.find((c) => c.type === 'Accepted')).toMatchObject({ status: 'True', reason: 'Accepted' });
    expect(conditions.find((c) => c.type === 'Programmed')).toMatchObject({ status: 'False', reason: 'AddressNotUsable' });
    const assigned = translate(ResourceSet.from(objects), {
      controllerName: 'example.com/ctrl',
      gatewayAddresses: { 'ns/gw': [{ type: 'IPAddress', value: '192.0.2.1' }] },
    });
    expect(gatewayStatus(assigned).conditions.find((c) => c.type === 'Programmed')).toMatchObject({ status: 'True' });
  });

  it('reports no address and AddressNotAssigned while the provider has none yet', () => {
    const result = translate(ResourceSet.from(objects), { controllerName: 'example.com/ctrl', gatewayAddresses: { 'ns/gw': [] } });
    const status = gatewayStatus(result);
    expect(status.addresses).toEqual([]);
    expect(status.conditions.find((c) => c.type === 'Programmed')).toMatchObject({ status: 'False', reason: 'AddressNotAssigned' });
  });

  it('says ParentNotProgrammed on a ListenerSet whose Gateway has no address yet', () => {
    const withSet = [
      objects[0],
      { ...objects[1], spec: { ...(objects[1] as { spec: object }).spec, allowedListeners: { namespaces: { from: 'Same' } } } },
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'ListenerSet',
        metadata: { name: 'team', namespace: 'ns', generation: 1 },
        spec: { parentRef: { name: 'gw' }, listeners: [{ name: 'team', port: 8080, protocol: 'HTTP' }] },
      },
    ];
    const setConditions = (gatewayAddresses: Record<string, Array<{ type: string; value: string }>>): Condition[] => {
      const result = translate(ResourceSet.from(withSet), { controllerName: 'example.com/ctrl', gatewayAddresses });
      return (result.statuses.find((s) => s.kind === 'ListenerSet')?.status as { conditions: Condition[] }).conditions;
    };
    const waiting = setConditions({ 'ns/gw': [] });
    expect(waiting.find((c) => c.type === 'Accepted')).toMatchObject({ status: 'True', reason: 'Accepted' });
    expect(waiting.find((c) => c.type === 'Programmed')).toMatchObject({ status: 'False', reason: 'ParentNotProgrammed' });
    expect(setConditions({ 'ns/gw': [{ type: 'IPAddress', value: '192.0.2.1' }] }).find((c) => c.type === 'Programmed')).toMatchObject({
      status: 'True',
      reason: 'Programmed',
    });
  });

  it('falls back to spec addresses, then to defaultAddress', () => {
    const withSpec = translate(ResourceSet.from(objects), { controllerName: 'example.com/ctrl', defaultAddress: '10.9.9.9' });
    expect(gatewayStatus(withSpec).addresses).toEqual([{ type: 'IPAddress', value: '192.0.2.1' }]);
    const bare = objects.map((o) => (o.kind === 'Gateway' ? { ...o, spec: { ...o.spec, addresses: undefined } } : o));
    const withDefault = translate(ResourceSet.from(bare), { controllerName: 'example.com/ctrl', defaultAddress: '10.9.9.9' });
    expect(gatewayStatus(withDefault).addresses).toEqual([{ type: 'IPAddress', value: '10.9.9.9' }]);
  });

  it('stamps conditions with options.now and the object generation', () => {
    const result = translate(ResourceSet.from(objects), { controllerName: 'example.com/ctrl', now: '2026-01-02T03:04:05Z' });
    for (const condition of gatewayStatus(result).conditions) {
      expect(condition.lastTransitionTime).toBe('2026-01-02T03:04:05Z');
      expect(condition.observedGeneration).toBe(5);
    }
    const epoch = translate(ResourceSet.from(objects), { controllerName: 'example.com/ctrl' });
    expect(gatewayStatus(epoch).conditions[0]?.lastTransitionTime).toBe('1970-01-01T00:00:00Z');
  });

  it('ignores classes of other controllers entirely', () => {
    const result = translate(ResourceSet.from(objects), { controllerName: 'example.com/someone-else' });
    expect(result.statuses).toEqual([]);
    expect(result.ir).toEqual({ gateways: [], clusters: [], secrets: [] });
  });
});
