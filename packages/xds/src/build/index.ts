// IR → Envoy resources per proxy group. Every resource is strictly encoded and
// checked against protoc-gen-validate before it is served; what fails is
// reported in `rejected` and left out, and everything else keeps serving.
import type { IR, IRCluster, IRGateway, IRRouteConfig } from '@portico/ir';
import { typeNameOf } from '../codec.js';
import { FEATURES } from '../features/registry.js';
import type { XdsFeature } from '../features/feature.js';
import type { EnvoyMessage, EnvoyResource, EnvoyResources, RejectedResource, ResourceType, XdsBuildResult } from '../types.js';
import type { KnownMessages } from '../known.js';
import { encodeAndValidate } from '../screen.js';
import { clientCertificateOf } from '../features/tls.js';
import { grpcCompatibleRoute } from '../features/proxyless_grpc.js';
import { buildCluster, buildEndpoints } from './cluster.js';
import { createContext, lookupsOf } from './context.js';
import type { BuildContext, IrLookups } from './context.js';
import { buildApiListener, buildListener } from './listener.js';
import { memoState, recordSideEffects, replaySideEffects } from './memo.js';
import type { BuildMemo, SideEffects, XdsBuildMemo } from './memo.js';
import { buildRouteConfiguration, repairRouteConfiguration } from './route.js';
import type { RouteProblem } from './route.js';
import { assembleRouteConfiguration, partsOf, splitRouteConfiguration } from './route_parts.js';
import type { RouteParts } from './route_parts.js';
import { SharedRoutes } from './shared_routes.js';
import { byName, problemOf, VariantTable } from './util.js';
import type { RepeatedMessages } from '../wire.js';

export function emptyResources(): EnvoyResources {
  return { listeners: [], routes: [], clusters: [], endpoints: [], secrets: [] };
}

const LIST_OF: Record<ResourceType, keyof EnvoyResources> = {
  listener: 'listeners',
  route: 'routes',
  cluster: 'clusters',
  endpoint: 'endpoints',
  secret: 'secrets',
};

// RouteConfigurations proxyless gRPC clients read: a route refused there is replaced by one gRPC
// accepts (it has no direct responses).
const proxylessRouteConfigurations = new WeakSet<EnvoyMessage>();

// Bytes written while screening, so the snapshot cache serves them without encoding again.
const encodedBytes = new WeakMap<EnvoyResource, Uint8Array>();
// RouteConfigurations screened as parts (with a memo): the whole message is written on demand.
const routeParts = new WeakMap<EnvoyResource, RouteParts>();

/**
 * The wire bytes of a resource buildXds built and checked (undefined for resources it did not
 * build). A RouteConfiguration checked as parts is written out here, on the first call.
 */
export function encodedBytesOf(resource: EnvoyResource): Uint8Array | undefined {
  let bytes = encodedBytes.get(resource);
  if (bytes) return bytes;
  const parts = routeParts.get(resource);
  if (!parts) return undefined;
  bytes = assembleRouteConfiguration(parts);
  encodedBytes.set(resource, bytes);
  return bytes;
}

/**
 * A RouteConfiguration buildXds built and checked, as its header and virtual host bytes (see
 * route_parts.ts); undefined for other resources. Does not write the whole message.
 */
export function routePartsOf(resource: EnvoyResource): RouteParts | undefined {
  if (resource.type !== 'route') return undefined;
  let parts = routeParts.get(resource);
  if (parts) return parts;
  const bytes = encodedBytes.get(resource);
  if (!bytes) return undefined;
  parts = splitRouteConfiguration(bytes);
  routeParts.set(resource, parts);
  return parts;
}

function checked(resource: EnvoyResource): boolean {
  return encodedBytes.has(resource) || routeParts.has(resource);
}

const ROUTE_CONFIGURATION_TYPE = typeNameOf('route');
const VIRTUAL_HOST_TYPE = 'envoy.config.route.v3.VirtualHost';

