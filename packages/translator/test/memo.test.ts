import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ResourceSet, loadManifests } from '@portico/api';
import { certificatesForPlaceholders, fillCertificatePlaceholders, fuzzParameters, selfSignedCertificate, type TestCertificate, tlsSecret } from '@portico/test-support';
import type { IRVirtualHost } from '@portico/ir';
import { TranslationMemo, translate, type ObjectStatus, type TranslateOptions, type TranslationResult } from '../src/index.js';
import { sameTranslatorInput } from '../src/sanitize.js';

// A memo must never change what translate returns. Each golden input is translated
// through one memo while objects are removed, put back, edited and the clock moves;
// after every step the result must equal a translation without a memo, byte for byte.
// Results are deep-frozen as they come out, so anything the memo hands to the next
// translation and that translation then modifies fails the test.

const here = dirname(fileURLToPath(import.meta.url));
const goldenDir = join(here, 'golden');
const CONTROLLER = 'portico.dev/gateway-controller';
const cases = readdirSync(goldenDir)
  .filter((f) => f.endsWith('.in.yaml'))
  .map((f) => f.slice(0, -'.in.yaml'.length))
  .sort();

let certificates = new Map<string, TestCertificate>();

type AnyObject = { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: unknown };

function objectsOf(name: string): AnyObject[] {
  const input = readFileSync(join(goldenDir, `${name}.in.yaml`), 'utf8');
  const loaded = loadManifests(fillCertificatePlaceholders(input, certificates), name);
  return loaded.objects as AnyObject[];
}

