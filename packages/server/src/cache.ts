// Snapshot cache: the desired xDS state per proxy group, encoded once.
import xxhash from 'xxhash-wasm';
import {
  TYPE_URLS,
  VIRTUAL_HOST_TYPE_URL,
  encodeResource,
  encodedBytesOf,
  routePartsOf,
  vhdsRouteConfigurationOf,
  type EnvoyResource,
  type EnvoyResources,
  type ResourceType,
  type RouteParts,
  type XdsBuildResult,
} from '@portico/xds';
import { XdsEvents, type NackError, type XdsMode } from './events.js';
import { LayeredMap, type LayeredMapDraft } from './layered.js';
import type { AnyMessage, ServedType } from './protocol.js';

export type { ServedType } from './protocol.js';

export type ResourceEncoder = (resource: EnvoyResource) => Uint8Array;

export const RESOURCE_TYPES: readonly ResourceType[] = ['cluster', 'endpoint', 'secret', 'listener', 'route'];

/**
 * The views a group is served from: one per served type, and `vhds_route`, the
 * RouteConfigurations a VHDS proxy gets (their virtual hosts are in `virtual_host`).
 */
export type ViewType = ServedType | 'vhds_route';

export const VIEW_TYPES: readonly ViewType[] = [...RESOURCE_TYPES, 'vhds_route', 'virtual_host'];

const LIST_BY_TYPE: Record<ResourceType, keyof EnvoyResources> = {
  listener: 'listeners',
  route: 'routes',
  cluster: 'clusters',
  endpoint: 'endpoints',
  secret: 'secrets',
};

/** One encoded resource, shared by every group and stream that serves the same content. */
export interface CachedResource {
  readonly type: ServedType;
  readonly typeUrl: string;
  readonly name: string;
  /** Content hash of the encoded bytes. */
  readonly version: string;
  readonly any: AnyMessage;
  /** The resource buildXds built (for a VirtualHost: its RouteConfiguration). */
  readonly source: EnvoyResource;
}

export type TypeView = ReadonlyMap<string, CachedResource>;
export type GroupView = Readonly<Record<ViewType, TypeView>>;

export interface TypeChange {
  /** Added or modified. */
  changed: ReadonlySet<string>;
  removed: ReadonlySet<string>;
}

export interface SnapshotChange {
  version: number;
  /** Groups with any difference (including groups that appeared or disappeared). */
  groups: ReadonlyMap<string, Readonly<Record<ViewType, TypeChange>>>;
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
  /** Keep the VHDS views from the start (otherwise from the first VHDS stream on). */
  vhds?: boolean;
}

/**
 * A group's views while a snapshot is placed. virtual_host is a LayeredMap: streams may hold it
 * as it is (see KnownResources), so it is never changed once published, only edited into the next.
 */
type PlacingView = Record<Exclude<ViewType, 'virtual_host'>, Map<string, CachedResource>> & { virtual_host: LayeredMap<CachedResource> };

function emptyGroupView(): PlacingView {
  return {
    listener: new Map(),
    route: new Map(),
    cluster: new Map(),
    endpoint: new Map(),
    secret: new Map(),
    vhds_route: new Map(),
    virtual_host: LayeredMap.empty(),
  };
}

