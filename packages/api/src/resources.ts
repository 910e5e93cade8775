import type {
  BackendTLSPolicy,
  ConfigMap,
  EndpointSlice,
  Gateway,
  GatewayClass,
  GatewayParameters,
  GRPCRoute,
  HTTPRoute,
  ListenerSet,
  Namespace,
  ReferenceGrant,
  Secret,
  Service,
  TCPRoute,
  TLSRoute,
  UDPRoute,
} from './types.js';

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';
export const GATEWAY_EXPERIMENTAL_GROUP = 'gateway.networking.x-k8s.io';
/** Whether an object's apiVersion is of Gateway API's experimental group (false when it has none). */
export function isExperimentalApiVersion(apiVersion: unknown): boolean {
  return typeof apiVersion === 'string' && apiVersion.startsWith(`${GATEWAY_EXPERIMENTAL_GROUP}/`);
}

/** API group of Portico's own kinds (GatewayParameters). */
export const PORTICO_GROUP = 'gateway.portico.dev';

/** Every kind Portico reads, keyed by its Kubernetes kind. */
export interface ResourceKinds {
  GatewayClass: GatewayClass;
  Gateway: Gateway;
  ListenerSet: ListenerSet;
  HTTPRoute: HTTPRoute;
  GRPCRoute: GRPCRoute;
  TLSRoute: TLSRoute;
  TCPRoute: TCPRoute;
  UDPRoute: UDPRoute;
  ReferenceGrant: ReferenceGrant;
  BackendTLSPolicy: BackendTLSPolicy;
  Service: Service;
  EndpointSlice: EndpointSlice;
  Secret: Secret;
  ConfigMap: ConfigMap;
  Namespace: Namespace;
  GatewayParameters: GatewayParameters;
}

export type KindName = keyof ResourceKinds;

export const KNOWN_KINDS: readonly KindName[] = [
  'GatewayClass',
  'Gateway',
  'ListenerSet',
  'HTTPRoute',
  'GRPCRoute',
  'TLSRoute',
  'TCPRoute',
  'UDPRoute',
  'ReferenceGrant',
  'BackendTLSPolicy',
  'Service',
  'EndpointSlice',
  'Secret',
  'ConfigMap',
  'Namespace',
  'GatewayParameters',
];

const CORE_GROUP: readonly string[] = [''];
const DISCOVERY_GROUP: readonly string[] = ['discovery.k8s.io'];
const PORTICO_GROUPS: readonly string[] = [PORTICO_GROUP];
const GATEWAY_ONLY: readonly string[] = [GATEWAY_GROUP];
const LISTENER_SET_GROUPS: readonly string[] = [GATEWAY_GROUP, GATEWAY_EXPERIMENTAL_GROUP];

/**
 * The API groups a kind is read from ('' is the core group, apiVersion `v1`), by file mode and
 * the Kubernetes provider alike (a test holds the provider's served versions to it). Only
 * ListenerSet has two: its experimental forerunner XListenerSet is read as one. Other projects
 * use the same kind names (Istio's networking.istio.io Gateway): those objects are not ours.
 */
export function apiGroupsOf(kind: KindName): readonly string[] {
  switch (kind) {
    case 'Service':
    case 'Secret':
    case 'ConfigMap':
    case 'Namespace':
      return CORE_GROUP;
    case 'EndpointSlice':
      return DISCOVERY_GROUP;
    case 'GatewayParameters':
      return PORTICO_GROUPS;
    case 'ListenerSet':
      return LISTENER_SET_GROUPS;
    default:
      return GATEWAY_ONLY;
  }
}

/** Kinds whose status Portico computes. */
export const STATUS_KINDS: readonly KindName[] = [
  'GatewayClass',
  'Gateway',
  'ListenerSet',
  'HTTPRoute',
  'GRPCRoute',
  'TLSRoute',
  'TCPRoute',
  'UDPRoute',
  'BackendTLSPolicy',
];

export function isKnownKind(kind: string): kind is KindName {
  return (KNOWN_KINDS as readonly string[]).includes(kind);
}

