// Lookups shared by every builder and feature while one IRGateway is built.
import type { IR, IRCluster, IRGateway, IRSecret } from '@portico/ir';
import type { EnvoyResource } from '../types.js';
import type { BuildMemo } from './memo.js';
import type { SharedRoutes } from './shared_routes.js';

export interface BuildContext {
  ir: IR;
  gateway: IRGateway;
  clusters: ReadonlyMap<string, IRCluster>;
  secrets: ReadonlyMap<string, IRSecret>;
  /** True while building an HCM for a proxyless gRPC api_listener. */
  proxyless: boolean;
  /** Cluster names referenced by what has been built so far (served to this group). */
  referencedClusters: Set<string>;
  /** Secret names referenced by what has been built so far. */
  referencedSecrets: Set<string>;
  /** Routes built so far in this buildXds call, shared with every Gateway that serves the same IRRoute. */
  routes: SharedRoutes;
  /** Clusters synthesized by features (not IR clusters), served to this group and screened like the rest. */
  featureClusters: EnvoyResource[];
  /**
   * `combine(list.map(each))`, kept by a memoized buildXds under `key`: for what a feature
   * derives from every virtual host of a route configuration. The translator hands over a new
   * list for an edited table that holds the same IR objects at most positions: `each` runs only
   * where the object changed, and nothing runs while the list is the same.
   */
  rememberEach<T extends object, R, V>(each: (item: T) => R, combine: (results: readonly R[]) => V, key: string, list: readonly T[]): V;
}

function computeEachNow<T extends object, R, V>(each: (item: T) => R, combine: (results: readonly R[]) => V, _key: string, list: readonly T[]): V {
  return combine(list.map(each));
}

export function createContext(ir: IR, gateway: IRGateway, routes: SharedRoutes, memo?: BuildMemo): BuildContext {
  return {
    ir,
    gateway,
    clusters: new Map(ir.clusters.map((c) => [c.name, c])),
    secrets: new Map(ir.secrets.map((s) => [s.name, s])),
    proxyless: false,
    referencedClusters: new Set(),
    referencedSecrets: new Set(),
    routes,
    featureClusters: [],
    rememberEach: memo ? (each, combine, key, list) => memo.rememberEach(each, combine, `${gateway.name}\u0000${key}`, list) : computeEachNow,
  };
}
