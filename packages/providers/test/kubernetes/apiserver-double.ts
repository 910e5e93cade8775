/**
 * A TEST DOUBLE of the Kubernetes API server — not a real kube-apiserver.
 *
 * It speaks the real REST and watch wire protocol over HTTP on loopback, so
 * the provider's real @kubernetes/client-node ListWatch/Watch code and its
 * own REST calls run unmodified against it through a KubeConfig:
 * - discovery (`/api/v1`, `/apis/<group>/<version>`), 404 for unserved groups;
 * - list with `metadata.resourceVersion`, `fieldSelector=metadata.name=`,
 *   simple `labelSelector`s;
 * - `?watch=true&resourceVersion=N` streaming newline-delimited JSON events,
 *   and an ERROR event with code 410 (Gone) once N has been compacted;
 * - get / create (POST) / replace (PUT) / merge patch / delete, with
 *   resourceVersion preconditions answered by 409 Conflict;
 * - the `/status` subresource (status-only updates, generation untouched);
 * - coordination.k8s.io/v1 Leases like any other namespaced object;
 * - requests left unanswered on purpose (`hang`), as from a dying server;
 * - some of kube-apiserver's defaulting on writes (serverDefaults below): the fields a
 *   controller finds added to what it wrote, which its comparisons must tolerate;
 * - RBAC: requests with the controller's token get 403 unless the provider's declared
 *   permissions (src/kubernetes/permissions.json, which the chart must grant exactly) allow
 *   them, the Role's only in RELEASE_NAMESPACE; tests acting as another controller or a user
 *   use OTHER_CLIENT_TOKEN.
 * It also records every request and can inject failures, which is what tests
 * assert on.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import permissions from '../../src/kubernetes/permissions.json' with { type: 'json' };

/** A token with every permission, for requests a test makes as another controller or a user. */
export const OTHER_CLIENT_TOKEN = 'other-client-token';

type Json = Record<string, unknown>;

interface ResourceType {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  hasStatus: boolean;
}

interface StoredEvent {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  resource: string;
  object: Json;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body?: Json;
}

interface Fault {
  method: string;
  path: RegExp;
  status: number;
  remaining: number;
}

interface OpenWatch {
  resource: string;
  namespace?: string;
  fieldSelector?: string;
  labelSelector?: string;
  response: http.ServerResponse;
}

function typeKey(group: string, version: string, plural: string): string {
  return `${group}/${version}/${plural}`;
}

export class FakeApiServer {
  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  private readonly types = new Map<string, ResourceType>();
  private readonly objects = new Map<string, Map<string, Json>>();
  private readonly events: StoredEvent[] = [];
  private readonly watches = new Set<OpenWatch>();
  private readonly faults: Fault[] = [];
  /** Requests matching these get no answer at all, as from a server that died holding the connection. */
  private readonly hanging: Array<{ method: string; path: RegExp }> = [];
  private readonly unanswered = new Set<http.ServerResponse>();
  private rv = 100;
  private compactedThrough = 0;
  private uidCounter = 0;
  readonly requests: RecordedRequest[] = [];
  /** Requests refused because the provider's permissions do not allow them ("verb group/resource"). */
  readonly refusedByRbac: string[] = [];
  port = 0;

