// What one buildXds call leaves for the next, so that a build after a small IR change does
// work in proportion to the change. The translator hands over the same IRRoute and IRCluster
// objects for what did not change; entries are keyed by those objects (weakly, so dropped IR
// goes with its entries) and hold the Envoy JSON built from them, the names they added to the
// BuildContext, and, for Route messages and cluster resources, bytes already encoded and
// checked. Built JSON and IR objects are never mutated once handed over, which is what
// makes reusing them by identity sound.
import type { IRCluster, IRRoute, IRVirtualHost } from '@portico/ir';
import type { XdsFeature } from '../features/feature.js';
import type { KnownMessages } from '../known.js';
import type { EnvoyMessage, EnvoyResource } from '../types.js';
import type { BuildContext } from './context.js';

/** State carried between buildXds calls; create one with createXdsBuildMemo() and pass it to every call. */
export interface XdsBuildMemo {
  readonly kind: 'xds-build-memo';
}

/** Names a builder added to the context: replayed on a hit, in the same order. */
interface SideEffects {
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
interface Slots<T> {
  envoy?: Entry<T>;
  proxyless?: Entry<T>;
}

/** Counters a test can read to see that work was reused (not part of the package API). */
export interface MemoStats {
  routesBuilt: number;
  routesReused: number;
  virtualHostsBuilt: number;
  virtualHostsReused: number;
  clustersBuilt: number;
  clustersReused: number;
  /** Resources served with the bytes of an earlier check, without encoding or validating them. */
  resourcesReused: number;
}

export const ROUTE_TYPE = 'envoy.config.route.v3.Route';
const VIRTUAL_HOST_TYPE = 'envoy.config.route.v3.VirtualHost';

function knownMessages(): KnownMessages {
  return { typeNames: [ROUTE_TYPE, VIRTUAL_HOST_TYPE], bytes: new WeakMap() };
}

export class BuildMemo implements XdsBuildMemo {
  readonly kind = 'xds-build-memo';
  private features: readonly XdsFeature[] | undefined;
  private routes = new WeakMap<IRRoute, Slots<EnvoyMessage>>();
  private virtualHosts = new WeakMap<IRVirtualHost, Slots<EnvoyMessage>>();
  private clusters = new WeakMap<IRCluster, ClusterEntry>();
  /** Route and VirtualHost messages that passed strict encoding and PGV (alone or inside a RouteConfiguration). */
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

  /** Starts a build: entries are only valid for the features they were built with, and another list starts over. */
  begin(features: readonly XdsFeature[], clusters: readonly IRCluster[]): void {
    if (this.features !== features) {
      this.features = features;
      this.routes = new WeakMap();
      this.virtualHosts = new WeakMap();
      this.clusters = new WeakMap();
      this.known = knownMessages();
    }
    this.build += 1;
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
  private current<T>(entry: Entry<T> | undefined, routes: readonly IRRoute[]): Entry<T> | undefined {
    if (!entry || entry.validAt >= this.lastProtocolChange) return entry;
    for (const route of routes) {
      if (route.action.kind !== 'forward') continue;
      for (const backend of route.action.backends) {
        if ((this.protocolChanged.get(backend.cluster) ?? 0) > entry.validAt) return undefined;
      }
    }
    entry.validAt = this.build;
    return entry;
  }

  route(ir: IRRoute, proxyless: boolean): Entry<EnvoyMessage> | undefined {
    const slots = this.routes.get(ir);
    return this.current(proxyless ? slots?.proxyless : slots?.envoy, [ir]);
  }

  setRoute(ir: IRRoute, proxyless: boolean, value: EnvoyMessage, effects: SideEffects): void {
    setSlot(this.routes, ir, proxyless, { value, ...effects, validAt: this.build });
  }

  virtualHost(ir: IRVirtualHost, proxyless: boolean): Entry<EnvoyMessage> | undefined {
    const slots = this.virtualHosts.get(ir);
    return this.current(proxyless ? slots?.proxyless : slots?.envoy, ir.routes);
  }

  setVirtualHost(ir: IRVirtualHost, proxyless: boolean, value: EnvoyMessage, effects: SideEffects): void {
    setSlot(this.virtualHosts, ir, proxyless, { value, ...effects, validAt: this.build });
  }

  cluster(ir: IRCluster): ClusterEntry | undefined {
    return this.clusters.get(ir);
  }

  setCluster(ir: IRCluster, entry: ClusterEntry): void {
    this.clusters.set(ir, entry);
  }
}

function setSlot<K extends object, T>(map: WeakMap<K, Slots<T>>, key: K, proxyless: boolean, entry: Entry<T>): void {
  let slots = map.get(key);
  if (!slots) {
    slots = {};
    map.set(key, slots);
  }
  if (proxyless) slots.proxyless = entry;
  else slots.envoy = entry;
}

interface ClusterEntry extends SideEffects {
  cluster: EnvoyResource;
  endpoints: EnvoyResource | undefined;
}

function emptyStats(): MemoStats {
  return { routesBuilt: 0, routesReused: 0, virtualHostsBuilt: 0, virtualHostsReused: 0, clustersBuilt: 0, clustersReused: 0, resourcesReused: 0 };
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
  const clusters = new Set<string>();
  const secrets = new Set<string>();
  const featureClusters = ctx.featureClusters.length;
  const value = build({ ...ctx, referencedClusters: clusters, referencedSecrets: secrets });
  const effects = { clusters: [...clusters], secrets: [...secrets] };
  replaySideEffects(ctx, effects);
  return { value, effects: ctx.featureClusters.length === featureClusters ? effects : undefined };
}

export function replaySideEffects(ctx: BuildContext, effects: SideEffects): void {
  for (const name of effects.clusters) ctx.referencedClusters.add(name);
  for (const name of effects.secrets) ctx.referencedSecrets.add(name);
}
