// What one buildXds call leaves for the next, so that a build after a small IR change does
// work in proportion to the change. The translator hands over the same IR objects for what did
// not change; entries are keyed by those objects (weakly, so dropped IR goes with its entries):
// the Envoy JSON built from an IRVirtualHost (with its routes) or an IRCluster, the names building
// it added to the BuildContext, the virtual host list of each route configuration, and the bytes
// of VirtualHost messages that passed encoding and PGV. Routes are kept only inside their virtual
// host: an entry (and bytes) per route would cost tens of thousands of entries and a second copy
// of every RouteConfiguration, to spare building again the few routes of a changed virtual host.
// A resource whose JSON comes out
// the same as in the last build is served as the same object, with the bytes checked then.
// Built JSON and IR objects are never mutated once handed over, which is what makes reusing
// them by identity sound.
import type { IRCluster, IRRoute, IRVirtualHost } from '@portico/ir';
import type { XdsFeature } from '../features/feature.js';
import type { KnownMessages } from '../known.js';
import type { EnvoyMessage, EnvoyResource } from '../types.js';
import type { BuildContext, NameSet } from './context.js';
import { VariantTable } from './util.js';

/** State carried between buildXds calls; create one with createXdsBuildMemo() and pass it to every call. */
export interface XdsBuildMemo {
  readonly kind: 'xds-build-memo';
}

/** Names a builder added to the context: replayed on a hit, in the same order. */
export interface SideEffects {
  clusters: string[];
  secrets: string[];
}

interface Entry<T> extends SideEffects {
  value: T;
  /**
   * The last build whose cluster protocols the value is known to match: built then, or
   * checked then against the protocols of the backends it was built from.
   */
  validAt: number;
}

/** Entries per IR object: the JSON differs for proxyless gRPC. */
interface Slots<T, E extends Entry<T> = Entry<T>> {
  envoy?: E;
  proxyless?: E;
}

export interface VirtualHostEntry extends Entry<EnvoyMessage> {
  /** `clusters` by number (see unionOf). */
  clusterIds: number[];
}

/** Counters a test can read to see that work was reused (not part of the package API). */
export interface MemoStats {
  /** Routes built with the virtual hosts that were built (routes are not remembered on their own). */
  routesBuilt: number;
  virtualHostsBuilt: number;
  /** Virtual hosts built again whose JSON equals the last build's at their place, which is kept. */
  virtualHostsUnchanged: number;
  virtualHostsReused: number;
  clustersBuilt: number;
  clustersReused: number;
  /** Resources served with the bytes of an earlier check, without encoding or validating them. */
  resourcesReused: number;
}


function knownMessages(): KnownMessages {
  return { bytes: new WeakMap() };
}

export class BuildMemo implements XdsBuildMemo {
  readonly kind = 'xds-build-memo';
  private features: readonly XdsFeature[] | undefined;
  private virtualHosts = new WeakMap<IRVirtualHost, Slots<EnvoyMessage, VirtualHostEntry>>();
  /** Cluster names by number and the stamps unionOf marks them with. */
  private clusterIds = new Map<string, number>();
  private clusterNames: string[] = [];
  private seen = new Uint32Array(0);
  private stamp = 0;
  /** Per IRCluster, per variant (the client certificate of the Gateway, see clusterVariant). */
  private clusters = new VariantTable<IRCluster, ClusterEntry>(true);
  /** Virtual host lists by gateway, route configuration and proxyless: of the last build and this one. */
  private virtualHostLists = new Map<string, VirtualHostList>();
  private latestVirtualHostLists = new Map<string, VirtualHostList>();
  /** rememberEach results of the last build and this one, by function and key. */
  private rememberedLists = new Map<object, Map<string, RememberedList>>();
  private latestRememberedLists = new Map<object, Map<string, RememberedList>>();
  /** VirtualHost messages that passed strict encoding and PGV (and routes, while repairing a RouteConfiguration). */
  known: KnownMessages = knownMessages();
  stats: MemoStats = emptyStats();
  /** Counts buildXds calls. */
  private build = 0;
  private protocols = new Map<string, IRCluster['protocol']>();
  /**
   * Cluster name → the build that saw its protocol change (or the cluster appear or go): a
   * route's JSON reads the protocol of its backend clusters (websocket upgrades).
   */
  private protocolChanged = new Map<string, number>();
  private lastProtocolChange = 0;
  /** Resources built by the last build and this one, by gateway, type and name. */
  private previous = new Map<string, EnvoyResource>();
  private latest = new Map<string, EnvoyResource>();

