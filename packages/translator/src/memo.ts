import { KNOWN_KINDS, type KindName, type Namespace, type ReferenceGrant, type ResourceSet, type Service, type ServicePort } from '@portico/api';
import type { IRCluster, IRSecret, IRVirtualHost } from '@portico/ir';
import type { GatewayModel, ListenerModel } from './gateway/model.js';
import type { ObjectStatus, TranslateDiagnostic } from './result.js';
import type { HttpListenerRoutes, HttpRouteResult, RouteEntry } from './routes/httproute.js';
import type { ClusterProtocol, ClusterServicePort, RememberedSlices } from './clusters.js';

/**
 * Kinds whose objects may change without invalidating the remembered translation of
 * every HTTPRoute and GRPCRoute: the routes themselves (each is remembered on its own)
 * and EndpointSlices (they only shape clusters, which are remembered per Service port).
 * Services, ReferenceGrants and Namespaces are followed per route (see enterContext and
 * isStale), and so are the Gateway models, which GatewayClasses, Gateways, ListenerSets,
 * Secrets, ConfigMaps, GatewayParameters, ReferenceGrants and Namespaces are read into
 * (GATEWAY_MODEL_KINDS). UNREMEMBERED_KINDS do not touch what is
 * remembered. With the mesh on, Services are parents too, merged like the Gateway models.
 * A change to the options (but the Gateway addresses, read by the models alone) translates
 * every route again.
 */
const serviceLookup = (service: Service): string => `${service.metadata.namespace ?? ''}/${service.metadata.name}`;

const PER_OBJECT_KINDS: ReadonlySet<KindName> = new Set<KindName>(['HTTPRoute', 'GRPCRoute', 'EndpointSlice']);

/**
 * Kinds read only by stages that run on every translation: L4 routes are translated every time
 * (they are not remembered), and BackendTLSPolicies are applied every time to copies of the
 * clusters they target. A change to them leaves every remembered route valid. The clusters of
 * L4 backends have names of their own (`/tcp`, `/udp`; see ClusterRegistry.ensure): a name
 * shared with an HTTP cluster would let a cluster remembered for an HTTPRoute decide the
 * protocol where a translation without the memo lets the L4 route decide.
 */
const UNREMEMBERED_KINDS: ReadonlySet<KindName> = new Set<KindName>(['TLSRoute', 'TCPRoute', 'UDPRoute', 'BackendTLSPolicy']);

/**
 * Kinds the route translations do not read but the Gateway models are built from (listeners,
 * certificates, CA bundles, parameters; ConfigMaps are also read by BackendTLSPolicy, applied on
 * every translation). A change to them builds the models again and compares them with the
 * remembered ones (gateway/reuse.ts): only the routes that looked up what changed are translated
 * again, so a certificate renewal translates none.
 */
const GATEWAY_MODEL_KINDS: ReadonlySet<KindName> = new Set<KindName>(['GatewayClass', 'Gateway', 'ListenerSet', 'Secret', 'ConfigMap', 'GatewayParameters']);

/**
 * A lookup key other than a Service's (`namespace/name`, which has no NUL). What routes record:
 *
 * - `lookupKey('ReferenceGrant', namespace)`: a reference into `namespace` that needs a grant
 *   (grants live in the namespace they grant access to);
 * - `lookupKey('Namespace', namespace)`: the route's own namespace, whose labels listener
 *   selectors read;
 * - `lookupKey('ParentPresence', kind, namespace/name)`: a parentRef's target, found or not;
 *   marked when it comes, goes, or changes as a whole (a Gateway's acceptance or default
 *   scope; a ListenerSet that starts or stops naming a Gateway);
 * - `lookupKey('Parent', kind, namespace/name)` for a parentRef without sectionName, or with the
 *   sectionName as a fourth part: marked when a listener of that object (with that name)
 *   changes, comes or goes;
 * - `DEFAULT_GATEWAYS_LOOKUP`, for a route that asks for default Gateways.
 */
export function lookupKey(kind: string, ...parts: string[]): string {
  return `\u0000${kind}\u0000${parts.join('\u0000')}`;
}

/** What a route that asks for default Gateways (GEP-3793) records: marked when the set of default Gateways may change. */
export const DEFAULT_GATEWAYS_LOOKUP = lookupKey('DefaultGateways');

/** Gateway models and what building them added, reused while the context is unchanged. */
export interface RememberedGateways {
  gateways: Map<string, GatewayModel>;
  meshParents: Map<string, GatewayModel>;
  /** Secrets the Gateway models put in the translation's secret table. */
  secrets: ReadonlyMap<string, IRSecret>;
}

/** One IRCluster and the input objects it was built from. */
export interface RememberedCluster {
  service: Service;
  servicePort: ServicePort;
  protocol: ClusterProtocol;
  slices: readonly object[];
  cluster: IRCluster;
  port: ClusterServicePort;
}

