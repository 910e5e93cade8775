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

/**
 * An immutable-by-convention snapshot of every input object, indexed by kind
 * and `namespace/name`. Providers build one; the translator only reads it.
 */
export class ResourceSet {
  private readonly byKind = new Map<KindName, Map<string, ResourceKinds[KindName]>>();
  // Sorted lists are asked for many times per translation; a kind's list is sorted again only after it changed.
  private readonly sorted = new Map<KindName, { keys: readonly string[]; objects: ReadonlyArray<ResourceKinds[KindName]> }>();

  static from(objects: Iterable<{ kind: string }>): ResourceSet {
    const set = new ResourceSet();
    for (const object of objects) {
      if (isKnownKind(object.kind)) set.upsert(object as ResourceKinds[KindName]);
    }
    return set;
  }

  upsert<K extends KindName>(object: ResourceKinds[K]): void {
    const kind = object.kind as K;
    let bucket = this.byKind.get(kind);
    if (!bucket) {
      bucket = new Map();
      this.byKind.set(kind, bucket);
    }
    bucket.set(objectKey(object.metadata.namespace, object.metadata.name), object);
    this.sorted.delete(kind);
  }

  delete(kind: KindName, namespace: string | undefined, name: string): boolean {
    this.sorted.delete(kind);
    return this.byKind.get(kind)?.delete(objectKey(namespace, name)) ?? false;
  }

  get<K extends KindName>(kind: K, namespace: string | undefined, name: string): ResourceKinds[K] | undefined {
    return this.byKind.get(kind)?.get(objectKey(namespace, name)) as ResourceKinds[K] | undefined;
  }

  /** All objects of a kind, sorted by `namespace/name` so iteration order is deterministic. */
  list<K extends KindName>(kind: K): ResourceKinds[K][] {
    let sorted = this.sorted.get(kind);
    if (!sorted) {
      const bucket = this.byKind.get(kind);
      if (!bucket) return [];
      const keys = [...bucket.keys()].sort();
      sorted = { keys, objects: keys.map((key) => bucket.get(key) as ResourceKinds[KindName]) };
      this.sorted.set(kind, sorted);
    }
    return sorted.objects.slice() as ResourceKinds[K][];
  }

  /**
   * A set holding `replace(object)` in place of each object, under the same key (undefined
   * leaves the object out). The replacement must keep the object's kind, namespace and name.
   */
  mapObjects(replace: (object: ResourceKinds[KindName]) => ResourceKinds[KindName] | undefined): ResourceSet {
    const out = new ResourceSet();
    for (const [kind, bucket] of this.byKind) {
      const mapped = new Map<string, ResourceKinds[KindName]>();
      for (const [key, object] of bucket) {
        const replacement = replace(object);
        if (replacement !== undefined) mapped.set(key, replacement);
      }
      out.byKind.set(kind, mapped);
    }
    return out;
  }

  /**
   * Takes over `previous`'s sorted order for each kind whose objects have exactly the same
   * keys here, which is cheaper than sorting again when only objects' contents changed.
   */
  adoptOrderFrom(previous: ResourceSet): void {
    for (const [kind, bucket] of this.byKind) {
      const order = previous.sorted.get(kind);
      if (this.sorted.has(kind) || !order || order.keys.length !== bucket.size) continue;
      const objects: Array<ResourceKinds[KindName]> = [];
      for (const key of order.keys) {
        const object = bucket.get(key);
        if (object === undefined) break;
        objects.push(object);
      }
      if (objects.length === order.keys.length) this.sorted.set(kind, { keys: order.keys, objects });
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
