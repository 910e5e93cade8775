// Lookups shared by every builder and feature while one IRGateway is built.
import type { IR, IRCluster, IRGateway, IRSecret } from '@portico/ir';
import type { EnvoyResource } from '../types.js';
import type { BuildMemo } from './memo.js';
import type { SharedRoutes } from './shared_routes.js';

/** The names a build refers to: a Set, or a NameList while one route's names are recorded. */
export interface NameSet extends Iterable<string> {
  add(name: string): unknown;
  readonly size: number;
  forEach(each: (name: string) => void): void;
}

/**
 * The names one route adds, while they are recorded (SharedRoutes.recorderFor). A Set would do,
 * but emptying one (clear()) allocates a new table each time, ~0.8 MB per cold build of the
 * large bench fixture. A route adds a few names (its backends, mirrors, an auth cluster), so a
 * list searched for repeats is enough.
 */
export class NameList implements NameSet {
  private readonly names: string[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(name: string): this {
    for (let i = 0; i < this.count; i++) if (this.names[i] === name) return this;
    this.names[this.count++] = name;
    return this;
  }

  forEach(each: (name: string) => void): void {
    for (let i = 0; i < this.count; i++) each(this.names[i] as string);
  }

  /** Empties the list; the entries beyond its size are overwritten as names are added. */
  clear(): void {
    this.count = 0;
  }

  *[Symbol.iterator](): Iterator<string> {
    for (let i = 0; i < this.count; i++) yield this.names[i] as string;
  }
}

export interface BuildContext {
  ir: IR;
  gateway: IRGateway;
  clusters: ReadonlyMap<string, IRCluster>;
  secrets: ReadonlyMap<string, IRSecret>;
  /** True while building an HCM for a proxyless gRPC api_listener. */
  proxyless: boolean;
  /** Cluster names referenced by what has been built so far (served to this group). */
  referencedClusters: NameSet;
  /** Secret names referenced by what has been built so far. */
  referencedSecrets: NameSet;
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

/** The IR's clusters and secrets by name: made once per buildXds call, for all its Gateways. */
export interface IrLookups {
  clusters: ReadonlyMap<string, IRCluster>;
  secrets: ReadonlyMap<string, IRSecret>;
}

export function lookupsOf(ir: IR): IrLookups {
  return { clusters: new Map(ir.clusters.map((c) => [c.name, c])), secrets: new Map(ir.secrets.map((s) => [s.name, s])) };
}

export function createContext(ir: IR, gateway: IRGateway, lookups: IrLookups, routes: SharedRoutes, memo?: BuildMemo): BuildContext {
  const { clusters, secrets } = lookups;
  return {
    ir,
    gateway,
    clusters,
    secrets,
    proxyless: false,
    referencedClusters: new Set(),
    referencedSecrets: new Set(),
    routes,
    featureClusters: [],
    rememberEach: memo ? (each, combine, key, list) => memo.rememberEach(each, combine, `${gateway.name}\u0000${key}`, list) : computeEachNow,
  };
}