/**
 * What one translation can hand to the next so that unchanged input is not translated
 * again. Passing a memo changes nothing in the result but one thing: a condition of a
 * route whose translation was reused keeps the lastTransitionTime it was first stamped
 * with (its `now`), where a translation without the memo stamps the current `now`. That is
 * what a transition time means, and callers that carry transition times over from their
 * previous statuses (the control plane does) get identical statuses either way. With an
 * unchanged `now`, the result is byte for byte the same. The contract with the caller is
 * the one the providers keep anyway: an object that changed is a new object, and objects
 * handed over are never modified afterwards.
 *
 * Remembered: the sanitized copy of each input object, each route's translation while
 * nothing but routes, EndpointSlices, Services it did not look up, ReferenceGrants of
 * namespaces it did not reach into, and what the Gateway models are built from changed (as
 * long as the models of the Gateways it looked up came out as they were), each chain's
 * virtual hosts, and each cluster while its Service and EndpointSlices are the same objects.
 * The fields are the translator's own; callers only create a memo and pass it along.
 */
export class TranslationMemo {
  /** Input object → its sanitized copy (null: the object cannot be addressed). */
  readonly sanitized = new WeakMap<object, object | null>();
  /** The sanitized input of the previous translation (its sorted lists are reused). */
  sanitizedSet?: ResourceSet;
  /** Sanitized HTTPRoute/GRPCRoute → its translation in the current context. */
  routes = new WeakMap<object, HttpRouteResult>();
  /** Set by enterContext: the context is the one everything remembered was translated in. */
  stable = false;
  gateways?: RememberedGateways;
  httpRoutes?: RememberedHttpRoutes;
  /** Cluster name → the cluster built last time. */
  clusters = new Map<string, RememberedCluster>();
  /** EndpointSlices by Service, kept while the EndpointSlices are the same objects. */
  endpointSlices?: RememberedSlices;
  /** Virtual hosts of each chain built by the previous translation (see build/http.ts). */
  private previousChains = new Map<string, RememberedChain>();
  private currentChains = new Map<string, RememberedChain>();
  private context: { options: string; addresses: string; lists: Map<KindName, readonly object[]> } | undefined;
  /**
   * Translations that changed something routes look up while routes were kept are numbered;
   * per lookup key (a Service's `namespace/name`, or a lookupKey), the number of the last one
   * that changed it. A remembered route is valid while nothing it looked up changed after the
   * translation it was made in.
   */
  private lookupEpoch = 0;
  private readonly lookupChangedAt = new Map<string, number>();
  /** One shared string per lookup key: every remembered route holds its lookups. */
  private readonly lookupKeys = new Map<string, string>();
  private readonly routeLookups = new WeakMap<object, { epoch: number; keys: readonly string[] }>();
  /** Set when something routes look up changed in this translation while routes were kept (see isStale). */
  lookupsChanged = false;
  /** Set by enterContext: something the Gateway models are built from changed (GATEWAY_MODEL_KINDS, ReferenceGrants, Namespaces, assigned addresses) while the context stayed stable. */
  gatewayInputsChanged = false;

  /**
   * Forgets every remembered route unless the objects routes depend on are the same
   * objects as last time and the options are equal. `optionsKey` leaves out `now`: a
   * remembered route's conditions keep the time they were stamped with. A change to Services
   * keeps remembered routes: only those that looked up a changed Service are translated again
   * (see isStale). With `meshParents`, Services are also parents (mesh), and a change to them
   * builds the parent models again too. `addressesKey` stands for the options only the Gateway
   * models read (the addresses assigned to Gateways): a change builds the models again, as a
   * change to their input objects does.
   */
  enterContext(resources: ResourceSet, optionsKey: string, meshParents: boolean, addressesKey = ''): void {
    const lists = new Map<KindName, readonly object[]>();
    for (const kind of KNOWN_KINDS) if (!PER_OBJECT_KINDS.has(kind)) lists.set(kind, resources.list(kind));
    const previous = this.context;
    this.stable = previous !== undefined && previous.options === optionsKey;
    this.lookupsChanged = false;
    this.gatewayInputsChanged = this.stable && previous?.addresses !== addressesKey;
    if (previous && this.stable) {
      for (const [kind, list] of lists) {
        const before = previous.lists.get(kind) ?? [];
        if (sameObjects(before, list)) continue;
        if (kind === 'Service') {
          this.noteChanges(before as readonly Service[], list as readonly Service[], serviceLookup);
          this.lookupsChanged = true;
          if (meshParents) this.gatewayInputsChanged = true;
        } else if (kind === 'ReferenceGrant') {
          // Routes follow them like Services; the Gateway models read them too (certificates in other namespaces).
          this.noteChanges(before as readonly ReferenceGrant[], list as readonly ReferenceGrant[], (grant) => lookupKey('ReferenceGrant', grant.metadata.namespace ?? ''));
          this.lookupsChanged = true;
          this.gatewayInputsChanged = true;
        } else if (kind === 'Namespace') {
          // A route reads the labels of its own namespace (allowedRoutes selectors); the Gateway models read them for ListenerSets.
          this.noteChanges(before as readonly Namespace[], list as readonly Namespace[], (namespace) => lookupKey('Namespace', namespace.metadata.name));
          this.lookupsChanged = true;
          this.gatewayInputsChanged = true;
        } else if (GATEWAY_MODEL_KINDS.has(kind)) {
          this.gatewayInputsChanged = true;
        } else if (!UNREMEMBERED_KINDS.has(kind)) {
          this.stable = false;
        }
      }
    }
    if (!this.stable) this.forgetRoutes();
    else {
      this.previousChains = this.currentChains;
      this.currentChains = new Map();
    }
    this.context = { options: optionsKey, addresses: addressesKey, lists };
  }

