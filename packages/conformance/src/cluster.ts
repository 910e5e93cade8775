// An in-memory stand-in for the Kubernetes API server and the controllers the
// suite relies on, used only to replay the conformance data: it stores objects,
// assigns uid / creationTimestamp / generation as the API server does, bumps
// metadata.generation when anything outside metadata and status changes, and
// plays the Deployment + EndpointSlice controllers (pods with stable names and
// addresses, an EndpointSlice per selector Service). It is not a Kubernetes
// client and never talks to a cluster.
import { ResourceSet, isKnownKind } from '@portico/api';
import { applyMergePatch } from './mergepatch.js';

export interface StoredObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    generation?: number;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface SimulatedPod {
  name: string;
  namespace: string;
  /** Deployment that owns the pod; the suite names backends by this prefix. */
  deployment: string;
  labels: Record<string, string>;
  ipv4: string;
  ipv6: string;
}

const CLUSTER_SCOPED = new Set([
  'GatewayClass',
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'StorageClass',
  'PersistentVolume',
]);

/** Wall clock the replay controls: `wait` advances it, nothing ever sleeps. */
export class FakeClock {
  private millis: number;

  constructor(start = Date.UTC(2024, 0, 1)) {
    this.millis = start;
  }

  advance(seconds: number): void {
    this.millis += Math.round(seconds * 1000);
  }

