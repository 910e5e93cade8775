import { KubeConfig, ListWatch, Watch, type KubernetesObject, type KubernetesListObject } from '@kubernetes/client-node';
import {
  GATEWAY_EXPERIMENTAL_GROUP,
  GATEWAY_GROUP,
  ResourceSet,
  inCurrentShape,
  effectiveGatewayParameters,
  type Gateway,
  type KindName,
  type KubeObject,
  type ListenerSet,
  type Service,
} from '@portico/api';
import { sanitizeObject, type ObjectStatus } from '@portico/translator';
import type { Provider, ProviderProblem, ProviderSnapshot } from '../provider.js';
import {
  CORE_KINDS,
  GATEWAY_API_KINDS,
  PORTICO_KINDS,
  apiVersionOf,
  collectionPath,
  discoveryPath,
  type ServedVersion,
  type WatchedKind,
} from './kinds.js';
import { LeaderElector, type LeaderElectionOptions } from './leader.js';
import { silentLogger, type Logger } from './logger.js';
import {
  Provisioner,
  gatewayAddressesFromService,
  proxyName,
  type ProvisioningOptions,
} from './provisioning.js';
import { referencedObjects, refKey, type ObjectRef } from './references.js';
import { KubeRest, isStatus } from './rest.js';
import { StatusWriter, canonicalJson } from './status.js';
import { retryDelayMs } from '../backoff.js';

/** Kinds whose status lists are shared between controllers, entry by entry, and the list. */
const SHARED_STATUS_LISTS: ReadonlyArray<readonly [KindName, 'parents' | 'ancestors']> = [
  ['HTTPRoute', 'parents'],
  ['GRPCRoute', 'parents'],
  ['TLSRoute', 'parents'],
  ['TCPRoute', 'parents'],
  ['UDPRoute', 'parents'],
  ['BackendTLSPolicy', 'ancestors'],
];

export interface KubernetesProviderOptions {
  /** Defaults to the in-cluster config or $KUBECONFIG (KubeConfig.loadFromDefault). */
  kubeConfig?: KubeConfig;
  /** GatewayClasses with this spec.controllerName are ours. */
  controllerName: string;
  /** Quiet period before a snapshot is emitted after a change. Default 100 ms. */
  debounceMs?: number;
  /** Leader election; when absent this replica always leads (single replica, tests). */
  leaderElection?: LeaderElectionOptions;
  /** Envoy provisioning per Gateway (leader only); when absent, Gateways are not provisioned. */
  provisioning?: ProvisioningOptions;
  /** How often to look again for Gateway API kinds whose CRDs were missing. Default 30 s. */
  crdRecheckMs?: number;
  /** Status batch window in ms. Default 50. */
  statusBatchMs?: number;
  /** First wait before writing again a status the API server failed to take (5xx, 429, no answer). Default 1 s, doubled per failure, at most 1 min. */
  statusRetryMs?: number;
  /** First retry delay after a failed list or watch, doubled up to 30 s. Default 500 ms. */
  retryBackoffMs?: number;
  logger?: Logger;
}

export type GatewayAddresses = Record<string, Array<{ type: string; value: string }>>;

/** A ProviderSnapshot plus what only a cluster knows: where each provisioned Gateway is reachable. */
export interface KubernetesSnapshot extends ProviderSnapshot {
  /** Pass to the translator as TranslateOptions.gatewayAddresses. */
  gatewayAddresses: GatewayAddresses;
  /**
   * Pass to the translator as TranslateOptions.crdBundleVersions: the Gateway API CRDs served,
   * with their bundle-version annotation (null: none). Those that could not be read are left out.
   */
  crdBundleVersions?: Record<string, string | null>;
}

/** The annotation that gives a Gateway API CRD's release (GatewayClass SupportedVersion). */
const BUNDLE_VERSION_ANNOTATION = 'gateway.networking.k8s.io/bundle-version';

/** A watch that stayed up this long had recovered: its next failure starts the backoff again. */
const HEALTHY_WATCH_MS = 60_000;

/**
 * Whether `name` can be the name of a Secret or ConfigMap (a DNS-1123 subdomain). A reference
 * to any other name cannot resolve, and its field selector might not parse (`,` and `=`).
 */
