// Snapshot cache: the desired xDS state per proxy group, encoded once.
import xxhash from 'xxhash-wasm';
import { TYPE_URLS, encodeResource, encodedBytesOf, type EnvoyResource, type EnvoyResources, type ResourceType, type XdsBuildResult } from '@portico/xds';
import { XdsEvents, type NackError, type XdsMode } from './events.js';
import type { AnyMessage } from './protocol.js';

export type ResourceEncoder = (resource: EnvoyResource) => Uint8Array;

export const RESOURCE_TYPES: readonly ResourceType[] = ['cluster', 'endpoint', 'secret', 'listener', 'route'];

const LIST_BY_TYPE: Record<ResourceType, keyof EnvoyResources> = {
  listener: 'listeners',
  route: 'routes',
  cluster: 'clusters',
  endpoint: 'endpoints',
  secret: 'secrets',
};

/** One encoded resource, shared by every group and stream that serves the same content. */
export interface CachedResource {
  readonly type: ResourceType;
  readonly typeUrl: string;
  readonly name: string;
  /** Content hash of the encoded bytes. */
  readonly version: string;
  readonly any: AnyMessage;
  readonly source: EnvoyResource;
}

export type TypeView = ReadonlyMap<string, CachedResource>;
export type GroupView = Readonly<Record<ResourceType, TypeView>>;

export interface TypeChange {
  /** Added or modified. */
  changed: ReadonlySet<string>;
  removed: ReadonlySet<string>;
}

export interface SnapshotChange {
  version: number;
  /** Groups with any difference (including groups that appeared or disappeared). */
  groups: ReadonlyMap<string, Readonly<Record<ResourceType, TypeChange>>>;
}

export interface EncodeError {
  proxyGroup: string;
  type: ResourceType;
  name: string;
  message: string;
}

/** Per-type state of one proxy stream, as shown by the admin API. */
export interface ProxyTypeState {
  typeUrl: string;
  subscribed: string[] | '*';
  /** Version last sent, and last ACKed. */
  sentVersion?: string;
  ackedVersion?: string;
  /** Set while the latest response is NACKed. */
  nackedVersion?: string;
}

export interface ConnectedProxy {
  streamId: number;
  node: string;
  /** node.cluster as sent. */
  cluster: string;
  proxyGroup: string | undefined;
  mode: XdsMode;
  peer: string;
  userAgent: string;
  connectedAt: string;
  types: ProxyTypeState[];
}

export interface ProxyHandle {
  describe(): ConnectedProxy;
}

export type ChangeListener = (change: SnapshotChange) => void;

export interface SnapshotCacheOptions {
  /** Serializes one resource with the Envoy protos; defaults to @portico/xds encodeResource. */
  encode?: ResourceEncoder;
  /** Most NACK records kept (oldest dropped first). */
  maxNackRecords?: number;
}

function emptyGroupView(): Record<ResourceType, Map<string, CachedResource>> {
  return { listener: new Map(), route: new Map(), cluster: new Map(), endpoint: new Map(), secret: new Map() };
}

const EMPTY_VIEW: GroupView = emptyGroupView();

// Versions only have to tell contents apart, not resist forgery: xxh64 (the WebAssembly build
// grpc-js-xds already depends on) hashes a 12 MiB RouteConfiguration in ~3 ms, sha256 in ~9.
const { h64Raw } = await xxhash();

export function contentVersion(bytes: Uint8Array): string {
  return h64Raw(bytes).toString(16).padStart(16, '0');
}

/**
 * Holds what every proxy group should be served. `setSnapshot` replaces the whole
 * desired state; resources whose content did not change keep their bytes and
 * version, changed ones are encoded exactly once and shared by all streams.
 */
export class SnapshotCache {
  readonly events = new XdsEvents();
  private readonly encodeOption: ResourceEncoder | undefined;
  private readonly maxNackRecords: number;
  private groupViews = new Map<string, GroupView>();
  /** type\0name\0content (hash of the bytes, or JSON) → encoded resource; rebuilt on every snapshot from the entries still in use. */
  private pool = new Map<string, CachedResource>();
  /** Resource objects buildXds built (bytes attached) → their pool entry and its key. */
  private readonly byResource = new WeakMap<EnvoyResource, { key: string; cached: CachedResource }>();
  private snapshotVersion = 0;
  private lastEncodeErrors: EncodeError[] = [];
  private readonly listeners = new Set<ChangeListener>();
  private readonly proxies = new Set<ProxyHandle>();
  private readonly nacks = new Map<string, NackError>();
  private readonly readyWaiters: Array<() => void> = [];

  constructor(options: SnapshotCacheOptions = {}) {
    this.encodeOption = options.encode;
    this.maxNackRecords = options.maxNackRecords ?? 1000;
    // Every stream subscribes; the default limit of 10 is meant for leaks, not fan-out.
    this.events.setMaxListeners(0);
  }

  /** True once the first snapshot has been set; nothing is served before. */
  get ready(): boolean {
    return this.snapshotVersion > 0;
  }

  /** Resolves when the first snapshot is set. */
  whenReady(): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** Monotonic: increases by one per setSnapshot. 0 before the first. */
  get version(): number {
    return this.snapshotVersion;
  }

  groups(): string[] {
    return [...this.groupViews.keys()].sort();
  }

  /** The group's resources by type; an empty view for unknown groups. */
  group(name: string | undefined): GroupView {
    return (name !== undefined && this.groupViews.get(name)) || EMPTY_VIEW;
  }

