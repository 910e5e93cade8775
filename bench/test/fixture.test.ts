import { describe, expect, it } from 'vitest';
import { loadManifests, ResourceSet, type Gateway, type HTTPRoute, type Service } from '@portico/api';
import { translate } from '@portico/translator';
import {
  CONTROLLER_NAME,
  editHttpRoute,
  generateFixture,
  LARGE_SHAPE,
  QUICK_LARGE_SHAPE,
  QUICK_TEN_K_SHAPE,
  type FixtureShape,
} from '../src/fixture.js';
import { Prng } from '../src/prng.js';

describe('Prng', () => {
  it('repeats its sequence for a seed and differs across seeds', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const c = new Prng(43);
    const seqA = Array.from({ length: 50 }, () => a.next());
    expect(Array.from({ length: 50 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 50 }, () => c.next())).not.toEqual(seqA);
    for (const value of seqA) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
  });

  it('keeps int() within its inclusive bounds and reaches both ends', () => {
    const prng = new Prng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(prng.int(3, 6));
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
  });
});

describe('generateFixture', () => {
  it('is deterministic: same shape and seed give identical objects', () => {
    const first = JSON.stringify(generateFixture(QUICK_LARGE_SHAPE).objects);
    const second = JSON.stringify(generateFixture(QUICK_LARGE_SHAPE).objects);
    expect(second).toBe(first);
    const reseeded = JSON.stringify(generateFixture({ ...QUICK_LARGE_SHAPE, seed: QUICK_LARGE_SHAPE.seed + 1 }).objects);
    expect(reseeded).not.toBe(first);
  });

  it('has the requested counts at full size (500 HTTP, 250 gRPC, 100 UDP routes, 500 Services)', () => {
    const { counts } = generateFixture(LARGE_SHAPE);
    expect(counts.HTTPRoute).toBe(500);
    expect(counts.GRPCRoute).toBe(250);
    expect(counts.UDPRoute).toBe(100);
    // 500 workload Services plus the shared one reached through a ReferenceGrant.
    expect(counts.Service).toBe(501);
    expect(counts.EndpointSlice).toBeGreaterThanOrEqual(501);
    expect(counts.GatewayClass).toBe(1);
    expect(counts.ReferenceGrant).toBe(1);
  });

  it('rejects shapes that cannot give every namespace each kind of Service', () => {
    const shape: FixtureShape = { ...QUICK_LARGE_SHAPE, services: 4, namespaces: 1 };
    expect(() => generateFixture(shape)).toThrow(/services/);
  });
});

describe('fixture is valid input', () => {
  for (const shape of [QUICK_LARGE_SHAPE, QUICK_TEN_K_SHAPE]) {
    const fixture = generateFixture(shape);

    it(`loads without problems (${shape.httpRoutes} HTTPRoutes)`, () => {
      const text = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: fixture.objects });
      const loaded = loadManifests(text, 'fixture.json');
      expect(loaded.problems).toEqual([]);
      expect(loaded.ignored).toBe(0);
      expect(loaded.objects).toHaveLength(fixture.objects.length);
      const set = ResourceSet.from(loaded.objects);
      expect(set.list('HTTPRoute')).toHaveLength(shape.httpRoutes);
      expect(set.list('GRPCRoute')).toHaveLength(shape.grpcRoutes);
      expect(set.list('UDPRoute')).toHaveLength(shape.udpRoutes);
      expect(set.list('Service')).toHaveLength(shape.services + 1);
      // No name collisions: every object survived indexing by kind and namespace/name.
      expect(set.size).toBe(fixture.objects.length);
    });

    it(`references only objects that exist (${shape.httpRoutes} HTTPRoutes)`, () => {
      const set = ResourceSet.from(fixture.objects);
      const servicePort = (service: Service | undefined, port: number | undefined): boolean =>
        !!service && (service.spec?.ports ?? []).some((p) => p.port === port);
      for (const slice of set.list('EndpointSlice')) {
        const owner = slice.metadata.labels?.['kubernetes.io/service-name'] ?? '';
        expect(set.get('Service', slice.metadata.namespace, owner), `${slice.metadata.name} owner`).toBeDefined();
      }
      for (const gateway of set.list('Gateway')) expect((gateway.spec?.listeners ?? []).length).toBeLessThanOrEqual(64);
      for (const kind of ['HTTPRoute', 'GRPCRoute', 'UDPRoute'] as const) {
        for (const route of set.list(kind)) {
          const ns = route.metadata.namespace;
          for (const parent of route.spec?.parentRefs ?? []) {
            const gateway: Gateway | undefined = set.get('Gateway', parent.namespace ?? ns, parent.name);
            expect(gateway, `${kind} ${ns}/${route.metadata.name} parent ${parent.name}`).toBeDefined();
            expect((gateway?.spec?.listeners ?? []).some((l) => l.name === parent.sectionName)).toBe(true);
          }
          for (const rule of route.spec?.rules ?? []) {
            for (const ref of rule.backendRefs ?? []) {
              const service = set.get('Service', ref.namespace ?? ns, ref.name);
              expect(servicePort(service, ref.port), `${kind} ${ns}/${route.metadata.name} -> ${ref.name}:${ref.port}`).toBe(true);
            }
          }
        }
      }
    });

    it(`is accepted by the translator: every HTTPRoute Accepted with ResolvedRefs (${shape.httpRoutes} HTTPRoutes)`, () => {
      const result = translate(ResourceSet.from(fixture.objects), { controllerName: CONTROLLER_NAME });
      const routeStatuses = result.statuses.filter((s) => s.kind === 'HTTPRoute');
      expect(routeStatuses).toHaveLength(shape.httpRoutes);
      for (const status of routeStatuses) {
        const parents = (status.status as { parents?: Array<{ conditions: Array<{ type: string; status: string }> }> }).parents ?? [];
        expect(parents.length, `${status.namespace}/${status.name}`).toBeGreaterThan(0);
        for (const parent of parents) {
          const byType = new Map(parent.conditions.map((c) => [c.type, c.status]));
          expect(byType.get('Accepted'), `${status.namespace}/${status.name} Accepted`).toBe('True');
          expect(byType.get('ResolvedRefs'), `${status.namespace}/${status.name} ResolvedRefs`).toBe('True');
        }
      }
      expect(result.ir.gateways.length).toBeGreaterThan(0);
    });
  }
});

describe('editHttpRoute', () => {
  it('changes the spec and generation of a copy, leaving the original alone', () => {
    const [route] = generateFixture(QUICK_TEN_K_SHAPE).httpRoutes as [HTTPRoute];
    const before = JSON.stringify(route);
    const edited = editHttpRoute(route, 3);
    expect(JSON.stringify(route)).toBe(before);
    expect(edited.metadata.generation).toBe((route.metadata.generation ?? 1) + 1);
    expect(edited.spec?.rules?.[0]?.matches?.[0]?.path).toEqual({ type: 'PathPrefix', value: '/edited/r3' });
    expect(JSON.stringify(editHttpRoute(route, 3))).toBe(JSON.stringify(edited));
  });
});
