import { STATUS_KINDS, type ResourceSet } from '@portico/api';
import type { IR, IRGateway, IRListener, IRSecret } from '@portico/ir';
import { addClustersOfVirtualHost } from './build/http.js';
import { ClusterRegistry } from './clusters.js';
import type { ConditionClock } from './conditions.js';
import { diagnosticsFromStatus } from './diagnostics.js';
import { FEATURES, MESH_FEATURES } from './features.js';
import { buildMeshGateways, buildMeshParents } from './mesh/mesh.js';
import { applyBackendTLSPolicies } from './policy/backendtls.js';
import { buildGatewayModel, gatewayAccepted, gatewayStatus, listenerSetStatuses } from './gateway/gateway.js';
import { listenerProgrammed, type GatewayModel } from './gateway/model.js';
import { translateGatewayClass } from './gatewayclass.js';
import { ReferenceGrants } from './referencegrant.js';
import type { RememberedGateways, TranslationMemo } from './memo.js';
import { mergeGatewayModels } from './gateway/reuse.js';
import { sanitizeResources } from './sanitize.js';
import type { ObjectStatus, TranslateOptions, TranslationResult } from './result.js';
import { httpRouteTranslator } from './routes/httproute.js';
import { tcpRouteTranslator, tlsRouteTranslator, udpRouteTranslator } from './routes/l4routes.js';
import type { RouteKindResult, RouteKindTranslator } from './routes/registry.js';
import { compareStrings } from './util.js';

/** Features advertised in GatewayClass status.supportedFeatures: exactly what is implemented. */
export const SUPPORTED_FEATURES: readonly string[] = FEATURES;

const EPOCH = '1970-01-01T00:00:00Z';

/**
 * Route kinds, in the order their filter chains appear on a shared port. GRPCRoute,
 * TLSRoute, TCPRoute and UDPRoute register here (see routes/registry.ts).
 */
const ROUTE_TRANSLATORS: readonly RouteKindTranslator[] = [
  httpRouteTranslator,
  tlsRouteTranslator,
  tcpRouteTranslator,
  udpRouteTranslator,
];

function collectReferencedClusters(gateways: IRGateway[], memo: TranslationMemo | undefined): Set<string> {
  const names = new Set<string>();
  // The matches of one rule share one action object: its clusters are added once.
  const seen = new Set<object>();
  for (const gateway of gateways) {
    for (const listener of gateway.listeners) {
      for (const chain of listener.filterChains) {
        if (chain.type !== 'http') {
          for (const backend of chain.backends) names.add(backend.cluster);
          continue;
        }
        const remembered = memo?.clustersOfChain(chain.routeConfig.virtualHosts);
        if (remembered) {
          for (const name of remembered.keys()) names.add(name);
          continue;
        }
        for (const vhost of chain.routeConfig.virtualHosts) addClustersOfVirtualHost(names, vhost, seen);
      }
    }
  }
  return names;
}

function buildIrGateway(model: GatewayModel, routeResults: readonly RouteKindResult[]): IRGateway {
  const listeners: IRListener[] = [];
  if (gatewayAccepted(model)) {
    const ports = [...new Set(model.listeners.filter(listenerProgrammed).map((l) => l.port))].sort((a, b) => a - b);
    for (const port of ports) {
      const onPort = model.listeners.filter((l) => l.port === port && listenerProgrammed(l));
      const chains = routeResults.flatMap((result) => result.chainsFor(model.key, port, onPort));
      // TCP and UDP listeners may share a port (distinct sockets): an Envoy listener has one
      // socket protocol, so the UDP chain gets a listener of its own, named apart.
      const stream = chains.filter((chain) => chain.type !== 'udp');
      const datagram = chains.filter((chain) => chain.type === 'udp');
      if (stream.length > 0) listeners.push({ name: `${model.key}/${port}`, address: '0.0.0.0', port, filterChains: stream });
      if (datagram.length > 0) listeners.push({ name: `${model.key}/${port}/udp`, address: '0.0.0.0', port, filterChains: datagram });
    }
  }
  return { name: model.key, namespace: model.namespace, proxyGroup: model.key, listeners };
}

/**
 * The Gateway models of the previous translation, when nothing they are built from changed:
 * route attachment counts start again from zero and their secrets go back in the table.
 */