  /** RFC 3339 at second precision, as Kubernetes serialises timestamps. */
  now(): string {
    return new Date(this.millis).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
}

export function objectId(kind: string, namespace: string | null | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Everything the API server counts as spec for generation purposes: all but metadata and status. */
function specPart(object: StoredObject): string {
  const { metadata: _metadata, status: _status, ...rest } = object;
  return canonical(rest);
}

function stableHash(text: string, length: number, alphabet = 'bcdfghjklmnpqrstvwxz2456789'): string {
  let hash = 2166136261;
  let out = '';
  for (let round = 0; out.length < length; round++) {
    for (const char of `${text}#${round}`) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
    out += alphabet[hash % alphabet.length];
  }
  return out;
}

function matchesSelector(labels: Record<string, string> | undefined, selector: Record<string, string>): boolean {
  const keys = Object.keys(selector);
  if (keys.length === 0) return false;
  return keys.every((key) => labels?.[key] === selector[key]);
}

/** Parses `a=b,c=d` label selectors (equality only, which is all the suite uses). */
export function parseLabelSelector(selector: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of selector.split(',')) {
    const [key, value] = part.split('=').map((s) => s.trim());
    if (key) out[key] = value ?? '';
  }
  return out;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

export class FakeCluster {
  readonly clock: FakeClock;
  private readonly objects = new Map<string, StoredObject>();
  private uidCounter = 0;
  private podCounter = 0;
  private readonly podAddresses = new Map<string, { ipv4: string; ipv6: string }>();

  constructor(clock = new FakeClock()) {
    this.clock = clock;
  }

  get(kind: string, namespace: string | null | undefined, name: string): StoredObject | undefined {
    const namespaced = CLUSTER_SCOPED.has(kind) ? undefined : (namespace ?? 'default');
    return this.objects.get(objectId(kind, namespaced, name));
  }

  list(kind?: string): StoredObject[] {
    return [...this.objects.values()].filter((o) => !kind || o.kind === kind);
  }

  /** Creates the object, or updates it when it exists (kubectl apply semantics for whole manifests). */
  apply(input: StoredObject): StoredObject {
    const object = structuredClone(input);
    if (!object.metadata) throw new Error(`${object.kind}: metadata is required`);
    if (CLUSTER_SCOPED.has(object.kind)) delete object.metadata.namespace;
    else if (!object.metadata.namespace) object.metadata.namespace = 'default';
    const id = objectId(object.kind, object.metadata.namespace, object.metadata.name);
    const existing = this.objects.get(id);
    if (existing) {
      object.metadata.uid = existing.metadata.uid;
      object.metadata.creationTimestamp = existing.metadata.creationTimestamp;
      const generation = existing.metadata.generation ?? 1;
      object.metadata.generation = specPart(existing) === specPart(object) ? generation : generation + 1;
      if (object.status === undefined && existing.status !== undefined) object.status = existing.status;
    } else {
      // Every create lands one second after the previous one so creation order is
      // unambiguous to the translator's oldest-wins rules.
      this.clock.advance(1);
      object.metadata.uid = `00000000-0000-4000-8000-${(++this.uidCounter).toString(16).padStart(12, '0')}`;
      object.metadata.creationTimestamp = this.clock.now();
      object.metadata.generation = 1;
    }
    this.objects.set(id, object);
    return object;
  }

  delete(kind: string, namespace: string | null | undefined, name: string): boolean {
    const namespaced = CLUSTER_SCOPED.has(kind) ? undefined : (namespace ?? 'default');
    return this.objects.delete(objectId(kind, namespaced, name));
  }

  /** RFC 7386 merge patch; bumps generation when the spec changes, as the API server does. */
  patch(kind: string, namespace: string | null | undefined, name: string, mergePatch: unknown): StoredObject {
    const existing = this.get(kind, namespace, name);
    if (!existing) throw new Error(`cannot patch ${kind} ${namespace ? `${namespace}/` : ''}${name}: not found`);
    const patched = applyMergePatch(existing, mergePatch) as StoredObject;
    patched.metadata.name = existing.metadata.name;
    if (existing.metadata.namespace !== undefined) patched.metadata.namespace = existing.metadata.namespace;
    return this.apply(patched);
  }

  /** Pods the Deployment controller would run, with stable names `<deployment>-<rs hash>-<pod hash>`. */
  pods(): SimulatedPod[] {
    const pods: SimulatedPod[] = [];
    for (const deployment of this.list('Deployment')) {
      const spec = asRecord(deployment.spec);
      const template = asRecord(spec?.template);
      const labels = (asRecord(template?.metadata)?.labels as Record<string, string> | undefined) ?? {};
      const replicas = typeof spec?.replicas === 'number' ? spec.replicas : 1;
      const namespace = deployment.metadata.namespace ?? 'default';
      const rsHash = stableHash(`${namespace}/${deployment.metadata.name}`, 10);
      for (let index = 0; index < replicas; index++) {
        const name = `${deployment.metadata.name}-${rsHash}-${stableHash(`${namespace}/${deployment.metadata.name}/${index}`, 5)}`;
        const key = `${namespace}/${name}`;
        let addresses = this.podAddresses.get(key);
        if (!addresses) {
          const n = ++this.podCounter;
          addresses = { ipv4: `10.244.${Math.floor(n / 250)}.${(n % 250) + 2}`, ipv6: `fd00:10:244::${n.toString(16)}` };
          this.podAddresses.set(key, addresses);
        }
        pods.push({ name, namespace, deployment: deployment.metadata.name, labels, ...addresses });
      }
    }
    return pods.sort((a, b) => (a.namespace + a.name < b.namespace + b.name ? -1 : 1));
  }

  podsOfDeployment(namespace: string, name: string): SimulatedPod[] {
    return this.pods().filter((p) => p.namespace === namespace && p.deployment === name);
  }

  /** `fillEndpointSlices`: point the named slices at the ready pods of a Deployment (by the slice's address family). */
  fillEndpointSlices(slices: Array<{ namespace: string; name: string }>, pods: SimulatedPod[]): void {
    for (const ref of slices) {
      const slice = this.get('EndpointSlice', ref.namespace, ref.name);
      if (!slice) throw new Error(`EndpointSlice ${ref.namespace}/${ref.name} not found`);
      const ipv6 = slice.addressType === 'IPv6';
      this.apply({
        ...slice,
        endpoints: pods.map((pod) => ({
          addresses: [ipv6 ? pod.ipv6 : pod.ipv4],
          conditions: { ready: true, serving: true, terminating: false },
          targetRef: { kind: 'Pod', namespace: pod.namespace, name: pod.name },
        })),
      });
    }
  }

  /** EndpointSlices the EndpointSlice controller would maintain for every selector Service. */
  private controllerSlices(pods: SimulatedPod[]): StoredObject[] {
    const slices: StoredObject[] = [];
    for (const service of this.list('Service')) {
      const spec = asRecord(service.spec);
      const selector = asRecord(spec?.selector) as Record<string, string> | undefined;
      if (!selector || spec?.type === 'ExternalName') continue;
      const namespace = service.metadata.namespace ?? 'default';
      const selected = pods.filter((pod) => pod.namespace === namespace && matchesSelector(pod.labels, selector));
      const ports = ((spec?.ports as Array<Record<string, unknown>> | undefined) ?? []).map((port) => ({
        ...(typeof port.name === 'string' ? { name: port.name } : {}),
        port: typeof port.targetPort === 'number' ? port.targetPort : (port.port as number),
        protocol: typeof port.protocol === 'string' ? port.protocol : 'TCP',
        ...(typeof port.appProtocol === 'string' ? { appProtocol: port.appProtocol } : {}),
      }));
      slices.push({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: `${service.metadata.name}-${stableHash(`${namespace}/${service.metadata.name}`, 5)}`,
          namespace,
          generation: 1,
          creationTimestamp: service.metadata.creationTimestamp,
          labels: {
            'kubernetes.io/service-name': service.metadata.name,
            'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
          },
        },
        addressType: 'IPv4',
        endpoints: selected.map((pod) => ({
          addresses: [pod.ipv4],
          conditions: { ready: true, serving: true, terminating: false },
          targetRef: { kind: 'Pod', namespace: pod.namespace, name: pod.name },
        })),
        ports,
      });
    }
    return slices;
  }

  /** The translator's input: every object of a kind Portico reads, plus controller-made EndpointSlices. */
  resourceSet(): ResourceSet {
    const objects = [...this.list(), ...this.controllerSlices(this.pods())].filter((o) => isKnownKind(o.kind));
    return ResourceSet.from(objects.map((o) => structuredClone(o)));
  }

  /** Finds which pod owns an address (for mapping endpoints back to pods). */
  podByAddress(address: string): SimulatedPod | undefined {
    return this.pods().find((pod) => pod.ipv4 === address || pod.ipv6 === address);
  }
}