  constructor() {
    this.register('', 'v1', 'namespaces', 'Namespace', false, true);
    this.register('', 'v1', 'services', 'Service', true, true);
    this.register('', 'v1', 'secrets', 'Secret', true, false);
    this.register('', 'v1', 'configmaps', 'ConfigMap', true, false);
    this.register('', 'v1', 'serviceaccounts', 'ServiceAccount', true, false);
    this.register('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true, false);
    this.register('apps', 'v1', 'deployments', 'Deployment', true, true);
    this.register('coordination.k8s.io', 'v1', 'leases', 'Lease', true, false);
    this.register('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false, true);
  }

  register(group: string, version: string, plural: string, kind: string, namespaced: boolean, hasStatus: boolean): void {
    const key = typeKey(group, version, plural);
    this.types.set(key, { group, version, plural, kind, namespaced, hasStatus });
    if (!this.objects.has(key)) this.objects.set(key, new Map());
  }

  /**
   * The v1.6 standard-channel CRDs (plus TCPRoute/UDPRoute), all served at v1, and (as
   * the chart installs it alongside) Portico's GatewayParameters unless `portico: false`.
   * Each Gateway API CRD is also a CustomResourceDefinition object carrying
   * `bundleVersion` (default v1.6.1; null: no annotation) as gateway.networking.k8s.io/bundle-version.
   */
  installGatewayApi(options: { portico?: boolean; bundleVersion?: string | null } = {}): void {
    if (options.portico !== false) this.installPorticoApi();
    const g = 'gateway.networking.k8s.io';
    const bundleVersion = options.bundleVersion === undefined ? 'v1.6.1' : options.bundleVersion;
    const crd = (plural: string): void => {
      const annotations = bundleVersion === null ? undefined : { 'gateway.networking.k8s.io/bundle-version': bundleVersion };
      this.apply({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: `${plural}.${g}`, ...(annotations ? { annotations } : {}) },
        spec: { group: g, names: { plural } },
      });
    };
    crd('gatewayclasses');
    this.register(g, 'v1', 'gatewayclasses', 'GatewayClass', false, true);
    for (const [plural, kind] of [
      ['gateways', 'Gateway'],
      ['listenersets', 'ListenerSet'],
      ['httproutes', 'HTTPRoute'],
      ['grpcroutes', 'GRPCRoute'],
      ['tlsroutes', 'TLSRoute'],
      ['tcproutes', 'TCPRoute'],
      ['udproutes', 'UDPRoute'],
      ['referencegrants', 'ReferenceGrant'],
      ['backendtlspolicies', 'BackendTLSPolicy'],
    ] as const) {
      this.register(g, 'v1', plural, kind, true, kind !== 'ReferenceGrant');
      crd(plural);
    }
  }

  /** Portico's own CRDs: gatewayparameters.gateway.portico.dev, served at v1alpha1. */
  installPorticoApi(): void {
    this.register('gateway.portico.dev', 'v1alpha1', 'gatewayparameters', 'GatewayParameters', true, false);
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    await this.shutDown();
    // A provider that calls outside its permissions fails on a real cluster whatever it does
    // with the 403: a test that made one fails here (once everything is closed).
    if (this.refusedByRbac.length > 0) {
      throw new Error(`the provider made requests its permissions do not allow: ${[...new Set(this.refusedByRbac)].join(', ')}`);
    }
  }

  private async shutDown(): Promise<void> {
    for (const watch of this.watches) watch.response.end();
    this.watches.clear();
    for (const response of this.unanswered) response.destroy();
    this.unanswered.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  kubeConfig(): KubeConfig {
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: 'double', server: `http://127.0.0.1:${this.port}`, skipTLSVerify: true }],
      users: [{ name: 'tester', token: 'test-token' }],
      contexts: [{ name: 'double', cluster: 'double', user: 'tester' }],
      currentContext: 'double',
    });
    return config;
  }

  /** Makes the next `times` requests matching method+path fail with `status`. */
  failNext(method: string, path: RegExp, status: number, times = 1): void {
    this.faults.push({ method, path, status, remaining: times });
  }

  /** Leaves matching requests unanswered until the returned function is called. */
  hang(method: string, path: RegExp): () => void {
    const entry = { method, path };
    this.hanging.push(entry);
    return () => {
      const index = this.hanging.indexOf(entry);
      if (index !== -1) this.hanging.splice(index, 1);
    };
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Forgets history up to now: watches resuming from an older resourceVersion get 410 Gone. */
  compact(): void {
    this.compactedThrough = this.rv;
  }

  /** Ends every open watch, as the server does when a watch times out. */
  closeWatches(): void {
    for (const watch of this.watches) watch.response.end();
    this.watches.clear();
  }

  openWatchCount(resource?: string): number {
    return [...this.watches].filter((watch) => !resource || watch.resource.endsWith(`/${resource}`)).length;
  }

  requestsMatching(method: string, path: RegExp): RecordedRequest[] {
    return this.requests.filter((request) => request.method === method && path.test(request.path));
  }

  // ---------- direct store access for tests (as if another client wrote) ----------

  apply(object: Json): Json {
    const type = this.typeFor(object);
    const meta = (object.metadata ?? {}) as Json;
    const existing = this.objects.get(type)!.get(this.nameKey(meta.namespace as string | undefined, meta.name as string));
    if (existing) {
      const merged = { ...object, metadata: { ...meta, resourceVersion: (existing.metadata as Json).resourceVersion } };
      return this.store(type, merged, existing, false);
    }
    return this.store(type, object, undefined, false);
  }

  remove(apiVersion: string, plural: string, namespace: string | undefined, name: string): void {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    this.deleteObject(typeKey(group, version, plural), namespace, name);
  }

  /** Deletes without a watch event, as if the event had been lost to compaction. */
  removeSilently(apiVersion: string, plural: string, namespace: string | undefined, name: string): void {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    this.objects.get(typeKey(group, version, plural))?.delete(this.nameKey(namespace, name));
    this.rv++;
  }

  getObject(apiVersion: string, plural: string, namespace: string | undefined, name: string): Json | undefined {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    return this.objects.get(typeKey(group, version, plural))?.get(this.nameKey(namespace, name));
  }

  listObjects(apiVersion: string, plural: string): Json[] {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    return [...(this.objects.get(typeKey(group, version, plural))?.values() ?? [])];
  }

  private typeFor(object: Json): string {
    const apiVersion = String(object.apiVersion);
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    for (const [key, type] of this.types) {
      if (type.group === group && type.version === version && type.kind === object.kind) return key;
    }
    throw new Error(`test double: no resource type for ${apiVersion} ${String(object.kind)}`);
  }

  private nameKey(namespace: string | undefined, name: string): string {
    return `${namespace ?? ''}/${name}`;
  }

  private store(type: string, input: Json, existing: Json | undefined, statusOnly: boolean): Json {
    const resource = this.types.get(type)!;
    const meta = { ...((input.metadata ?? {}) as Json) };
    const oldMeta = (existing?.metadata ?? {}) as Json;
    this.rv++;
    let object: Json;
    if (existing && statusOnly) {
      object = { ...existing, status: input.status, metadata: { ...oldMeta, resourceVersion: String(this.rv) } };
    } else {
      const specChanged = JSON.stringify(existing?.spec) !== JSON.stringify(input.spec);
      const generation = existing ? Number(oldMeta.generation ?? 1) + (specChanged ? 1 : 0) : 1;
      object = {
        ...serverDefaults(resource.kind, structuredClone(input)),
        apiVersion: resource.group ? `${resource.group}/${resource.version}` : resource.version,
        kind: resource.kind,
        metadata: {
          ...meta,
          uid: oldMeta.uid ?? meta.uid ?? `uid-${++this.uidCounter}`,
          creationTimestamp: oldMeta.creationTimestamp ?? meta.creationTimestamp ?? new Date(1_700_000_000_000 + this.rv * 1000).toISOString().replace('.000', ''),
          generation,
          resourceVersion: String(this.rv),
        },
      };
      // With a status subresource, writes to the main resource cannot change status.
      if (existing && resource.hasStatus) object.status = existing.status;
    }
    const name = meta.name as string;
    this.objects.get(type)!.set(this.nameKey(meta.namespace as string | undefined, name), object);
    this.publish({ rv: this.rv, type: existing ? 'MODIFIED' : 'ADDED', resource: type, object });
    return object;
  }

  private deleteObject(type: string, namespace: string | undefined, name: string): Json | undefined {
    const bucket = this.objects.get(type);
    const existing = bucket?.get(this.nameKey(namespace, name));
    if (!bucket || !existing) return undefined;
    bucket.delete(this.nameKey(namespace, name));
    this.rv++;
    const object = { ...existing, metadata: { ...(existing.metadata as Json), resourceVersion: String(this.rv) } };
    this.publish({ rv: this.rv, type: 'DELETED', resource: type, object });
    return object;
  }

  private publish(event: StoredEvent): void {
    this.events.push(event);
    for (const watch of this.watches) {
      if (this.watchMatches(watch, event)) watch.response.write(JSON.stringify({ type: event.type, object: event.object }) + '\n');
    }
  }

  private watchMatches(watch: Omit<OpenWatch, 'response'>, event: StoredEvent): boolean {
    return event.resource === watch.resource && this.selected(event.object, watch.namespace, watch.fieldSelector, watch.labelSelector);
  }

  private selected(object: Json, namespace?: string, fieldSelector?: string, labelSelector?: string): boolean {
    const meta = (object.metadata ?? {}) as { name?: string; namespace?: string; labels?: Record<string, string> };
    if (namespace && meta.namespace !== namespace) return false;
    for (const term of (fieldSelector ?? '').split(',').filter(Boolean)) {
      const [field, value] = term.split('=');
      if (field === 'metadata.name' && meta.name !== value) return false;
      if (field === 'metadata.namespace' && meta.namespace !== value) return false;
    }
    for (const term of (labelSelector ?? '').split(',').filter(Boolean)) {
      const [key, value] = term.split('=');
      const labels = meta.labels ?? {};
      if (value === undefined ? !(key in labels) : labels[key] !== value) return false;
    }
    return true;
  }

  // ---------- HTTP ----------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: Json | undefined;
    try {
      body = text ? (JSON.parse(text) as Json) : undefined;
    } catch {
      return this.status(res, 400, 'BadRequest', 'body is not JSON');
    }
    const method = req.method ?? 'GET';
    this.requests.push({ method, path: url.pathname, query: url.searchParams, body });
    if (req.headers.authorization !== 'Bearer test-token' && req.headers.authorization !== `Bearer ${OTHER_CLIENT_TOKEN}`) {
      return this.status(res, 401, 'Unauthorized', 'no token');
    }
    if (req.headers.authorization === 'Bearer test-token') {
      const refused = forbidden(method, url);
      if (refused) {
        this.refusedByRbac.push(refused);
        return this.status(res, 403, 'Forbidden', `${refused} is not in the provider's permissions`);
      }
    }
    if (this.hanging.some((h) => h.method === method && h.path.test(url.pathname))) {
      this.unanswered.add(res);
      return;
    }
    const fault = this.faults.find((f) => f.remaining > 0 && f.method === method && f.path.test(url.pathname));
    if (fault) {
      fault.remaining--;
      return this.status(res, fault.status, fault.status === 409 ? 'Conflict' : 'InternalError', 'injected failure');
    }
    const route = this.route(url.pathname);
    if (!route) return this.status(res, 404, 'NotFound', `the server could not find the requested resource (${url.pathname})`);
    if (route.discovery) return this.json(res, 200, route.discovery);
    const { type, resource, namespace, name, subresource } = route;
    const bucket = this.objects.get(type!)!;
    const watch = url.searchParams.get('watch');
    if (!name) {
      if (method === 'GET' && (watch === 'true' || watch === '1')) {
        return this.startWatch(res, type!, namespace, url.searchParams);
      }
      if (method === 'GET') {
        const items = [...bucket.values()].filter((object) =>
          this.selected(object, namespace, url.searchParams.get('fieldSelector') ?? undefined, url.searchParams.get('labelSelector') ?? undefined),
        );
        return this.json(res, 200, {
          apiVersion: resource!.group ? `${resource!.group}/${resource!.version}` : resource!.version,
          kind: `${resource!.kind}List`,
          metadata: { resourceVersion: String(this.rv) },
          items,
        });
      }
      if (method === 'POST' && body) {
        const meta = (body.metadata ?? {}) as Json;
        if (bucket.has(this.nameKey(namespace, meta.name as string))) {
          return this.status(res, 409, 'AlreadyExists', `${resource!.plural} "${String(meta.name)}" already exists`);
        }
        const created = this.store(type!, { ...body, metadata: { ...meta, namespace } }, undefined, false);
        return this.json(res, 201, created);
      }
      return this.status(res, 405, 'MethodNotAllowed', method);
    }
    const existing = bucket.get(this.nameKey(namespace, name));
    if (subresource && (subresource !== 'status' || !resource!.hasStatus)) return this.status(res, 404, 'NotFound', subresource);
    if (method === 'GET') {
      return existing ? this.json(res, 200, existing) : this.status(res, 404, 'NotFound', `${resource!.plural} "${name}" not found`);
    }
    if (method === 'DELETE') {
      const deleted = this.deleteObject(type!, namespace, name);
      return deleted ? this.json(res, 200, deleted) : this.status(res, 404, 'NotFound', `${resource!.plural} "${name}" not found`);
    }
    if (!existing) return this.status(res, 404, 'NotFound', `${resource!.plural} "${name}" not found`);
    if (method === 'PUT' && body) {
      const wanted = ((body.metadata ?? {}) as Json).resourceVersion;
      if (wanted === undefined || wanted === '') return this.status(res, 422, 'Invalid', 'metadata.resourceVersion: must be specified for an update');
      if (wanted !== (existing.metadata as Json).resourceVersion) {
        return this.status(res, 409, 'Conflict', 'the object has been modified; please apply your changes to the latest version and try again');
      }
      return this.json(res, 200, this.store(type!, { ...body, metadata: { ...(body.metadata as Json), namespace } }, existing, subresource === 'status'));
    }
    if (method === 'PATCH' && body) {
      if (req.headers['content-type'] !== 'application/merge-patch+json') return this.status(res, 415, 'UnsupportedMediaType', 'merge patch only');
      const wanted = ((body.metadata ?? {}) as Json).resourceVersion;
      if (wanted !== undefined && wanted !== (existing.metadata as Json).resourceVersion) {
        return this.status(res, 409, 'Conflict', 'the object has been modified');
      }
      const patched = mergePatch(existing, body) as Json;
      return this.json(res, 200, this.store(type!, patched, existing, subresource === 'status'));
    }
    return this.status(res, 405, 'MethodNotAllowed', method);
  }

  private route(path: string):
    | { discovery?: Json; type?: string; resource?: ResourceType; namespace?: string; name?: string; subresource?: string }
    | undefined {
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    let group: string;
    let rest: string[];
    if (parts[0] === 'api') {
      group = '';
      rest = parts.slice(1);
    } else if (parts[0] === 'apis' && parts.length >= 3) {
      group = parts[1];
      rest = parts.slice(2);
    } else {
      return undefined;
    }
    const [version, ...tail] = rest;
    if (!version) return undefined;
    const served = [...this.types.values()].filter((type) => type.group === group && type.version === version);
    if (served.length === 0) return undefined;
    if (tail.length === 0) {
      return {
        discovery: {
          kind: 'APIResourceList',
          apiVersion: 'v1',
          groupVersion: group ? `${group}/${version}` : version,
          resources: served.map((type) => ({ name: type.plural, kind: type.kind, namespaced: type.namespaced, verbs: ['get', 'list', 'watch'] })),
        },
      };
    }
    let namespace: string | undefined;
    let remaining = tail;
    if (tail[0] === 'namespaces' && tail.length >= 3) {
      namespace = tail[1];
      remaining = tail.slice(2);
    }
    const [plural, name, subresource] = remaining;
    const type = typeKey(group, version, plural);
    const resource = this.types.get(type);
    if (!resource) return undefined;
    if (resource.namespaced === false && namespace) return undefined;
    return { type, resource, namespace, name, subresource };
  }

  private startWatch(res: http.ServerResponse, type: string, namespace: string | undefined, query: URLSearchParams): void {
    const from = Number(query.get('resourceVersion') ?? '0');
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    if (from > 0 && from < this.compactedThrough) {
      res.write(
        JSON.stringify({
          type: 'ERROR',
          object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410, message: `too old resource version: ${from}` },
        }) + '\n',
      );
      res.end();
      return;
    }
    const watch: OpenWatch = {
      resource: type,
      namespace,
      fieldSelector: query.get('fieldSelector') ?? undefined,
      labelSelector: query.get('labelSelector') ?? undefined,
      response: res,
    };
    for (const event of this.events) {
      if (event.rv > from && this.watchMatches(watch, event)) res.write(JSON.stringify({ type: event.type, object: event.object }) + '\n');
    }
    this.watches.add(watch);
    res.on('close', () => this.watches.delete(watch));
  }

  private json(res: http.ServerResponse, code: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private status(res: http.ServerResponse, code: number, reason: string, message: string): void {
    this.json(res, code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code });
  }
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const result: Json = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Json) } : {};
  for (const [key, value] of Object.entries(patch as Json)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/**
 * A part of what kube-apiserver's defaulting adds to Deployments and Services on create and
 * update (k8s.io/kubernetes pkg/apis/core/v1/defaults.go and pkg/apis/apps/v1/defaults.go):
 * enough that a controller comparing what it wrote with what it reads back meets added fields.
 */
function serverDefaults(kind: string, object: Json): Json {
  const spec = object.spec as Json | undefined;
  if (!spec) return object;
  if (kind === 'Deployment') {
    spec.revisionHistoryLimit ??= 10;
    spec.progressDeadlineSeconds ??= 600;
    spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } };
    const pod = (spec.template as Json | undefined)?.spec as Json | undefined;
    if (pod) podDefaults(pod);
  }
  if (kind === 'Service') {
    spec.type ??= 'ClusterIP';
    spec.sessionAffinity ??= 'None';
    for (const port of (spec.ports ?? []) as Json[]) {
      port.protocol ??= 'TCP';
      port.targetPort ??= port.port;
    }
  }
  return object;
}