/** `namespace/name` for namespaced objects, `name` for cluster-scoped ones. */
export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

type AnyObject = ResourceKinds[KindName];

function keyOf(object: AnyObject): string {
  return objectKey(object.metadata.namespace, object.metadata.name);
}

function sameKey(a: AnyObject, b: AnyObject): boolean {
  return a === b || (a.metadata.name === b.metadata.name && (a.metadata.namespace ?? '') === (b.metadata.namespace ?? ''));
}

/**
 * Objects by namespace ('' for cluster-scoped), then name. Two levels rather than one
 * `namespace/name` key: a lookup then hashes strings that already exist (and keep their
 * hash) instead of a new concatenation each time.
 */
type Index = Map<string, Map<string, AnyObject>>;

function indexGet(index: Index, namespace: string | undefined, name: string): AnyObject | undefined {
  return index.get(namespace ?? '')?.get(name);
}

/** Sets the entry; returns the object it replaced. */
function indexSet(index: Index, object: AnyObject): AnyObject | undefined {
  const namespace = object.metadata.namespace ?? '';
  let names = index.get(namespace);
  if (!names) {
    names = new Map();
    index.set(namespace, names);
  }
  const existing = names.get(object.metadata.name);
  names.set(object.metadata.name, object);
  return existing;
}