  /** Forgets every remembered route, Gateway model and chain: a change of context. */
  private forgetRoutes(): void {
    this.stable = false;
    this.routes = new WeakMap();
    this.previousChains = new Map();
    this.currentChains = new Map();
    this.gateways = undefined;
    this.httpRoutes = undefined;
  }

  /** Marks the lookup key of every object added, removed or replaced between the two lists. */
  private noteChanges<T extends { metadata: { namespace?: string; name: string } }>(before: readonly T[], after: readonly T[], lookupOf: (object: T) => string): void {
    const keyOf = (object: T): string => `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    const previous = new Map(before.map((object) => [keyOf(object), object]));
    const epoch = ++this.lookupEpoch;
    for (const object of after) {
      const key = keyOf(object);
      const was = previous.get(key);
      if (was !== object) {
        this.lookupChangedAt.set(lookupOf(object), epoch);
        if (was) this.lookupChangedAt.set(lookupOf(was), epoch);
      }
      previous.delete(key);
    }
    for (const object of previous.values()) this.lookupChangedAt.set(lookupOf(object), epoch);
  }

  /**
   * Marks lookup keys changed in this translation (the Gateways whose models the translation
   * built again differently): the remembered routes that looked them up are translated again.
   */
  noteLookupsChanged(keys: Iterable<string>): void {
    const epoch = ++this.lookupEpoch;
    for (const key of keys) this.lookupChangedAt.set(key, epoch);
    this.lookupsChanged = true;
  }

  /** Records what translating `route` looked up: Services (`namespace/name`, found or not) and lookupKeys. */
  rememberLookups(route: object, lookups: Iterable<string>): void {
    const keys: string[] = [];
    for (const key of lookups) {
      let shared = this.lookupKeys.get(key);
      if (shared === undefined) {
        shared = key;
        this.lookupKeys.set(key, key);
      }
      keys.push(shared);
    }
    this.routeLookups.set(route, { epoch: this.lookupEpoch, keys });
  }

  /** A remembered route that looked up something which has changed since. */
  isStale(route: object): boolean {
    const lookups = this.routeLookups.get(route);
    // Made in the latest translation that changed a lookup (or later): nothing it saw changed since.
    if (!lookups || lookups.epoch >= this.lookupEpoch) return false;
    for (const key of lookups.keys) if ((this.lookupChangedAt.get(key) ?? 0) > lookups.epoch) return true;
    return false;
  }

  private readonly vhostClusters = new WeakMap<IRVirtualHost, readonly string[]>();
  private readonly chainClusters = new WeakMap<readonly IRVirtualHost[], ReadonlyMap<string, number>>();
  /** The statuses of the previous translation, in order, and the diagnostics of each. */
  private statuses: readonly ObjectStatus[] = [];
  private statusDiagnostics: ReadonlyArray<readonly TranslateDiagnostic[]> = [];

  /** Cluster names a virtual host's routes use (remembered virtual hosts are reused objects). */
  clustersOf(vhost: IRVirtualHost, compute: (vhost: IRVirtualHost) => readonly string[]): readonly string[] {
    // Kept for every virtual host: once per name (routes repeat them), which the chain counts allow.
    return computedOnce(this.vhostClusters, vhost, (key) => {
      const names = compute(key);
      return names.length > 1 ? [...new Set(names)] : names;
    });
  }

  /**
   * The diagnostics of every status, in order. Both lists are in status order (`compare`),
   * so walking them side by side finds the statuses that are the same objects as last time
   * (remembered routes) with a comparison only where they differ.
   */
  diagnosticsOf(
    statuses: readonly ObjectStatus[],
    compare: (a: ObjectStatus, b: ObjectStatus) => number,
    compute: (status: ObjectStatus) => readonly TranslateDiagnostic[],
  ): TranslateDiagnostic[] {
    const before = this.statuses;
    const beforeDiagnostics = this.statusDiagnostics;
    const perStatus = new Array<readonly TranslateDiagnostic[]>(statuses.length);
    const out: TranslateDiagnostic[] = [];
    let j = 0;
    for (let i = 0; i < statuses.length; i++) {
      const status = statuses[i] as ObjectStatus;
      while (j < before.length && before[j] !== status && compare(before[j] as ObjectStatus, status) < 0) j++;
      let diagnostics: readonly TranslateDiagnostic[];
      if (j < before.length && before[j] === status) diagnostics = beforeDiagnostics[j++] as readonly TranslateDiagnostic[];
      else {
        const computed = compute(status);
        // Most statuses have none: they share one empty list.
        diagnostics = computed.length === 0 ? NO_DIAGNOSTICS : computed;
      }
      perStatus[i] = diagnostics;
      for (let d = 0; d < diagnostics.length; d++) out.push(diagnostics[d] as TranslateDiagnostic);
    }
    this.statuses = statuses;
    this.statusDiagnostics = perStatus;
    return out;
  }

  /**
   * The virtual hosts one chain got last time, handed over once: the caller may change its
   * `byHost` table (the IR never sees it), so asking again in the same translation gets nothing.
   */
  takeChain(key: string): RememberedChain | undefined {
    const chain = this.previousChains.get(key);
    this.previousChains.delete(key);
    return chain;
  }

  rememberChain(key: string, chain: RememberedChain): void {
    this.currentChains.set(key, chain);
    this.chainClusters.set(chain.hosts, chain.clusters);
  }

  /** The clusters of a chain whose virtual hosts are this remembered array. */
  clustersOfChain(hosts: readonly IRVirtualHost[]): ReadonlyMap<string, number> | undefined {
    return this.chainClusters.get(hosts);
  }
}

/** One chain's virtual hosts and what they were built from. */
export interface RememberedChain {
  /** The route attachments the chain was built from, in order. */
  attachments: readonly HttpListenerRoutes[];
  /** The listeners dispatched on the chain's port when it was built (the objects). */
  peers: readonly ListenerModel[];
  /** The chain's virtual hosts, in output order. */
  hosts: readonly IRVirtualHost[];
  /** Per hostname with routes: the entry lists (one per attachment serving it) and its index in `hosts`. */
  byHost: Map<string, { lists: ReadonlyArray<readonly RouteEntry[]>; index: number }>;
  /** Cluster name → how many of the hosts use it. */
  clusters: ReadonlyMap<string, number>;
}

/** The HTTPRoute/GRPCRoute phase of the previous translation (see routes/httproute.ts). */
export interface RememberedHttpRoutes {
  routes: readonly object[];
  results: readonly HttpRouteResult[];
  statuses: readonly ObjectStatus[];
  /** Attachments of every route, by `gatewayKey|port`, in route order. */
  groups: ReadonlyMap<string, readonly HttpListenerRoutes[]>;
  /** Where each attachment sits in its group, route after route; a route's start is `firstPosition[route]`. */
  positions: Int32Array;
  firstPosition: Int32Array;
  /** Per attachment (as `positions`): its group, an index into `groupKeys`. */
  groupIds: Int32Array;
  groupKeys: readonly string[];
  /** Per route: the index of its status in `statuses`, or -1. */
  statusIndex: readonly number[];
  /** How many of `statuses` are HTTPRoute statuses (GRPCRoute statuses follow them). */
  httpStatuses: number;
  /** Each kind's statuses are in status order (namespace, then name). */
  inOrder: boolean;
  /** attachedRoutes each listener gets from these routes. */
  counts: ReadonlyMap<ListenerModel, number>;
}

const NO_DIAGNOSTICS: readonly TranslateDiagnostic[] = Object.freeze([]);

function computedOnce<K extends object, V>(table: WeakMap<K, V>, key: K, compute: (key: K) => V): V {
  let value = table.get(key);
  if (value === undefined) {
    value = compute(key);
    table.set(key, value);
  }
  return value;
}

/** Same length and the same values at every index (objects by identity). */
export function sameObjects(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Where two lists differ: `before[start..endBefore)` was replaced by `after[start..endAfter)`,
 * and everything outside those ranges is the same values in the same order.
 */
export function differingRun(before: readonly unknown[], after: readonly unknown[]): { start: number; endBefore: number; endAfter: number } {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let endBefore = before.length;
  let endAfter = after.length;
  while (endBefore > start && endAfter > start && before[endBefore - 1] === after[endAfter - 1]) {
    endBefore--;
    endAfter--;
  }
  return { start, endBefore, endAfter };
}