function podDefaults(pod: Json): void {
  pod.restartPolicy ??= 'Always';
  pod.dnsPolicy ??= 'ClusterFirst';
  pod.schedulerName ??= 'default-scheduler';
  pod.terminationGracePeriodSeconds ??= 30;
  for (const volume of (pod.volumes ?? []) as Json[]) {
    // SetDefaults_ConfigMapVolumeSource, SetDefaults_SecretVolumeSource: 0644.
    if (volume.configMap) (volume.configMap as Json).defaultMode ??= 420;
    if (volume.secret) (volume.secret as Json).defaultMode ??= 420;
  }
  for (const container of (pod.containers ?? []) as Json[]) {
    container.terminationMessagePath ??= '/dev/termination-log';
    container.terminationMessagePolicy ??= 'File';
    container.imagePullPolicy ??= imageTag(String(container.image ?? '')) === 'latest' ? 'Always' : 'IfNotPresent';
    for (const port of (container.ports ?? []) as Json[]) port.protocol ??= 'TCP';
  }
}

/**
 * The tag SetDefaults_Container reads (docker's reference parser): after the last colon of the
 * last path part, so that a registry's port is not one; `latest` when there is neither a tag nor
 * a digest, none when there is only a digest.
 */
export function imageTag(image: string): string {
  const at = image.indexOf('@');
  const name = at === -1 ? image : image.slice(0, at);
  const lastPart = name.slice(name.lastIndexOf('/') + 1);
  const colon = lastPart.lastIndexOf(':');
  if (colon !== -1) return lastPart.slice(colon + 1);
  return at === -1 ? 'latest' : '';
}