/** Positions of `keys` in key order. */
function sortOrder(keys: readonly string[]): Uint32Array {
  const order = new Uint32Array(keys.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => {
    const x = keys[a] as string;
    const y = keys[b] as string;
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/**
 * One kind's objects. Building a set only appends: the lookup index is built (and duplicate
 * keys resolved) when a lookup needs it, and keys are made only to sort, so a set that is
 * built, mapped and listed in an order taken over from an earlier set never makes a key.
 */
class Bucket {
  /** Insertion order. Unless `unique`, a later object may have the key of an earlier one (the later one wins). */
  objects: AnyObject[] = [];
  unique = true;
  /** May be shared with another set (`sharedIndex`), and is then copied before a change. */
  index: Index | undefined;
  sharedIndex = false;
  /** Sorted position → position in `objects` (only while `unique`). */
  order: Uint32Array | undefined;
  sorted: readonly AnyObject[] | undefined;
  /** For a bucket made by mapObjects without dropping anything: the objects it was mapped from, position by position. */
  mappedFrom: readonly AnyObject[] | undefined;

  append(object: AnyObject): void {
    if (this.index) {
      const existing = indexSet(this.writableIndex(), object);
      if (existing !== undefined) this.objects[this.objects.indexOf(existing)] = object;
      else this.objects.push(object);
    } else {
      this.objects.push(object);
      if (this.objects.length > 1) this.unique = false;
    }
    this.changed();
  }

  remove(namespace: string | undefined, name: string): boolean {
    const object = indexGet(this.lookup(), namespace, name);
    if (object === undefined) return false;
    this.writableIndex().get(namespace ?? '')?.delete(name);
    this.objects.splice(this.objects.indexOf(object), 1);
    this.changed();
    return true;
  }

  private changed(): void {
    this.order = undefined;
    this.sorted = undefined;
    this.mappedFrom = undefined;
  }

  private writableIndex(): Index {
    const index = this.lookup();
    if (!this.sharedIndex) return index;
    this.index = new Map([...index].map(([namespace, names]) => [namespace, new Map(names)]));
    this.sharedIndex = false;
    return this.index;
  }

  lookup(): Index {
    if (this.index) return this.index;
    const index: Index = new Map();
    let replaced = 0;
    for (const object of this.objects) if (indexSet(index, object) !== undefined) replaced++;
    // The index already holds the later object of each key; the list must lose the earlier ones.
    if (replaced > 0) this.deduplicate();
    this.unique = true;
    this.index = index;
    return index;
  }

  /** Map semantics: a key keeps the position it was first inserted at, with the last object. */
  private deduplicate(): void {
    const byKey = new Map<string, AnyObject>();
    for (const object of this.objects) byKey.set(keyOf(object), object);
    if (byKey.size !== this.objects.length) {
      this.objects = [...byKey.values()];
      this.changed();
    }
    this.unique = true;
  }

  list(): readonly AnyObject[] {
    if (this.sorted) return this.sorted;
    if (!this.order) {
      let keys = this.objects.map(keyOf);
      let order = sortOrder(keys);
      if (!this.unique) {
        // Sorted, equal keys are neighbours: only then is the list cut down and sorted again.
        let duplicate = false;
        for (let i = 1; i < order.length && !duplicate; i++) duplicate = keys[order[i] as number] === keys[order[i - 1] as number];
        if (duplicate) {
          this.deduplicate();
          keys = this.objects.map(keyOf);
          order = sortOrder(keys);
        }
        this.unique = true;
      }
      this.order = order;
    }
    const order = this.order;
    const sorted = new Array<AnyObject>(order.length);
    for (let i = 0; i < order.length; i++) sorted[i] = this.objects[order[i] as number] as AnyObject;
    this.sorted = sorted;
    return sorted;
  }

  get size(): number {
    if (!this.unique) this.deduplicate();
    return this.objects.length;
  }

  /**
   * Takes over `previous`'s sorted order (and lookup index, when every object is the same)
   * if its objects have the same keys at the same positions, which is cheaper than sorting
   * again when only objects' contents changed. When a few objects were added or removed
   * between a common beginning and end (an object created or deleted), the order of the
   * others is kept and the new ones are put in place by binary search.
   */
  adopt(previous: Bucket): void {
    if (this.order || !previous.order || !previous.unique) return;
    const before = previous.objects;
    const after = this.objects;
    let same = true;
    let start = 0;
    const shorter = Math.min(before.length, after.length);
    for (; start < shorter; start++) {
      const object = after[start] as AnyObject;
      const earlier = before[start] as AnyObject;
      if (object === earlier) continue;
      if (!sameKey(object, earlier)) break;
      same = false;
    }
    let endBefore = before.length;
    let endAfter = after.length;
    while (endBefore > start && endAfter > start) {
      const object = after[endAfter - 1] as AnyObject;
      const earlier = before[endBefore - 1] as AnyObject;
      if (object !== earlier) {
        if (!sameKey(object, earlier)) break;
        same = false;
      }
      endBefore--;
      endAfter--;
    }
    if (endBefore === start && endAfter === start) {
      this.unique = true;
      this.order = previous.order;
      if (same) {
        this.sorted = previous.sorted;
        if (previous.index) {
          this.index = previous.index;
          this.sharedIndex = true;
          previous.sharedIndex = true;
        }
      }
      return;
    }
    if (endBefore - start + (endAfter - start) > SPLICE_LIMIT) return;
    const shift = endAfter - endBefore;
    const order: number[] = [];
    for (const position of previous.order) {
      if (position < start) order.push(position);
      else if (position >= endBefore) order.push(position + shift);
    }
    for (let i = start; i < endAfter; i++) {
      const key = keyOf(after[i] as AnyObject);
      let low = 0;
      let high = order.length;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if (keyOf(after[order[middle] as number] as AnyObject) < key) low = middle + 1;
        else high = middle;
      }
      // A duplicate key: left to the full sort, which resolves it.
      if (low < order.length && keyOf(after[order[low] as number] as AnyObject) === key) return;
      order.splice(low, 0, i);
    }
    this.unique = true;
    this.order = Uint32Array.from(order);
  }
}

/** Most objects added and removed in one kind for which adopt() patches the previous order instead of sorting. */
const SPLICE_LIMIT = 64;

/**
 * An immutable-by-convention snapshot of every input object, indexed by kind
 * and `namespace/name`. Providers build one; the translator only reads it.
 */
export class ResourceSet {
  private readonly byKind = new Map<string, Bucket>();

  static from(objects: Iterable<{ kind: string }>): ResourceSet {
    const set = new ResourceSet();
    // Objects mostly come grouped by kind: the bucket of the previous object is usually the one.
    let kind: string | undefined;
    let bucket: Bucket | undefined;
    for (const object of objects) {
      if (object.kind !== kind) {
        kind = object.kind;
        bucket = set.byKind.get(kind);
        if (!bucket && isKnownKind(kind)) {
          bucket = new Bucket();
          set.byKind.set(kind, bucket);
        }
      }
      if (!bucket) continue;
      bucket.objects.push(object as AnyObject);
      if (bucket.objects.length > 1) bucket.unique = false;
    }
    return set;
  }

  upsert<K extends KindName>(object: ResourceKinds[K]): void {
    let bucket = this.byKind.get(object.kind);
    if (!bucket) {
      bucket = new Bucket();
      this.byKind.set(object.kind, bucket);
    }
    bucket.append(object);
  }

  delete(kind: KindName, namespace: string | undefined, name: string): boolean {
    return this.byKind.get(kind)?.remove(namespace, name) ?? false;
  }

  get<K extends KindName>(kind: K, namespace: string | undefined, name: string): ResourceKinds[K] | undefined {
    const bucket = this.byKind.get(kind);
    return bucket ? (indexGet(bucket.lookup(), namespace, name) as ResourceKinds[K] | undefined) : undefined;
  }

  /** All objects of a kind, sorted by `namespace/name` so iteration order is deterministic. */
  list<K extends KindName>(kind: K): ResourceKinds[K][] {
    const bucket = this.byKind.get(kind);
    return bucket ? (bucket.list().slice() as ResourceKinds[K][]) : [];
  }

  /**
   * A set holding `replace(object)` in place of each object, under the same key (undefined
   * leaves the object out). The replacement must keep the object's kind, namespace and name.
   * With `previous`, a set this method made before: an object at the same position of its
   * kind as in the set `previous` was made from gets what it got then, without calling
   * `replace` (providers hand over unchanged objects as the same objects, in the same order).
   * Any other object is passed to `replace` with what `previous` holds at its position (an
   * updated object usually keeps its place), or undefined; it may be of another key.
   */
  mapObjects(
    replace: (object: ResourceKinds[KindName], previousAtPosition: ResourceKinds[KindName] | undefined) => ResourceKinds[KindName] | undefined,
    previous?: ResourceSet,
  ): ResourceSet {
    const out = new ResourceSet();
    for (const [kind, bucket] of this.byKind) {
      const mapped = new Bucket();
      const source = bucket.objects;
      const earlier = previous?.byKind.get(kind);
      const from = earlier?.mappedFrom;
      const reuse = from !== undefined && earlier !== undefined ? earlier.objects : undefined;
      const objects = mapped.objects;
      for (let i = 0; i < source.length; i++) {
        const object = source[i] as AnyObject;
        const replacement = reuse !== undefined && from?.[i] === object ? reuse[i] : replace(object, reuse?.[i]);
        if (replacement !== undefined) objects.push(replacement);
      }
      mapped.unique = bucket.unique;
      if (objects.length === source.length) {
        mapped.mappedFrom = source;
        // Same keys at the same positions: the source's order holds.
        if (bucket.order) mapped.order = bucket.order;
      }
      out.byKind.set(kind, mapped);
    }
    return out;
  }

  /**
   * Takes over `previous`'s sorted order for each kind whose objects have the same keys at
   * the same positions here, which is cheaper than sorting again when only objects' contents changed.
   */
  adoptOrderFrom(previous: ResourceSet): void {
    for (const [kind, bucket] of this.byKind) {
      const earlier = previous.byKind.get(kind);
      if (earlier) bucket.adopt(earlier);
    }
  }

  /** Every object of every known kind, in KNOWN_KINDS order then by key. */
  all(): Array<ResourceKinds[KindName]> {
    return KNOWN_KINDS.flatMap((kind) => this.list(kind));
  }

  clone(): ResourceSet {
    const copy = new ResourceSet();
    for (const object of this.all()) copy.upsert(object);
    return copy;
  }

  get size(): number {
    let count = 0;
    for (const bucket of this.byKind.values()) count += bucket.size;
    return count;
  }
}