/**
 * A RouteConfiguration checked host by host: hosts in `known` passed before and are taken as
 * they are, the others and the header (every other field) are encoded and validated on their
 * own. Rules and encoding are per message, so this accepts exactly what checking the whole
 * message accepts. Undefined when something fails: the caller checks the whole message then,
 * for the error paths and the repair.
 */
function checkRouteParts(resource: EnvoyResource, known: KnownMessages, repeated: RepeatedMessages): RouteParts | undefined {
  const { virtual_hosts: hosts, ...rest } = resource.message;
  if (hosts !== undefined && !Array.isArray(hosts)) return undefined;
  const fresh: Array<[EnvoyMessage, Uint8Array]> = [];
  const virtualHosts: Uint8Array[] = [];
  let header: Uint8Array;
  try {
    const checkedHeader = encodeAndValidate(ROUTE_CONFIGURATION_TYPE, rest, repeated);
    if (checkedHeader.errors.length > 0) return undefined;
    header = checkedHeader.bytes;
    for (const host of (hosts ?? []) as EnvoyMessage[]) {
      let bytes = known.bytes.get(host);
      if (!bytes) {
        const checkedHost = encodeAndValidate(VIRTUAL_HOST_TYPE, host, repeated);
        if (checkedHost.errors.length > 0) return undefined;
        bytes = checkedHost.bytes;
        fresh.push([host, bytes]);
      }
      virtualHosts.push(bytes);
    }
  } catch {
    return undefined;
  }
  for (const [host, bytes] of fresh) known.bytes.set(host, bytes);
  return partsOf(header, virtualHosts);
}

type Screened = { bytes: Uint8Array; problem?: undefined } | { bytes?: undefined; problem: { field: string; message: string } };

/** Strict encoding, then PGV. */
function check(resource: EnvoyResource, repeated?: RepeatedMessages): Screened {
  let checked: ReturnType<typeof encodeAndValidate>;
  try {
    checked = encodeAndValidate(typeNameOf(resource.type), resource.message, repeated);
  } catch (error) {
    return { problem: problemOf(error) };
  }
  const { bytes, errors } = checked;
  if (errors.length === 0) return { bytes };
  return { problem: { field: errors[0].field, message: errors.map((e) => `${e.field}: ${e.message}`).join('; ') } };
}

/** The first reason Envoy would refuse `resource` (strict encoding, then PGV), or undefined. */
export function resourceProblem(resource: EnvoyResource): { field: string; message: string } | undefined {
  return check(resource).problem;
}

/**
 * Clusters built in this call, by IR cluster, for the Gateways after the first that route to
 * them (without a memo, which does this across calls). A cluster's resources depend on the
 * Gateway only through the client certificate it presents upstream, so each is built, encoded
 * and checked once per call and certificate.
 */
type BuiltClusters = VariantTable<IRCluster, { cluster: EnvoyResource; endpoints?: EnvoyResource; effects: SideEffects }>;

/** What of the Gateway a cluster's resources depend on: its client certificate ('' for none). */
function clusterVariant(cluster: IRCluster, ctx: BuildContext): string {
  return clientCertificateOf(cluster.tls, ctx) ?? '';
}

