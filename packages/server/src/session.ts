// One xDS stream (SotW or Delta, ADS or a single-type service): subscription
// state, nonces, ACK/NACK bookkeeping and ordered pushes from the cache.
import { createHash } from 'node:crypto';
import { vhdsNamespaceOf } from '@portico/xds';
import type { CachedResource, ConnectedProxy, SnapshotCache, SnapshotChange, TypeChange, ViewType } from './cache.js';
import type { PushEvent, StreamEvent, XdsMode } from './events.js';
import { KnownResources, sentResource } from './known.js';
import {
  SERVED_TYPE_URLS,
  TYPE_BY_URL,
  type ServedType,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type DiscoveryRequest,
  type DiscoveryResponse,
  type NodeMessage,
  type StatusMessage,
} from './protocol.js';

/** Pino-compatible subset. */
export interface XdsLogger {
  debug?(details: object, message: string): void;
  info?(details: object, message: string): void;
  warn(details: object, message: string): void;
  error?(details: object, message: string): void;
}

/** node.metadata key that names the proxy group when node.cluster is used for something else. */
export const PROXY_GROUP_METADATA_KEY = 'portico.gateway';
/**
 * node.metadata key (true, or the string "true") with which a Delta client asks for VHDS:
 * RouteConfigurations without their virtual hosts, which it fetches as VirtualHost resources.
 */
export const PROXY_VHDS_METADATA_KEY = 'portico.vhds';

/** Types a client may subscribe to with a wildcard (LDS and CDS, per the xDS protocol). */
const WILDCARD_TYPES: ReadonlySet<ServedType> = new Set(['listener', 'cluster']);
/** Pushed first on a change (and retained until listeners/routes moved off them), then listeners/routes. */
const WARMING_TYPES: readonly ServedType[] = ['cluster', 'endpoint', 'secret'];
const ROUTING_TYPES: readonly ServedType[] = ['listener', 'route', 'virtual_host'];
/**
 * Views the cache never changes once published (new Maps every snapshot; virtual_host a
 * LayeredMap edited into the next): a stream may hold one as is. That is every view but
 * vhds_route, which enableVhds fills in place when the first VHDS stream arrives.
 */
const SHAREABLE_VIEWS: ReadonlySet<ViewType> = new Set(['listener', 'route', 'cluster', 'endpoint', 'secret', 'virtual_host']);
/** If a proxy never answers a listener/route push, removals still go out after this long. */
const REMOVAL_FALLBACK_MS = 10_000;
/** If a proxy never ACKs new clusters or asks for their endpoints, the routes to them still go out after this long. */
const WARMING_FALLBACK_MS = 5_000;

interface SentResponse {
  nonce: string;
  version: string;
  names: string[];
}

class TypeState {
  started = false;
  responded = false;
  wildcard = false;
  /** SotW: wildcard from an empty first request, kept while the client never names resources. */
  legacyWildcard = false;
  readonly subscribed = new Set<string>();
  /** What the client is believed to hold: the last SotW response, or the Delta resources sent/declared. */
  readonly known = new KnownResources();
  latest: SentResponse | undefined;
  /** Delta: the responses a push was split into, by nonce, but the last one (`latest`). */
  readonly earlierParts = new Map<string, SentResponse>();
  /** Delta: an earlier part of the latest push was NACKed, so the last part's ACK does not clear it. */
  partNacked = false;
  /** Delta: names subscribed before the first snapshot, to be answered (even as removed) once there is one. */
  unanswered: Set<string> | undefined;
  awaitingAck = false;
  ackedVersion: string | undefined;
  nackedVersion: string | undefined;
  /**
   * Delta: the cache version `known` matches (apart from the retained removals below), so the
   * next change can be applied from the cache's change set instead of a diff of every resource.
   */
  syncedVersion = 0;
  /** Delta: names removed from the cache but still served until listeners and routes moved off them. */
  readonly retained = new Set<string>();

  constructor(
    readonly type: ServedType,
    readonly typeUrl: string,
    /** The cache view served: a VHDS stream's RouteConfigurations come from `vhds_route`. */
    readonly view: ViewType,
  ) {}

  wants(name: string): boolean {
    if (this.wildcard || this.subscribed.has(name)) return true;
    // VHDS subscribes to a RouteConfiguration's name as the namespace of its virtual hosts.
    if (this.type !== 'virtual_host') return false;
    const namespace = vhdsNamespaceOf(name);
    return namespace !== undefined && this.subscribed.has(namespace);
  }
}

export interface SessionOptions {
  cache: SnapshotCache;
  mode: XdsMode;
  streamId: number;
  peer: string;
  /** Single-type services (LDS, RDS, ...) accept only this type. */
  onlyType?: ServedType;
  send(response: DiscoveryResponse | DeltaDiscoveryResponse): void;
  /** Ends the stream with INVALID_ARGUMENT: the client broke the protocol (`details` says how). */
  refuse(details: string): void;
  logger?: XdsLogger;
  /** Warn when a response is at least this large. */
  warnMessageBytes: number;
  /** Never send a response larger than this (it would break the stream); log and keep the last good instead. */
  maxMessageBytes: number;
}

