// buildXds with a memo: the translator hands over the same IRRoute and IRCluster objects for
// what did not change, and a build on a warm memo must serve exactly what a build without one
// serves (messages, bytes, rejections) while reusing the unchanged parts.
import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { IR, IRCluster, IRListener, IRRoute, IRRouteConfig, IRVirtualHost } from '@portico/ir';
import { memoStats } from '../src/build/memo.js';
import { FEATURES, buildXds, createXdsBuildMemo, decodeResource, encodeResource, encodedBytesOf } from '../src/index.js';
import type { EnvoyMessage, EnvoyResource, EnvoyResources, XdsBuildMemo, XdsBuildResult } from '../src/index.js';
import { arbitraryIR, oneGatewayIR } from './arbitrary.js';
import { loadIR } from './helpers.js';
import { fuzzParameters } from '@portico/test-support';

const goldenDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden');
const LISTS: Array<keyof EnvoyResources> = ['listeners', 'routes', 'clusters', 'endpoints', 'secrets'];

function hex(bytes: Uint8Array | undefined): string {
  return bytes ? Buffer.from(bytes).toString('hex') : 'none';
}

/** The same output, message by message and byte by byte; the bytes are also those of the messages. */
function expectSameAs(warm: XdsBuildResult, cold: XdsBuildResult): void {
  expect(warm.rejected).toStrictEqual(cold.rejected);
  expect(Object.keys(warm.groups)).toEqual(Object.keys(cold.groups));
  for (const group of Object.keys(cold.groups)) {
    for (const list of LISTS) {
      const warmList = warm.groups[group][list];
      const coldList = cold.groups[group][list];
      expect(warmList.map((r) => r.name), `${group} ${list}`).toEqual(coldList.map((r) => r.name));
      coldList.forEach((coldResource, i) => {
        const warmResource = warmList[i];
        const what = `${group} ${warmResource.type} ${warmResource.name}`;
        expect(warmResource.message, what).toStrictEqual(coldResource.message);
        expect(JSON.stringify(warmResource.message), what).toBe(JSON.stringify(coldResource.message));
        expect(hex(encodedBytesOf(warmResource)), what).toBe(hex(encodedBytesOf(coldResource)));
        expect(hex(encodedBytesOf(warmResource)), what).toBe(hex(encodeResource(warmResource)));
      });
    }
  }
}

function build(ir: IR, memo: XdsBuildMemo): XdsBuildResult {
  const warm = buildXds(ir, FEATURES, memo);
  expectSameAs(warm, buildXds(ir));
  return warm;
}

/** A copy of `ir` sharing every object except along the way to the route configs `edit` changes. */
function editRouteConfigs(ir: IR, edit: (config: IRRouteConfig) => IRRouteConfig): IR {
  return {
    ...ir,
    gateways: ir.gateways.map((gateway) => ({
      ...gateway,
      listeners: gateway.listeners.map(
        (listener): IRListener => ({
          ...listener,
          filterChains: listener.filterChains.map((chain) => (chain.type === 'http' ? { ...chain, routeConfig: edit(chain.routeConfig) } : chain)),
        }),
      ),
      apiListeners: gateway.apiListeners?.map((api) => ({ ...api, routeConfig: edit(api.routeConfig) })),
    })),
  };
}

function editVirtualHost(ir: IR, name: string, edit: (routes: IRRoute[]) => IRRoute[]): IR {
  return editRouteConfigs(ir, (config) => {
    if (!config.virtualHosts.some((vh) => vh.name === name)) return config;
    return {
      ...config,
      virtualHosts: config.virtualHosts.map((vh): IRVirtualHost => (vh.name === name ? { ...vh, routes: edit(vh.routes) } : vh)),
    };
  });
}

function hostOfFirst(ir: IR): IRVirtualHost | undefined {
  const chain = ir.gateways[0]?.listeners[0]?.filterChains[0];
  return chain?.type === 'http' ? chain.routeConfig.virtualHosts[0] : undefined;
}

function routeResource(result: XdsBuildResult, group: string, name: string): EnvoyResource {
  const found = result.groups[group].routes.find((r) => r.name === name);
  if (!found) throw new Error(`no route configuration ${name}`);
  return found;
}