function isObjectName(name: string): boolean {
  return name.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name);
}

/**
 * Whether a failed request will fail the same way when tried again: the request itself is
 * refused (400 bad request, 404 not found, 422 invalid), so its object is treated as absent.
 */
function refusedForGood(error: unknown): boolean {
  return isStatus(error, 400) || isStatus(error, 404) || isStatus(error, 422);
}

/** What retrying a watch reads and counts (see nextRetry). */
interface WatchHealth {
  /** When its watch last (re)connected (see HEALTHY_WATCH_MS). */
  connectedAt?: number;
  failures: number;
}

/** Records when `listWatch` (re)connects, for nextRetry. */
function followConnections(listWatch: ListWatch<KubernetesObject>, watch: WatchHealth): void {
  listWatch.on('connect', () => {
    watch.connectedAt = Date.now();
  });
}

interface KindWatch extends WatchHealth {
  spec: WatchedKind;
  served?: ServedVersion;
  listWatch?: ListWatch<KubernetesObject>;
  synced: boolean;
  missing: boolean;
  /** Listing it was refused (403); cleared by the next successful list. */
  forbidden?: boolean;
  /** Its Gateway API CRD's bundle-version annotation (null: none; undefined: not read). */
  bundleVersion?: string | null;
  retryTimer?: NodeJS.Timeout;
}

interface RefWatch extends WatchHealth {
  ref: ObjectRef;
  listWatch: ListWatch<KubernetesObject>;
  synced: boolean;
  retryTimer?: NodeJS.Timeout;
}

/**
 * Reads Gateway API objects, Portico's GatewayParameters, Services, EndpointSlices, Namespaces and the
 * Secrets and ConfigMaps they reference from the API server through
 * list-watch caches, emits debounced snapshots once every cache has synced,
 * and (as leader) writes status and provisions Envoy for each Gateway.
 * Every replica serves xDS from the snapshots; only the leader writes.
 */
export class KubernetesProvider implements Provider {
  readonly name = 'kubernetes';
  private readonly kubeConfig: KubeConfig;
  private readonly rest: KubeRest;
  private readonly watcher: Watch;
  private readonly logger: Logger;
  private readonly kinds = new Map<KindName, KindWatch>();
  private readonly refs = new Map<string, RefWatch>();
  private readonly statusWriter: StatusWriter;
  private readonly elector: LeaderElector | undefined;
  private readonly provisioner: Provisioner | undefined;
  private onSnapshot: ((snapshot: KubernetesSnapshot) => void) | undefined;
  private debounceTimer: NodeJS.Timeout | undefined;
  private recheckTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private latestStatuses: readonly ObjectStatus[] = [];
  private latestResources: ResourceSet | undefined;
  /** Watch-cache object → the copy handed to the translator. */
  private readonly converted = new WeakMap<KubernetesObject, KubeObject>();
  private provisionedFor: string | undefined;
  private provisioning: Promise<void> = Promise.resolve();
  private snapshotCount = 0;

  constructor(private readonly options: KubernetesProviderOptions) {
    this.logger = options.logger ?? silentLogger;
    this.kubeConfig = options.kubeConfig ?? defaultKubeConfig();
    this.rest = new KubeRest(this.kubeConfig);
    this.watcher = new Watch(this.kubeConfig);
    for (const spec of [...CORE_KINDS, ...GATEWAY_API_KINDS, ...PORTICO_KINDS]) {
      this.kinds.set(spec.kind, { spec, synced: false, missing: false, failures: 0 });
    }
    this.statusWriter = new StatusWriter({
      rest: this.rest,
      controllerName: options.controllerName,
      logger: this.logger,
      batchMs: options.statusBatchMs,
      ...(options.statusRetryMs !== undefined ? { retryMs: options.statusRetryMs } : {}),
      resolve: (kind) => (this.kinds.has(kind as KindName) ? this.kinds.get(kind as KindName)?.served : undefined),
      lookup: (kind, namespace, name) => this.cached(kind, namespace, name),
      // A batch under way when leadership is lost stops there: another replica writes now.
      mayWrite: () => this.elector?.isLeader ?? true,
    });
    if (options.leaderElection) {
      // A renewal that hangs must fail in time for the renew deadline to be checked.
      const leaseTimeoutMs = Math.max(1_000, (options.leaderElection.renewDeadlineMs ?? 10_000) / 2);
      this.elector = new LeaderElector(this.rest.withTimeout(leaseTimeoutMs), options.leaderElection, this.logger);
      this.elector.on('leading', () => this.onLeading());
      this.elector.on('lost', () => this.statusWriter.cancel());
    }
    if (options.provisioning) this.provisioner = new Provisioner(this.rest, options.provisioning, this.logger);
  }

