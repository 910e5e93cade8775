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
 * One kind's objects. Building a set only appends: keys are made (and duplicates resolved)
 * when a lookup or the sorted order needs them, so a set that is built, mapped and listed
 * in an order taken over from an earlier set never makes a key string.
 */
class Bucket {
  /** Insertion order. Unless `unique`, a later object may have the key of an earlier one (the later one wins). */
  objects: AnyObject[] = [];
  unique = true;
  /** key → object; may be shared with another set (`sharedIndex`), and is then copied before a change. */
  index: Map<string, AnyObject> | undefined;
  sharedIndex = false;
  /** Sorted position → position in `objects` (only while `unique`). */
  order: Uint32Array | undefined;
  sorted: readonly AnyObject[] | undefined;
  /** For a bucket made by mapObjects without dropping anything: the objects it was mapped from, position by position. */
  mappedFrom: readonly AnyObject[] | undefined;

  append(object: AnyObject): void {
    if (this.index) {
      const key = keyOf(object);
      const existing = this.index.get(key);
      this.writableIndex().set(key, object);
      if (existing !== undefined) this.objects[this.objects.indexOf(existing)] = object;
      else this.objects.push(object);
    } else {
      this.objects.push(object);
      if (this.objects.length > 1) this.unique = false;
    }
    this.changed();
  }

  remove(key: string): boolean {
    const object = this.lookup().get(key);
    if (object === undefined) return false;
    this.writableIndex().delete(key);
    this.objects.splice(this.objects.indexOf(object), 1);
    this.changed();
    return true;
  }

  private changed(): void {
    this.order = undefined;
    this.sorted = undefined;
    this.mappedFrom = undefined;
  }

  private writableIndex(): Map<string, AnyObject> {
    const index = this.lookup();
    if (!this.sharedIndex) return index;
    this.index = new Map(index);
    this.sharedIndex = false;
    return this.index;
  }

  lookup(): Map<string, AnyObject> {
    if (this.index) return this.index;
    const index = new Map<string, AnyObject>();
    for (const object of this.objects) index.set(keyOf(object), object);
    if (index.size !== this.objects.length) {
      // Map semantics: a key keeps the position it was first inserted at, with the last object.
      this.objects = [...index.values()];
      this.order = undefined;
      this.sorted = undefined;
      this.mappedFrom = undefined;
    }
    this.unique = true;
    this.index = index;
    return index;
  }

  list(): readonly AnyObject[] {
    if (this.sorted) return this.sorted;
    if (!this.order) {
      if (!this.unique) this.lookup();
      const keys = this.objects.map(keyOf);
      const order = new Uint32Array(keys.length);
      for (let i = 0; i < order.length; i++) order[i] = i;
      order.sort((a, b) => {
        const x = keys[a] as string;
        const y = keys[b] as string;
        return x < y ? -1 : x > y ? 1 : 0;
      });
      this.order = order;
    }
    const order = this.order;
    const sorted = new Array<AnyObject>(order.length);
    for (let i = 0; i < order.length; i++) sorted[i] = this.objects[order[i] as number] as AnyObject;
    this.sorted = sorted;
    return sorted;
  }

  get size(): number {
    if (!this.unique) this.lookup();
    return this.objects.length;
  }

  /**
   * Takes over `previous`'s sorted order (and lookup table, when every object is the same)
   * if its objects have the same keys at the same positions, which is cheaper than
   * sorting again when only objects' contents changed.
   */
  adopt(previous: Bucket): void {
    if (this.order || !previous.order || !previous.unique || previous.objects.length !== this.objects.length) return;
    const before = previous.objects;
    let same = true;
    for (let i = 0; i < before.length; i++) {
      const object = this.objects[i] as AnyObject;
      const earlier = before[i] as AnyObject;
      if (object === earlier) continue;
      if (!sameKey(object, earlier)) return;
      same = false;
    }
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
  }
}

/**
 * An immutable-by-convention snapshot of every input object, indexed by kind
 * and `namespace/name`. Providers build one; the translator only reads it.
 */
export class ResourceSet {
  private readonly byKind = new Map<string, Bucket>();

  static from(objects: Iterable<{ kind: string }>): ResourceSet {
    const set = new ResourceSet();
    for (const object of objects) {
      let bucket = set.byKind.get(object.kind);
      if (!bucket) {
        if (!isKnownKind(object.kind)) continue;
        bucket = new Bucket();
        set.byKind.set(object.kind, bucket);
      }
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
    return this.byKind.get(kind)?.remove(objectKey(namespace, name)) ?? false;
  }

  get<K extends KindName>(kind: K, namespace: string | undefined, name: string): ResourceKinds[K] | undefined {
    return this.byKind.get(kind)?.lookup().get(objectKey(namespace, name)) as ResourceKinds[K] | undefined;
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
   */
  mapObjects(replace: (object: ResourceKinds[KindName]) => ResourceKinds[KindName] | undefined, previous?: ResourceSet): ResourceSet {
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
        const replacement = reuse !== undefined && from?.[i] === object ? reuse[i] : replace(object);
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