  /** Starts a build: entries are only valid for the features they were built with, and another list starts over. */
  begin(features: readonly XdsFeature[], clusters: readonly IRCluster[]): void {
    if (this.features !== features) {
      this.features = features;
      this.virtualHosts = new WeakMap();
      this.clusters = new VariantTable(true);
      this.latestVirtualHostLists = new Map();
      this.known = knownMessages();
    }
    this.build += 1;
    // What the last build did not use is dropped (a removed route configuration, say).
    this.previous = this.latest;
    this.latest = new Map();
    this.virtualHostLists = this.latestVirtualHostLists;
    this.latestVirtualHostLists = new Map();
    this.rememberedLists = this.latestRememberedLists;
    this.latestRememberedLists = new Map();
    const present = new Set<string>();
    for (const cluster of clusters) {
      present.add(cluster.name);
      if (this.protocols.get(cluster.name) === cluster.protocol) continue;
      this.protocols.set(cluster.name, cluster.protocol);
      this.changed(cluster.name);
    }
    for (const name of this.protocols.keys()) {
      if (present.has(name)) continue;
      this.protocols.delete(name);
      this.changed(name);
    }
  }

  private changed(name: string): void {
    this.protocolChanged.set(name, this.build);
    this.lastProtocolChange = this.build;
  }

  /** `entry` if no backend cluster of `routes` changed protocol since it was built (or last checked). */
  private current<E extends Entry<unknown>>(entry: E | undefined, routes: () => Iterable<readonly IRRoute[]>): E | undefined {
    if (!entry || entry.validAt >= this.lastProtocolChange) return entry;
    // The routes are walked only after a protocol change.
    for (const list of routes()) if (!this.protocolsSince(list, entry.validAt)) return undefined;
    entry.validAt = this.build;
    return entry;
  }

  private protocolsSince(routes: readonly IRRoute[], build: number): boolean {
    for (const route of routes) {
      if (route.action.kind !== 'forward') continue;
      for (const backend of route.action.backends) {
        if ((this.protocolChanged.get(backend.cluster) ?? 0) > build) return false;
      }
    }
    return true;
  }

  virtualHost(ir: IRVirtualHost, proxyless: boolean): VirtualHostEntry | undefined {
    const slots = this.virtualHosts.get(ir);
    const entry = proxyless ? slots?.proxyless : slots?.envoy;
    return this.current(entry, () => [ir.routes]);
  }

  /** The entry for a virtual host just built, kept for later builds when `cacheable`. */
  setVirtualHost(ir: IRVirtualHost, proxyless: boolean, value: EnvoyMessage, effects: SideEffects, cacheable: boolean): VirtualHostEntry {
    const entry = { value, ...effects, clusterIds: effects.clusters.map((name) => this.clusterId(name)), validAt: this.build };
    if (cacheable) setSlot(this.virtualHosts, ir, proxyless, entry);
    return entry;
  }

  private clusterId(name: string): number {
    let id = this.clusterIds.get(name);
    if (id === undefined) {
      id = this.clusterNames.length;
      this.clusterIds.set(name, id);
      this.clusterNames.push(name);
    }
    return id;
  }

