import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { PorticoMetrics } from '@portico/admin';
import type { KubernetesSnapshot } from '@portico/providers';
import { loadFiles } from '../src/common.js';
import { encodedBytesOf, type EnvoyResource } from '@portico/xds';
import { ControlPlane } from '../src/control-plane.js';
import { QUICKSTART } from './helpers.js';

function controlPlane(mesh = false, clock?: () => Date): ControlPlane {
  return new ControlPlane({
    controllerName: 'portico.dev/gateway-controller',
    mesh,
    ...(clock ? { clock } : {}),
    logger: pino({ level: 'silent' }),
    metrics: new PorticoMetrics({ defaultMetrics: false }),
  });
}

function gatewayAddresses(plane: ControlPlane): unknown {
  const gateway = plane.current()?.statuses.find((s) => s.kind === 'Gateway' && s.name === 'quickstart');
  expect(gateway, 'quickstart Gateway status').toBeDefined();
  return gateway!.status.addresses;
}

// The snapshots here are built by hand in the shape the Kubernetes provider emits (no API server involved).
describe('ControlPlane: provider snapshot to translate()', () => {
  it('reports the addresses a KubernetesSnapshot carries in the Gateway status', async () => {
    const { resources, problems } = await loadFiles([QUICKSTART]);
    const snapshot: KubernetesSnapshot = {
      resources,
      problems,
      gatewayAddresses: { 'default/quickstart': [{ type: 'Hostname', value: 'lb.example.com' }] },
    };
    const plane = controlPlane();
    await plane.apply(snapshot);
    expect(plane.lastBuildError()).toBeUndefined();
    expect(gatewayAddresses(plane)).toEqual([{ type: 'Hostname', value: 'lb.example.com' }]);
  });

  it('falls back to the default address for a plain (file provider) snapshot', async () => {
    const { resources, problems } = await loadFiles([QUICKSTART]);
    const plane = controlPlane();
    await plane.apply({ resources, problems });
    expect(gatewayAddresses(plane)).toEqual([{ type: 'IPAddress', value: '127.0.0.1' }]);
  });

  it('translates routes with a Service parent only when mesh is on', async () => {
    const { resources, problems } = await loadFiles([new URL('./fixtures/mesh.yaml', import.meta.url).pathname]);
    const routeStatus = async (mesh: boolean) => {
      const plane = controlPlane(mesh);
      await plane.apply({ resources, problems });
      return plane.current()?.statuses.find((s) => s.kind === 'HTTPRoute' && s.name === 'producer');
    };
    expect(await routeStatus(false)).toBeUndefined();
    const status = await routeStatus(true);
    expect(status?.status.parents).toMatchObject([{ parentRef: { kind: 'Service', name: 'echo' } }]);
  });

  it('builds the same configuration and statuses after an edit as a control plane that starts from the edited input', async () => {
    const { resources, problems } = await loadFiles([QUICKSTART]);
    const clock = () => new Date('2026-01-01T00:00:00Z');
    const route = resources.get('HTTPRoute', 'default', 'web');
    expect(route).toBeDefined();
    const edited = resources.clone();
    edited.upsert({ ...route!, spec: { ...route!.spec, hostnames: ['edited.example.com'] } });

    const incremental = controlPlane(false, clock);
    await incremental.apply({ resources, problems });
    await incremental.apply({ resources: edited, problems });
    const fresh = controlPlane(false, clock);
    await fresh.apply({ resources: edited, problems });

    const served = (plane: ControlPlane) => {
      const xds = plane.current()!.xds;
      return JSON.stringify(
        Object.entries(xds.groups).map(([group, list]) => [
          group,
          (Object.entries(list) as Array<[string, EnvoyResource[]]>).map(([type, items]) => [type, items.map((r) => [r.name, r.message, Buffer.from(encodedBytesOf(r) ?? []).toString('base64')])]),
        ]),
      );
    };
    expect(incremental.current()!.statuses).toEqual(fresh.current()!.statuses);
    expect(served(incremental)).toEqual(served(fresh));
    expect(served(incremental)).toContain('edited.example.com');
  });

  it('logs a problem when it appears, not again on every build while it lasts', async () => {
    const { resources, problems } = await loadFiles([QUICKSTART]);
    const route = resources.get('HTTPRoute', 'default', 'web');
    expect(route).toBeDefined();
    const broken = resources.clone();
    const rules = (route!.spec?.rules ?? []).map((rule) => ({ ...rule, backendRefs: [{ name: 'missing', port: 80 }] }));
    broken.upsert({ ...route!, spec: { ...route!.spec, rules } });
    const lines: string[] = [];
    const plane = new ControlPlane({
      controllerName: 'portico.dev/gateway-controller',
      logger: pino({ level: 'warn' }, { write: (line: string) => lines.push(line) }),
      metrics: new PorticoMetrics({ defaultMetrics: false }),
    });
    const missing = () => lines.filter((line) => line.includes('default/missing')).length;
    await plane.apply({ resources: broken, problems });
    const once = missing();
    expect(once).toBeGreaterThan(0);
    await plane.apply({ resources: broken.clone(), problems });
    expect(missing()).toBe(once);
    await plane.apply({ resources, problems });
    await plane.apply({ resources: broken, problems });
    expect(missing()).toBe(2 * once);
  });
});