interface PermissionRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** "verb group/resource" for every request the rules allow. */
function allowedBy(rules: PermissionRule[]): Set<string> {
  return new Set(rules.flatMap((rule) => rule.apiGroups.flatMap((group) => rule.resources.flatMap((resource) => rule.verbs.map((verb) => `${verb} ${group}/${resource}`)))));
}

// A ClusterRole's rules hold in every namespace; a Role's only in its own (the release namespace).
const ALLOWED_IN_CLUSTER = allowedBy(permissions.cluster);
const ALLOWED_IN_RELEASE_NAMESPACE = allowedBy(permissions.releaseNamespace);

/** The namespace the chart installs the controller, and so its Role, into in these tests. */
export const RELEASE_NAMESPACE = 'portico-system';

/** A request as kube-apiserver's RBAC authorizer sees it. */
export interface RequestAttributes {
  group: string;
  /** With its subresource: `httproutes/status`. */
  resource: string;
  verb: string;
  namespace?: string;
  name?: string;
}

/**
 * The attributes of one request, as kube-apiserver's request info resolver reads them (verb from
 * the method and whether a name or ?watch is given; resource/subresource from the path).
 * Undefined for discovery paths, which are open to everyone.
 */
export function requestAttributes(method: string, path: string, query: URLSearchParams): RequestAttributes | undefined {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  let rest: string[];
  let group: string;
  if (parts[0] === 'api') {
    group = '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis') {
    group = parts[1] ?? '';
    rest = parts.slice(3);
  } else return undefined;
  if (rest.length === 0) return undefined;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, subresource] = rest as [string, string | undefined, string | undefined];
  const watch = query.get('watch') === 'true' || query.get('watch') === '1';
  const verb =
    method === 'GET'
      ? name !== undefined
        ? 'get'
        : watch
          ? 'watch'
          : 'list'
      : method === 'POST'
        ? 'create'
        : method === 'PUT'
          ? 'update'
          : method === 'PATCH'
            ? 'patch'
            : name !== undefined
              ? 'delete'
              : 'deletecollection';
  const attributes: RequestAttributes = { group, resource: subresource ? `${plural}/${subresource}` : plural, verb };
  if (namespace !== undefined) attributes.namespace = namespace;
  if (name !== undefined) attributes.name = name;
  return attributes;
}

/** Undefined when the provider's permissions allow the request, else "verb group/resource[ in namespace]". */
function forbidden(method: string, url: URL): string | undefined {
  const attributes = requestAttributes(method, url.pathname, url.searchParams);
  if (!attributes) return undefined;
  const key = `${attributes.verb} ${attributes.group}/${attributes.resource}`;
  if (ALLOWED_IN_CLUSTER.has(key)) return undefined;
  if (ALLOWED_IN_RELEASE_NAMESPACE.has(key)) {
    if (attributes.namespace === RELEASE_NAMESPACE) return undefined;
    return `${key} in ${attributes.namespace === undefined ? 'every namespace' : `namespace ${attributes.namespace}`}`;
  }
  return key;
}