/** The GatewayClass of the inline manifests below, and the document separator after it. */
const GATEWAY_CLASS_YAML = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: portico}
spec: {controllerName: ${CONTROLLER}}
---
`;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** A semantic edit: routes get another path prefix, everything else a new label. */
function edited(object: AnyObject, step: number): AnyObject {
  const copy = structuredClone(object);
  copy.metadata.labels = { ...copy.metadata.labels, edit: String(step) };
  const rules = (copy.spec as { rules?: Array<{ matches?: Array<{ path?: { type: string; value: string } }> }> } | undefined)?.rules;
  if (copy.kind === 'HTTPRoute' && rules?.[0]) rules[0].matches = [{ path: { type: 'PathPrefix', value: `/edited-${step}` } }];
  return copy;
}

/** The object as the API server hands it back after a status write: new status, new resourceVersion. */
function statusWritten(object: AnyObject, step: number): AnyObject {
  const metadata = { ...object.metadata, resourceVersion: String(1000 + step), managedFields: [{ manager: 'portico', operation: 'Update', subresource: 'status' }] };
  return { ...object, metadata, status: { conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: `write ${step}`, lastTransitionTime: '2026-01-01T00:00:00Z' }] } } as AnyObject;
}

/** The result with every lastTransitionTime replaced by a marker: what a memo may change. */
function withoutTimes(result: TranslationResult): string {
  return JSON.stringify(result, (key, value: unknown) => (key === 'lastTransitionTime' ? '<time>' : value));
}

function checkStep(objects: AnyObject[], memo: TranslationMemo, options: TranslateOptions, clockMoves: boolean): TranslationResult {
  const warm = translate(ResourceSet.from(objects), { ...options, memo });
  const cold = translate(ResourceSet.from(objects), options);
  if (clockMoves) expect(withoutTimes(warm)).toEqual(withoutTimes(cold));
  else expect(JSON.stringify(warm)).toEqual(JSON.stringify(cold));
  return deepFreeze(warm);
}

describe('TranslationMemo', () => {
  beforeAll(async () => {
    certificates = await certificatesForPlaceholders(...cases.map((name) => readFileSync(join(goldenDir, `${name}.in.yaml`), 'utf8')));
  });

  it.each(cases.flatMap((name) => [[name, 'fixed clock'] as const, [name, 'moving clock'] as const]))(
    '%s (%s): every step through one memo equals a translation without it',
    (name, clock) => {
      const objects = deepFreeze(objectsOf(name));
      const options: TranslateOptions = { controllerName: CONTROLLER, ...(name.startsWith('mesh-') ? { mesh: true } : {}) };
      const clockMoves = clock === 'moving clock';
      const memo = new TranslationMemo();
      let step = 0;
      const tick = (): TranslateOptions =>
        clockMoves ? { ...options, now: new Date(Date.UTC(2026, 0, 1, 0, 0, step++)).toISOString() } : options;
      const check = (set: AnyObject[], stepOptions: TranslateOptions): TranslationResult => checkStep(set, memo, stepOptions, clockMoves);
      check(objects, options);
      for (let i = 0; i < objects.length; i++) {
        check(objects.filter((_, j) => j !== i), tick());
        check(objects, tick());
        const changed = objects.map((o, j) => (j === i ? deepFreeze(edited(o, step++)) : o));
        check(changed, tick());
        check(changed, tick());
        check(objects, options);
      }
    },
  );

  it('equals a translation without it over arbitrary sequences of route and Service edits on many routes', () => {
    const base = objectsOf('httproute-filters');
    const templates = base.filter((o) => o.kind === 'HTTPRoute');
    const hostnames = ['a.example.com', 'b.example.com', 'c.example.com', '*.example.com', 'd.example.org'];
    const routeAt = (index: number, variant: number): AnyObject => {
      const template = templates[index % templates.length];
      const copy = structuredClone(template) as AnyObject & { spec: { hostnames?: string[] } };
      copy.metadata.name = `r${String(index).padStart(3, '0')}`;
      // Neighbours share a hostname (four routes in each run of eight indices), so that one
      // virtual host holds several routes in a row.
      copy.spec.hostnames = [hostnames[(Math.floor(index / 8) + variant) % hostnames.length]];
      return variant === 0 ? copy : edited(copy, variant);
    };
    const services = base.filter((o) => o.kind === 'Service');
    // `together`: the next step lands in the same snapshot (a provider batches what comes within its debounce).
    const step = fc.record({ op: fc.constantFrom('edit', 'remove', 'add', 'move', 'service', 'rehost', 'status'), index: fc.nat(59), variant: fc.nat(7), together: fc.boolean() });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), (steps) => {
        const routes = new Map<number, AnyObject>();
        for (let i = 0; i < 60; i += 2) routes.set(i, routeAt(i, 0));
        let serviceObjects = services;
        let others = base.filter((o) => o.kind !== 'HTTPRoute' && o.kind !== 'Service');
        const memo = new TranslationMemo();
        const current = (): AnyObject[] => [...others, ...serviceObjects, ...routes.values()];
        checkStep(current(), memo, { controllerName: CONTROLLER }, false);
        for (const { op, index, variant, together } of steps) {
          if (op === 'remove') routes.delete(index);
          else if (op === 'move') {
            // A rename: one route goes and another comes in the same snapshot, and the routes
            // sorted between the two shift by one place while their count stays the same.
            const from = [...routes.keys()][index % Math.max(routes.size, 1)];
            if (from !== undefined) routes.delete(from);
            const to = (index + 1 + variant * 7) % 60;
            routes.set(to, routeAt(to, variant));
          }
          else if (op === 'add' || op === 'edit') routes.set(index, routeAt(index, op === 'add' ? 0 : variant + 1));
          else if (op === 'rehost') routes.set(index, { ...routeAt(index, 0), spec: { ...(routeAt(index, 0).spec as object), hostnames: [hostnames[variant % hostnames.length]] } });
          else if (op === 'status') {
            // A status write coming back through the watch, to a route, a Service or anything else.
            const route = routes.get(index);
            if (route && variant % 3 === 0) routes.set(index, statusWritten(route, variant));
            else if (variant % 3 === 1) serviceObjects = serviceObjects.map((o, i) => (i === index % serviceObjects.length ? statusWritten(o, variant) : o));
            else others = others.map((o, i) => (i === index % others.length ? statusWritten(o, variant) : o));
          } else serviceObjects = serviceObjects.map((o, i) => (i === variant % serviceObjects.length ? edited(o, variant) : o));
          if (!together) checkStep(current(), memo, { controllerName: CONTROLLER }, false);
        }
        checkStep(current(), memo, { controllerName: CONTROLLER }, false);
      }),
      fuzzParameters(40, 5),
    );
  });

  it('equals a translation without it when one snapshot removes a route and adds another, shifting the routes between', () => {
    // A route moved to another namespace comes as a removal and an addition. In one snapshot the
    // routes sorted between the two move up by one place, and the count stays the same: each
    // position then holds another route, as if every one of them had been replaced in place.
    const objects = deepFreeze(objectsOf('httproute-precedence'));
    const memo = new TranslationMemo();
    const options: TranslateOptions = { controllerName: CONTROLLER };
    checkStep(objects, memo, options, false);
    const moved = objects.map((o) => (o.kind === 'HTTPRoute' && o.metadata.namespace === 'alpha' ? deepFreeze({ ...o, metadata: { ...o.metadata, namespace: 'zzz' } }) : o));
    const result = checkStep(moved, memo, options, false);
    const routeNames = result.ir.gateways.flatMap((g) => g.listeners.flatMap((l) => l.filterChains.flatMap((c) => (c.type === 'http' ? c.routeConfig.virtualHosts.flatMap((v) => v.routes.map((r) => r.name)) : []))));
    expect(routeNames.some((name) => name.startsWith('httproute/infra/newer/'))).toBe(true);
    expect(routeNames.some((name) => name.startsWith('httproute/zzz/same-age-b/'))).toBe(true);
    checkStep(objects, memo, options, false);
  });

  it('equals a translation without it over arbitrary edits to Gateways, ListenerSets, Namespaces, ReferenceGrants, Secrets and routes', async () => {
    const [valid, other] = await Promise.all(['valid', 'other'].map((name) => selfSignedCertificate(`${name}.example.com`, ['*.example.com'])));
    type Obj = AnyObject & { spec?: Record<string, unknown> };
    const hostnames = [undefined, '*.example.com', 'a.example.com', 'b.example.com'];
    const listenerAt = (name: string, variant: number): Record<string, unknown> => {
      const hostname = hostnames[variant % hostnames.length];
      const from = ['All', 'Same', 'Selector'][Math.floor(variant / 4) % 3];
      const https = variant % 5 === 4;
      return {
        name,
        port: https ? 443 : 80 + (variant % 2),
        protocol: https ? 'HTTPS' : 'HTTP',
        ...(hostname ? { hostname } : {}),
        ...(https ? { tls: { certificateRefs: [{ name: 'cert' }] } } : {}),
        allowedRoutes: { namespaces: from === 'Selector' ? { from, selector: { matchLabels: { team: 'yes' } } } : { from } },
      };
    };
    const gateway = (name: string, listeners: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}): Obj =>
      ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name, namespace: 'infra' }, spec: { gatewayClassName: 'portico', allowedListeners: { namespaces: { from: 'All' } }, listeners, ...extra } }) as Obj;
    const listenerSet = (name: string, parent: string, listeners: Array<Record<string, unknown>>): Obj =>
      ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'ListenerSet', metadata: { name, namespace: 'team' }, spec: { parentRef: { name: parent, namespace: 'infra' }, listeners } }) as Obj;
    const parentChoices: Array<Record<string, unknown>> = [
      { name: 'a', namespace: 'infra' },
      { name: 'a', namespace: 'infra', sectionName: 'l0' },
      { name: 'a', namespace: 'infra', sectionName: 'l1' },
      { name: 'b', namespace: 'infra' },
      { name: 'b', namespace: 'infra', sectionName: 'l0' },
      { kind: 'ListenerSet', name: 's1', namespace: 'team' },
      { kind: 'ListenerSet', name: 's1', namespace: 'team', sectionName: 'x0' },
      { kind: 'ListenerSet', name: 's2', namespace: 'team' },
      // Listeners that do not exist (yet): NoMatchingParent once the parent is ours.
      { kind: 'ListenerSet', name: 's2', namespace: 'team', sectionName: 'y1' },
      { name: 'b', namespace: 'infra', sectionName: 'l2' },
    ];
    const route = (index: number, variant: number): Obj => {
      const namespace = index % 2 === 0 ? 'apps' : 'team';
      const parent = parentChoices[(index + variant) % parentChoices.length] as Record<string, unknown>;
      const hostname = hostnames[(index + variant) % hostnames.length];
      const crossNamespace = (index + variant) % 3 === 0;
      return {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: `r${index}`, namespace },
        spec: {
          parentRefs: [parent],
          ...(hostname ? { hostnames: [hostname] } : {}),
          ...((index + variant) % 4 === 3 ? { useDefaultGateways: 'All' } : {}),
          rules: [{ backendRefs: [crossNamespace ? { name: 'shared', namespace: 'shared', port: 80 } : { name: 'web', port: 80 }] }],
        },
      } as Obj;
    };
    const step = fc.record({
      op: fc.constantFrom('gatewayListener', 'setListener', 'setParent', 'allowedListeners', 'defaultScope', 'namespaceLabel', 'grant', 'secret', 'route', 'parameters', 'removeGateway'),
      target: fc.nat(1),
      index: fc.nat(2),
      variant: fc.nat(11),
      // The next step lands in the same snapshot.
      together: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 10 }), (steps) => {
        const state = {
          gateways: [gateway('a', [listenerAt('l0', 0), listenerAt('l1', 4)]), gateway('b', [listenerAt('l0', 1)])] as Array<Obj | undefined>,
          sets: [listenerSet('s1', 'a', [listenerAt('x0', 2)]), listenerSet('s2', 'b', [listenerAt('y0', 3)])],
          teamLabels: { team: 'yes' } as Record<string, string>,
          grant: true,
          certificate: valid as TestCertificate | undefined,
          routes: Array.from({ length: 8 }, (_, i) => route(i, 0)),
        };
        const objects = (): AnyObject[] => [
          { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: CONTROLLER } } as AnyObject,
          { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team', labels: state.teamLabels } } as AnyObject,
          { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } } as AnyObject,
          ...(['apps', 'team'] as const).map((namespace) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace }, spec: { ports: [{ port: 80 }] } }) as AnyObject),
          { apiVersion: 'v1', kind: 'Service', metadata: { name: 'shared', namespace: 'shared' }, spec: { ports: [{ port: 80 }] } } as AnyObject,
          ...(state.grant
            ? [
                {
                  apiVersion: 'gateway.networking.k8s.io/v1beta1',
                  kind: 'ReferenceGrant',
                  metadata: { name: 'to-shared', namespace: 'shared' },
                  spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'apps' }], to: [{ group: '', kind: 'Service' }] },
                } as AnyObject,
              ]
            : []),
          ...(state.certificate
            ? [tlsSecret(state.certificate, 'cert', 'infra') as AnyObject]
            : []),
          ...state.gateways.filter((g): g is Obj => g !== undefined),
          ...state.sets,
          ...state.routes,
        ];
        const memo = new TranslationMemo();
        const options = { controllerName: CONTROLLER };
        checkStep(objects(), memo, options, false);
        for (const { op, target, index, variant, together } of steps) {
          const name = target === 0 ? 'a' : 'b';
          const current = state.gateways[target] ?? gateway(name, [listenerAt('l0', 0)]);
          const listeners = (current.spec?.listeners as Array<Record<string, unknown>>) ?? [];
          if (op === 'gatewayListener') {
            const next = [...listeners];
            if (variant === 11 && next.length > 1) next.splice(index % next.length, 1);
            else next[index % (next.length + 1)] = listenerAt(`l${index % (next.length + 1)}`, variant);
            state.gateways[target] = { ...current, spec: { ...current.spec, listeners: next } };
          } else if (op === 'setListener') {
            const set = state.sets[target] as Obj;
            const own = set.spec?.listeners as Array<Record<string, unknown>>;
            const next = [...own];
            next[index % (next.length + 1)] = listenerAt(`${target === 0 ? 'x' : 'y'}${index % (next.length + 1)}`, variant);
            state.sets[target] = { ...set, spec: { ...set.spec, listeners: next } };
          } else if (op === 'setParent') {
            const set = state.sets[target] as Obj;
            state.sets[target] = { ...set, spec: { ...set.spec, parentRef: { name: ['a', 'b', 'missing'][variant % 3], namespace: 'infra' } } };
          } else if (op === 'allowedListeners') {
            state.gateways[target] = { ...current, spec: { ...current.spec, allowedListeners: { namespaces: { from: ['All', 'None', 'Same'][variant % 3] } } } };
          } else if (op === 'defaultScope') {
            const { defaultScope: _dropped, ...spec } = current.spec ?? {};
            state.gateways[target] = { ...current, spec: variant % 2 === 0 ? { ...spec, defaultScope: 'All' } : spec };
          } else if (op === 'namespaceLabel') state.teamLabels = variant % 2 === 0 ? { team: 'yes' } : { team: 'no' };
          else if (op === 'grant') state.grant = !state.grant;
          else if (op === 'secret') state.certificate = [valid, other, undefined][variant % 3];
          else if (op === 'route') state.routes[(index * 3 + variant) % state.routes.length] = route((index * 3 + variant) % state.routes.length, variant + 1);
          else if (op === 'parameters') {
            const { infrastructure: _dropped, ...spec } = current.spec ?? {};
            state.gateways[target] = { ...current, spec: variant % 2 === 0 ? { ...spec, infrastructure: { parametersRef: { group: '', kind: 'ConfigMap', name: 'missing' } } } : spec };
          } else state.gateways[target] = state.gateways[target] ? undefined : current;
          if (!together) checkStep(objects(), memo, options, false);
        }
        checkStep(objects(), memo, options, false);
      }),
      fuzzParameters(60, 11),
    );
  });

  it('equals a translation without it over arbitrary Service and route edits with the mesh on', () => {
    type Obj = AnyObject & { spec?: Record<string, unknown> };
    const serviceNames = ['cart', 'cart-v2', 'search'];
    const portSets: Array<Array<Record<string, unknown>>> = [
      [{ name: 'http', port: 80 }],
      [{ name: 'http', port: 80 }, { name: 'admin', port: 9090 }],
      [{ name: 'grpc', port: 50051, appProtocol: 'grpc' }],
      [],
    ];
    const service = (name: string, ports: number): Obj =>
      ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'shop' }, spec: { ports: portSets[ports % portSets.length] } }) as Obj;
    const parentChoices: Array<Record<string, unknown>> = [
      { group: '', kind: 'Service', name: 'cart', namespace: 'shop' },
      { group: '', kind: 'Service', name: 'cart', namespace: 'shop', port: 80 },
      { group: '', kind: 'Service', name: 'cart-v2', namespace: 'shop', port: 9090 },
      { group: '', kind: 'Service', name: 'search', namespace: 'shop', sectionName: 'http' },
    ];
    const route = (index: number, variant: number): Obj =>
      ({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: `r${index}`, namespace: index % 2 === 0 ? 'shop' : 'web' },
        spec: {
          parentRefs: [parentChoices[(index + variant) % parentChoices.length]],
          rules: [{ backendRefs: [{ name: serviceNames[(index + variant) % serviceNames.length], namespace: 'shop', port: 80 }] }],
        },
      }) as Obj;
    // `together`: the next step lands in the same snapshot.
    const step = fc.record({ op: fc.constantFrom('service', 'removeService', 'route', 'namespace'), index: fc.nat(5), variant: fc.nat(7), together: fc.boolean() });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 10 }), (steps) => {
        const services = new Map<string, Obj>(serviceNames.slice(0, 2).map((name) => [name, service(name, 0)]));
        const routes = Array.from({ length: 6 }, (_, i) => route(i, 0));
        let webLabels: Record<string, string> = {};
        const objects = (): AnyObject[] => [
          { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } } as AnyObject,
          { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web', labels: webLabels } } as AnyObject,
          ...services.values(),
          ...routes,
        ];
        const memo = new TranslationMemo();
        const options: TranslateOptions = { controllerName: CONTROLLER, mesh: true };
        checkStep(objects(), memo, options, false);
        for (const { op, index, variant, together } of steps) {
          const name = serviceNames[index % serviceNames.length] as string;
          if (op === 'service') services.set(name, service(name, variant));
          else if (op === 'removeService') services.delete(name);
          else if (op === 'route') routes[index] = route(index, variant + 1);
          else webLabels = variant % 2 === 0 ? { tier: 'front' } : {};
          if (!together) checkStep(objects(), memo, options, false);
        }
        checkStep(objects(), memo, options, false);
      }),
      fuzzParameters(40, 13),
    );
  });

  it('keeps statuses in namespace-then-name order where that differs from the namespace/name key order', () => {
    // `a-b/r` sorts before `a/r` as a key, but namespace `a` comes before `a-b` in status order.
    const route = (namespace: string, name: string, path: string): AnyObject =>
      ({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name, namespace },
        spec: { parentRefs: [{ name: 'gw', namespace: 'infra' }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: path } }] }] },
      }) as AnyObject;
    const base: AnyObject[] = [
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: CONTROLLER } } as AnyObject,
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: 'gw', namespace: 'infra' },
        spec: { gatewayClassName: 'portico', listeners: [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }] },
      } as AnyObject,
    ];
    const routes = [route('a', 'r', '/1'), route('a-b', 'r', '/2'), route('a.c', 'r', '/3'), route('a', 's', '/4')];
    const memo = new TranslationMemo();
    const options = { controllerName: CONTROLLER };
    const names = (result: TranslationResult): string[] => result.statuses.filter((s) => s.kind === 'HTTPRoute').map((s) => `${s.namespace}/${s.name}`);
    expect(names(checkStep([...base, ...routes], memo, options, false))).toEqual(['a/r', 'a/s', 'a-b/r', 'a.c/r']);
    for (let i = 0; i < routes.length; i++) {
      const edit = routes.map((r, j) => (j === i ? route(r.metadata.namespace as string, r.metadata.name, `/edited-${i}`) : r));
      expect(names(checkStep([...base, ...edit], memo, options, false))).toEqual(['a/r', 'a/s', 'a-b/r', 'a.c/r']);
    }
    checkStep([...base, ...routes.slice(1)], memo, options, false);
    checkStep([...base, route('a', 'q', '/5'), ...routes.slice(1)], memo, options, false);
  });

  it('keeps the transition time of reused route conditions and stamps new ones with now', () => {
    const objects = objectsOf('httproute-filters');
    const [edit, keep] = objects.filter((o) => o.kind === 'HTTPRoute');
    const memo = new TranslationMemo();
    translate(ResourceSet.from(objects), { controllerName: CONTROLLER, memo, now: '2026-01-01T00:00:00Z' });
    const later = translate(ResourceSet.from(objects.map((o) => (o === edit ? edited(o, 1) : o))), {
      controllerName: CONTROLLER,
      memo,
      now: '2026-01-02T00:00:00Z',
    });
    const times = (name: string): string[] => {
      const status = later.statuses.find((s) => s.kind === 'HTTPRoute' && s.name === name);
      const parents = (status?.status as { parents?: Array<{ conditions: Array<{ lastTransitionTime: string }> }> }).parents ?? [];
      return [...new Set(parents.flatMap((p) => p.conditions.map((c) => c.lastTransitionTime)))];
    };
    expect(times(keep.metadata.name)).toEqual(['2026-01-01T00:00:00Z']);
    expect(times(edit.metadata.name)).toEqual(['2026-01-02T00:00:00Z']);
  });

  it('hands back the same IR route objects when only another route changed', () => {
    const objects = objectsOf('httproute-filters');
    const routes = objects.filter((o) => o.kind === 'HTTPRoute');
    expect(routes.length).toBeGreaterThan(1);
    const memo = new TranslationMemo();
    const options = { controllerName: CONTROLLER, memo };
    const irRoutes = (result: TranslationResult): Map<string, unknown> =>
      new Map(
        result.ir.gateways.flatMap((g) =>
          g.listeners.flatMap((l) => l.filterChains.flatMap((c) => (c.type === 'http' ? c.routeConfig.virtualHosts.flatMap((v) => v.routes.map((r) => [r.name, r] as const)) : []))),
        ),
      );
    const first = irRoutes(translate(ResourceSet.from(objects), options));
    const changedRoute = routes[0];
    const second = irRoutes(translate(ResourceSet.from(objects.map((o) => (o === changedRoute ? edited(o, 1) : o))), options));
    let same = 0;
    for (const [routeName, route] of second) {
      if (routeName.includes(`/${changedRoute.metadata.name}/`)) expect(first.get(routeName)).not.toBe(route);
      else if (first.get(routeName) === route) same++;
    }
    expect(same).toBeGreaterThan(0);
    expect(same).toBe([...second.keys()].filter((n) => !n.includes(`/${changedRoute.metadata.name}/`)).length);
  });

  it('rebuilds only the virtual hosts an edited route serves', () => {
    const objects = objectsOf('httproute-attachment');
    const memo = new TranslationMemo();
    const vhosts = (result: TranslationResult): Map<string, IRVirtualHost> =>
      new Map(
        result.ir.gateways.flatMap((g) =>
          g.listeners.flatMap((l) => l.filterChains.flatMap((c) => (c.type === 'http' ? c.routeConfig.virtualHosts.map((v) => [v.name, v] as const) : []))),
        ),
      );
    const first = vhosts(translate(ResourceSet.from(objects), { controllerName: CONTROLLER, memo }));
    const route = objects.find((o) => o.kind === 'HTTPRoute' && [...first.values()].some((v) => v.routes.some((r) => r.source.name === o.metadata.name)));
    expect(route).toBeDefined();
    const second = vhosts(translate(ResourceSet.from(objects.map((o) => (o === route ? edited(o, 1) : o))), { controllerName: CONTROLLER, memo }));
    expect([...second.keys()]).toEqual([...first.keys()]);
    let reused = 0;
    for (const [name, vhost] of second) {
      const serves = vhost.routes.some((r) => r.source.name === route?.metadata.name && r.source.namespace === route?.metadata.namespace);
      if (serves) expect(first.get(name)).not.toBe(vhost);
      else {
        expect(first.get(name)).toBe(vhost);
        reused++;
      }
    }
    expect(reused).toBeGreaterThan(0);
  });

  it('translates again only the routes that looked up a Service that changed', () => {
    const objects = objectsOf('httproute-basic');
    const memo = new TranslationMemo();
    const statusOf = (result: TranslationResult, name: string) => result.statuses.find((s) => s.kind === 'HTTPRoute' && s.name === name);
    const first = translate(ResourceSet.from(objects), { controllerName: CONTROLLER, memo });
    const routes = first.statuses.filter((s) => s.kind === 'HTTPRoute').map((s) => s.name);
    expect(routes.length).toBeGreaterThan(0);
    // A Service no route uses: every route status comes back as the same object.
    const unrelated: AnyObject = { kind: 'Service', metadata: { name: 'unrelated', namespace: 'default' }, spec: { ports: [{ port: 80 }] } } as AnyObject;
    const withUnrelated = [...objects, unrelated];
    const second = translate(ResourceSet.from(withUnrelated), { controllerName: CONTROLLER, memo });
    for (const name of routes) expect(statusOf(second, name)).toBe(statusOf(first, name));
    // Every Service a route uses loses its ports: those routes are translated again (and now fail to resolve).
    const used = withUnrelated.map((o) => (o.kind === 'Service' && o !== unrelated ? { ...o, spec: { ports: [] } } : o));
    const third = translate(ResourceSet.from(used), { controllerName: CONTROLLER, memo });
    expect(withoutTimes(third)).toEqual(withoutTimes(translate(ResourceSet.from(used), { controllerName: CONTROLLER })));
    for (const name of routes) {
      expect(statusOf(third, name)).not.toBe(statusOf(second, name));
      expect(JSON.stringify(statusOf(third, name))).toContain('BackendNotFound');
    }
  });

  it('translates again only the routes that reach into a namespace whose ReferenceGrants changed', () => {
    const objects = objectsOf('httproute-backends');
    const local = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'local', namespace: 'infra' },
      spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'web', port: 8080 }] }] },
    } as AnyObject;
    const grantElsewhere = (to: string): AnyObject =>
      ({
        apiVersion: 'gateway.networking.k8s.io/v1beta1',
        kind: 'ReferenceGrant',
        metadata: { name: 'elsewhere', namespace: 'elsewhere' },
        spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'infra' }], to: [{ group: '', kind: 'Service', name: to }] },
      }) as AnyObject;
    const granting = objects.find((o) => o.kind === 'ReferenceGrant' && o.metadata.namespace === 'other');
    expect(granting).toBeDefined();
    const memo = new TranslationMemo();
    const options = { controllerName: CONTROLLER };
    const statusOf = (result: TranslationResult, name: string): ObjectStatus | undefined => result.statuses.find((s) => s.kind === 'HTTPRoute' && s.name === name);
    const first = checkStep([...objects, local, grantElsewhere('a')], memo, options, false);
    // A grant in a namespace no route reaches into: every route is the one translated before.
    const second = checkStep([...objects, local, grantElsewhere('b')], memo, options, false);
    for (const name of ['valid', 'invalid', 'local']) expect(statusOf(second, name)).toBe(statusOf(first, name));
    // The grant into `other` gone: the two routes that reach into it are translated again, the local one is not.
    const third = checkStep([...objects.filter((o) => o !== granting), local, grantElsewhere('b')], memo, options, false);
    expect(statusOf(third, 'local')).toBe(statusOf(first, 'local'));
    expect(statusOf(third, 'valid')).not.toBe(statusOf(first, 'valid'));
    expect(statusOf(third, 'invalid')).not.toBe(statusOf(first, 'invalid'));
    expect(JSON.stringify(statusOf(third, 'valid'))).toContain('RefNotPermitted');
    const fourth = checkStep([...objects, local, grantElsewhere('b')], memo, options, false);
    expect(statusOf(fourth, 'local')).toBe(statusOf(first, 'local'));
    expect(JSON.stringify(statusOf(fourth, 'valid'))).toEqual(JSON.stringify(statusOf(first, 'valid')));
  });

  it('translates a route again when it comes back after a Service it uses changed while it was away', () => {
    const objects = objectsOf('httproute-basic');
    const route = objects.find((o) => o.kind === 'HTTPRoute');
    expect(route).toBeDefined();
    const memo = new TranslationMemo();
    const options = { controllerName: CONTROLLER };
    checkStep(objects, memo, options, false);
    const withoutRoute = objects.filter((o) => o !== route);
    checkStep(withoutRoute, memo, options, false);
    const portless = withoutRoute.map((o) => (o.kind === 'Service' ? { ...o, spec: { ports: [] } } : o));
    checkStep(portless, memo, options, false);
    // The same route object again: its remembered translation resolved a port that is gone.
    const back = checkStep([...portless, route as AnyObject], memo, options, false);
    expect(JSON.stringify(back.statuses.find((s) => s.kind === 'HTTPRoute'))).toContain('BackendNotFound');
  });

  it('rebuilds only the cluster whose EndpointSlice changed', () => {
    const objects = objectsOf('httproute-basic');
    const slice = objects.find((o) => o.kind === 'EndpointSlice');
    expect(slice).toBeDefined();
    const memo = new TranslationMemo();
    const first = translate(ResourceSet.from(objects), { controllerName: CONTROLLER, memo });
    const second = translate(ResourceSet.from(objects.map((o) => (o === slice ? edited(o, 1) : o))), { controllerName: CONTROLLER, memo });
    const service = (slice as AnyObject).metadata.labels?.['kubernetes.io/service-name'];
    const sameCluster = (name: string): boolean => first.ir.clusters.find((c) => c.name === name) === second.ir.clusters.find((c) => c.name === name);
    const ofService = second.ir.clusters.filter((c) => c.source.name === service && c.source.namespace === slice?.metadata.namespace);
    expect(ofService.length).toBeGreaterThan(0);
    for (const cluster of ofService) expect(sameCluster(cluster.name)).toBe(false);
    const others = second.ir.clusters.filter((c) => !ofService.includes(c));
    expect(others.length).toBeGreaterThan(0);
    for (const cluster of others) expect(sameCluster(cluster.name)).toBe(true);
  });

  it('hands back a passthrough cluster as the same object when nothing changed', () => {
    const objects = objectsOf('backendtlspolicy-tls-passthrough');
    const memo = new TranslationMemo();
    const first = translate(ResourceSet.from(objects), { controllerName: CONTROLLER, memo });
    const second = translate(ResourceSet.from(objects), { controllerName: CONTROLLER, memo });
    const passthrough = second.ir.clusters.filter((c) => c.passthrough);
    expect(passthrough.length).toBeGreaterThan(0);
    for (const cluster of passthrough) expect(first.ir.clusters.find((c) => c.name === cluster.name), cluster.name).toBe(cluster);
  });

  it('hands back a cluster a BackendTLSPolicy gives TLS as the same object when nothing changed, and a new one when the policy did', () => {
    const objects = objectsOf('backendtlspolicy');
    const memo = new TranslationMemo();
    const first = translate(ResourceSet.from(objects), { controllerName: CONTROLLER, memo });
    const second = translate(ResourceSet.from(objects), { controllerName: CONTROLLER, memo });
    const governed = second.ir.clusters.filter((c) => c.tls !== undefined);
    expect(governed.length).toBeGreaterThan(0);
    // buildXds knows IR clusters by identity: a new copy every translation was built and encoded again.
    for (const cluster of governed) expect(first.ir.clusters.find((c) => c.name === cluster.name), cluster.name).toBe(cluster);
    const policy = objects.find((o) => o.kind === 'BackendTLSPolicy') as { spec: { validation: { hostname: string } } };
    const edited = objects.map((o) => (o === (policy as unknown) ? { ...policy, spec: { ...policy.spec, validation: { ...policy.spec.validation, hostname: 'renamed.example' } } } : o));
    const third = translate(ResourceSet.from(edited as typeof objects), { controllerName: CONTROLLER, memo });
    const renamed = third.ir.clusters.filter((c) => c.tls?.sni === 'renamed.example');
    expect(renamed.length).toBeGreaterThan(0);
    for (const cluster of renamed) expect(second.ir.clusters.find((c) => c.name === cluster.name)?.tls?.sni).not.toBe('renamed.example');
  });

  it('reuses every virtual host and route status when only statuses and resourceVersions changed', () => {
    const objects = objectsOf('httproute-attachment');
    expect(objects.some((o) => o.kind === 'Gateway')).toBe(true);
    const memo = new TranslationMemo();
    const options = { controllerName: CONTROLLER };
    const first = checkStep(objects, memo, options, false);
    // Portico's own status writes (GatewayClass, Gateways, routes) coming back through the watch.
    const second = checkStep(objects.map((o, i) => statusWritten(o, i)), memo, options, false);
    const vhosts = (result: TranslationResult): IRVirtualHost[] =>
      result.ir.gateways.flatMap((g) => g.listeners.flatMap((l) => l.filterChains.flatMap((c) => (c.type === 'http' ? c.routeConfig.virtualHosts : []))));
    expect(vhosts(second).length).toBeGreaterThan(0);
    expect(vhosts(second)).toEqual(vhosts(first));
    vhosts(second).forEach((vhost, i) => expect(vhost).toBe(vhosts(first)[i]));
    const routeStatuses = second.statuses.filter((status) => status.kind === 'HTTPRoute');
    expect(routeStatuses.length).toBeGreaterThan(0);
    for (const status of routeStatuses) expect(first.statuses).toContain(status);
  });

  it('translates no route again when only a Service\'s labels changed', () => {
    const objects = objectsOf('httproute-basic');
    const memo = new TranslationMemo();
    const options = { controllerName: CONTROLLER };
    const first = checkStep(objects, memo, options, false);
    const relabelled = objects.map((o) => (o.kind === 'Service' ? { ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, release: 'r2' } } } : o));
    const second = checkStep(relabelled, memo, options, false);
    const routeStatuses = second.statuses.filter((status) => status.kind === 'HTTPRoute');
    expect(routeStatuses.length).toBeGreaterThan(0);
    for (const status of routeStatuses) expect(first.statuses).toContain(status);
  });

  it('translates no route again when a certificate is renewed or a CA bundle rotated, and the Gateway\'s routes when one stops resolving', async () => {
    const [site, renewed, clientCa, clientCa2, backendCa, backendCa2] = await Promise.all(
      ['site', 'site-renewed', 'client-ca', 'client-ca-2', 'backend-ca', 'backend-ca-2'].map((name) => selfSignedCertificate(`${name}.example.com`, ['*.example.com'])),
    );
    const secret = (certificate: TestCertificate): AnyObject => tlsSecret(certificate, 'site', 'infra') as AnyObject;
    const configMap = (name: string, certificate: TestCertificate): AnyObject =>
      ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'infra' }, data: { 'ca.crt': certificate.certificatePem } }) as AnyObject;
    const fixed = loadManifests(
      `