/** Whether every retained name is in `removed` (no list is built: this runs per stream per push). */
function everyRemoved(retained: ReadonlySet<string>, removed: readonly string[]): boolean {
  for (const name of retained) if (!removed.includes(name)) return false;
  return true;
}

function setsEqual(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const value of a) if (!b.has(value)) return false;
  return true;
}

function metadataFlag(node: NodeMessage, key: string): boolean {
  const value = node.metadata?.fields?.[key];
  return value?.boolValue === true || value?.bool_value === true || metadataString(node, key) === 'true';
}

function metadataString(node: NodeMessage, key: string): string | undefined {
  const value = node.metadata?.fields?.[key];
  // proto-loader's built-in google.protobuf.Struct uses camelCase field names even with keepCase.
  const text = value?.stringValue ?? value?.string_value;
  return typeof text === 'string' && text !== '' ? text : undefined;
}

function sotwVersion(resources: ReadonlyMap<string, CachedResource>): string {
  const hash = createHash('sha256');
  for (const name of [...resources.keys()].sort()) hash.update(`${name}\0${resources.get(name)?.version}\n`);
  return hash.digest('base64url').slice(0, 16);
}

/**
 * `items` in runs of at most `limit` bytes each (`sizeOf` each, plus a response's own 64), in
 * order; an item that alone is over the limit is a run of its own. At least one run.
 */
function runsUnder<T>(items: readonly T[], sizeOf: (item: T) => number, limit: number): Array<{ items: T[]; bytes: number }> {
  const runs: Array<{ items: T[]; bytes: number }> = [];
  let current = { items: [] as T[], bytes: 64 };
  for (const item of items) {
    const size = sizeOf(item);
    if (current.items.length > 0 && current.bytes + size >= limit) {
      runs.push(current);
      current = { items: [], bytes: 64 };
    }
    current.items.push(item);
    current.bytes += size;
  }
  runs.push(current);
  return runs;
}

const NO_CLUSTER_CHANGES: { added: readonly string[]; modified?: ReadonlySet<string> } = Object.freeze({ added: Object.freeze([]) });

function isNack(detail: StatusMessage | null | undefined): detail is StatusMessage {
  return detail !== undefined && detail !== null && ((detail.code ?? 0) !== 0 || (detail.message ?? '') !== '');
}

export class XdsSession {
  readonly connectedAt = new Date().toISOString();
  private nodeId = '';
  private nodeCluster = '';
  private userAgent = '';
  private proxyGroup: string | undefined;
  private identified = false;
  /** A Delta client that asked for VHDS (see PROXY_VHDS_METADATA_KEY). */
  private vhds = false;
  private readonly states = new Map<ServedType, TypeState>();
  private nonceCounter = 0;
  private removalsPending = false;
  private removalTimer: NodeJS.Timeout | undefined;
  /**
   * Clusters just sent for the first time whose endpoints the proxy has yet to get: listeners and
   * routes wait for them (see holdsRouting), as a route to a cluster still warming fails.
   */
  private warming: Set<string> | undefined;
  private warmingTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly unsubscribe: () => void;
  private readonly unregister: () => void;

  constructor(private readonly options: SessionOptions) {
    this.unsubscribe = options.cache.onChange((change) => this.onChange(change));
    this.unregister = options.cache.registerProxy({ describe: () => this.describe() });
  }

  get streamEvent(): StreamEvent {
    return { streamId: this.options.streamId, node: this.nodeId, proxyGroup: this.proxyGroup, mode: this.options.mode };
  }