function reuseGateways(
  remembered: RememberedGateways,
  secrets: Map<string, IRSecret>,
): { gateways: Map<string, GatewayModel>; meshParents: Map<string, GatewayModel> } {
  for (const model of [...remembered.gateways.values(), ...remembered.meshParents.values()]) {
    for (const listener of model.listeners) listener.attachedRoutes = 0;
    for (const set of model.listenerSets) for (const listener of set.listeners) listener.attachedRoutes = 0;
  }
  for (const [name, secret] of remembered.secrets) secrets.set(name, secret);
  return { gateways: remembered.gateways, meshParents: remembered.meshParents };
}

const STATUS_KIND_ORDER = new Map((STATUS_KINDS as readonly string[]).map((kind, index) => [kind, index]));

function statusKindIndex(status: ObjectStatus): number {
  return STATUS_KIND_ORDER.get(status.kind) ?? STATUS_KINDS.length;
}

function compareWithinKind(a: ObjectStatus, b: ObjectStatus): number {
  return compareStrings(a.namespace ?? '', b.namespace ?? '') || compareStrings(a.name, b.name);
}

/** Status order: by kind (STATUS_KINDS order, unknown kinds last), then namespace, then name. */
function compareStatuses(a: ObjectStatus, b: ObjectStatus): number {
  return statusKindIndex(a) - statusKindIndex(b) || compareWithinKind(a, b);
}

/**
 * Statuses gathered per kind, put in status order at the end. A kind whose statuses come as
 * one run known to be in order (remembered routes) is not sorted again, so an edit does not
 * cost a pass of comparisons over every route's status.
 */
class StatusCollector {
  /** Per kind index: its statuses, and whether they are one run known to be in order (then not ours to change). */
  private readonly byKind: Array<{ statuses: ObjectStatus[]; sortedRun?: readonly ObjectStatus[] } | undefined> = [];

  add(statuses: readonly ObjectStatus[]): void {
    for (const status of statuses) this.entry(statusKindIndex(status)).push(status);
  }

  addSortedRun(run: readonly ObjectStatus[]): void {
    const first = run[0];
    if (!first) return;
    const kind = statusKindIndex(first);
    if (this.byKind[kind]) for (const status of run) this.entry(kind).push(status);
    else this.byKind[kind] = { statuses: [], sortedRun: run };
  }

  private entry(kind: number): ObjectStatus[] {
    let entry = this.byKind[kind];
    if (!entry) this.byKind[kind] = entry = { statuses: [] };
    else if (entry.sortedRun) {
      entry.statuses = entry.sortedRun.slice();
      delete entry.sortedRun;
    }
    return entry.statuses;
  }

  sorted(): ObjectStatus[] {
    const out: ObjectStatus[] = [];
    for (const entry of this.byKind) {
      if (!entry) continue;
      // Stable: statuses with equal keys stay in the order they were added.
      for (const status of entry.sortedRun ?? entry.statuses.sort(compareWithinKind)) out.push(status);
    }
    return out;
  }
}

/** Every option that shapes a route's translation, except the clock (see TranslationMemo.enterContext). */
function optionsKey(options: TranslateOptions): string {
  return JSON.stringify([options.controllerName, options.mesh === true]);
}

/** The options only the Gateway models read: the addresses they get. */
function addressesKey(options: TranslateOptions): string {
  return JSON.stringify([options.defaultAddress ?? null, options.gatewayAddresses ?? null]);
}