  /**
   * The names the virtual hosts added, in the order adding them one host after the other
   * would add them first. Numbered names and a stamp per name make this a pass over arrays:
   * a route configuration of thousands of hosts repeats the same few hundred clusters.
   */
  unionOf(entries: readonly VirtualHostEntry[]): SideEffects {
    this.stamp += 1;
    if (this.seen.length < this.clusterNames.length) {
      const grown = new Uint32Array(Math.max(this.clusterNames.length, this.seen.length * 2, 64));
      grown.set(this.seen);
      this.seen = grown;
    }
    const clusters: string[] = [];
    const secrets = new Set<string>();
    for (const entry of entries) {
      for (const id of entry.clusterIds) {
        if (this.seen[id] === this.stamp) continue;
        this.seen[id] = this.stamp;
        clusters.push(this.clusterNames[id]);
      }
      for (const name of entry.secrets) secrets.add(name);
    }
    return { clusters, secrets: [...secrets] };
  }

  /**
   * The resource the last build made under `key` when `built` has the same JSON, else `built`:
   * served again, it keeps the bytes checked then, and encoding and validation are skipped.
   */
  unchanged(key: string, built: EnvoyResource): EnvoyResource {
    const previous = this.previous.get(key);
    const resource = previous && previous !== built && sameJson(previous.message, built.message) ? previous : built;
    this.latest.set(key, resource);
    return resource;
  }

  /**
   * The virtual hosts built last time for the route configuration `key` when it still lists
   * the same IRVirtualHost objects, with the names they added to the context.
   */
  virtualHostList(key: string, ir: readonly IRVirtualHost[]): Entry<EnvoyMessage[]> | undefined {
    const entry = this.virtualHostLists.get(key);
    if (!entry || entry.ir.length !== ir.length) return undefined;
    for (let i = 0; i < ir.length; i++) if (entry.ir[i] !== ir[i]) return undefined;
    const current = this.current(entry, () => ir.map((vh) => vh.routes));
    if (current) this.latestVirtualHostLists.set(key, entry);
    return current;
  }

  setVirtualHostList(key: string, ir: readonly IRVirtualHost[], value: EnvoyMessage[], effects: SideEffects, entries: readonly VirtualHostEntry[]): void {
    this.latestVirtualHostLists.set(key, { ir, value, ...effects, entries, validAt: this.build });
  }

  /**
   * The entries of the list last built for `key`, by position, when no cluster changed protocol
   * since: an edited route configuration lists the same IRVirtualHost objects at most positions,
   * and an identity test per position is cheaper than a lookup per host.
   */
  previousVirtualHosts(key: string): (SideEffects & { ir: readonly IRVirtualHost[]; entries: readonly VirtualHostEntry[] }) | undefined {
    const entry = this.virtualHostLists.get(key);
    return entry && entry.validAt >= this.lastProtocolChange ? entry : undefined;
  }

  /**
   * `combine(list.map(each))`, with `each` run only for objects not at the same position in the
   * list last kept under `key`; what the last build did not ask for is dropped.
   */
  rememberEach<T extends object, R, V>(each: (item: T) => R, combine: (results: readonly R[]) => V, key: string, list: readonly T[]): V {
    const previous = this.latestRememberedLists.get(each)?.get(key) ?? this.rememberedLists.get(each)?.get(key);
    let kept = previous;
    if (!previous || !sameElements(previous.list, list)) {
      const aligned = previous !== undefined && previous.list.length === list.length;
      const results = list.map((item, i): R => (aligned && previous.list[i] === item ? (previous.results[i] as R) : each(item)));
      kept = { list, results, value: combine(results) };
    }
    let latest = this.latestRememberedLists.get(each);
    if (!latest) {
      latest = new Map();
      this.latestRememberedLists.set(each, latest);
    }
    latest.set(key, kept as RememberedList);
    return (kept as RememberedList).value as V;
  }

  cluster(ir: IRCluster, variant: string): ClusterEntry | undefined {
    return this.clusters.get(ir, variant);
  }

  setCluster(ir: IRCluster, variant: string, entry: ClusterEntry): void {
    this.clusters.set(ir, variant, entry);
  }
}

