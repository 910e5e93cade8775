// What one stream is believed to hold of one resource type.
import type { CachedResource } from './cache.js';

/**
 * A resource the stream was sent, or only a version the client declared (Delta
 * initial_resource_versions). Sent resources are kept as themselves, not wrapped.
 */
export type KnownResource = CachedResource | { readonly version: string };

export function sentResource(known: KnownResource): CachedResource | undefined {
  return 'typeUrl' in known ? known : undefined;
}

/**
 * A map of name → KnownResource that, while a stream holds exactly what a cache view holds,
 * is that view rather than a copy of it: a proxy in sync then costs no map of its own (with
 * 1,000 proxies of a Gateway, one map instead of 1,001). The first change that makes the two
 * differ copies the view. Only views the cache never changes after publishing them may be
 * shared (see SnapshotCache: every snapshot builds new ones, and the virtual_host view is a
 * LayeredMap, edited into a new one).
 */
export class KnownResources {
  private shared: ReadonlyMap<string, CachedResource> | undefined;
  /** While shared: names the stream still holds that the view does not (removals held back). */
  private extra: Map<string, KnownResource> | undefined;
  private own = new Map<string, KnownResource>();

  /** The view this is (apart from held-back names), while it is one. */
  get view(): ReadonlyMap<string, CachedResource> | undefined {
    return this.shared;
  }

  get size(): number {
    return this.shared ? this.shared.size + (this.extra?.size ?? 0) : this.own.size;
  }

  get(name: string): KnownResource | undefined {
    return this.shared ? (this.extra?.get(name) ?? this.shared.get(name)) : this.own.get(name);
  }

  has(name: string): boolean {
    return this.shared ? this.extra?.has(name) === true || this.shared.has(name) : this.own.has(name);
  }

  set(name: string, value: KnownResource): void {
    if (this.shared) {
      if (this.shared.get(name) === value) return;
      if (!this.shared.has(name)) {
        (this.extra ??= new Map()).set(name, value);
        return;
      }
    }
    this.ownCopy().set(name, value);
  }

  delete(name: string): void {
    if (this.shared) {
      if (this.extra?.delete(name) === true || !this.shared.has(name)) return;
    }
    this.ownCopy().delete(name);
  }

  keys(): IterableIterator<string> {
    return this.shared ? concat(this.shared.keys(), this.extra?.keys()) : this.own.keys();
  }

  entries(): IterableIterator<[string, KnownResource]> {
    return this.shared ? concat<[string, KnownResource]>(this.shared.entries(), this.extra?.entries()) : this.own.entries();
  }

  /** Holds exactly `resources` from now on (the map is taken, not copied). */
  replace(resources: Map<string, KnownResource>): void {
    this.shared = undefined;
    this.extra = undefined;
    this.own = resources;
  }

  /**
   * Holds what `view` holds, which must never change (see the class comment), and the names
   * `held` lists that the view lacks, as they are held now.
   */
  share(view: ReadonlyMap<string, CachedResource>, held: Iterable<string> = []): void {
    let extra: Map<string, KnownResource> | undefined;
    for (const name of held) {
      const known = view.has(name) ? undefined : this.get(name);
      if (known) (extra ??= new Map()).set(name, known);
    }
    this.shared = view;
    this.extra = extra;
    if (this.own.size > 0) this.own = new Map();
  }

  private ownCopy(): Map<string, KnownResource> {
    if (this.shared) {
      const own = new Map<string, KnownResource>(this.shared);
      for (const [name, known] of this.extra ?? []) own.set(name, known);
      this.own = own;
      this.shared = undefined;
      this.extra = undefined;
    }
    return this.own;
  }
}

function* concat<T>(first: IterableIterator<T>, second: IterableIterator<T> | undefined): IterableIterator<T> {
  yield* first;
  if (second) yield* second;
}