function routesOf(resource: EnvoyResource): EnvoyMessage[] {
  return (resource.message.virtual_hosts as EnvoyMessage[]).flatMap((vh) => vh.routes as EnvoyMessage[]);
}

const WWW = 'default/edge/80/www.example.com';

function hostOf(ir: IR, name: string): IRVirtualHost {
  for (const gateway of ir.gateways) {
    for (const listener of gateway.listeners) {
      for (const chain of listener.filterChains) {
        const found = chain.type === 'http' ? chain.routeConfig.virtualHosts.find((vh) => vh.name === name) : undefined;
        if (found) return found;
      }
    }
  }
  throw new Error(`no virtual host ${name}`);
}

describe('buildXds with a memo', () => {
  it('serves what a build without one serves, for every golden IR, built twice', () => {
    const files = readdirSync(goldenDir).filter((f) => f.endsWith('.in.yaml'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const ir = parse(readFileSync(path.join(goldenDir, file), 'utf8')) as IR;
      const memo = createXdsBuildMemo();
      build(ir, memo);
      build({ ...ir, gateways: [...ir.gateways] }, memo);
      // Equal but new IR objects: everything is built again, and resources come out the same.
      build(structuredClone(ir), memo);
    }
  });

  it('keeps the earlier JSON of a host rebuilt from new IR objects that build the same thing', () => {
    const memo = createXdsBuildMemo();
    const ir0 = loadIR('rich.ir.yaml');
    const first = build(ir0, memo);
    const hostIn = (result: XdsBuildResult) =>
      (routeResource(result, 'default/edge', 'default/edge/80').message.virtual_hosts as EnvoyMessage[]).find((vh) => vh.name === WWW);
    // New IRRoute objects with the same content (as a Service edit that changes nothing Envoy sees).
    const copies = build(editVirtualHost(ir0, WWW, (routes) => routes.map((route) => ({ ...route }))), memo);
    expect(hostIn(copies)).toBe(hostIn(first));
    expect(memoStats(memo).virtualHostsUnchanged).toBe(1);
    // A real change still gets a new object.
    const changed = build(editVirtualHost(ir0, WWW, ([head, ...rest]) => [{ ...head, name: `${head.name}-renamed` }, ...rest]), memo);
    expect(hostIn(changed)).not.toBe(hostIn(first));
    expect(memoStats(memo).virtualHostsUnchanged).toBe(1);
  });

  it('follows ext_authz, session persistence and CORS appearing and going in one host of a table', () => {
    const memo = createXdsBuildMemo();
    const ir0 = loadIR('rich.ir.yaml');
    const listenersOf = (result: XdsBuildResult) => JSON.stringify(Object.values(result.groups).map((group) => group.listeners.map((l) => l.message)));
    const plain = listenersOf(build(ir0, memo));
    const withAuth = editVirtualHost(ir0, WWW, ([first, ...rest]) => [{ ...first, externalAuth: { protocol: 'GRPC', cluster: 'default/ws/8080' } }, ...rest]);
    const auth = listenersOf(build(withAuth, memo));
    const authFilter = 'envoy.filters.http.ext_authz/default/ws/8080/';
    expect(plain).not.toContain(authFilter);
    expect(auth).toContain(authFilter);
    // Back to the hosts of the first build: the filter goes again.
    expect(listenersOf(build(ir0, memo))).toBe(plain);

    const sessions = parse(readFileSync(path.join(goldenDir, 'session_persistence.in.yaml'), 'utf8')) as IR;
    const sessionMemo = createXdsBuildMemo();
    expect(listenersOf(build(sessions, sessionMemo))).toContain('envoy.filters.http.stateful_session');
    const host = (hostOfFirst(sessions) as IRVirtualHost).name;
    const without = editVirtualHost(sessions, host, (routes) =>
      routes.map((route) => (route.action.kind === 'forward' ? { ...route, action: { ...route.action, sessionPersistence: undefined } } : route)),
    );
    expect(listenersOf(build(without, sessionMemo))).not.toContain('envoy.filters.http.stateful_session');
    expect(listenersOf(build(sessions, sessionMemo))).toContain('envoy.filters.http.stateful_session');

    const cors = parse(readFileSync(path.join(goldenDir, 'cors.in.yaml'), 'utf8')) as IR;
    const corsMemo = createXdsBuildMemo();
    expect(listenersOf(build(cors, corsMemo))).toContain('"envoy.filters.http.cors"');
    const noCors = editVirtualHost(cors, (hostOfFirst(cors) as IRVirtualHost).name, (routes) => routes.map((route) => ({ ...route, cors: undefined })));
    expect(listenersOf(build(noCors, corsMemo))).not.toContain('"envoy.filters.http.cors"');
    expect(listenersOf(build(cors, corsMemo))).toContain('"envoy.filters.http.cors"');
  });

  it('follows route and cluster edits: one replaced, one removed, one added, one cluster changed', () => {
    const memo = createXdsBuildMemo();
    const ir0 = loadIR('rich.ir.yaml');
    const first = build(ir0, memo);
    const built0 = memoStats(memo);
    expect(built0.virtualHostsReused).toBe(0);

    const routes = ir0.gateways[0].listeners[0].filterChains[0];
    if (routes.type !== 'http') throw new Error('fixture changed');
    const [replaced, removed] = routes.routeConfig.virtualHosts[0].routes;
    const edited: IRRoute = { ...replaced, match: { ...replaced.match, path: { type: 'Exact', value: '/edited' } } };
    const added: IRRoute = {
      ...removed,
      name: 'httproute/default/web/rule/9/match/0',
      match: { path: { type: 'PathPrefix', value: '/added' }, headers: [], queryParams: [] },
      action: { kind: 'forward', backends: [{ cluster: 'default/ws/8080', weight: 1 }] },
    };
    let ir1 = editVirtualHost(ir0, WWW, (list) => [edited, ...list.filter((r) => r !== replaced && r !== removed), added]);
    ir1 = {
      ...ir1,
      clusters: ir1.clusters.map(
        (c): IRCluster => (c.name === 'default/web/80' ? { ...c, endpoints: [...c.endpoints, { address: '10.0.0.9', port: 8080, ready: true }] } : c),
      ),
    };
    const second = build(ir1, memo);
    const built1 = memoStats(memo);
    // Only the virtual host holding the edited, removed and added routes (with its routes), and the
    // changed IRCluster, are built again.
    expect(built1.virtualHostsBuilt - built0.virtualHostsBuilt).toBe(1);
    expect(built1.routesBuilt - built0.routesBuilt).toBe(hostOf(ir1, WWW).routes.length);
    expect(built1.clustersBuilt - built0.clustersBuilt).toBe(1);
    expect(built1.clustersReused - built0.clustersReused).toBe(built0.clustersBuilt - 1);

    // An unchanged cluster is the same resource with the same bytes, not a rebuilt copy.
    const grpc = (result: XdsBuildResult): EnvoyResource | undefined =>
      result.groups['default/edge'].clusters.find((c) => c.name === 'default/grpc/50051');
    expect(grpc(second)).toBe(grpc(first));
    expect(encodedBytesOf(grpc(second) as EnvoyResource)).toBe(encodedBytesOf(grpc(first) as EnvoyResource));
    const endpoints = (result: XdsBuildResult): EnvoyResource | undefined =>
      result.groups['default/edge'].endpoints.find((e) => e.name === 'default/web/80');
    expect(JSON.stringify(endpoints(second)?.message)).toContain('10.0.0.9');
    expect(endpoints(second)).not.toBe(endpoints(first));
    // Rebuilt, but the same JSON as before (EDS: endpoints are not in the cluster): served as it was.
    const web = (result: XdsBuildResult): EnvoyResource | undefined =>
      result.groups['default/edge'].clusters.find((c) => c.name === 'default/web/80');
    expect(web(second)).toBe(web(first));
    // Listeners are built on every call; when their JSON did not change they are the same resources.
    expect(second.groups['default/edge'].listeners).toEqual(first.groups['default/edge'].listeners);
    second.groups['default/edge'].listeners.forEach((listener, i) => expect(listener).toBe(first.groups['default/edge'].listeners[i]));
    // The route configuration that changed is a new resource; the proxyless one is not.
    expect(routeResource(second, 'default/edge', 'default/edge/80')).not.toBe(routeResource(first, 'default/edge', 'default/edge/80'));
    expect(routeResource(second, 'default/edge', 'default/edge/grpc')).toBe(routeResource(first, 'default/edge', 'default/edge/grpc'));

    // Routes are remembered with their virtual host: those of the edited host are all new
    // (here every route of this configuration; the proxyless configuration above kept its own).
    const before = routesOf(routeResource(first, 'default/edge', 'default/edge/80'));
    const after = routesOf(routeResource(second, 'default/edge', 'default/edge/80'));
    const same = after.filter((route) => before.includes(route)).map((route) => route.name);
    expect(same.length).toBe(after.length - hostOf(ir1, WWW).routes.length);
    expect(same).not.toContain(edited.name);

    // Back to the first IR: its objects are still known, and nothing is built.
    const third = build(ir0, memo);
    expect(memoStats(memo).routesBuilt).toBe(built1.routesBuilt);
    expect(memoStats(memo).clustersBuilt).toBe(built1.clustersBuilt);
    expect(grpc(third)).toBe(grpc(first));
  });

  it('splices routes known to be good without encoding or validating them again', () => {
    const memo = createXdsBuildMemo();
    const ir = loadIR('rich.ir.yaml');
    const first = buildXds(ir, FEATURES, memo);
    const route = routesOf(routeResource(first, 'default/edge', 'default/edge/80'))[0];
    // Only a test may do this: the memo relies on built JSON never changing.
    route.name = 'changed behind the memo';
    route.match = {};
    const second = buildXds({ ...ir }, FEATURES, memo);
    const config = routeResource(second, 'default/edge', 'default/edge/80');
    expect(routesOf(config)[0]).toBe(route);
    // Not validated again (an empty match is refused), and written from the bytes of the first build.
    expect(second.rejected).toEqual([]);
    const decoded = decodeResource('route', encodedBytesOf(config) as Uint8Array);
    expect(routesOf({ ...config, message: decoded })[0].name).toBe('httproute/default/web/rule/0/match/0');
  });

  it('rejects a bad route on every build as a cold build does, and rebuilds a route whose IRRoute changed', () => {
    const memo = createXdsBuildMemo();
    const ir0 = parse(readFileSync(path.join(goldenDir, 'rejected.in.yaml'), 'utf8')) as IR;
    const first = build(ir0, memo);
    const rejectedRoute = { type: 'route', name: 'default/gw/80', field: 'virtual_hosts[0].routes[0].request_headers_to_add[0].header.key' };
    expect(first.rejected).toContainEqual(expect.objectContaining(rejectedRoute));
    // The same bad IRRoute again: still rejected (nothing that failed was kept as good).
    const again = build({ ...ir0, gateways: [...ir0.gateways] }, memo);
    expect(again.rejected).toStrictEqual(first.rejected);

    // The bad route fixed, then a good route turned bad under the same name.
    const fixAndBreak = (list: IRRoute[]): IRRoute[] =>
      list.map((route, i) => {
        if (i === 0) return { ...route, requestHeaders: { set: [{ name: 'x-good', value: 'v' }], add: [], remove: [] } };
        if (i === 2) return { ...route, requestHeaders: { set: [{ name: 'bad\r\nheader', value: 'v' }], add: [], remove: [] } };
        return route;
      });
    const ir1 = editVirtualHost(ir0, 'default/gw/80/any', fixAndBreak);
    const second = build(ir1, memo);
    expect(second.rejected).toContainEqual(
      expect.objectContaining({ type: 'route', field: 'virtual_hosts[0].routes[2].request_headers_to_add[0].header.key' }),
    );
    expect(second.rejected.filter((r) => r.type === 'route')).toHaveLength(1);
    const served = routesOf(routeResource(second, 'default/gw', 'default/gw/80'));
    expect(served[2]).toStrictEqual(expect.objectContaining({ direct_response: { status: 500 } }));
    expect(served[0]).toStrictEqual(expect.objectContaining({ request_headers_to_add: [expect.anything()] }));
    build(ir1, memo);
  });

  it('reports refused clusters in the order a build without a memo does, as virtual hosts change', () => {
    const broken = (name: string): IRCluster => ({
      name,
      discovery: 'dns',
      dnsName: '',
      dnsPort: 80,
      protocol: 'http1',
      endpoints: [],
      source: { kind: 'Service', namespace: 'default', name: name.split('/')[1] },
    });
    const route = (name: string, clusters: string[]): IRRoute => ({
      name: `httproute/default/${name}/rule/0/match/0`,
      match: { path: { type: 'PathPrefix', value: `/${name}` }, headers: [], queryParams: [] },
      action: { kind: 'forward', backends: clusters.map((cluster) => ({ cluster, weight: 1 })) },
      source: { kind: 'HTTPRoute', namespace: 'default', name },
    });
    const host = (name: string, routes: IRRoute[]): IRVirtualHost => ({ name: `default/gw/80/${name}`, domains: [`${name}.example.com`], routes });
    const hosts = [host('one', [route('z', ['default/zz/80'])]), host('two', [route('m', ['default/mm/80', 'default/aa/80'])]), host('three', [route('a', ['default/aa/80'])])];
    const irOf = (virtualHosts: IRVirtualHost[]): IR =>
      oneGatewayIR({ name: 'default/gw/80', virtualHosts }, [broken('default/aa/80'), broken('default/mm/80'), broken('default/zz/80')]);
    const memo = createXdsBuildMemo();
    const first = build(irOf(hosts), memo);
    expect(first.rejected.map((r) => r.name)).toEqual(['default/zz/80', 'default/mm/80', 'default/aa/80']);
    // The first host changed: its cluster is now referenced last.
    const moved = build(irOf([host('one', [route('z2', ['default/aa/80'])]), hosts[1], hosts[2], host('four', [route('y', ['default/zz/80'])])]), memo);
    expect(moved.rejected.map((r) => r.name)).toEqual(['default/aa/80', 'default/mm/80', 'default/zz/80']);
    build(irOf([hosts[2], hosts[0], hosts[1]]), memo);
    build(irOf(hosts), memo);
  });

  it('builds one IRRoute object differently for proxyless gRPC and for Envoy', () => {
    const ir = loadIR('rich.ir.yaml');
    const gateway = ir.gateways[0];
    const api = gateway.apiListeners?.[0];
    const chain = gateway.listeners[0].filterChains[0];
    if (!api || chain.type !== 'http') throw new Error('fixture changed');
    const shared = chain.routeConfig.virtualHosts[0].routes[1];
    expect(shared.match.path.type).toBe('PathPrefix');
    // The same object in the proxyless configuration as in the Envoy one.
    const proxylessVh = api.routeConfig.virtualHosts[0];
    const withShared: IR = {
      ...ir,
      gateways: [
        { ...gateway, apiListeners: [{ ...api, routeConfig: { ...api.routeConfig, virtualHosts: [{ ...proxylessVh, routes: [...proxylessVh.routes, shared] }] } }] },
      ],
    };
    const memo = createXdsBuildMemo();
    for (let round = 0; round < 2; round++) {
      const result = build(withShared, memo);
      const envoy = routesOf(routeResource(result, 'default/edge', 'default/edge/80')).find((r) => r.name === shared.name);
      const grpc = routesOf(routeResource(result, 'default/edge', 'default/edge/grpc')).find((r) => r.name === shared.name);
      expect(envoy?.match).toStrictEqual({ path_separated_prefix: '/api' });
      expect(grpc?.match).toStrictEqual({ prefix: '/api/' });
    }
    expect(memoStats(memo).virtualHostsReused).toBeGreaterThan(0);
  });

  it('never mutates the IR or what it built before', () => {
    const memo = createXdsBuildMemo();
    const ir = deepFreeze(loadIR('rich.ir.yaml'));
    const first = buildXds(ir, FEATURES, memo);
    const built = memoStats(memo);
    for (const group of Object.values(first.groups)) for (const list of LISTS) group[list].forEach((r) => deepFreeze(r));
    // Frozen objects throw when written (modules are strict): the second build reuses them all.
    expectSameAs(buildXds({ ...ir }, FEATURES, memo), buildXds(ir));
    expect(built.virtualHostsBuilt).toBeGreaterThan(2);
    expect(memoStats(memo)).toStrictEqual({ ...built, virtualHostsReused: built.virtualHostsBuilt, clustersReused: built.clustersBuilt, resourcesReused: expect.any(Number) });
  });

  it('rebuilds an unchanged IRRoute when a backend cluster changes protocol', () => {
    const memo = createXdsBuildMemo();
    const ir0 = loadIR('rich.ir.yaml');
    const upgrades = (result: XdsBuildResult): number =>
      routesOf(routeResource(result, 'default/edge', 'default/edge/80')).filter((r) => JSON.stringify(r).includes('"upgrade_configs"')).length;
    const before = upgrades(build(ir0, memo));
    expect(before).toBeGreaterThan(0);
    const ir1: IR = { ...ir0, clusters: ir0.clusters.map((c) => (c.protocol === 'websocket' ? { ...c, protocol: 'http1' } : c)) };
    expect(upgrades(build(ir1, memo))).toBe(0);
    expect(upgrades(build(ir0, memo))).toBe(before);
  });

  it('serves what a build without one serves over arbitrary IR sequences that share objects', () => {
    const step = fc.tuple(
      arbitraryIR,
      fc.array(fc.constantFrom<IRCluster['protocol']>('http1', 'http2', 'websocket'), { minLength: 3, maxLength: 3 }),
      fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
      fc.boolean(),
    );
    fc.assert(
      fc.property(fc.array(step, { minLength: 2, maxLength: 4 }), (steps) => {
        const memo = createXdsBuildMemo();
        let previous: IR | undefined;
        for (const [next, protocols, keepRoute, keepHost] of steps) {
          const ir = sharing(previous, next, protocols, keepRoute, keepHost);
          expectSameAs(buildXds(ir, FEATURES, memo), buildXds(ir));
          previous = ir;
        }
      }),
      fuzzParameters(30, 20261123),
    );
  });

  it('starts over for another features list', () => {
    const memo = createXdsBuildMemo();
    const ir = loadIR('rich.ir.yaml');
    buildXds(ir, FEATURES, memo);
    const withoutWebsocket = FEATURES.filter((f) => f.name !== 'websocket');
    const result = buildXds(ir, withoutWebsocket, memo);
    expect(JSON.stringify(result)).toBe(JSON.stringify(buildXds(ir, withoutWebsocket)));
    expect(JSON.stringify(result.groups['default/edge'].routes)).not.toContain('"upgrade_configs"');
    expect(JSON.stringify(buildXds(ir, FEATURES, memo).groups['default/edge'].routes)).toContain('"upgrade_configs"');
  });
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * `next`, except that it keeps objects of `previous`: IRClusters whose protocol is unchanged,
 * the whole virtual host when `keepHost`, else the routes at the positions `keepRoute` says.
 */
function sharing(previous: IR | undefined, next: IR, protocols: Array<IRCluster['protocol']>, keepRoute: boolean[], keepHost: boolean): IR {
  const clusters = next.clusters.map((cluster, i): IRCluster => {
    const old = previous?.clusters[i];
    return old && old.protocol === protocols[i] ? old : { ...cluster, protocol: protocols[i] };
  });
  const nextChain = next.gateways[0].listeners[0].filterChains[0];
  if (nextChain.type !== 'http') throw new Error('generator changed');
  const oldChain = previous?.gateways[0].listeners[0].filterChains[0];
  const oldHost = oldChain?.type === 'http' ? oldChain.routeConfig.virtualHosts[0] : undefined;
  const nextHost = nextChain.routeConfig.virtualHosts[0];
  const host: IRVirtualHost =
    keepHost && oldHost
      ? oldHost
      : { ...nextHost, routes: nextHost.routes.map((route, i) => (keepRoute[i] && oldHost?.routes[i] ? oldHost.routes[i] : route)) };
  const routeConfig: IRRouteConfig = { ...nextChain.routeConfig, virtualHosts: [host] };
  const gateway = next.gateways[0];
  return {
    ...next,
    clusters,
    gateways: [
      {
        ...gateway,
        listeners: [{ ...gateway.listeners[0], filterChains: [{ ...nextChain, routeConfig }] }],
        apiListeners: gateway.apiListeners?.map((api) => ({ ...api, routeConfig })),
      },
    ],
  };
}
