// Property: for arbitrary IR (within the IR contract, including hostile
// strings), buildXds never throws, everything it serves strictly encodes and
// passes validation, and every IR route is either served or reported; a route served without a
// report keeps its match and forwards to its backends (a 500 standing in for it fails).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeMessageViaProtobufjs, typeNameOf } from '../src/codec.js';
import type { IR, IRGateway, IRRouteConfig } from '@portico/ir';
import { buildXds, encodedBytesOf, encodeResource, validateResource } from '../src/index.js';
import type { EnvoyMessage, EnvoyResource } from '../src/index.js';
import { arbitraryIR } from './arbitrary.js';
import { envoyLoadProblems } from '@portico/test-support';
import { fuzzParameters } from '@portico/test-support';

describe('buildXds on arbitrary IR', () => {
  it('never throws, serves only valid resources, and accounts for every route', () => {
    fc.assert(
      fc.property(arbitraryIR, (input) => {
        const result = buildXds(input);
        const group = result.groups['default/gw'];
        for (const resource of Object.values(group).flat() as EnvoyResource[]) {
          const bytes = encodeResource(resource);
          // The direct encoder writes what protobufjs' own encoder writes.
          expect(Buffer.from(bytes).equals(encodeMessageViaProtobufjs(typeNameOf(resource.type), resource.message))).toBe(true);
          expect(validateResource(resource)).toEqual([]);
          // Nor anything Envoy checks only when it loads the resource.
          expect(envoyLoadProblems(resource.message), `${resource.type} ${resource.name}`).toEqual([]);
        }
        const served = new Set(
          group.routes.flatMap((rc) =>
            (rc.message.virtual_hosts as EnvoyMessage[]).flatMap((vh) => (vh.routes as EnvoyMessage[]).map((r) => r.name)),
          ),
        );
        const reported = result.rejected.filter((r) => r.type === 'route').map((r) => r.field);
        const servedRoutes = new Map(
          group.routes.flatMap((rc) =>
            (rc.message.virtual_hosts as EnvoyMessage[]).flatMap((vh) => (vh.routes as EnvoyMessage[]).map((r): [unknown, EnvoyMessage] => [r.name, r])),
          ),
        );
        // A table proxyless gRPC clients also read has no direct responses: a route that fails
        // every request goes to the cluster never served instead (gRPC: UNAVAILABLE).
        const proxylessTable = (input.gateways[0].apiListeners ?? []).length > 0;
        const failsEveryRequest = (route: EnvoyMessage): boolean =>
          proxylessTable
            ? route.direct_response === undefined && (route.route as EnvoyMessage | undefined)?.cluster === 'portico/invalid-backend'
            : (route.direct_response as EnvoyMessage | undefined)?.status === 500 && route.route === undefined;
        input.gateways[0].listeners[0].filterChains.forEach((chain) => {
          if (chain.type !== 'http') return;
          chain.routeConfig.virtualHosts[0].routes.forEach((r, i) => {
            const wasReported = reported.some((f) => f.startsWith(`virtual_hosts[0].routes[${i}]`));
            expect(served.has(r.name) || wasReported, r.name).toBe(true);
            const route = servedRoutes.get(r.name);
            if (!route) return;
            // Reported and still served: the stand-in for a route Envoy would refuse.
            if (wasReported) {
              expect(failsEveryRequest(route), `${r.name} stands in: ${JSON.stringify(route)}`).toBe(true);
              return;
            }
            // A route served as it came (nothing reported): its match and its forward action are
            // the IR's, not a 500 standing in for it.
            const match = route.match as EnvoyMessage;
            if (r.match.path.type === 'Exact') expect(match.path, r.name).toBe(r.match.path.value);
            else if (r.match.path.type === 'RegularExpression') expect((match.safe_regex as EnvoyMessage | undefined)?.regex, r.name).toBe(r.match.path.value);
            else expect(match.prefix ?? match.path_separated_prefix, r.name).toBeDefined();
            if (r.action.kind !== 'forward') return;
            const live = r.action.backends.filter((b) => b.weight > 0);
            if (live.reduce((sum, b) => sum + b.weight, 0) === 0) {
              expect(failsEveryRequest(route), `${r.name}: ${JSON.stringify(route)}`).toBe(true);
              return;
            }
            const action = route.route as EnvoyMessage | undefined;
            expect(action, `${r.name} forwards`).toBeDefined();
            const weighted = ((action?.weighted_clusters as EnvoyMessage | undefined)?.clusters as EnvoyMessage[] | undefined) ?? [];
            const clusters = action?.cluster !== undefined ? [action.cluster] : weighted.map((c) => c.name);
            const expected = live.map((b) => b.cluster);
            if ((r.action.invalidWeight ?? 0) > 0) expected.push('portico/invalid-backend');
            expect([...clusters].sort(), r.name).toEqual([...expected].sort());
          });
        });
      }),
      fuzzParameters(40, 20261123),
    );
  });
});

/**
 * A second Gateway serving the same IRRoute objects under its own names, as the translator hands
 * over a route attached to two Gateways: its tables and hosts are its own, the routes are shared.
 */
function withTwin(ir: IR): IR {
  const [gateway] = ir.gateways as [IRGateway];
  const renamed = (table: IRRouteConfig): IRRouteConfig => ({
    ...table,
    name: `${table.name}/twin`,
    virtualHosts: table.virtualHosts.map((host) => ({ ...host, name: `${host.name}/twin` })),
  });
  const twin: IRGateway = {
    ...gateway,
    name: 'default/twin',
    proxyGroup: 'default/twin',
    listeners: gateway.listeners.map((listener) => ({
      ...listener,
      filterChains: listener.filterChains.map((chain) => (chain.type === 'http' ? { ...chain, routeConfig: renamed(chain.routeConfig) } : chain)),
    })),
  };
  if (gateway.apiListeners) twin.apiListeners = gateway.apiListeners.map((api) => ({ ...api, routeConfig: renamed(api.routeConfig) }));
  return { ...ir, gateways: [gateway, twin] };
}

describe('buildXds on arbitrary IR served by two Gateways', () => {
  it('serves each group the bytes the plain encoder writes, and refuses the same routes in both', () => {
    fc.assert(
      fc.property(arbitraryIR, (input) => {
        const result = buildXds(withTwin(input));
        for (const name of ['default/gw', 'default/twin']) {
          const group = result.groups[name];
          if (!group) throw new Error(`no group ${name}`);
          for (const resource of Object.values(group).flat() as EnvoyResource[]) {
            // What the cache serves (a shared route written once, copied elsewhere) is what
            // encoding the resource whole gives.
            expect(Buffer.from(encodedBytesOf(resource) ?? []).equals(encodeResource(resource)), resource.name).toBe(true);
            expect(validateResource(resource)).toEqual([]);
          }
        }
        const refused = (group: string) =>
          result.rejected.filter((r) => r.proxyGroup === group && r.type === 'route').map((r) => `${r.field} ${r.message}`);
        expect(refused('default/twin')).toEqual(refused('default/gw'));
      }),
      fuzzParameters(40, 20261124),
    );
  });
});