  /** True when this replica may write status and provision (always, without leader election). */
  get isLeader(): boolean {
    return this.elector ? this.elector.isLeader : !this.stopped;
  }

  /** `leading` / `lost` events; undefined without leader election. */
  get leaderElector(): LeaderElector | undefined {
    return this.elector;
  }

  /** Status write counters, for metrics. */
  get statusStats(): StatusWriter['stats'] {
    return this.statusWriter.stats;
  }

  async start(onSnapshot: (snapshot: ProviderSnapshot) => void): Promise<void> {
    this.onSnapshot = onSnapshot;
    this.stopped = false;
    await Promise.all([...this.kinds.values()].map((state) => this.startKind(state)));
    this.elector?.start();
    this.scheduleRecheck();
    this.scheduleSnapshot();
  }

  async writeStatus(statuses: readonly ObjectStatus[]): Promise<void> {
    this.latestStatuses = statuses;
    if (!this.isLeader) return;
    await this.statusWriter.enqueue(this.withReleasedEntries(this.ownedStatuses(statuses)));
  }

  /**
   * `statuses` plus, for every route or policy whose stored status still holds entries of ours
   * but which got no status from this build (it no longer names a parent of ours, or its
   * Gateway is gone), a status with no entries: the merge removes ours and keeps everyone
   * else's. RouteParentStatus.controllerName: "Controllers should ensure that entries to status
   * populated with their ControllerName are cleaned up when they are no longer necessary."
   */
  private withReleasedEntries(statuses: ObjectStatus[]): ObjectStatus[] {
    const resources = this.latestResources;
    if (!resources) return statuses;
    let computed: Set<string> | undefined;
    const released: ObjectStatus[] = [];
    for (const [kind, field] of SHARED_STATUS_LISTS) {
      for (const object of resources.list(kind)) {
        const stored = (object as { status?: Record<string, unknown> }).status?.[field];
        if (!Array.isArray(stored) || !stored.some((entry) => (entry as { controllerName?: unknown } | null)?.controllerName === this.options.controllerName)) continue;
        computed ??= new Set(statuses.map((s) => `${s.kind}/${s.namespace ?? ''}/${s.name}`));
        const namespace = object.metadata.namespace ?? '';
        if (computed.has(`${kind}/${namespace}/${object.metadata.name}`)) continue;
        const generation = object.metadata.generation;
        released.push({
          apiVersion: object.apiVersion,
          kind,
          namespace,
          name: object.metadata.name,
          ...(generation !== undefined ? { generation } : {}),
          status: { [field]: [] },
        } as ObjectStatus);
      }
    }
    return released.length > 0 ? [...statuses, ...released] : statuses;
  }