function packed(typeUrl: string, bytes: Uint8Array): AnyMessage {
  return { type_url: typeUrl, value: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

/**
 * A RouteConfiguration kept as parts (see @portico/xds routePartsOf): its version comes from the
 * parts' hashes, and the whole message is written the first time a stream sends it. A proxy on
 * VHDS never needs it.
 */
class RouteConfigurationEntry implements CachedResource {
  readonly type = 'route';
  readonly typeUrl = TYPE_URLS.route;
  private whole: AnyMessage | undefined;

  constructor(
    readonly name: string,
    readonly version: string,
    readonly source: EnvoyResource,
  ) {}

  get any(): AnyMessage {
    this.whole ??= packed(this.typeUrl, encodedBytesOf(this.source) as Uint8Array);
    return this.whole;
  }
}

/** A RouteConfiguration as a VHDS proxy is served it. */
interface VhdsEntries {
  header: CachedResource;
  virtualHosts: CachedResource[];
  /** The bytes each of `virtualHosts` was made from, so the next form of the table can reuse entries by position. */
  hostBytes: readonly Uint8Array[];
}

/**
 * Moves `hosts` from one RouteConfiguration's host list to the next. Lists of the same names
 * in the same order (an edit) are compared position by position; otherwise by name.
 */
function patchHosts(
  hosts: LayeredMapDraft<CachedResource>,
  before: readonly CachedResource[],
  after: readonly CachedResource[],
  changed: Set<string>,
  removed: Set<string>,
): void {
  let aligned = before.length === after.length;
  for (let i = 0; aligned && i < after.length; i++) {
    const next = after[i] as CachedResource;
    const previous = before[i] as CachedResource;
    if (next === previous) continue;
    if (next.name !== previous.name) aligned = false;
    else if (hosts.get(next.name)?.version !== next.version) {
      hosts.set(next.name, next);
      changed.add(next.name);
    } else hosts.set(next.name, next);
  }
  if (aligned) return;
  const names = new Set(after.map((host) => host.name));
  for (const host of before) {
    if (names.has(host.name)) continue;
    hosts.delete(host.name);
    removed.add(host.name);
  }
  for (const host of after) {
    const current = hosts.get(host.name);
    if (current === host) continue;
    hosts.set(host.name, host);
    if (current?.version !== host.version) changed.add(host.name);
  }
}

const EMPTY_VIEW: GroupView = emptyGroupView();

// Versions only have to tell contents apart, not resist forgery: xxh64 (the WebAssembly build
// grpc-js-xds already depends on) hashes a 12 MiB RouteConfiguration in ~3 ms, sha256 in ~9.
const { h64Raw } = await xxhash();

function hexVersion(hash: bigint): string {
  return hash.toString(16).padStart(16, '0');
}

export function contentVersion(bytes: Uint8Array): string {
  return hexVersion(h64Raw(bytes));
}

// Hashes of virtual host bytes, which the build memo hands over as the same objects while the
// host is unchanged: a RouteConfiguration's version then costs a hash of its header and of
// one 8-byte hash per host, not of its ~12 MiB.
const partHashes = new WeakMap<Uint8Array, bigint>();

function partHash(bytes: Uint8Array): bigint {
  let hash = partHashes.get(bytes);
  if (hash === undefined) {
    hash = h64Raw(bytes);
    partHashes.set(bytes, hash);
  }
  return hash;
}

/**
 * Content version of a RouteConfiguration from its parts: the hash of the parts' hashes, in
 * order. With `before` (the last parts and hashes of a table of that name), hosts at the same
 * position as the same bytes object take their hash from there instead of a lookup per host.
 */
export function partsVersion(parts: RouteParts, before?: PartsHashes): { version: string; hashes: PartsHashes } {
  const hosts = parts.virtualHosts;
  const hashes = new BigUint64Array(hosts.length + 2);
  hashes[0] = h64Raw(parts.header);
  hashes[1] = BigInt(parts.nameEnd);
  const aligned = before !== undefined && before.hosts.length === hosts.length;
  for (let i = 0; i < hosts.length; i++) {
    const host = hosts[i] as Uint8Array;
    hashes[i + 2] = aligned && before.hosts[i] === host ? (before.hashes[i + 2] as bigint) : partHash(host);
  }
  return { version: hexVersion(h64Raw(new Uint8Array(hashes.buffer))), hashes: { hosts, hashes } };
}

/** The host bytes a RouteConfiguration version was computed from, and their hashes (after two header slots). */
export interface PartsHashes {
  readonly hosts: readonly Uint8Array[];
  readonly hashes: BigUint64Array;
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
  /** Whether the VHDS views are kept: from the first VHDS stream on (or from the start, by option). */
  private vhds: boolean;
  private readonly vhdsEntries = new WeakMap<CachedResource, VhdsEntries>();
  /** Per group: the VHDS form of each RouteConfiguration last placed, and the virtual_host view. */
  private vhdsRoutes = new Map<string, { routes: Map<string, VhdsEntries>; hosts: LayeredMap<CachedResource> }>();
  /** VirtualHost entries by their bytes, which the build memo hands over again while a host is unchanged. */
  private readonly hostEntries = new WeakMap<Uint8Array, CachedResource>();
  /** By RouteConfiguration name: the parts hashed last, for the next version of that table. */
  private readonly lastParts = new Map<string, PartsHashes>();
  private snapshotVersion = 0;
  private lastEncodeErrors: EncodeError[] = [];
  private readonly listeners = new Set<ChangeListener>();
  private readonly proxies = new Set<ProxyHandle>();
  private readonly nacks = new Map<string, NackError>();
  private readonly readyWaiters: Array<() => void> = [];

  constructor(options: SnapshotCacheOptions = {}) {
    this.encodeOption = options.encode;
    this.maxNackRecords = options.maxNackRecords ?? 1000;
    this.vhds = options.vhds ?? false;
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
    const hostChanges = new Map<string, TypeChange>();

    for (const groupName of Object.keys(result.groups).sort()) {
      const resources = result.groups[groupName];
      const view = emptyGroupView();
      for (const type of RESOURCE_TYPES) {
        for (const resource of resources[LIST_BY_TYPE[type]] ?? []) {
          // buildXds hands over the same resource object when it did not change: its entry stands.
          const known = this.encodeOption ? undefined : this.byResource.get(resource);
          if (known) {
            nextPool.set(known.key, known.cached);
            this.place(view, known.cached);
            continue;
          }
          // buildXds already encoded what it built: key the pool by those bytes' hash (a
          // RouteConfiguration's by its parts', without writing it whole). Resources from
          // elsewhere (or a custom encoder) are keyed by content and encoded on a miss.
          const parts = this.encodeOption ? undefined : routePartsOf(resource);
          const prebuilt = this.encodeOption || parts ? undefined : encodedBytesOf(resource);
          const prebuiltVersion = parts ? this.routeVersion(resource.name, parts) : prebuilt ? contentVersion(prebuilt) : undefined;
          const key = prebuiltVersion
            ? `${type}\0${resource.name}\0#${prebuiltVersion}`
            : `${type}\0${resource.name}\0${JSON.stringify(resource.message)}`;
          let cached = nextPool.get(key) ?? this.pool.get(key);
          if (!cached && parts && prebuiltVersion) {
            cached = new RouteConfigurationEntry(resource.name, prebuiltVersion, resource);
            encoded += 1;
          }
          if (!cached) {
            try {
              const bytes = prebuilt ?? encode(resource);
              cached = {
                type,
                typeUrl: TYPE_URLS[type],
                name: resource.name,
                version: prebuiltVersion ?? contentVersion(bytes),
                any: packed(TYPE_URLS[type], bytes),
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
          this.place(view, cached);
          if (prebuiltVersion) this.byResource.set(resource, { key, cached });
        }
      }
      if (this.vhds) hostChanges.set(groupName, this.placeVhds(groupName, view));
      nextViews.set(groupName, view);
    }

    const changes = new Map<string, Record<ViewType, TypeChange>>();
    let changedCount = 0;
    let removedCount = 0;
    for (const groupName of new Set([...this.groupViews.keys(), ...nextViews.keys()])) {
      const before = this.groupViews.get(groupName) ?? EMPTY_VIEW;
      const after = nextViews.get(groupName) ?? EMPTY_VIEW;
      let differs = this.groupViews.has(groupName) !== nextViews.has(groupName);
      const perType = {} as Record<ViewType, TypeChange>;
      for (const type of VIEW_TYPES) {
        if (type === 'virtual_host') {
          // Patched in place above (the map before is the map after): its change set comes from the patch.
          const hostChange = hostChanges.get(groupName) ?? { changed: new Set<string>(), removed: new Set(before.virtual_host.keys()) };
          if (!nextViews.has(groupName)) for (const name of before.virtual_host.keys()) (hostChange.removed as Set<string>).add(name);
          changedCount += hostChange.changed.size;
          removedCount += hostChange.removed.size;
          if (hostChange.changed.size > 0 || hostChange.removed.size > 0) differs = true;
          perType[type] = hostChange;
          continue;
        }
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

    for (const name of this.vhdsRoutes.keys()) if (!nextViews.has(name)) this.vhdsRoutes.delete(name);
    // Tables that are gone take their hints with them.
    const tables = new Set<string>();
    for (const view of nextViews.values()) for (const name of view.route.keys()) tables.add(name);
    for (const name of this.lastParts.keys()) if (!tables.has(name)) this.lastParts.delete(name);
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

  /**
   * Keeps the VHDS views (vhds_route, virtual_host) from now on, and fills them for the current
   * snapshot. A VHDS stream calls this before it is served; without one they cost nothing.
   */
  enableVhds(): void {
    if (this.vhds) return;
    this.vhds = true;
    for (const [name, view] of this.groupViews) this.placeVhds(name, view as PlacingView);
  }

  private place(view: PlacingView, cached: CachedResource): void {
    view[cached.type as ResourceType].set(cached.name, cached);
  }

  /**
   * Fills a group's VHDS views from its RouteConfigurations. The virtual_host view is one map per
   * group kept from snapshot to snapshot and patched where a RouteConfiguration changed, so an
   * edit costs the hosts it touched, not the ~5,700 of a 10k-route table; returns what changed.
   */
  private placeVhds(groupName: string, view: PlacingView): TypeChange {
    const previous = this.vhdsRoutes.get(groupName);
    const hosts = (previous?.hosts ?? LayeredMap.empty<CachedResource>()).edit();
    const routes = new Map<string, VhdsEntries>();
    const changed = new Set<string>();
    const removed = new Set<string>();
    for (const route of view.route.values()) {
      const before = previous?.routes.get(route.name);
      let entries = this.vhdsEntries.get(route);
      if (!entries) {
        entries = this.vhdsEntriesOf(route, before);
        this.vhdsEntries.set(route, entries);
      }
      routes.set(route.name, entries);
      view.vhds_route.set(entries.header.name, entries.header);
      if (before !== entries) patchHosts(hosts, before?.virtualHosts ?? [], entries.virtualHosts, changed, removed);
    }
    for (const [name, before] of previous?.routes ?? []) {
      if (!routes.has(name)) patchHosts(hosts, before.virtualHosts, [], changed, removed);
    }
    for (const name of changed) removed.delete(name);
    const published = hosts.publish();
    view.virtual_host = published;
    this.vhdsRoutes.set(groupName, { routes, hosts: published });
    return { changed, removed };
  }

  /** An edit changes a host or two of a table: the others keep their hashes by position. */
  private routeVersion(name: string, parts: RouteParts): string {
    const { version, hashes } = partsVersion(parts, this.lastParts.get(name));
    this.lastParts.set(name, hashes);
    return version;
  }

  /**
   * A RouteConfiguration as VHDS serves it; the whole message where it has no VHDS form.
   * `before` is the last form of the table of that name: an edit changes a host or two, and the
   * others keep their entries by position.
   */
  private vhdsEntriesOf(route: CachedResource, before: VhdsEntries | undefined): VhdsEntries {
    const split = this.encodeOption ? undefined : vhdsRouteConfigurationOf(route.source);
    if (!split) return { header: route, virtualHosts: [], hostBytes: [] };
    const header: CachedResource = {
      type: 'route',
      typeUrl: TYPE_URLS.route,
      name: route.name,
      version: contentVersion(split.header),
      any: packed(TYPE_URLS.route, split.header),
      source: route.source,
    };
    const aligned = before !== undefined && before.hostBytes.length === split.virtualHosts.length;
    const virtualHosts = split.virtualHosts.map((host, i) => {
      const atPosition = aligned && before.hostBytes[i] === host.bytes ? before.virtualHosts[i] : undefined;
      let entry = atPosition ?? this.hostEntries.get(host.bytes);
      if (!entry || entry.name !== host.name) {
        entry = {
          type: 'virtual_host',
          typeUrl: VIRTUAL_HOST_TYPE_URL,
          name: host.name,
          version: hexVersion(partHash(host.bytes)),
          any: packed(VIRTUAL_HOST_TYPE_URL, host.bytes),
          source: route.source,
        };
        this.hostEntries.set(host.bytes, entry);
      }
      return entry;
    });
    return { header, virtualHosts, hostBytes: split.virtualHosts.map((host) => host.bytes) };
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