${GATEWAY_CLASS_YAML}apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: portico
  listeners:
    - {name: http, port: 80, protocol: HTTP}
    - {name: https, port: 443, protocol: HTTPS, hostname: www.example.com, tls: {certificateRefs: [{name: site}]}}
  tls:
    frontend:
      default:
        validation: {caCertificateRefs: [{group: "", kind: ConfigMap, name: client-ca}]}
---
apiVersion: v1
kind: Service
metadata: {name: app, namespace: infra}
spec: {ports: [{name: https, port: 443}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: app-1, namespace: infra, labels: {kubernetes.io/service-name: app}}
addressType: IPv4
ports: [{name: https, port: 8443}]
endpoints: [{addresses: [10.0.0.9]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: app, namespace: infra}
spec:
  targetRefs: [{group: "", kind: Service, name: app}]
  validation: {hostname: app.example.com, caCertificateRefs: [{group: "", kind: ConfigMap, name: backend-ca}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: infra}
spec:
  parentRefs: [{name: gw}]
  hostnames: [www.example.com]
  rules: [{backendRefs: [{name: app, port: 443}]}]
`,
      'renewal.yaml',
    ).objects as AnyObject[];
    const memo = new TranslationMemo();
    const options = { controllerName: CONTROLLER };
    const step = (siteCertificate: TestCertificate | undefined, client: TestCertificate, backend: TestCertificate): TranslationResult =>
      checkStep(
        [...fixed, ...(siteCertificate ? [secret(siteCertificate)] : []), configMap('client-ca', client), configMap('backend-ca', backend)],
        memo,
        options,
        false,
      );
    const routeStatus = (result: TranslationResult): ObjectStatus | undefined => result.statuses.find((s) => s.kind === 'HTTPRoute' && s.name === 'web');
    const secretsOf = (result: TranslationResult): string => JSON.stringify(result.ir.secrets);
    const first = step(site, clientCa, backendCa);
    expect(first.ir.secrets.map((s) => s.name)).toEqual(['backendtlspolicy/infra/app/ca', 'ca/infra/client-ca', 'infra/site']);
    expect(first.ir.clusters.some((c) => c.tls !== undefined)).toBe(true);

    // Each is served anew while the route is the one translated at the start (the same status object).
    const renewedStep = step(renewed, clientCa, backendCa);
    expect(secretsOf(renewedStep)).not.toEqual(secretsOf(first));
    expect(routeStatus(renewedStep)).toBe(routeStatus(first));
    const clientRotated = step(renewed, clientCa2, backendCa);
    expect(secretsOf(clientRotated)).not.toEqual(secretsOf(renewedStep));
    expect(routeStatus(clientRotated)).toBe(routeStatus(first));
    const backendRotated = step(renewed, clientCa2, backendCa2);
    expect(secretsOf(backendRotated)).not.toEqual(secretsOf(clientRotated));
    expect(routeStatus(backendRotated)).toBe(routeStatus(first));

    // The BackendTLSPolicy itself changes: clusters are served anew, no route is translated again.
    const policyChanged = checkStep(
      [
        ...fixed.map((o) => (o.kind === 'BackendTLSPolicy' ? ({ ...o, spec: { ...(o.spec as object), validation: { hostname: 'other.example.com', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'backend-ca' }] } } } as AnyObject) : o)),
        secret(renewed),
        configMap('client-ca', clientCa2),
        configMap('backend-ca', backendCa2),
      ],
      memo,
      options,
      false,
    );
    expect(JSON.stringify(policyChanged.ir.clusters)).toContain('other.example.com');
    expect(routeStatus(policyChanged)).toBe(routeStatus(first));

    // The certificate gone: the HTTPS listener no longer resolves, and the routes are translated again.
    const withoutCertificate = step(undefined, clientCa2, backendCa2);
    expect(routeStatus(withoutCertificate)).not.toBe(routeStatus(first));
    expect(withoutCertificate.ir.secrets.map((s) => s.name)).toEqual(['backendtlspolicy/infra/app/ca']);
    // A CA bundle that is not one: the HTTPS listener is not accepted, and the route is translated again.
    const restored = step(site, clientCa2, backendCa2);
    const broken = step(site, { certificatePem: 'not a certificate', privateKeyPem: '' }, backendCa2);
    const gatewayStatus = broken.statuses.find((s) => s.kind === 'Gateway')?.status as { listeners: Array<{ name: string; conditions: Array<{ type: string; status: string }> }> };
    const https = gatewayStatus.listeners.find((l) => l.name === 'https');
    expect(https?.conditions.find((c) => c.type === 'Accepted')?.status).toBe('False');
    expect(routeStatus(broken)).not.toBe(routeStatus(restored));
    step(site, clientCa, backendCa);
  });

  it('translates again only the routes that can select a listener that changed, a Gateway that changed as a whole, or default Gateways that changed', () => {
    const objects = loadManifests(
      `
${GATEWAY_CLASS_YAML}apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: a, namespace: infra}
spec:
  gatewayClassName: portico
  allowedListeners: {namespaces: {from: Same}}
  listeners: [{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: ListenerSet
metadata: {name: team, namespace: infra}
spec:
  parentRef: {name: a}
  listeners: [{name: extra, port: 8080, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: b, namespace: infra}
spec:
  gatewayClassName: portico
  defaultScope: All
  listeners: [{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: apps}
spec: {ports: [{port: 8080}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: on-a, namespace: apps}
spec: {parentRefs: [{name: a, namespace: infra}], rules: [{backendRefs: [{name: web, port: 8080}]}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: on-a-http, namespace: apps}
spec: {parentRefs: [{name: a, namespace: infra, sectionName: http}], hostnames: [http.example.com], rules: [{backendRefs: [{name: web, port: 8080}]}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: on-set, namespace: apps}
spec: {parentRefs: [{kind: ListenerSet, name: team, namespace: infra}], hostnames: [set.example.com], rules: [{backendRefs: [{name: web, port: 8080}]}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: on-b, namespace: apps}
spec: {parentRefs: [{name: b, namespace: infra}], hostnames: [b.example.com], rules: [{backendRefs: [{name: web, port: 8080}]}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: on-default, namespace: apps}
spec: {useDefaultGateways: All, hostnames: [default.example.com], rules: [{backendRefs: [{name: web, port: 8080}]}]}
`,
      'gateways.yaml',
    ).objects as AnyObject[];
    type Listeners = { listeners: Array<Record<string, unknown>> } & Record<string, unknown>;
    const withSpec = (kind: string, name: string, change: (spec: Listeners) => Listeners) => (o: AnyObject): AnyObject =>
      o.kind === kind && o.metadata.name === name ? ({ ...o, spec: change(o.spec as Listeners) } as AnyObject) : o;
    const memo = new TranslationMemo();
    const options = { controllerName: CONTROLLER };
    const statusOf = (result: TranslationResult, name: string): ObjectStatus | undefined => result.statuses.find((s) => s.kind === 'HTTPRoute' && s.name === name);
    const routes = ['on-a', 'on-a-http', 'on-set', 'on-b', 'on-default'];
    const expectRetranslated = (before: TranslationResult, after: TranslationResult, again: readonly string[]): void => {
      for (const name of routes) {
        if (again.includes(name)) expect(statusOf(after, name), name).not.toBe(statusOf(before, name));
        else expect(statusOf(after, name), name).toBe(statusOf(before, name));
      }
    };
    const first = checkStep(objects, memo, options, false);
    expect(JSON.stringify(statusOf(first, 'on-set'))).toContain('"Accepted","status":"True"');

    // Gateway b gains a listener: its routes, and the route asking for default Gateways, are translated again.
    let current = objects.map(withSpec('Gateway', 'b', (spec) => ({ ...spec, listeners: [...spec.listeners, { name: 'other', port: 81, protocol: 'HTTP' }] })));
    const second = checkStep(current, memo, options, false);
    expectRetranslated(first, second, ['on-b', 'on-default']);

    // Gateway a becomes a default Gateway too: the route asking for them now attaches to it as well.
    current = current.map(withSpec('Gateway', 'a', (spec) => ({ ...spec, defaultScope: 'All' })));
    const third = checkStep(current, memo, options, false);
    expectRetranslated(second, third, ['on-a', 'on-a-http', 'on-set', 'on-default']);
    expect(JSON.stringify(statusOf(third, 'on-default'))).toContain('"name":"a"');

    // The ListenerSet's listener changes: only the route through the ListenerSet is translated again.
    current = current.map(withSpec('ListenerSet', 'team', (spec) => ({ ...spec, listeners: spec.listeners.map((l) => ({ ...l, port: 8081 })) })));
    const fourth = checkStep(current, memo, options, false);
    expectRetranslated(third, fourth, ['on-set']);

    // Gateway a gains a listener: the routes that name a without a sectionName (the default one
    // included) may attach to it; the one that names its http listener and the one through the
    // ListenerSet cannot.
    current = current.map(withSpec('Gateway', 'a', (spec) => ({ ...spec, listeners: [...spec.listeners, { name: 'more', port: 82, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }] })));
    const fourthAndAHalf = checkStep(current, memo, options, false);
    expectRetranslated(fourth, fourthAndAHalf, ['on-a', 'on-default']);
    const servedAt = (result: TranslationResult, name: string): number => JSON.stringify(result.ir).split(`"httproute/apps/${name}/`).length - 1;
    expect(servedAt(fourthAndAHalf, 'on-a')).toBeGreaterThan(servedAt(fourth, 'on-a'));
    expect(servedAt(fourthAndAHalf, 'on-a-http')).toBe(servedAt(fourth, 'on-a-http'));

    // And loses it again: the same routes.
    current = current.map(withSpec('Gateway', 'a', (spec) => ({ ...spec, listeners: spec.listeners.filter((l) => l.name !== 'more') })));
    const fourthAndThreeQuarters = checkStep(current, memo, options, false);
    expectRetranslated(fourthAndAHalf, fourthAndThreeQuarters, ['on-a', 'on-default']);
    expect(servedAt(fourthAndThreeQuarters, 'on-a')).toBe(servedAt(fourth, 'on-a'));

    // Gateway a points at parameters that do not exist: it is not accepted, and every route through it
    // is translated again; then they appear.
    current = current.map(withSpec('Gateway', 'a', (spec) => ({ ...spec, infrastructure: { parametersRef: { group: '', kind: 'ConfigMap', name: 'a-parameters' } } })));
    const rejected = checkStep(current, memo, options, false);
    expectRetranslated(fourthAndThreeQuarters, rejected, ['on-a', 'on-a-http', 'on-set', 'on-default']);
    expect(JSON.stringify(statusOf(rejected, 'on-a-http'))).toContain('NoMatchingParent');
    current = [...current, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a-parameters', namespace: 'infra' }, data: {} } as AnyObject];
    const accepted = checkStep(current, memo, options, false);
    expectRetranslated(rejected, accepted, ['on-a', 'on-a-http', 'on-set', 'on-default']);
    expect(JSON.stringify(statusOf(accepted, 'on-a-http'))).toEqual(JSON.stringify(statusOf(fourthAndThreeQuarters, 'on-a-http')));

    // The GatewayClass relabelled: no model changes, no route is translated again.
    current = current.map((o) => (o.kind === 'GatewayClass' ? ({ ...o, metadata: { ...o.metadata, labels: { tier: 'edge' } } } as AnyObject) : o));
    const fifth = checkStep(current, memo, options, false);
    expectRetranslated(accepted, fifth, []);

    // Gateway a removed, then put back.
    const withoutA = current.filter((o) => !(o.kind === 'Gateway' && o.metadata.name === 'a'));
    const sixth = checkStep(withoutA, memo, options, false);
    expectRetranslated(fifth, sixth, ['on-a', 'on-a-http', 'on-set', 'on-default']);
    const seventh = checkStep(current, memo, options, false);
    expectRetranslated(sixth, seventh, ['on-a', 'on-a-http', 'on-set', 'on-default']);

    // A route naming a ListenerSet that does not exist yet, by a listener it will not have: no parent
    // of ours, so no status; once the ListenerSet names Gateway a, the route has a parent of ours.
    const early = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'early', namespace: 'apps' },
      spec: { parentRefs: [{ kind: 'ListenerSet', name: 'late', namespace: 'infra', sectionName: 'nope' }], rules: [{ backendRefs: [{ name: 'web', port: 8080 }] }] },
    } as AnyObject;
    const eighth = checkStep([...current, early], memo, options, false);
    expect(statusOf(eighth, 'early')).toBeUndefined();
    const late = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'ListenerSet',
      metadata: { name: 'late', namespace: 'infra' },
      spec: { parentRef: { name: 'a' }, listeners: [{ name: 'other', port: 9090, protocol: 'HTTP' }] },
    } as AnyObject;
    const ninth = checkStep([...current, early, late], memo, options, false);
    expect(JSON.stringify(statusOf(ninth, 'early'))).toContain('NoMatchingParent');
    // The Gateway's own listeners did not change: the routes naming it are kept. ListenerSets merge
    // in name order (same age), so team's listeners now come after late's: their merge rank changed,
    // and the route through team is translated again.
    expectRetranslated(eighth, ninth, ['on-set']);
  });

  it('translates again only the routes of a namespace whose labels changed, and none for a new namespace', () => {
    const objects = objectsOf('httproute-attachment');
    const memo = new TranslationMemo();
    const options = { controllerName: CONTROLLER };
    const routeStatuses = (result: TranslationResult): Map<string, ObjectStatus> =>
      new Map(result.statuses.filter((s) => s.kind === 'HTTPRoute').map((s) => [`${s.namespace}/${s.name}`, s] as const));
    const first = routeStatuses(checkStep(objects, memo, options, false));
    expect([...first.keys()].filter((key) => key.startsWith('team-b/')).length).toBeGreaterThan(0);
    // A namespace created: no route is in it yet.
    const created = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-c' } } as AnyObject;
    const second = routeStatuses(checkStep([...objects, created], memo, options, false));
    for (const [key, status] of second) expect(status, key).toBe(first.get(key));
    // team-b gains the label the Selector listener asks for: its routes are translated again and now attach there.
    const relabelled = [...objects, created].map((o) =>
      o.kind === 'Namespace' && o.metadata.name === 'team-b' ? ({ ...o, metadata: { ...o.metadata, labels: { 'gateway-access': 'true' } } } as AnyObject) : o,
    );
    const third = routeStatuses(checkStep(relabelled, memo, options, false));
    for (const [key, status] of third) {
      if (key.startsWith('team-b/')) expect(status, key).not.toBe(second.get(key));
      else expect(status, key).toBe(second.get(key));
    }
    expect(JSON.stringify([...third.entries()].filter(([key]) => key.startsWith('team-b/')))).not.toEqual(JSON.stringify([...second.entries()].filter(([key]) => key.startsWith('team-b/'))));
  });

  it('builds the Gateway models again when a namespace label admits a ListenerSet', () => {
    const objects = loadManifests(
      `
${GATEWAY_CLASS_YAML}apiVersion: v1
kind: Namespace
metadata: {name: tenant}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: portico
  allowedListeners: {namespaces: {from: Selector, selector: {matchLabels: {listeners: allowed}}}}
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: ListenerSet
metadata: {name: tenant, namespace: tenant}
spec:
  parentRef: {name: gw, namespace: infra}
  listeners: [{name: extra, port: 8080, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: apps}
spec: {ports: [{port: 8080}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: through-set, namespace: apps}
spec: {parentRefs: [{kind: ListenerSet, name: tenant, namespace: tenant}], rules: [{backendRefs: [{name: web, port: 8080}]}]}
`,
      'selector.yaml',
    ).objects as AnyObject[];
    const memo = new TranslationMemo();
    const options = { controllerName: CONTROLLER };
    const listenerSetStatus = (result: TranslationResult): string => JSON.stringify(result.statuses.find((s) => s.kind === 'ListenerSet'));
    const first = checkStep(objects, memo, options, false);
    const labelled = objects.map((o) => (o.kind === 'Namespace' ? ({ ...o, metadata: { ...o.metadata, labels: { listeners: 'allowed' } } } as AnyObject) : o));
    const second = checkStep(labelled, memo, options, false);
    expect(listenerSetStatus(second)).not.toEqual(listenerSetStatus(first));
    expect(JSON.stringify(second.ir)).not.toEqual(JSON.stringify(first.ir));
    checkStep(objects, memo, options, false);
  });

  it('translates no route again when the addresses assigned to a Gateway change', () => {
    const objects = objectsOf('httproute-basic');
    const gateway = objects.find((o) => o.kind === 'Gateway') as AnyObject;
    const key = `${gateway.metadata.namespace}/${gateway.metadata.name}`;
    const memo = new TranslationMemo();
    const routeStatuses = (result: TranslationResult): ObjectStatus[] => result.statuses.filter((s) => s.kind === 'HTTPRoute');
    const first = checkStep(objects, memo, { controllerName: CONTROLLER }, false);
    expect(routeStatuses(first).length).toBeGreaterThan(0);
    // The load balancer in front of the Gateway gets its address, then another one.
    for (const value of ['203.0.113.7', '203.0.113.8']) {
      const assigned = checkStep(objects, memo, { controllerName: CONTROLLER, gatewayAddresses: { [key]: [{ type: 'IPAddress', value }] } }, false);
      expect(JSON.stringify(assigned.statuses.find((s) => s.kind === 'Gateway'))).toContain(value);
      routeStatuses(assigned).forEach((status, i) => expect(status).toBe(routeStatuses(first)[i]));
    }
    const moved = checkStep(objects, memo, { controllerName: CONTROLLER, defaultAddress: '198.51.100.1' }, false);
    routeStatuses(moved).forEach((status, i) => expect(status).toBe(routeStatuses(first)[i]));
  });

  it('with the mesh on, translates again only the routes whose parent Service or backends changed', () => {
    const objects = objectsOf('mesh-routes');
    const memo = new TranslationMemo();
    const options: TranslateOptions = { controllerName: CONTROLLER, mesh: true };
    const routeStatuses = (result: TranslationResult): Map<string, ObjectStatus> =>
      new Map(result.statuses.filter((s) => s.kind === 'HTTPRoute').map((s) => [`${s.namespace}/${s.name}`, s] as const));
    const first = routeStatuses(checkStep(objects, memo, options, false));
    expect([...first.keys()].sort()).toEqual(['shop/cart-canary', 'web/cart-from-web']);
    // A Service no route names (a new app): a new mesh parent, no route translated again.
    const unrelated = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'search', namespace: 'shop' }, spec: { ports: [{ name: 'http', port: 80 }] } } as AnyObject;
    const second = checkStep([...objects, unrelated], memo, options, false);
    expect(JSON.stringify(second.ir)).toContain('search.shop');
    for (const [key, status] of routeStatuses(second)) expect(status, key).toBe(first.get(key));
    // The parent Service gains a port: the routes naming it without a port may attach to it.
    const cart = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'cart') as AnyObject & { spec: { ports: Array<Record<string, unknown>> } };
    const widened = { ...cart, spec: { ...cart.spec, ports: [...cart.spec.ports, { name: 'admin', port: 9090 }] } } as AnyObject;
    const third = routeStatuses(checkStep([...objects.map((o) => (o === cart ? widened : o)), unrelated], memo, options, false));
    expect(third.get('web/cart-from-web')).not.toBe(first.get('web/cart-from-web'));
  });

  it('translates no route again when a TLSRoute, TCPRoute or UDPRoute changed', () => {
    const objects = objectsOf('l4-routes');
    const l4 = objects.filter((o) => o.kind === 'TLSRoute' || o.kind === 'TCPRoute' || o.kind === 'UDPRoute');
    expect(new Set(l4.map((o) => o.kind))).toEqual(new Set(['TLSRoute', 'TCPRoute', 'UDPRoute']));
    // An HTTPRoute to the Service port the TCPRoutes use (their clusters have names of their own).
    const route = (backend: string): AnyObject =>
      ({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'web', namespace: 'infra' },
        spec: { parentRefs: [{ name: 'l4', sectionName: 'http' }], rules: [{ backendRefs: [{ name: backend, port: 3000 }] }] },
      }) as AnyObject;
    const memo = new TranslationMemo();
    const options = { controllerName: CONTROLLER };
    const statusOf = (result: TranslationResult): ObjectStatus | undefined => result.statuses.find((s) => s.kind === 'HTTPRoute');
    expect(JSON.stringify(statusOf(checkStep([...objects, route('tcp-a')], new TranslationMemo(), options, false)))).toContain('"Accepted","status":"True"');
    let previous = checkStep([...objects, route('tcp-a')], memo, options, false);
    for (const removed of l4) {
      const without = checkStep([...objects.filter((o) => o !== removed), route('tcp-a')], memo, options, false);
      expect(JSON.stringify(without.statuses)).not.toEqual(JSON.stringify(previous.statuses));
      expect(statusOf(without)).toBe(statusOf(previous));
      previous = checkStep([...objects, route('tcp-a')], memo, options, false);
    }
    // The HTTPRoute leaves the shared Service port while a TCPRoute to it changes: the TCPRoute's
    // cluster is the one a translation without the memo makes (it once took the HTTP cluster's name,
    // and the remembered HTTP cluster decided its protocol).
    const tcp = objects.find((o) => o.kind === 'TCPRoute') as AnyObject;
    checkStep([...objects.map((o) => (o === tcp ? edited(o, 1) : o)), route('tcp-b')], memo, options, false);
  });

  it('translates a Gateway again when its spec changed along with its status', () => {
    const objects = objectsOf('httproute-attachment');
    const gateway = objects.find((o) => o.kind === 'Gateway' && (o.spec as { gatewayClassName?: string }).gatewayClassName === 'portico') as AnyObject & {
      spec: { listeners: Array<{ hostname?: string }> };
    };
    expect(gateway).toBeDefined();
    const memo = new TranslationMemo();
    const options = { controllerName: CONTROLLER };
    const first = checkStep(objects, memo, options, false);
    const respecified = statusWritten({ ...gateway, spec: { ...gateway.spec, listeners: gateway.spec.listeners.map((l) => ({ ...l, hostname: 'moved.example.net' })) } }, 1);
    const second = checkStep(objects.map((o) => (o === gateway ? respecified : o)), memo, options, false);
    expect(JSON.stringify(second.ir)).not.toEqual(JSON.stringify(first.ir));
  });
});

describe('sameTranslatorInput', () => {
  const route = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'r', namespace: 'default', generation: 2, labels: { app: 'a' }, resourceVersion: '10' },
    spec: { hostnames: ['a.example.com'], rules: [{ backendRefs: [{ name: 's', port: 80 }] }] },
  };

  it('ignores status, resourceVersion, managedFields and the order of fields', () => {
    const written = { status: { parents: [] }, spec: route.spec, kind: route.kind, apiVersion: route.apiVersion, metadata: { ...route.metadata, resourceVersion: '11', managedFields: [{}] } };
    expect(sameTranslatorInput(route, written)).toBe(true);
    expect(sameTranslatorInput(written, route)).toBe(true);
  });

  it('ignores a Service\'s labels and annotations, which the translator does not read, and no other kind\'s', () => {
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default', labels: { app: 'a' } }, spec: { ports: [{ port: 80 }] } };
    const relabelled = { ...service, metadata: { ...service.metadata, labels: { app: 'a', release: '2' }, annotations: { 'argocd.argoproj.io/tracking-id': 'x' } } };
    expect(sameTranslatorInput(service, relabelled)).toBe(true);
    expect(sameTranslatorInput(service, { ...service, spec: { ports: [{ port: 81 }] } })).toBe(false);
    const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n', labels: { team: 'a' } } };
    expect(sameTranslatorInput(namespace, { ...namespace, metadata: { name: 'n', labels: { team: 'b' } } })).toBe(false);
  });

  it('tells apart anything else: spec, labels, generation, list order, a field only one side has', () => {
    const variants = [
      { ...route, spec: { ...route.spec, hostnames: ['b.example.com'] } },
      { ...route, spec: { ...route.spec, hostnames: ['a.example.com', 'b.example.com'] } },
      { ...route, metadata: { ...route.metadata, labels: { app: 'b' } } },
      { ...route, metadata: { ...route.metadata, generation: 3 } },
      { ...route, metadata: { ...route.metadata, annotations: { note: 'x' } } },
      { ...route, spec: { ...route.spec, rules: [{ backendRefs: [{ name: 's', port: 80, weight: 1 }] }] } },
      { ...route, spec: { rules: route.spec.rules, hostnames: route.spec.hostnames, parentRefs: [] } },
    ];
    for (const variant of variants) {
      expect(sameTranslatorInput(route, variant)).toBe(false);
      expect(sameTranslatorInput(variant, route)).toBe(false);
    }
    const twoHosts = { ...route, spec: { ...route.spec, hostnames: ['a.example.com', 'b.example.com'] } };
    expect(sameTranslatorInput(twoHosts, { ...route, spec: { ...route.spec, hostnames: ['b.example.com', 'a.example.com'] } })).toBe(false);
  });
});