/** Gateway API → IR + status. Pure and deterministic: no I/O, no clock, no randomness. */
export function translate(input: ResourceSet, options: TranslateOptions): TranslationResult {
  const { memo } = options;
  const resources = sanitizeResources(input, memo);
  memo?.enterContext(resources, optionsKey(options), options.mesh === true, addressesKey(options));
  const clock: ConditionClock = { now: options.now ?? EPOCH };
  const grants = new ReferenceGrants(resources);
  const secrets = new Map<string, IRSecret>();
  const statuses = new StatusCollector();

  const acceptedClasses = new Set<string>();
  for (const gatewayClass of resources.list('GatewayClass')) {
    if (gatewayClass.spec?.controllerName !== options.controllerName) continue;
    const features = options.mesh ? [...SUPPORTED_FEATURES, ...MESH_FEATURES].sort() : SUPPORTED_FEATURES;
    const result = translateGatewayClass(resources, gatewayClass, clock, features, options.crdBundleVersions);
    statuses.add([result.status]);
    if (result.accepted) acceptedClasses.add(gatewayClass.metadata.name);
  }

  const remembered = memo?.stable ? memo.gateways : undefined;
  const rebuild = remembered !== undefined && memo?.gatewayInputsChanged === true;
  const { gateways, meshParents } = remembered ? (rebuild ? rebuildGateways(remembered) : reuseGateways(remembered, secrets)) : buildGateways();
  if (memo && (!remembered || rebuild)) memo.gateways = { gateways, meshParents, secrets: new Map(secrets) };
  const clusters = new ClusterRegistry(resources, memo?.clusters, memo?.stable === true, memo);

  /**
   * Something the Gateway models are built from changed (a GatewayClass, Gateway, ListenerSet,
   * Secret, ConfigMap, GatewayParameters, ReferenceGrant or Namespace): the models are built
   * again and merged with the remembered ones (gateway/reuse.ts), and the remembered routes
   * that looked up what changed are translated again. A certificate renewed leaves every model
   * equal (secrets are named after their references): only the secret table is new. Mesh
   * parents (built from Services, with the mesh on) are merged the same way.
   */
  function rebuildGateways(before: RememberedGateways): { gateways: Map<string, GatewayModel>; meshParents: Map<string, GatewayModel> } {
    const rebuilt = buildGateways();
    const kept = reuseGateways(before, new Map());
    const merged = mergeGatewayModels(rebuilt.gateways, kept.gateways);
    const mesh = mergeGatewayModels(rebuilt.meshParents, kept.meshParents, 'Service');
    const changed = [...merged.changed, ...mesh.changed];
    if (changed.length > 0) memo?.noteLookupsChanged(changed);
    return { gateways: merged.gateways, meshParents: mesh.gateways };
  }

  function buildGateways(): { gateways: Map<string, GatewayModel>; meshParents: Map<string, GatewayModel> } {
    const built = new Map<string, GatewayModel>();
    for (const gateway of resources.list('Gateway')) {
      if (!acceptedClasses.has(gateway.spec?.gatewayClassName ?? '')) continue;
      const model = buildGatewayModel(
        {
          resources,
          grants,
          secrets,
          ...(options.gatewayAddresses ? { gatewayAddresses: options.gatewayAddresses } : {}),
          defaultAddress: options.defaultAddress ?? '127.0.0.1',
        },
        gateway,
      );
      built.set(model.key, model);
    }
    return { gateways: built, meshParents: options.mesh ? buildMeshParents(resources) : new Map<string, GatewayModel>() };
  }

  const routeContext = {
    resources,
    grants,
    clusters,
    controllerName: options.controllerName,
    clock,
    gateways,
    meshParents,
    ...(memo ? { memo } : {}),
  };
  const routeResults = ROUTE_TRANSLATORS.map((translator) => translator.translateAll(routeContext));
  for (const result of routeResults) {
    if (result.sortedRuns) for (const run of result.sortedRuns) statuses.addSortedRun(run);
    else statuses.add(result.statuses);
  }

  const irGateways: IRGateway[] = [];
  for (const model of [...gateways.values()].sort((a, b) => compareStrings(a.key, b.key))) {
    statuses.add([gatewayStatus(clock, model), ...listenerSetStatuses(clock, model)]);
    irGateways.push(buildIrGateway(model, routeResults));
  }

  if (options.mesh) irGateways.push(...buildMeshGateways(resources, meshParents, routeResults, clusters));
  const clustersByGateway = new Map(irGateways.map((g) => [g.name, collectReferencedClusters([g], memo)] as const));
  statuses.add(
    applyBackendTLSPolicies({
      resources,
      clusters,
      secrets,
      clock,
      controllerName: options.controllerName,
      gateways,
      clustersByGateway,
    }),
  );

  clusters.settleCopies();
  clusters.forgetUnused();
  const referenced = new Set<string>();
  for (const names of clustersByGateway.values()) for (const name of names) referenced.add(name);
  const ir: IR = {
    gateways: irGateways,
    clusters: clusters.list().filter((c) => referenced.has(c.name)),
    secrets: [...secrets.values()].sort((a, b) => compareStrings(a.name, b.name)),
  };
  const sorted = statuses.sorted();
  const diagnostics = memo ? memo.diagnosticsOf(sorted, compareStatuses, diagnosticsFromStatus) : sorted.flatMap(diagnosticsFromStatus);
  return { ir, statuses: sorted, diagnostics };
}