  hasGroup(name: string | undefined): boolean {
    return name !== undefined && this.groupViews.has(name);
  }

  /** Resources that could not be encoded in the latest snapshot (not served). */
  encodeErrors(): readonly EncodeError[] {
    return this.lastEncodeErrors;
  }

  /** Replaces the whole desired state and notifies streams of what changed. */
  setSnapshot(result: XdsBuildResult): SnapshotChange {
    const encode = this.encodeOption ?? encodeResource;
    const nextPool = new Map<string, CachedResource>();
    const nextViews = new Map<string, GroupView>();
    const errors: EncodeError[] = [];
    let encoded = 0;

    for (const groupName of Object.keys(result.groups).sort()) {
      const resources = result.groups[groupName];
      const view = emptyGroupView();
      for (const type of RESOURCE_TYPES) {
        for (const resource of resources[LIST_BY_TYPE[type]] ?? []) {
          // buildXds already encoded what it built: key the pool by those bytes' hash. Resources
          // from elsewhere (or a custom encoder) are keyed by content and encoded on a miss.
          const prebuilt = this.encodeOption ? undefined : encodedBytesOf(resource);
          // buildXds hands over the same resource object when it did not change: its entry stands.
          const known = prebuilt ? this.byResource.get(resource) : undefined;
          if (known) {
            nextPool.set(known.key, known.cached);
            view[type].set(resource.name, known.cached);
            continue;
          }
          const prebuiltVersion = prebuilt ? contentVersion(prebuilt) : undefined;
          const key = prebuiltVersion
            ? `${type}\0${resource.name}\0#${prebuiltVersion}`
            : `${type}\0${resource.name}\0${JSON.stringify(resource.message)}`;
          let cached = nextPool.get(key) ?? this.pool.get(key);
          if (!cached) {
            try {
              const bytes = prebuilt ?? encode(resource);
              cached = {
                type,
                typeUrl: TYPE_URLS[type],
                name: resource.name,
                version: prebuiltVersion ?? contentVersion(bytes),
                any: { type_url: TYPE_URLS[type], value: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) },
                source: resource,
              };
              encoded += 1;
            } catch (error) {
              const problem = {
                proxyGroup: groupName,
                type,
                name: resource.name,
                message: error instanceof Error ? error.message : String(error),
              };
              errors.push(problem);
              this.events.emit('encode_error', problem);
              continue;
            }
          }
          nextPool.set(key, cached);
          view[type].set(resource.name, cached);
          if (prebuilt) this.byResource.set(resource, { key, cached });
        }
      }
      nextViews.set(groupName, view);
    }

    const changes = new Map<string, Record<ResourceType, TypeChange>>();
    let changedCount = 0;
    let removedCount = 0;
    for (const groupName of new Set([...this.groupViews.keys(), ...nextViews.keys()])) {
      const before = this.groupViews.get(groupName) ?? EMPTY_VIEW;
      const after = nextViews.get(groupName) ?? EMPTY_VIEW;
      let differs = this.groupViews.has(groupName) !== nextViews.has(groupName);
      const perType = {} as Record<ResourceType, TypeChange>;
      for (const type of RESOURCE_TYPES) {
        const changed = new Set<string>();
        const removed = new Set<string>();
        for (const [name, resource] of after[type]) {
          if (before[type].get(name)?.version !== resource.version) changed.add(name);
        }
        for (const name of before[type].keys()) if (!after[type].has(name)) removed.add(name);
        changedCount += changed.size;
        removedCount += removed.size;
        if (changed.size > 0 || removed.size > 0) differs = true;
        perType[type] = { changed, removed };
      }
      if (differs) changes.set(groupName, perType);
    }

    const wasReady = this.ready;
    this.pool = nextPool;
    this.groupViews = nextViews;
    this.lastEncodeErrors = errors;
    this.snapshotVersion += 1;
    const change: SnapshotChange = { version: this.snapshotVersion, groups: changes };
    this.events.emit('snapshot', {
      version: this.snapshotVersion,
      groups: nextViews.size,
      changed: changedCount,
      removed: removedCount,
      encoded,
    });
    if (!wasReady) for (const resolve of this.readyWaiters.splice(0)) resolve();
    for (const listener of [...this.listeners]) listener(change);
    return change;
  }

  /** Streams call this to hear about changes; returns the unsubscribe function. */
  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  registerProxy(handle: ProxyHandle): () => void {
    this.proxies.add(handle);
    return () => this.proxies.delete(handle);
  }

  /** Open ADS streams, oldest first. */
  connectedProxies(): ConnectedProxy[] {
    return [...this.proxies].map((proxy) => proxy.describe());
  }

  /** Responses currently rejected by a proxy (cleared when that proxy ACKs a later response of the type). */
  nackErrors(): NackError[] {
    return [...this.nacks.values()].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  }

  recordNack(nack: NackError): void {
    const key = `${nack.node}\0${nack.proxyGroup ?? ''}\0${nack.typeUrl}`;
    this.nacks.delete(key);
    this.nacks.set(key, nack);
    while (this.nacks.size > this.maxNackRecords) {
      const oldest = this.nacks.keys().next().value;
      if (oldest === undefined) break;
      this.nacks.delete(oldest);
    }
  }

  clearNack(node: string, proxyGroup: string | undefined, typeUrl: string): void {
    this.nacks.delete(`${node}\0${proxyGroup ?? ''}\0${typeUrl}`);
  }
}