/** Deep equality of JSON values, key order included; shared objects compare at once. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  if (aKeys.length !== bKeys.length) return false;
  for (let i = 0; i < aKeys.length; i++) {
    const key = aKeys[i];
    if (key !== bKeys[i]) return false;
    if (!sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}

interface RememberedList {
  list: readonly object[];
  results: readonly unknown[];
  value: unknown;
}

function sameElements(a: readonly object[], b: readonly object[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function setSlot<K extends object, T, E extends Entry<T>>(map: WeakMap<K, Slots<T, E>>, key: K, proxyless: boolean, entry: E): void {
  let slots = map.get(key);
  if (!slots) {
    slots = {};
    map.set(key, slots);
  }
  if (proxyless) slots.proxyless = entry;
  else slots.envoy = entry;
}

interface VirtualHostList extends Entry<EnvoyMessage[]> {
  ir: readonly IRVirtualHost[];
  entries: readonly VirtualHostEntry[];
}

interface ClusterEntry extends SideEffects {
  cluster: EnvoyResource;
  endpoints: EnvoyResource | undefined;
}

function emptyStats(): MemoStats {
  return { routesBuilt: 0, virtualHostsBuilt: 0, virtualHostsUnchanged: 0, virtualHostsReused: 0, clustersBuilt: 0, clustersReused: 0, resourcesReused: 0 };
}

export function createXdsBuildMemo(): XdsBuildMemo {
  return new BuildMemo();
}

export function memoState(memo: XdsBuildMemo): BuildMemo {
  if (!(memo instanceof BuildMemo)) throw new TypeError('not a memo from createXdsBuildMemo()');
  return memo;
}

/** The memo's counters since it was created. */
export function memoStats(memo: XdsBuildMemo): MemoStats {
  return { ...memoState(memo).stats };
}

/**
 * Runs `build` with fresh name sets in place of the context's, then adds what it added to the
 * real ones in the same order. Returns undefined side effects when the build did something
 * else to the context that a replay could not repeat (synthesized a feature cluster).
 */
export function recordSideEffects<T>(ctx: BuildContext, build: (ctx: BuildContext) => T): { value: T; effects: SideEffects | undefined } {
  const recorded = recordOnly(ctx, build);
  replaySideEffects(ctx, recorded.effects);
  return { value: recorded.value, effects: recorded.cacheable ? recorded.effects : undefined };
}

/** recordSideEffects without adding the names to the context (the caller does, later). */
export function recordOnly<T>(ctx: BuildContext, build: (ctx: BuildContext) => T): { value: T; effects: SideEffects; cacheable: boolean } {
  const clusters = new Set<string>();
  const secrets = new Set<string>();
  const featureClusters = ctx.featureClusters.length;
  const value = build({ ...ctx, referencedClusters: clusters, referencedSecrets: secrets });
  return { value, effects: { clusters: namesOf(clusters), secrets: namesOf(secrets) }, cacheable: ctx.featureClusters.length === featureClusters };
}

// Kept for every route and virtual host built: most add no secrets, and share one empty list.
const NO_NAMES = Object.freeze([]) as unknown as string[];

export function namesOf(names: NameSet): string[] {
  if (names.size === 0) return NO_NAMES;
  // Set.forEach with a module-level callback instead of a spread, which left iterator results
  // behind in a sampling heap profile: this runs for every route built.
  collected = new Array<string>(names.size);
  collectedCount = 0;
  names.forEach(collectName);
  return collected;
}

let collected: string[] = NO_NAMES;
let collectedCount = 0;

function collectName(name: string): void {
  collected[collectedCount++] = name;
}

export function replaySideEffects(ctx: BuildContext, effects: { readonly clusters: readonly string[]; readonly secrets: readonly string[] }): void {
  const { clusters, secrets } = effects;
  for (let i = 0; i < clusters.length; i++) ctx.referencedClusters.add(clusters[i] as string);
  for (let i = 0; i < secrets.length; i++) ctx.referencedSecrets.add(secrets[i] as string);
}