function buildGateway(
  ir: IR,
  gateway: IRGateway,
  features: readonly XdsFeature[],
  memo: BuildMemo | undefined,
  built: BuiltClusters,
  routes: SharedRoutes,
  lookups: IrLookups,
): EnvoyResources {
  const ctx: BuildContext = createContext(ir, gateway, lookups, routes, memo);
  const out = emptyResources();
  const routeConfigs = new Map<string, { config: IRRouteConfig; proxyless: boolean }>();

  for (const listener of gateway.listeners) {
    out.listeners.push({ type: 'listener', name: listener.name, message: buildListener(listener, ctx, features) });
    for (const chain of listener.filterChains) {
      if (chain.type === 'http' && !routeConfigs.has(chain.routeConfig.name)) {
        routeConfigs.set(chain.routeConfig.name, { config: chain.routeConfig, proxyless: false });
      }
    }
  }
  for (const api of gateway.apiListeners ?? []) {
    out.listeners.push({ type: 'listener', name: api.name, message: buildApiListener(api, ctx, features) });
    // A RouteConfiguration shared with an Envoy listener gets the proxyless `host:*` domains too (harmless for Envoy).
    routeConfigs.set(api.routeConfig.name, { config: api.routeConfig, proxyless: true });
  }

  for (const [name, { config, proxyless }] of routeConfigs) {
    const message = buildRouteConfiguration(config, { ...ctx, proxyless }, features, memo);
    if (proxyless) proxylessRouteConfigurations.add(message);
    out.routes.push({ type: 'route', name, message });
  }

  const clusters = [...ctx.referencedClusters]
    .map((name) => ctx.clusters.get(name))
    .filter((c): c is IRCluster => c !== undefined);
  for (const cluster of clusters) {
    const resources = memo ? memoCluster(cluster, ctx, features, memo) : sharedCluster(cluster, ctx, features, built);
    out.clusters.push(resources.cluster);
    if (resources.endpoints) out.endpoints.push(resources.endpoints);
  }
  out.clusters.push(...ctx.featureClusters);
  for (const feature of features) feature.patchResources?.(out, ctx);
  return out;
}

function freshCluster(cluster: IRCluster, ctx: BuildContext, features: readonly XdsFeature[]): { cluster: EnvoyResource; endpoints?: EnvoyResource } {
  return {
    cluster: { type: 'cluster', name: cluster.name, message: buildCluster(cluster, ctx, features) },
    endpoints: cluster.discovery === 'eds' ? { type: 'endpoint', name: cluster.name, message: buildEndpoints(cluster) } : undefined,
  };
}

function sharedCluster(cluster: IRCluster, ctx: BuildContext, features: readonly XdsFeature[], built: BuiltClusters): { cluster: EnvoyResource; endpoints?: EnvoyResource } {
  const variant = clusterVariant(cluster, ctx);
  const hit = built.get(cluster, variant);
  if (hit) {
    replaySideEffects(ctx, hit.effects);
    return hit;
  }
  const { value, effects } = recordSideEffects(ctx, (recording) => freshCluster(cluster, recording, features));
  if (effects) built.set(cluster, variant, { ...value, effects });
  return value;
}

/** An unchanged IRCluster gets the same resource objects, whose bytes screen() already has. */
function memoCluster(cluster: IRCluster, ctx: BuildContext, features: readonly XdsFeature[], memo: BuildMemo): { cluster: EnvoyResource; endpoints?: EnvoyResource } {
  const variant = clusterVariant(cluster, ctx);
  const hit = memo.cluster(cluster, variant);
  if (hit) {
    memo.stats.clustersReused += 1;
    replaySideEffects(ctx, hit);
    return hit;
  }
  memo.stats.clustersBuilt += 1;
  const { value, effects } = recordSideEffects(ctx, (recording) => freshCluster(cluster, recording, features));
  if (effects) memo.setCluster(cluster, variant, { cluster: value.cluster, endpoints: value.endpoints, ...effects });
  return value;
}

/**
 * Removes resources Envoy would reject, reporting each with its field path. Each resource is
 * encoded and validated once; only a RouteConfiguration that fails is walked route by route, so
 * that one bad route is replaced (or dropped) and the rest of the configuration keeps serving.
 */