  get group(): string | undefined {
    return this.proxyGroup;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.removalTimer) clearTimeout(this.removalTimer);
    if (this.warmingTimer) clearTimeout(this.warmingTimer);
    this.unsubscribe();
    this.unregister();
    if (this.identified) this.options.cache.events.emit('stream_close', this.streamEvent);
  }

  describe(): ConnectedProxy {
    return {
      streamId: this.options.streamId,
      node: this.nodeId,
      cluster: this.nodeCluster,
      proxyGroup: this.proxyGroup,
      mode: this.options.mode,
      peer: this.options.peer,
      userAgent: this.userAgent,
      connectedAt: this.connectedAt,
      types: [...this.states.values()].map((state) => ({
        typeUrl: state.typeUrl,
        subscribed: state.wildcard ? '*' : [...state.subscribed].sort(),
        sentVersion: state.latest?.version,
        ackedVersion: state.ackedVersion,
        nackedVersion: state.nackedVersion,
      })),
    };
  }

  handleSotw(request: DiscoveryRequest): void {
    if (this.closed) return;
    if (!this.identify(request.node)) return;
    const state = this.stateFor(request.type_url);
    if (!state) return;
    const nonce = request.response_nonce ?? '';
    if (nonce !== '' && state.latest !== undefined && nonce !== state.latest.nonce) {
      // An earlier part of a push split for size: its rejection counts, its ACK alone does not.
      const part = state.earlierParts.get(nonce);
      if (part && isNack(request.error_detail)) this.acknowledge(state, request.error_detail, request.version_info ?? '', part);
      // A request that answers an older response: the client will answer the newest one too.
      else this.options.logger?.debug?.({ ...this.streamEvent, typeUrl: state.typeUrl, nonce }, 'ignoring stale xDS nonce');
      return;
    }
    if (nonce !== '' && state.latest !== undefined) this.acknowledge(state, request.error_detail, request.version_info ?? '');
    const initial = state.latest === undefined || nonce === '';
    const subscriptionChanged = this.updateSotwSubscription(state, request.resource_names ?? []);
    const retainRemoved = this.retainsRemoved(state);
    if (initial) this.sync(state, { force: true, retainRemoved });
    // LDS/CDS responses are the full state: a new subscription always gets an answer, even if nothing exists.
    else if (subscriptionChanged) this.sync(state, { force: WILDCARD_TYPES.has(state.type), retainRemoved });
    this.afterRequest();
  }

  handleDelta(request: DeltaDiscoveryRequest): void {
    if (this.closed) return;
    if (!this.identify(request.node)) return;
    const state = this.stateFor(request.type_url);
    if (!state) return;
    const nonce = request.response_nonce ?? '';
    if (nonce !== '' && state.latest !== undefined && nonce === state.latest.nonce) {
      this.acknowledge(state, request.error_detail, '');
    } else if (nonce !== '' && isNack(request.error_detail)) {
      // An earlier part of a push split for size: its rejection counts, its ACK alone does not.
      const part = state.earlierParts.get(nonce);
      if (part) this.acknowledge(state, request.error_detail, '', part);
    }
    const subscribe = request.resource_names_subscribe ?? [];
    const unsubscribe = request.resource_names_unsubscribe ?? [];
    const first = !state.started;
    const declared = first ? (request.initial_resource_versions ?? {}) : {};
    if (first) {
      state.started = true;
      for (const [name, version] of Object.entries(declared)) state.known.set(name, { version });
      if (WILDCARD_TYPES.has(state.type) && subscribe.length === 0) state.wildcard = true;
    }
    // Names the response must name, as a resource or as removed (see syncDelta).
    const answer: string[] = [];
    for (const name of subscribe) {
      if (name === '*') {
        state.wildcard = true;
        continue;
      }
      state.subscribed.add(name);
      // xDS: a subscription is answered with the resource even when the server believes the client
      // holds it ("the client may have forgotten"), unless the client declared it on this stream's start.
      if (!Object.hasOwn(declared, name)) {
        state.known.delete(name);
        if (state.type !== 'virtual_host') answer.push(name);
      }
    }
    for (const name of unsubscribe) {
      if (name === '*') {
        state.wildcard = false;
        continue;
      }
      state.subscribed.delete(name);
      // xDS: still covered by the wildcard, the client cannot tell whether to keep the resource,
      // so the response says (the resource if the wildcard includes it, else its removal).
      if (state.wants(name)) {
        state.known.delete(name);
        answer.push(name);
      }
    }
    // What the client no longer subscribes to (a name, a wildcard, or a VHDS namespace with its
    // virtual hosts) it drops: forgotten, so that a later subscription sends it again.
    if (unsubscribe.length > 0) {
      for (const name of [...state.known.keys()]) {
        if (state.wants(name)) continue;
        state.known.delete(name);
        state.retained.delete(name);
      }
    }
    const retainRemoved = this.retainsRemoved(state);
    if (first) this.sync(state, { force: true, retainRemoved, answer });
    // Envoy's route configuration waits for the first answer to a VHDS subscription, even an empty one.
    else if (subscribe.length > 0 || answer.length > 0) this.sync(state, { retainRemoved, force: state.type === 'virtual_host', answer });
    this.afterRequest();
  }

  /**
   * What a request (an ACK, a subscription) may have unblocked: listeners and routes held for
   * new clusters, then the removals held behind them.
   */
  private afterRequest(): void {
    if (this.warming && !this.holdsRouting()) this.releaseRouting();
    else this.maybeFlushRemovals();
  }

  /**
   * Takes the proxy's identity from the first request, which must carry `node`: only that one is
   * sure to (the xDS protocol). A stream that starts without it could only be answered as no proxy
   * group, with empty listeners, so it is refused instead. False when refused.
   */
  private identify(node: NodeMessage | null | undefined): boolean {
    if (this.identified) return true;
    if (!node) {
      this.options.logger?.warn({ ...this.streamEvent, peer: this.options.peer }, 'refusing xDS stream: its first request has no node');
      this.options.refuse('the first request of an xDS stream must carry node (which proxy is asking)');
      this.close();
      return false;
    }
    this.identified = true;
    this.nodeId = node.id ?? '';
    this.nodeCluster = node.cluster ?? '';
    this.userAgent = [node.user_agent_name, node.user_agent_version].filter(Boolean).join('/');
    const group = metadataString(node, PROXY_GROUP_METADATA_KEY) ?? (this.nodeCluster || undefined);
    this.proxyGroup = group;
    // VHDS is Delta only: Envoy refuses a RouteConfiguration with vhds on a SotW ADS stream.
    this.vhds = this.options.mode === 'delta' && metadataFlag(node, PROXY_VHDS_METADATA_KEY);
    if (this.vhds) this.options.cache.enableVhds();
    this.options.cache.events.emit('stream_open', this.streamEvent);
    if (!this.options.cache.hasGroup(group)) {
      this.options.logger?.info?.(
        { ...this.streamEvent, cluster: this.nodeCluster },
        'xDS node matches no proxy group yet; it is served nothing until its Gateway exists',
      );
    }
    return true;
  }

  private stateFor(typeUrl: string | undefined): TypeState | undefined {
    const onlyType = this.options.onlyType;
    const url = typeUrl || (onlyType ? SERVED_TYPE_URLS[onlyType] : '');
    const type = TYPE_BY_URL.get(url);
    if (!type || (onlyType && type !== onlyType)) {
      this.options.logger?.debug?.({ ...this.streamEvent, typeUrl: url }, 'ignoring request for an unserved xDS type');
      return undefined;
    }
    let state = this.states.get(type);
    if (!state) {
      state = new TypeState(type, url, type === 'route' && this.vhds ? 'vhds_route' : type);
      this.states.set(type, state);
    }
    return state;
  }

  private updateSotwSubscription(state: TypeState, names: readonly string[]): boolean {
    const before = new Set(state.subscribed);
    const wasWildcard = state.wildcard;
    const canWildcard = WILDCARD_TYPES.has(state.type);
    if (!state.started) {
      state.started = true;
      state.legacyWildcard = canWildcard && names.length === 0;
    } else if (names.length > 0) {
      state.legacyWildcard = false;
    }
    // An empty list keeps a legacy wildcard alive; after names were given it unsubscribes from everything.
    state.wildcard = state.legacyWildcard || (canWildcard && names.includes('*'));
    state.subscribed.clear();
    for (const name of names) if (name !== '*') state.subscribed.add(name);
    return wasWildcard !== state.wildcard || !setsEqual(before, state.subscribed);
  }

  private acknowledge(state: TypeState, detail: StatusMessage | null | undefined, clientVersion: string, part?: SentResponse): void {
    const answered = part ?? state.latest;
    if (!answered) return;
    // Answers to the last part of a push end the wait; an earlier part's NACK is recorded only.
    if (!part) state.awaitingAck = false;
    const { cache } = this.options;
    if (isNack(detail)) {
      if (part) state.partNacked = true;
      state.nackedVersion = answered.version;
      const nack = {
        node: this.nodeId,
        proxyGroup: this.proxyGroup,
        type: state.type,
        typeUrl: state.typeUrl,
        version: answered.version,
        clientVersion,
        nonce: answered.nonce,
        resourceNames: answered.names,
        message: detail.message ?? `code ${detail.code ?? 0}`,
        time: new Date().toISOString(),
      };
      cache.recordNack(nack);
      cache.events.emit('nack', { ...nack, streamId: this.options.streamId, mode: this.options.mode });
      this.options.logger?.warn(
        { ...this.streamEvent, typeUrl: state.typeUrl, version: answered.version, resources: answered.names, error: nack.message },
        'proxy rejected xDS response; it keeps its last accepted configuration',
      );
    } else if (!state.partNacked) {
      state.ackedVersion = answered.version;
      state.nackedVersion = undefined;
      cache.clearNack(this.nodeId, this.proxyGroup, state.typeUrl);
      cache.events.emit('ack', { ...this.streamEvent, typeUrl: state.typeUrl, version: answered.version, nonce: answered.nonce });
    }
  }

  private onChange(change: SnapshotChange): void {
    if (this.closed) return;
    const firstServe = [...this.states.values()].some((state) => state.started && !state.responded);
    const groupChange = this.proxyGroup === undefined ? undefined : change.groups.get(this.proxyGroup);
    if (!firstServe && !groupChange) {
      // Nothing changed for this group: whoever was in sync still is.
      for (const state of this.states.values()) if (state.syncedVersion === change.version - 1) state.syncedVersion = change.version;
      return;
    }
    const { added, modified } = firstServe ? NO_CLUSTER_CHANGES : this.clusterChanges(groupChange?.cluster);
    for (const type of WARMING_TYPES) {
      const state = this.states.get(type);
      if (!state?.started) continue;
      // Envoy warms a cluster it was sent again until it is sent the cluster's endpoints again,
      // changed or not (xDS: warming "is completed only when a new ClusterLoadAssignment response
      // is supplied ... even though there is no change in endpoints"): until then, 15 s by default.
      const resend = type === 'endpoint' ? modified : undefined;
      this.sync(state, { force: !state.responded, retainRemoved: true, hint: groupChange?.[state.view], ...(resend ? { resend } : {}) });
    }
    if (added.length > 0) {
      const endpoints = this.options.cache.group(this.proxyGroup).endpoint;
      for (const name of added) if (endpoints.has(name)) (this.warming ??= new Set()).add(name);
    }
    if (this.holdsRouting()) {
      // xDS: "the management plane must ensure that clusters referenced by a route are in place,
      // before pushing the updates for a route" (make before break).
      this.warmingTimer ??= setTimeout(() => {
        this.warmingTimer = undefined;
        this.releaseRouting();
      }, WARMING_FALLBACK_MS).unref();
    } else {
      for (const type of ROUTING_TYPES) {
        const state = this.states.get(type);
        if (state?.started) this.sync(state, { force: !state.responded, hint: groupChange?.[state.view] });
      }
    }
    this.removalsPending = true;
    this.maybeFlushRemovals();
  }

  /** Clusters of this change the stream wants: those it has never been sent, and those it holds (now changed). */
  private clusterChanges(change: TypeChange | undefined): { added: readonly string[]; modified?: ReadonlySet<string> } {
    const state = this.states.get('cluster');
    if (!change || !state?.started || !state.responded) return NO_CLUSTER_CHANGES;
    const added: string[] = [];
    let modified: Set<string> | undefined;
    for (const name of change.changed) {
      if (!state.wants(name)) continue;
      if (state.known.has(name)) (modified ??= new Set()).add(name);
      else added.push(name);
    }
    return modified ? { added, modified } : { added };
  }

  /**
   * Whether listeners and routes wait: new clusters were pushed and the proxy has not yet
   * accepted them (ACK) or been sent their endpoints. A proxy that refused them (NACK) is not
   * waited for: it never will have them.
   */
  private holdsRouting(): boolean {
    if (!this.warming) return false;
    const clusters = this.states.get('cluster');
    if (clusters?.awaitingAck) return true;
    if (clusters?.nackedVersion !== undefined) return false;
    // A stream that takes no endpoints (a proxy without EDS clusters so far) has none to wait for.
    const endpoints = this.states.get('endpoint');
    if (!endpoints?.started) return false;
    const view = this.options.cache.group(this.proxyGroup).endpoint;
    for (const name of this.warming) {
      const resource = view.get(name);
      if (resource && endpoints.known.get(name)?.version !== resource.version) return true;
    }
    return false;
  }

  /** Sends the listeners and routes held for new clusters, once those are in place (or the wait ran out). */
  private releaseRouting(): void {
    if (!this.warming || this.closed) return;
    this.warming = undefined;
    if (this.warmingTimer) clearTimeout(this.warmingTimer);
    this.warmingTimer = undefined;
    for (const type of ROUTING_TYPES) {
      const state = this.states.get(type);
      if (state?.started) this.sync(state, { force: !state.responded });
    }
    this.maybeFlushRemovals();
  }

  /** While listeners/routes may still reference removed clusters/endpoints/secrets, keep serving them. */
  private retainsRemoved(state: TypeState): boolean {
    return this.removalsPending && WARMING_TYPES.includes(state.type);
  }

  /** Sends the removals of clusters/endpoints/secrets once listeners and routes no longer need them. */
  private maybeFlushRemovals(): void {
    if (!this.removalsPending || this.closed) return;
    // Listeners and routes not sent yet still use what the removals would take away.
    if (this.warming) return;
    if (this.routingRejected()) {
      // Until listeners and routes are accepted again, however long that takes.
      if (this.removalTimer) clearTimeout(this.removalTimer);
      this.removalTimer = undefined;
      return;
    }
    const waiting = ROUTING_TYPES.some((type) => this.states.get(type)?.awaitingAck);
    if (waiting) {
      this.removalTimer ??= setTimeout(() => {
        this.removalTimer = undefined;
        if (!this.routingRejected()) this.flushRemovals();
      }, REMOVAL_FALLBACK_MS).unref();
      return;
    }
    this.flushRemovals();
  }

  /**
   * Whether the proxy rejected its latest listeners or routes, which it keeps, and which may
   * still use the clusters, endpoints and secrets held back; or its latest clusters, so that
   * routes that moved to one it refused have nothing else: until it accepts both, those stay.
   */
  private routingRejected(): boolean {
    if (this.states.get('cluster')?.nackedVersion !== undefined) return true;
    return ROUTING_TYPES.some((type) => this.states.get(type)?.nackedVersion !== undefined);
  }

  private flushRemovals(): void {
    if (this.removalTimer) clearTimeout(this.removalTimer);
    this.removalTimer = undefined;
    if (!this.removalsPending || this.closed) return;
    this.removalsPending = false;
    for (const type of WARMING_TYPES) {
      const state = this.states.get(type);
      if (!state?.started || !state.responded) continue;
      // In sync apart from what it retained: withdrawing those by name is all that is left.
      if (this.options.mode === 'delta' && state.syncedVersion === this.options.cache.version) {
        this.syncDeltaChanges(state, { changed: new Set(), removed: new Set(state.retained) }, false);
      } else this.sync(state, {});
    }
  }

  private desired(state: TypeState): Map<string, CachedResource> {
    const view = this.options.cache.group(this.proxyGroup)[state.view];
    const result = new Map<string, CachedResource>();
    if (state.wildcard) {
      for (const [name, resource] of view) result.set(name, resource);
    } else if (state.type === 'virtual_host') {
      for (const [name, resource] of view) if (state.wants(name)) result.set(name, resource);
    } else {
      for (const name of state.subscribed) {
        const resource = view.get(name);
        if (resource) result.set(name, resource);
      }
    }
    return result;
  }

  /**
   * Sends what the client lacks for one type; returns whether a response went out. A Delta
   * stream that was in sync with the previous snapshot applies the snapshot's change set
   * (`hint`) instead of diffing every resource: with 1,000 streams that diff was most of a push.
   */
  private sync(
    state: TypeState,
    options: {
      force?: boolean;
      retainRemoved?: boolean;
      hint?: TypeChange;
      answer?: readonly string[];
      /** Names to send again if the client holds them, though unchanged. */
      resend?: ReadonlySet<string>;
    },
  ): boolean {
    if (!this.options.cache.ready || this.closed) {
      if (options.answer) for (const name of options.answer) (state.unanswered ??= new Set()).add(name);
      return false;
    }
    if (state.unanswered) {
      // Subscribed while there was nothing to serve: each still wanted is named now, with its
      // resource or as removed, so that the client need not wait for its fetch timeout.
      const waiting = [...state.unanswered].filter((name) => state.wants(name));
      state.unanswered = undefined;
      options = { ...options, answer: [...(options.answer ?? []), ...waiting], force: true };
    }
    if (this.options.mode === 'delta' && options.hint && !options.force && state.syncedVersion === this.options.cache.version - 1) {
      return this.syncDeltaChanges(state, options.hint, options.retainRemoved ?? false, options.resend);
    }
    const desired = this.desired(state);
    let retainedAdded = 0;
    if (options.retainRemoved) {
      for (const [name, known] of state.known.entries()) {
        const resource = sentResource(known);
        if (!desired.has(name) && resource && state.wants(name)) {
          desired.set(name, resource);
          retainedAdded += 1;
          // Only a Delta stream withdraws retained names later (by name); SotW simply stops listing them.
          if (this.options.mode === 'delta') state.retained.add(name);
        }
      }
    }
    const { resend } = options;
    if (this.options.mode === 'sotw') {
      // A SotW response for a type other than Listener and Cluster names what it carries: it is
      // sent again (all that is subscribed) when it holds a name to send again.
      const again = resend !== undefined && [...resend].some((name) => desired.has(name) && state.known.has(name));
      return this.syncSotw(state, desired, (options.force ?? false) || again);
    }
    return this.syncDelta(state, desired, options.force ?? false, options.retainRemoved ?? false, retainedAdded === 0, options.answer, resend);
  }

  private syncSotw(state: TypeState, desired: Map<string, CachedResource>, force: boolean): boolean {
    const unchanged =
      desired.size === state.known.size &&
      [...desired].every(([name, resource]) => state.known.get(name)?.version === resource.version);
    if (unchanged && !force) return false;
    const names = [...desired.keys()].sort();
    const version = sotwVersion(desired);
    const sizeOf = (name: string): number => {
      const any = (desired.get(name) as CachedResource).any;
      return any.value.length + any.type_url.length + 8;
    };
    // xDS: "all resource types except for Listener and Cluster are grouped into responses in the
    // same way as in the incremental protocol variants": those are split as Delta responses are,
    // so that a large first sync reaches a client with gRPC's 4 MiB default limit. Listeners and
    // clusters are the whole state in every response.
    const parts = runsUnder(names, sizeOf, WILDCARD_TYPES.has(state.type) ? Number.POSITIVE_INFINITY : this.options.warnMessageBytes);
    // All or nothing: what the stream is believed to hold must be what was sent.
    for (const part of parts) if (!this.checkSize(state, part.bytes)) return false;
    state.earlierParts.clear();
    state.partNacked = false;
    for (const [index, part] of parts.entries()) {
      const nonce = this.nextNonce();
      const resources = part.items.map((name) => (desired.get(name) as CachedResource).any);
      this.options.send({ version_info: version, resources, type_url: state.typeUrl, nonce });
      const sent = { nonce, version, names: part.items };
      if (index < parts.length - 1) state.earlierParts.set(nonce, sent);
      this.recordPush(state, sent, resources.length, 0, part.bytes, 'diff');
    }
    // desired was built for this call alone: it becomes what the client holds, without a copy.
    state.known.replace(desired);
    return true;
  }

  private syncDelta(
    state: TypeState,
    desired: Map<string, CachedResource>,
    force: boolean,
    retainRemoved: boolean,
    /** Whether `desired` holds only names of the view (none kept for retention). */
    onlyView: boolean,
    /** Names the response must name: those the client does not get are listed as removed. */
    answer: readonly string[] = [],
    /** Names to send again if the client holds them, though unchanged. */
    resend?: ReadonlySet<string>,
  ): boolean {
    const changed = [...desired.values()]
      .filter((resource) => {
        const held = state.known.get(resource.name);
        return held?.version !== resource.version || (held !== undefined && resend?.has(resource.name) === true);
      })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const removed: string[] = [];
    for (const name of [...state.known.keys()].sort()) {
      if (desired.has(name)) continue;
      if (!state.wants(name)) state.known.delete(name);
      else if (!retainRemoved) removed.push(name);
      // Declared on reconnect, gone since: withdrawn with the removals held back (see flushRemovals).
      else state.retained.add(name);
    }
    // xDS: a subscribed resource that does not exist is named in removed_resources, so that the
    // client need not wait for its fetch timeout to know.
    let absent = false;
    for (const name of answer) {
      if (desired.has(name) || state.known.has(name) || removed.includes(name)) continue;
      removed.push(name);
      absent = true;
    }
    if (absent) removed.sort();
    if (changed.length === 0 && removed.length === 0 && !force) {
      this.markSynced(state, retainRemoved);
      this.shareViewIfHeld(state, desired, onlyView);
      return false;
    }
    const sent = this.sendDelta(state, changed, removed, retainRemoved, 'diff');
    if (sent) this.shareViewIfHeld(state, desired, onlyView);
    return sent;
  }

  /**
   * After a full diff the stream holds `desired` (plus, at most, names it retains). When that
   * is the whole view, it is held as the view itself (see KnownResources).
   */
  private shareViewIfHeld(state: TypeState, desired: ReadonlyMap<string, CachedResource>, onlyView: boolean): void {
    if (!onlyView || !SHAREABLE_VIEWS.has(state.view)) return;
    const view = this.options.cache.group(this.proxyGroup)[state.view];
    // desired is a subset of the view, and of what the stream holds: equal sizes make all three equal.
    if (desired.size === view.size && state.known.size === desired.size) state.known.share(view);
  }

  private sendDelta(
    state: TypeState,
    changed: CachedResource[],
    removed: string[],
    retainRemoved: boolean,
    computed: PushEvent['computed'],
    /** The view the stream holds once this is sent, when it holds a whole view (see syncDeltaChanges). */
    heldAfter?: ReadonlyMap<string, CachedResource>,
  ): boolean {
    const version = String(this.options.cache.version);
    const parts = this.splitForSize(changed, removed);
    // All or nothing: what the stream is believed to hold must be what was sent.
    for (const part of parts) if (!this.checkSize(state, part.bytes)) return false;
    state.earlierParts.clear();
    state.partNacked = false;
    for (const [index, part] of parts.entries()) {
      const nonce = this.nextNonce();
      this.options.send({
        system_version_info: version,
        resources: part.changed.map((resource) => ({ name: resource.name, version: resource.version, resource: resource.any })),
        type_url: state.typeUrl,
        removed_resources: part.removed,
        nonce,
      });
      const sent = { nonce, version, names: part.changed.map((r) => r.name) };
      if (index < parts.length - 1) state.earlierParts.set(nonce, sent);
      this.recordPush(state, sent, part.changed.length, part.removed.length, part.bytes, computed);
    }
    // Retained names stay held beside the view; with retainRemoved false they were all removed.
    if (heldAfter) state.known.share(heldAfter, retainRemoved ? state.retained : []);
    else {
      for (const resource of changed) state.known.set(resource.name, resource);
      for (const name of removed) state.known.delete(name);
    }
    this.markSynced(state, retainRemoved);
    return true;
  }

  /**
   * One Delta response, or, when it would reach the size that warns, several: each under it
   * (or one resource that alone is not), the removals in the last. A Delta client applies each
   * response as it comes (the xDS protocol lets a server send an update in several), so a large
   * first sync reaches a client that keeps gRPC's 4 MiB default limit.
   */
  private splitForSize(changed: readonly CachedResource[], removed: string[]): Array<{ changed: CachedResource[]; removed: string[]; bytes: number }> {
    const sizeOf = (resource: CachedResource): number => resource.any.value.length + resource.typeUrl.length + resource.name.length * 2 + 40;
    const removedBytes = removed.reduce((sum, name) => sum + name.length + 2, 0);
    const total = changed.reduce((sum, resource) => sum + sizeOf(resource), 64 + removedBytes);
    const limit = this.options.warnMessageBytes;
    if (total < limit || changed.length <= 1) return [{ changed: [...changed], removed, bytes: total }];
    const parts: Array<{ changed: CachedResource[]; removed: string[]; bytes: number }> = runsUnder(changed, sizeOf, limit).map((run) => ({
      changed: run.items,
      removed: [],
      bytes: run.bytes,
    }));
    // The removals go in the last part, or one of their own when they would take it past the limit.
    let last = parts[parts.length - 1] as { changed: CachedResource[]; removed: string[]; bytes: number };
    if (removed.length > 0 && last.bytes + removedBytes >= limit) parts.push((last = { changed: [], removed: [], bytes: 64 }));
    last.removed = removed;
    last.bytes += removedBytes;
    return parts;
  }

  private markSynced(state: TypeState, retainRemoved: boolean): void {
    state.syncedVersion = this.options.cache.version;
    if (!retainRemoved) state.retained.clear();
  }

  /** Delta, in sync with the previous snapshot: send only what the snapshot's change set touches. */
  private syncDeltaChanges(state: TypeState, hint: TypeChange, retainRemoved: boolean, resend?: ReadonlySet<string>): boolean {
    const view = this.options.cache.group(this.proxyGroup)[state.view];
    // A stream that held the whole previous view holds the whole new one once this is sent, if
    // it wants every name that changed and keeps none of the removed ones.
    let holdsWholeView = state.known.view !== undefined;
    const changed: CachedResource[] = [];
    for (const name of hint.changed) {
      const resource = view.get(name);
      if (!resource) continue;
      if (!state.wants(name)) {
        holdsWholeView = false;
        continue;
      }
      state.retained.delete(name);
      if (state.known.get(name)?.version !== resource.version) changed.push(resource);
    }
    if (resend) {
      for (const name of resend) {
        const resource = view.get(name);
        if (!resource || hint.changed.has(name) || !state.wants(name) || state.known.get(name)?.version !== resource.version) continue;
        changed.push(resource);
      }
    }
    changed.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const removed: string[] = [];
    for (const name of [...hint.removed].sort()) {
      if (!state.known.has(name) || view.has(name)) continue;
      if (!state.wants(name)) state.known.delete(name);
      else if (retainRemoved) state.retained.add(name);
      else removed.push(name);
    }
    // A name deleted above makes what the stream holds differ from the view. Names retained stay
    // held beside it; without retention, every name retained before goes out as a removal now.
    const heldAfter =
      holdsWholeView && state.known.view !== undefined && (retainRemoved || everyRemoved(state.retained, removed)) ? view : undefined;
    if (changed.length === 0 && removed.length === 0) {
      this.markSynced(state, retainRemoved);
      if (heldAfter) state.known.share(heldAfter, state.retained);
      return false;
    }
    return this.sendDelta(state, changed, removed, retainRemoved, 'changes', heldAfter);
  }

  private checkSize(state: TypeState, bytes: number): boolean {
    const { warnMessageBytes, maxMessageBytes, cache, logger } = this.options;
    if (bytes < warnMessageBytes) return true;
    const dropped = bytes > maxMessageBytes;
    const limit = dropped ? maxMessageBytes : warnMessageBytes;
    cache.events.emit('large_message', { ...this.streamEvent, typeUrl: state.typeUrl, bytes, limit, dropped });
    const details = { ...this.streamEvent, typeUrl: state.typeUrl, bytes, limit };
    if (dropped) {
      (logger?.error ?? logger?.warn)?.call(logger, details, 'xDS response exceeds the maximum message size; not sent, the proxy keeps its last configuration');
    } else {
      logger?.warn(details, 'xDS response is close to the 4 MiB default gRPC message limit of many clients');
    }
    return !dropped;
  }

  private nextNonce(): string {
    this.nonceCounter += 1;
    return `${this.options.streamId}-${this.nonceCounter}`;
  }

  private recordPush(state: TypeState, sent: SentResponse, resources: number, removed: number, bytes: number, computed: PushEvent['computed']): void {
    state.latest = sent;
    state.responded = true;
    state.awaitingAck = true;
    this.options.cache.events.emit('push', {
      ...this.streamEvent,
      typeUrl: state.typeUrl,
      version: sent.version,
      nonce: sent.nonce,
      resources,
      removed,
      bytes,
      computed,
    });
  }
}
