// A map that is never changed once published: an edit publishes a new one.
//
// The cache's virtual_host view is edited on every snapshot (a host or two per route edit) and
// has thousands of entries at 10k routes. Patching one Map in place kept every VHDS stream from
// holding the view itself (KnownResources may only share a view that never changes), so each
// such stream kept a map of its own; copying the whole Map on every edit instead cost 1–2.5 ms
// per snapshot. A LayeredMap keeps the edits since the last compaction beside a base it shares
// with its predecessors: an edit copies only those edits, and they are folded into a new base
// once they reach a fraction of it.

const REMOVED = Symbol('removed');
type Change<V> = V | typeof REMOVED;

/** Edits kept beside the base before a publish folds them into a new base: 1 per this many entries. */
const COMPACT_RATIO = 8;
/** Small maps are cheap to copy: they keep up to this many edits whatever their size. */
const COMPACT_MIN = 32;

export class LayeredMap<V extends object> implements ReadonlyMap<string, V> {
  private static readonly emptyBase: ReadonlyMap<string, never> = new Map<string, never>();

  private constructor(
    private readonly base: ReadonlyMap<string, V>,
    /** Entries set or removed since `base`; a name in neither is as in `base`. */
    private readonly changes: ReadonlyMap<string, Change<V>>,
    readonly size: number,
  ) {}

  static empty<V extends object>(): LayeredMap<V> {
    return new LayeredMap<V>(LayeredMap.emptyBase, LayeredMap.emptyBase, 0);
  }

  /** A draft that starts as this map; publishing it leaves this one as it is. */
  edit(): LayeredMapDraft<V> {
    return new LayeredMapDraft(this.base, new Map(this.changes), this.size, (base, changes, size) => new LayeredMap(base, changes, size));
  }

  /** How many edits are kept beside the base (for tests: compaction bounds it). */
  get pendingChanges(): number {
    return this.changes.size;
  }

  get(key: string): V | undefined {
    return lookup(this.base, this.changes, key);
  }

  has(key: string): boolean {
    const change = this.changes.get(key);
    return change === undefined ? this.base.has(key) : change !== REMOVED;
  }

  *entries(): MapIterator<[string, V]> {
    for (const entry of this.base) if (!this.changes.has(entry[0])) yield entry;
    for (const [key, change] of this.changes) if (change !== REMOVED) yield [key, change];
  }

  *keys(): MapIterator<string> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): MapIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: string, map: ReadonlyMap<string, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }
}

function lookup<V extends object>(base: ReadonlyMap<string, V>, changes: ReadonlyMap<string, Change<V>>, key: string): V | undefined {
  const change = changes.get(key);
  if (change === undefined) return base.get(key);
  return change === REMOVED ? undefined : change;
}

/** The edits to one LayeredMap; publish() makes the next map. Not to be used after publishing. */
export class LayeredMapDraft<V extends object> {
  constructor(
    private readonly base: ReadonlyMap<string, V>,
    private readonly changes: Map<string, Change<V>>,
    private size: number,
    private readonly make: (base: ReadonlyMap<string, V>, changes: ReadonlyMap<string, Change<V>>, size: number) => LayeredMap<V>,
  ) {}

  get(key: string): V | undefined {
    return lookup(this.base, this.changes, key);
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  set(key: string, value: V): void {
    if (!this.has(key)) this.size += 1;
    this.changes.set(key, value);
  }

  delete(key: string): boolean {
    if (!this.has(key)) return false;
    this.size -= 1;
    if (this.base.has(key)) this.changes.set(key, REMOVED);
    else this.changes.delete(key);
    return true;
  }

  publish(): LayeredMap<V> {
    if (this.changes.size <= Math.max(COMPACT_MIN, this.base.size / COMPACT_RATIO)) return this.make(this.base, this.changes, this.size);
    const merged = new Map<string, V>();
    for (const entry of this.base) if (!this.changes.has(entry[0])) merged.set(entry[0], entry[1]);
    for (const [key, change] of this.changes) if (change !== REMOVED) merged.set(key, change);
    return this.make(merged, new Map(), this.size);
  }
}