  /**
   * GatewayClass, Gateway and ListenerSet status belongs to one controller
   * entirely: never write it for objects of another controller's class.
   * (Route and policy status is shared and merged entry by entry instead.)
   */
  private ownedStatuses(statuses: readonly ObjectStatus[]): ObjectStatus[] {
    const resources = this.latestResources;
    if (!resources) return [...statuses];
    const ourClasses = new Set(
      resources
        .list('GatewayClass')
        .filter((gatewayClass) => gatewayClass.spec?.controllerName === this.options.controllerName)
        .map((gatewayClass) => gatewayClass.metadata.name),
    );
    const ourGateway = (namespace: string | undefined, name: string): boolean => {
      const gateway = resources.get('Gateway', namespace, name);
      return !gateway || ourClasses.has(gateway.spec?.gatewayClassName ?? '');
    };
    return statuses.filter((status) => {
      if (status.kind === 'GatewayClass') {
        const gatewayClass = resources.get('GatewayClass', undefined, status.name);
        return !gatewayClass || ourClasses.has(status.name);
      }
      if (status.kind === 'Gateway') return ourGateway(status.namespace, status.name);
      if (status.kind === 'ListenerSet') {
        const parent = resources.get('ListenerSet', status.namespace, status.name)?.spec?.parentRef;
        return !parent || ourGateway(parent.namespace ?? status.namespace, parent.name);
      }
      return true;
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.debounceTimer) clearTimeout(this.debounceTimer);
    if (this.recheckTimer) clearTimeout(this.recheckTimer);
    this.statusWriter.cancel();
    await this.elector?.stop();
    for (const state of this.kinds.values()) {
      if (state.retryTimer) clearTimeout(state.retryTimer);
      await state.listWatch?.stop();
    }
    for (const ref of this.refs.values()) {
      if (ref.retryTimer) clearTimeout(ref.retryTimer);
      await ref.listWatch.stop();
    }
    this.refs.clear();
    await this.provisioning.catch(() => undefined);
    await this.statusWriter.idle().catch(() => undefined);
  }

  /** Simulates a crash for failover tests and drills: stop without releasing the lease. */
  async abandon(): Promise<void> {
    this.stopped = true;
    await this.elector?.stop(false);
    await this.stop();
  }

  /** Where each of our Gateways is reachable, from its provisioned Service. */
  gatewayAddresses(resources: ResourceSet | undefined = this.latestResources): GatewayAddresses {
    const addresses: GatewayAddresses = {};
    if (!this.provisioner || !resources) return addresses;
    for (const gateway of this.ourGateways(resources)) {
      const namespace = gateway.metadata.namespace ?? 'default';
      const service = resources.get('Service', namespace, proxyName(gateway.metadata.name)) as Service | undefined;
      addresses[`${namespace}/${gateway.metadata.name}`] = gatewayAddressesFromService(service);
    }
    return addresses;
  }

  // ---------- discovery and informers ----------

  private async discover(spec: WatchedKind): Promise<ServedVersion | undefined> {
    for (const candidate of spec.candidates) {
      try {
        const list = await this.rest.get<{ resources?: Array<{ name?: string }> }>(discoveryPath(candidate));
        if ((list.resources ?? []).some((resource) => resource.name === candidate.plural)) return candidate;
      } catch (error) {
        if (!isStatus(error, 404)) throw error;
      }
    }
    return undefined;
  }

  /**
   * The bundle-version annotation of the CRD that serves `served`. A CRD that cannot be read
   * (RBAC without customresourcedefinitions, say) is left out: nothing was detected.
   */
  private async readBundleVersion(state: KindWatch, served: ServedVersion): Promise<void> {
    const name = `${served.plural}.${served.group}`;
    try {
      const crd = await this.rest.get<{ metadata?: { annotations?: Record<string, string> } }>(
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
      );
      state.bundleVersion = crd.metadata?.annotations?.[BUNDLE_VERSION_ANNOTATION] ?? null;
    } catch (error) {
      state.bundleVersion = undefined;
      this.logger.debug({ crd: name, error: String(error) }, 'could not read the CRD; its bundle version is not checked');
    }
  }

  private async startKind(state: KindWatch): Promise<void> {
    if (this.stopped) return;
    try {
      state.served = state.spec.optional ? await this.discover(state.spec) : state.spec.candidates[0];
    } catch (error) {
      this.retryKind(state, error);
      return;
    }
    const served = state.served;
    if (!served) {
      if (!state.missing) {
        this.logger.warn(
          { kind: state.spec.kind, tried: state.spec.candidates.map((c) => `${c.plural}.${c.group}/${c.version}`) },
          'CRD not installed; continuing without this kind',
        );
      }
      state.missing = true;
      state.synced = true;
      this.scheduleSnapshot();
      return;
    }
    state.missing = false;
    if (served.group === GATEWAY_GROUP || served.group === GATEWAY_EXPERIMENTAL_GROUP) await this.readBundleVersion(state, served);
    const path = collectionPath(served);
    const listWatch = new ListWatch<KubernetesObject>(
      path,
      this.watcher,
      async () => {
        const list = await this.rest.get<KubernetesListObject<KubernetesObject>>(path);
        state.synced = true;
        state.forbidden = false;
        state.failures = 0;
        // A list that succeeds after failing may change nothing (an empty kind): the snapshot
        // it held back is still due.
        this.scheduleSnapshot();
        return list;
      },
      false,
    );
    state.listWatch = listWatch;
    const changed = (): void => this.scheduleSnapshot();
    listWatch.on('add', changed);
    listWatch.on('update', changed);
    listWatch.on('delete', changed);
    followConnections(listWatch, state);
    listWatch.on('error', (error?: unknown) => {
      if (this.stopped) return;
      if (state.spec.optional && isStatus(error, 404)) {
        // The CRD went away under us: drop the kind, look again later.
        void listWatch.stop();
        state.listWatch = undefined;
        state.served = undefined;
        state.missing = true;
        state.synced = true;
        this.logger.warn({ kind: state.spec.kind }, 'CRD removed; continuing without this kind');
        this.scheduleSnapshot();
        return;
      }
      if (state.spec.optional && isStatus(error, 403) && !state.synced) {
        // Not allowed to read this kind (RBAC from an older chart): serve everything else.
        state.synced = true;
        state.forbidden = true;
        this.logger.error({ kind: state.spec.kind }, 'forbidden to list this kind; continuing without it');
        this.scheduleSnapshot();
      }
      this.logger.warn({ kind: state.spec.kind, err: String(error) }, 'list/watch failed; retrying');
      state.retryTimer = setTimeout(() => {
        if (!this.stopped) void listWatch.start();
      }, this.nextRetry(state));
    });
    await listWatch.start();
  }

  private retryKind(state: KindWatch, error: unknown): void {
    this.logger.warn({ kind: state.spec.kind, err: String(error) }, 'discovery failed; retrying');
    state.retryTimer = setTimeout(() => void this.startKind(state), this.nextRetry(state));
  }

  /**
   * The wait before retrying a watch that just failed, counting the failure. One that had
   * stayed up a while had recovered: its backoff starts again.
   */
  private nextRetry(watch: WatchHealth): number {
    if (watch.connectedAt !== undefined && Date.now() - watch.connectedAt > HEALTHY_WATCH_MS) watch.failures = 0;
    watch.failures++;
    return this.backoff(watch.failures);
  }

  private backoff(failures: number): number {
    return retryDelayMs(failures, this.options.retryBackoffMs ?? 500, 30_000);
  }

  /** Kinds whose CRDs were missing get installed later; pick them up without a restart. */
  private scheduleRecheck(): void {
    if (this.stopped) return;
    this.recheckTimer = setTimeout(async () => {
      for (const state of this.kinds.values()) {
        if (state.missing && !this.stopped) await this.startKind(state);
      }
      this.scheduleRecheck();
    }, this.options.crdRecheckMs ?? 30_000);
    this.recheckTimer.unref?.();
  }

  // ---------- referenced Secrets and ConfigMaps ----------

  private syncReferences(wanted: readonly ObjectRef[]): void {
    const keys = new Set(wanted.map(refKey));
    for (const [key, watch] of this.refs) {
      if (keys.has(key)) continue;
      if (watch.retryTimer) clearTimeout(watch.retryTimer);
      void watch.listWatch.stop();
      this.refs.delete(key);
    }
    for (const ref of wanted) {
      const key = refKey(ref);
      if (this.refs.has(key)) continue;
      // No such object can exist: it resolves as absent, without a watch.
      if (!isObjectName(ref.name)) continue;
      const plural = ref.kind === 'Secret' ? 'secrets' : 'configmaps';
      const path = `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/${plural}`;
      const fieldSelector = `metadata.name=${ref.name}`;
      const query = `?fieldSelector=${encodeURIComponent(fieldSelector)}`;
      const watch: RefWatch = {
        ref,
        synced: false,
        failures: 0,
        listWatch: new ListWatch<KubernetesObject>(
          path,
          this.watcher,
          async () => {
            const list = await this.rest.get<KubernetesListObject<KubernetesObject>>(path + query);
            watch.synced = true;
            watch.failures = 0;
            this.scheduleSnapshot();
            return list;
          },
          false,
          undefined,
          fieldSelector,
        ),
      };
      this.refs.set(key, watch);
      const changed = (): void => this.scheduleSnapshot();
      watch.listWatch.on('add', changed);
      watch.listWatch.on('update', changed);
      watch.listWatch.on('delete', changed);
      followConnections(watch.listWatch, watch);
      watch.listWatch.on('error', (error?: unknown) => {
        if (this.stopped || this.refs.get(key) !== watch) return;
        if (isStatus(error, 403) || (refusedForGood(error) && !watch.synced)) {
          // Not allowed to read it, or a request the server refuses: report it as absent rather
          // than holding back every snapshot.
          watch.synced = true;
          this.logger.warn({ object: `${ref.kind} ${ref.namespace}/${ref.name}`, err: String(error) }, 'cannot read referenced object; treating it as absent');
          this.scheduleSnapshot();
        }
        watch.retryTimer = setTimeout(() => {
          if (!this.stopped && this.refs.get(key) === watch) void watch.listWatch.start();
        }, this.nextRetry(watch));
      });
      void watch.listWatch.start().then(() => this.scheduleSnapshot());
    }
  }

  // ---------- snapshots ----------

  private scheduleSnapshot(): void {
    if (this.stopped || !this.onSnapshot) return;
    if (this.debounceTimer) clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = undefined;
      this.emitSnapshot();
    }, this.options.debounceMs ?? 100);
  }

  private emitSnapshot(): void {
    if (this.stopped || !this.onSnapshot) return;
    if ([...this.kinds.values()].some((state) => !state.synced)) return; // a later sync schedules again
    const problems: ProviderProblem[] = [];
    for (const state of this.kinds.values()) {
      if (state.missing) {
        const preferred = state.spec.candidates[0];
        problems.push({
          source: `CustomResourceDefinition ${preferred.plural}.${preferred.group}`,
          message: `not installed (looked for ${state.spec.candidates.map(apiVersionOf).join(', ')}); ${state.spec.kind} objects are ignored until it is`,
        });
      } else if (state.forbidden) {
        problems.push({
          source: `${state.spec.kind}`,
          message: `forbidden to list ${state.served ? collectionPath(state.served) : state.spec.kind}: check the controller's RBAC; ${state.spec.kind} objects are ignored`,
        });
      }
    }
    const resources = new ResourceSet();
    for (const state of this.kinds.values()) {
      for (const object of state.listWatch?.list() ?? []) this.addObject(resources, state.spec.kind, object, problems);
    }
    // Only now do we know which Secrets and ConfigMaps are referenced.
    this.syncReferences(referencedObjects(resources));
    if ([...this.refs.values()].some((watch) => !watch.synced)) return;
    for (const watch of this.refs.values()) {
      for (const object of watch.listWatch.list()) {
        if (object.metadata?.name === watch.ref.name) this.addObject(resources, watch.ref.kind, object, problems);
      }
    }
    this.latestResources = resources;
    const crdBundleVersions: Record<string, string | null> = {};
    for (const state of this.kinds.values()) {
      if (state.served && !state.missing && state.bundleVersion !== undefined) {
        crdBundleVersions[`${state.served.plural}.${state.served.group}`] = state.bundleVersion;
      }
    }
    const snapshot: KubernetesSnapshot = { resources, problems, gatewayAddresses: this.gatewayAddresses(resources), crdBundleVersions };
    this.snapshotCount++;
    this.logger.debug({ objects: resources.size, snapshot: this.snapshotCount }, 'snapshot');
    try {
      this.onSnapshot(snapshot);
    } catch (error) {
      this.logger.error({ err: String(error) }, 'snapshot consumer failed');
    }
    this.maybeProvision(resources, false);
  }

  private addObject(resources: ResourceSet, kind: KindName, raw: KubernetesObject, problems: ProviderProblem[]): void {
    const name = raw.metadata?.name;
    if (!name) {
      problems.push({ source: `${kind} (unnamed)`, message: 'object has no metadata.name' });
      return;
    }
    // The translator reuses its work for objects it has seen before (by identity): while the
    // watch cache holds the same object, hand over the same copy.
    let object = this.converted.get(raw);
    if (object?.kind !== kind) {
      const { managedFields: _managedFields, ...metadata } = raw.metadata as Record<string, unknown>;
      // Named as the kind it is watched for (an XListenerSet of the experimental group is read
      // as a ListenerSet); a v1alpha2 BackendTLSPolicy is put in the current shape.
      object = inCurrentShape({ ...(raw as Record<string, unknown>), kind, metadata }) as unknown as KubeObject;
      this.converted.set(raw, object);
    }
    resources.upsert(object as Parameters<ResourceSet['upsert']>[0]);
  }

  private cached(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const state = this.kinds.get(kind as KindName);
    const object = state?.listWatch?.get(name, namespace);
    return object as KubeObject | undefined;
  }

  // ---------- leadership and provisioning ----------

  private onLeading(): void {
    if (this.stopped) return;
    if (this.latestStatuses.length > 0) void this.statusWriter.enqueue(this.withReleasedEntries(this.ownedStatuses(this.latestStatuses)));
    if (this.latestResources) this.maybeProvision(this.latestResources, true);
  }

  private ourGateways(resources: ResourceSet): Gateway[] {
    const ourClasses = new Set(
      resources
        .list('GatewayClass')
        .filter((gatewayClass) => gatewayClass.spec?.controllerName === this.options.controllerName)
        .map((gatewayClass) => gatewayClass.metadata.name),
    );
    return resources.list('Gateway').filter((gateway) => ourClasses.has(gateway.spec?.gatewayClassName ?? ''));
  }

  private maybeProvision(resources: ResourceSet, force: boolean): void {
    const provisioner = this.provisioner;
    if (!provisioner || !this.isLeader || this.stopped) return;
    const gateways = this.ourGateways(resources);
    const listenerSets: ListenerSet[] = resources.list('ListenerSet');
    const view = parameterView(resources);
    const parameters = new Map(gateways.map((gateway) => [gateway, effectiveGatewayParameters(view, sanitizeObject(gateway) ?? gateway)]));
    const fingerprint = canonicalJson([
      gateways.map((gateway) => [gateway.metadata.namespace, gateway.metadata.name, gateway.metadata.uid, gateway.spec, parameters.get(gateway)]),
      listenerSets.map((set) => [set.metadata.namespace, set.metadata.name, set.spec]),
    ]);
    if (!force && fingerprint === this.provisionedFor) return;
    this.provisionedFor = fingerprint;
    this.provisioning = this.provisioning
      .then(() => (this.isLeader && !this.stopped ? provisioner.reconcile(gateways, listenerSets, (gateway) => parameters.get(gateway) ?? {}) : undefined))
      .catch((error: unknown) => {
        this.provisionedFor = undefined;
        this.logger.error({ err: String(error) }, 'provisioning failed');
      });
  }

  /** Resolves when queued provisioning and status writes are done (tests, graceful shutdown). */
  async settled(): Promise<void> {
    await this.provisioning;
    await this.statusWriter.idle();
  }

  /** The served apiVersion of a kind, or undefined if its CRD is missing. */
  servedApiVersion(kind: KindName): string | undefined {
    const served = this.kinds.get(kind)?.served;
    return served ? apiVersionOf(served) : undefined;
  }
}

function defaultKubeConfig(): KubeConfig {
  const config = new KubeConfig();
  config.loadFromDefault();
  return config;
}

/**
 * The objects parameters are read from, as the translator sees them: it accepts or rejects
 * parameters on sanitized objects (a label value of the wrong type is dropped, not an
 * error), so provisioning must read the same objects for what is accepted to be exactly
 * what is provisioned.
 */
function parameterView(resources: ResourceSet): ResourceSet {
  const objects = [...resources.list('GatewayClass'), ...resources.list('ConfigMap'), ...resources.list('GatewayParameters')];
  return ResourceSet.from(objects.map((object) => sanitizeObject(object)).filter((object) => object !== undefined));
}
