// What one buildXds call leaves for the next, so that a build after a small IR change does
// work in proportion to the change. The translator hands over the same IRRoute and IRCluster
// objects for what did not change; entries are keyed by those objects (weakly, so dropped IR
// goes with its entries) and hold the Envoy JSON built from them, the names they added to the
// BuildContext, and, for Route messages and cluster resources, bytes already encoded and
// checked. Built JSON and IR objects are never mutated once handed over, which is what
// makes reusing them by identity sound.
import type { IRCluster, IRRoute } from '@portico/ir';
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

interface RouteEntry extends SideEffects {
  /** What else the route's JSON was built from (see routeKey). */
  key: string;
  route: EnvoyMessage;
}

interface ClusterEntry extends SideEffects {
  cluster: EnvoyResource;
  endpoints: EnvoyResource | undefined;
}

/** Counters a test can read to see that work was reused (not part of the package API). */
export interface MemoStats {
  routesBuilt: number;
  routesReused: number;
  clustersBuilt: number;
  clustersReused: number;
  /** Resources served with the bytes of an earlier check, without encoding or validating them. */
  resourcesReused: number;
}

// One route built from one IRRoute in a few settings (proxyless and not) is usual; more is not.
const ENTRIES_PER_ROUTE = 4;

export const ROUTE_TYPE = 'envoy.config.route.v3.Route';

export class BuildMemo implements XdsBuildMemo {
  readonly kind = 'xds-build-memo';
  private features: readonly XdsFeature[] | undefined;
  private routes = new WeakMap<IRRoute, RouteEntry[]>();
  private clusters = new WeakMap<IRCluster, ClusterEntry>();
  /** Route messages encoded inside a RouteConfiguration (or alone) that passed strict encoding and PGV. */
  knownRoutes: KnownMessages = { typeName: ROUTE_TYPE, bytes: new WeakMap() };
  stats: MemoStats = emptyStats();

  /** Entries are only valid for the features they were built with: another list starts over. */
  useFeatures(features: readonly XdsFeature[]): void {
    if (this.features === features) return;
    this.features = features;
    this.routes = new WeakMap();
    this.clusters = new WeakMap();
    this.knownRoutes = { typeName: ROUTE_TYPE, bytes: new WeakMap() };
  }

  route(ir: IRRoute, key: string): RouteEntry | undefined {
    const entries = this.routes.get(ir);
    if (!entries) return undefined;
    for (const entry of entries) if (entry.key === key) return entry;
    return undefined;
  }

  setRoute(ir: IRRoute, entry: RouteEntry): void {
    const entries = this.routes.get(ir);
    if (!entries) {
      this.routes.set(ir, [entry]);
      return;
    }
    if (entries.length >= ENTRIES_PER_ROUTE) entries.shift();
    entries.push(entry);
  }

  cluster(ir: IRCluster): ClusterEntry | undefined {
    return this.clusters.get(ir);
  }

  setCluster(ir: IRCluster, entry: ClusterEntry): void {
    this.clusters.set(ir, entry);
  }
}

function emptyStats(): MemoStats {
  return { routesBuilt: 0, routesReused: 0, clustersBuilt: 0, clustersReused: 0, resourcesReused: 0 };
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