function screen(
  resources: EnvoyResources,
  gateway: IRGateway,
  rejected: RejectedResource[],
  memo: BuildMemo | undefined,
  repeated: RepeatedMessages,
): EnvoyResources {
  const proxyGroup = gateway.proxyGroup;
  const out = emptyResources();
  const rejectedClusters = new Set<string>();
  for (const key of Object.keys(out) as Array<keyof EnvoyResources>) {
    for (const built of resources[key]) {
      let resource = memo ? memo.unchanged(`${gateway.name}\u0000${built.type}\u0000${built.name}`, built) : built;
      // A resource object handed out again (by the memo, or shared by another Gateway) passed
      // here before and is unchanged.
      if (checked(resource)) {
        if (memo) memo.stats.resourcesReused += 1;
        out[key].push(resource);
        continue;
      }
      const known = memo && resource.type === 'route' ? memo.known : undefined;
      // With a memo, a RouteConfiguration is checked as parts (and written whole only on demand);
      // checking the parts accepts exactly what checking the whole message accepts.
      let parts = known ? checkRouteParts(resource, known, repeated) : undefined;
      let result: Screened | undefined = parts ? undefined : check(resource, repeated);
      if (result?.problem && resource.type === 'route') {
        const problems: RouteProblem[] = [];
        const adapt = proxylessRouteConfigurations.has(resource.message) ? grpcCompatibleRoute : undefined;
        resource = { ...resource, message: repairRouteConfiguration(resource.message, problems, known, adapt) };
        for (const problem of problems) {
          rejected.push({ type: 'route', name: resource.name, field: problem.field, message: problem.message, proxyGroup });
        }
        parts = known ? checkRouteParts(resource, known, repeated) : undefined;
        // Still refused: the whole message says why.
        result = parts ? undefined : check(resource, repeated);
      }
      if (parts) {
        routeParts.set(resource, parts);
        out[key].push(resource);
        continue;
      }
      result ??= check(resource, repeated);
      if (result.bytes) {
        encodedBytes.set(resource, result.bytes);
        out[key].push(resource);
        continue;
      }
      rejected.push({ type: resource.type, name: resource.name, field: result.problem.field, message: result.problem.message, proxyGroup });
      if (resource.type === 'cluster') rejectedClusters.add(resource.name);
    }
  }
  // Endpoints of a cluster that is not served would only confuse dumps and explain.
  out.endpoints = out.endpoints.filter((e) => !rejectedClusters.has(e.name));
  return out;
}

/** Adds what `source` has under names `target` lacks; buildXds sorts every list once at the end. */
function mergeInto(target: EnvoyResources, source: EnvoyResources): void {
  for (const key of Object.keys(target) as Array<keyof EnvoyResources>) {
    const seen = new Set(target[key].map((r) => r.name));
    for (const resource of source[key]) {
      if (!seen.has(resource.name)) target[key].push(resource);
      seen.add(resource.name);
    }
  }
}

/**
 * IR → Envoy resources grouped by IRGateway.proxyGroup, each list sorted by name.
 *
 * With a memo (the same one on every call), IRRoute, IRVirtualHost and IRCluster objects seen
 * by an earlier call are not built, encoded or validated again, and a resource that comes out
 * as it was is served as the same object with the same bytes: the result is the one a call
 * without a memo gives, at a cost that follows what changed. The IR handed over and the
 * resources returned must then never be mutated.
 */
export function buildXds(ir: IR, features: readonly XdsFeature[] = FEATURES, memo?: XdsBuildMemo): XdsBuildResult {
  const state = memo ? memoState(memo) : undefined;
  state?.begin(features, ir.clusters);
  const groups: Record<string, EnvoyResources> = {};
  const rejected: RejectedResource[] = [];
  const gateways = [...ir.gateways].sort((a, b) =>
    a.proxyGroup !== b.proxyGroup ? (a.proxyGroup < b.proxyGroup ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  const clusters: BuiltClusters = new VariantTable(false);
  const routes = new SharedRoutes();
  // Every Gateway is built before any is screened, so that screening knows which routes are
  // served more than once and writes each of those once.
  const lookups = lookupsOf(ir);
  const built = gateways.map((gateway) => buildGateway(ir, gateway, features, state, clusters, routes, lookups));
  gateways.forEach((gateway, index) => {
    const screened = screen(built[index] as EnvoyResources, gateway, rejected, state, routes.repeated);
    // screen() returns lists of its own: the first Gateway of a group needs no merging.
    const group = groups[gateway.proxyGroup];
    if (group) mergeInto(group, screened);
    else groups[gateway.proxyGroup] = screened;
  });
  for (const group of Object.values(groups)) {
    for (const key of Object.keys(LIST_OF) as ResourceType[]) group[LIST_OF[key]].sort(byName);
  }
  return { groups, rejected };
}
