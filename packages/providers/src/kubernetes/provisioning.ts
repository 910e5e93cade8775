import { createHash } from 'node:crypto';
import { SERVICE_TYPES, parseQuantity, type Gateway, type GatewayParametersSpec, type KubeObject, type ListenerSet, type Service } from '@portico/api';
import { ENVOY_LAYERED_RUNTIME } from '@portico/xds';
import { isStatus, type KubeRest } from './rest.js';
import type { Logger } from './logger.js';

export interface ProvisioningOptions {
  /** Envoy image for the data plane Deployments. */
  envoyImage: string;
  /** DNS name of the controller's xDS Service, e.g. `portico.portico-system.svc.cluster.local`. */
  xdsHost: string;
  xdsPort: number;
  /** Service type for Gateways that do not say otherwise. Default LoadBalancer. */
  serviceType?: 'LoadBalancer' | 'NodePort' | 'ClusterIP';
  replicas?: number;
  /**
   * mTLS between Envoy and the control plane: a Secret (tls.crt, tls.key,
   * ca.crt) that must exist in each Gateway's namespace. Plain text when unset.
   */
  xdsTlsSecretName?: string;
  /** SNI / SAN Envoy expects on the control plane's certificate. Default: xdsHost. */
  xdsServerName?: string;
  /** Envoy admin port (bound to loopback inside the pod). Default 19000. */
  envoyAdminPort?: number;
  /**
   * Delta ADS and node metadata `portico.vhds`: route configurations come without their virtual
   * hosts, which Envoy fetches as VirtualHost resources (Envoy allows VHDS on Delta only).
   */
  vhds?: boolean;
}

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'portico';
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';
export const GATEWAY_NAMESPACE_LABEL = 'portico.io/gateway-namespace';
/** Annotation on a Gateway (or its infrastructure.annotations) choosing the Service type. */
export const SERVICE_TYPE_ANNOTATION = 'portico.io/service-type';

type Json = Record<string, unknown>;

/** The provisioned objects' name: `portico-<gateway>`, shortened with a hash when over 63 characters. */
export function proxyName(gatewayName: string): string {
  const name = `portico-${gatewayName}`;
  if (name.length <= 63) return name;
  const hash = createHash('sha256').update(gatewayName).digest('hex').slice(0, 8);
  return `${name.slice(0, 54)}-${hash}`;
}

function ownerReference(gateway: Gateway): Json {
  return {
    apiVersion: gateway.apiVersion,
    kind: 'Gateway',
    name: gateway.metadata.name,
    uid: gateway.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * Labels of every provisioned object: parameters' labels, then the Gateway's
 * infrastructure labels, then Portico's own (which the selector relies on, so they win).
 */
function labelsFor(gateway: Gateway, parameters: ProvisioningParameters): Record<string, string> {
  return {
    ...(parameters.labels ?? {}),
    ...(gateway.spec?.infrastructure?.labels ?? {}),
    'app.kubernetes.io/name': 'envoy',
    'app.kubernetes.io/component': 'proxy',
    [MANAGED_BY_LABEL]: MANAGED_BY,
    [GATEWAY_NAME_LABEL]: gateway.metadata.name,
    [GATEWAY_NAMESPACE_LABEL]: gateway.metadata.namespace ?? '',
  };
}

function selectorFor(gateway: Gateway): Record<string, string> {
  return {
    [MANAGED_BY_LABEL]: MANAGED_BY,
    [GATEWAY_NAME_LABEL]: gateway.metadata.name,
    [GATEWAY_NAMESPACE_LABEL]: gateway.metadata.namespace ?? '',
  };
}

/** Parameters' annotations overlaid by the Gateway's infrastructure annotations. */
function annotationsFor(gateway: Gateway, parameters: ProvisioningParameters): Record<string, string> {
  return { ...(parameters.annotations ?? {}), ...(gateway.spec?.infrastructure?.annotations ?? {}) };
}

function metadataFor(gateway: Gateway, parameters: ProvisioningParameters): Json {
  const annotations = annotationsFor(gateway, parameters);
  return {
    name: proxyName(gateway.metadata.name),
    namespace: gateway.metadata.namespace,
    labels: labelsFor(gateway, parameters),
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    ownerReferences: [ownerReference(gateway)],
  };
}

/** Envoy bootstrap: identifies the proxy as the Gateway (`node.cluster`) and points ADS at the control plane. */
export function envoyBootstrap(gateway: Gateway, options: ProvisioningOptions): Json {
  const tls = options.xdsTlsSecretName
    ? {
        transport_socket: {
          name: 'envoy.transport_sockets.tls',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
            sni: options.xdsServerName ?? options.xdsHost,
            common_tls_context: {
              tls_certificates: [
                {
                  certificate_chain: { filename: '/etc/portico/xds-tls/tls.crt' },
                  private_key: { filename: '/etc/portico/xds-tls/tls.key' },
                },
              ],
              validation_context: {
                trusted_ca: { filename: '/etc/portico/xds-tls/ca.crt' },
                match_typed_subject_alt_names: [
                  { san_type: 'DNS', matcher: { exact: options.xdsServerName ?? options.xdsHost } },
                ],
              },
            },
          },
        },
      }
    : {};
  return {
    node: {
      // node.id comes from --service-node (the pod name) so every replica is distinct.
      cluster: `${gateway.metadata.namespace ?? 'default'}/${gateway.metadata.name}`,
      ...(options.vhds ? { metadata: { 'portico.vhds': true } } : {}),
    },
    admin: {
      address: { socket_address: { address: '127.0.0.1', port_value: options.envoyAdminPort ?? 19000 } },
    },
    layered_runtime: ENVOY_LAYERED_RUNTIME,
    dynamic_resources: {
      ads_config: {
        api_type: options.vhds ? 'DELTA_GRPC' : 'GRPC',
        transport_api_version: 'V3',
        grpc_services: [{ envoy_grpc: { cluster_name: 'portico_xds' } }],
        set_node_on_first_message_only: true,
      },
      lds_config: { ads: {}, resource_api_version: 'V3' },
      cds_config: { ads: {}, resource_api_version: 'V3' },
    },
    static_resources: {
      clusters: [
        {
          name: 'portico_xds',
          type: 'STRICT_DNS',
          connect_timeout: '5s',
          typed_extension_protocol_options: {
            'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
              '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
              explicit_http_config: { http2_protocol_options: { connection_keepalive: { interval: '30s', timeout: '5s' } } },
            },
          },
          load_assignment: {
            cluster_name: 'portico_xds',
            endpoints: [
              {
                lb_endpoints: [
                  { endpoint: { address: { socket_address: { address: options.xdsHost, port_value: options.xdsPort } } } },
                ],
              },
            ],
          },
          ...tls,
        },
      ],
    },
  };
}

interface ServicePortSpec {
  name: string;
  port: number;
  targetPort: number;
  protocol: 'TCP' | 'UDP';
}

/** One Service port per distinct (port, transport) among the Gateway's and its ListenerSets' listeners. */
export function servicePorts(gateway: Gateway, listenerSets: readonly ListenerSet[]): ServicePortSpec[] {
  const listeners = [
    ...(gateway.spec?.listeners ?? []),
    ...listenerSets
      .filter((set) => {
        const parent = set.spec?.parentRef;
        return (
          parent?.name === gateway.metadata.name &&
          (parent.namespace ?? set.metadata.namespace) === gateway.metadata.namespace
        );
      })
      .flatMap((set) => set.spec?.listeners ?? []),
  ];
  const ports = new Map<string, ServicePortSpec>();
  for (const listener of listeners) {
    if (!listener || typeof listener.port !== 'number' || listener.port < 1 || listener.port > 65535) continue;
    const protocol = listener.protocol === 'UDP' ? 'UDP' : 'TCP';
    const key = `${protocol}/${listener.port}`;
    if (!ports.has(key)) {
      ports.set(key, { name: `${protocol.toLowerCase()}-${listener.port}`, port: listener.port, targetPort: listener.port, protocol });
    }
  }
  return [...ports.values()].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
}

/**
 * Per-Gateway data plane parameters: the effective GatewayParameters spec of the
 * GatewayClass `spec.parametersRef` overlaid by the Gateway's
 * `spec.infrastructure.parametersRef` (see effectiveGatewayParameters in @portico/api;
 * a ConfigMap contributes its `serviceType` and `replicas` keys).
 */
export type ProvisioningParameters = GatewayParametersSpec;

/** Envoy's container resources when the parameters do not set them. */
const DEFAULT_RESOURCES = { requests: { cpu: '100m', memory: '128Mi' } };

function serviceTypeFor(gateway: Gateway, options: ProvisioningOptions, parameters: ProvisioningParameters): string {
  const candidates = [
    gateway.spec?.infrastructure?.annotations?.[SERVICE_TYPE_ANNOTATION],
    parameters.serviceType,
    gateway.metadata.annotations?.[SERVICE_TYPE_ANNOTATION],
  ];
  return candidates.find((value): value is string => value !== undefined && SERVICE_TYPES.includes(value)) ?? options.serviceType ?? 'LoadBalancer';
}

function replicasFor(options: ProvisioningOptions, parameters: ProvisioningParameters): number {
  const requested = parameters.replicas;
  if (typeof requested === 'number' && Number.isInteger(requested) && requested >= 0 && requested <= 1000) return requested;
  return options.replicas ?? 1;
}

function resourcesFor(parameters: ProvisioningParameters): Json {
  const resources = parameters.resources;
  if (!resources || (!resources.requests && !resources.limits)) return DEFAULT_RESOURCES;
  return {
    ...(resources.requests ? { requests: { ...resources.requests } } : {}),
    ...(resources.limits ? { limits: { ...resources.limits } } : {}),
  };
}

/** 0644, kube-apiserver's default for configMap and secret volumes. */
const VOLUME_DEFAULT_MODE = 0o644;

export interface ProvisionedObjects {
  serviceAccount: Json;
  configMap: Json;
  deployment: Json;
  service: Json;
}

/** Everything one Gateway's data plane needs, as API objects. Pure: same input, same objects. */
export function desiredObjects(
  gateway: Gateway,
  listenerSets: readonly ListenerSet[],
  options: ProvisioningOptions,
  parameters: ProvisioningParameters = {},
): ProvisionedObjects {
  const name = proxyName(gateway.metadata.name);
  const labels = labelsFor(gateway, parameters);
  const ports = servicePorts(gateway, listenerSets);
  // defaultMode as the API server would default it (0644): stored without it, the volumes read
  // back differ from these, and every reconcile rewrote the Deployment.
  const volumes: Json[] = [{ name: 'bootstrap', configMap: { name, defaultMode: VOLUME_DEFAULT_MODE } }];
  const mounts: Json[] = [{ name: 'bootstrap', mountPath: '/etc/envoy', readOnly: true }];
  if (options.xdsTlsSecretName) {
    volumes.push({ name: 'xds-tls', secret: { secretName: options.xdsTlsSecretName, defaultMode: VOLUME_DEFAULT_MODE } });
    mounts.push({ name: 'xds-tls', mountPath: '/etc/portico/xds-tls', readOnly: true });
  }
  const bootstrap = JSON.stringify(envoyBootstrap(gateway, options), null, 2);
  const bootstrapHash = createHash('sha256').update(bootstrap).digest('hex').slice(0, 16);
  return {
    serviceAccount: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadataFor(gateway, parameters) },
    configMap: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: metadataFor(gateway, parameters),
      data: { 'envoy.json': bootstrap },
    },
    deployment: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: metadataFor(gateway, parameters),
      spec: {
        replicas: replicasFor(options, parameters),
        selector: { matchLabels: selectorFor(gateway) },
        template: {
          metadata: {
            labels,
            // A changed bootstrap restarts the pods; Envoy reads it only at start.
            annotations: { ...annotationsFor(gateway, parameters), 'portico.io/bootstrap-hash': bootstrapHash },
          },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: false,
            // Listeners on ports below 1024 without running Envoy as root.
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 101,
              sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }],
            },
            containers: [
              {
                name: 'envoy',
                image: parameters.image ?? options.envoyImage,
                args: [
                  '--config-path',
                  '/etc/envoy/envoy.json',
                  '--service-node',
                  '$(POD_NAME)',
                  '--log-level',
                  'info',
                ],
                env: [
                  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                  { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                ],
                ports: [
                  ...ports.map((port) => ({ name: port.name, containerPort: port.targetPort, protocol: port.protocol })),
                ],
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                volumeMounts: mounts,
                resources: resourcesFor(parameters),
              },
            ],
            volumes,
          },
        },
      },
    },
    service: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: metadataFor(gateway, parameters),
      spec: {
        type: serviceTypeFor(gateway, options, parameters),
        selector: selectorFor(gateway),
        ports: ports.length > 0 ? ports : [{ name: 'placeholder', port: 9, targetPort: 9, protocol: 'TCP' }],
      },
    },
  };
}

/**
 * The addresses a Gateway is reachable at, from its Service: load balancer
 * ingress first, else the cluster IPs (a ClusterIP or NodePort Service). A
 * LoadBalancer Service still waiting for its ingress reports none yet.
 */
export function gatewayAddressesFromService(service: Service | undefined): Array<{ type: string; value: string }> {
  if (!service) return [];
  const status = (service.status ?? {}) as { loadBalancer?: { ingress?: Array<{ ip?: string; hostname?: string }> } };
  const addresses: Array<{ type: string; value: string }> = [];
  for (const ingress of status.loadBalancer?.ingress ?? []) {
    if (ingress.ip) addresses.push({ type: 'IPAddress', value: ingress.ip });
    else if (ingress.hostname) addresses.push({ type: 'Hostname', value: ingress.hostname });
  }
  if (addresses.length > 0 || service.spec?.type === 'LoadBalancer') return addresses;
  const ips = service.spec?.clusterIPs ?? (service.spec?.clusterIP ? [service.spec.clusterIP] : []);
  return ips.filter((ip) => ip && ip !== 'None').map((ip) => ({ type: 'IPAddress', value: ip }));
}

interface Kind {
  kind: string;
  collection: (namespace?: string) => string;
}

const PROVISIONED_KINDS: Record<keyof ProvisionedObjects, Kind> = {
  serviceAccount: {
    kind: 'ServiceAccount',
    collection: (ns) => (ns ? `/api/v1/namespaces/${ns}/serviceaccounts` : '/api/v1/serviceaccounts'),
  },
  configMap: { kind: 'ConfigMap', collection: (ns) => (ns ? `/api/v1/namespaces/${ns}/configmaps` : '/api/v1/configmaps') },
  deployment: {
    kind: 'Deployment',
    collection: (ns) => (ns ? `/apis/apps/v1/namespaces/${ns}/deployments` : '/apis/apps/v1/deployments'),
  },
  service: { kind: 'Service', collection: (ns) => (ns ? `/api/v1/namespaces/${ns}/services` : '/api/v1/services') },
};

/** Order matters: the ServiceAccount and ConfigMap exist before the pods that use them. */
const APPLY_ORDER: Array<keyof ProvisionedObjects> = ['serviceAccount', 'configMap', 'deployment', 'service'];

/** True when every key we set has our value; keys others added (controllers, admission) are left alone. */
function containsAll(existing: unknown, desired: unknown): boolean {
  const have = (existing ?? {}) as Record<string, unknown>;
  return Object.entries((desired ?? {}) as Record<string, unknown>).every(([key, value]) => have[key] === value);
}

function sameManagedFields(existing: Json, desired: Json): boolean {
  const existingMeta = (existing.metadata ?? {}) as Json;
  const desiredMeta = (desired.metadata ?? {}) as Json;
  if (!containsAll(existingMeta.labels, desiredMeta.labels) || !containsAll(existingMeta.annotations, desiredMeta.annotations)) {
    return false;
  }
  if (JSON.stringify(existingMeta.ownerReferences) !== JSON.stringify(desiredMeta.ownerReferences)) return false;
  if (existing.kind === 'Service' || desired.kind === 'Service') {
    const spec = (object: Json): string => {
      const value = (object.spec ?? {}) as Json;
      const ports = Array.isArray(value.ports) ? (value.ports as Json[]) : [];
      // clusterIP and nodePorts are assigned by the API server: not ours to compare.
      return JSON.stringify([
        value.type ?? 'ClusterIP',
        value.selector ?? {},
        ports.map((port) => [port.name, port.port, port.targetPort, port.protocol ?? 'TCP']),
      ]);
    };
    return spec(existing) === spec(desired);
  }
  return JSON.stringify(existing.data ?? null) === JSON.stringify(desired.data ?? null) && stableSpec(existing) === stableSpec(desired);
}

/** Container resources by value: the API server rewrites quantities canonically (`0.5` becomes `500m`). */
function comparableResources(resources: unknown): unknown {
  const value = (resources ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const byValue = (list: Record<string, unknown> | undefined) =>
    Object.fromEntries(Object.keys(list ?? {}).sort().map((name) => [name, parseQuantity(list?.[name]) ?? JSON.stringify(list?.[name])]));
  return { requests: byValue(value.requests), limits: byValue(value.limits) };
}

/** The Deployment fields we set, in a fixed shape (the server adds defaults we ignore). */
function stableSpec(object: Json): string {
  if (object.kind !== 'Deployment') return '';
  const spec = (object.spec ?? {}) as Json;
  const template = (spec.template ?? {}) as Json;
  const podSpec = (template.spec ?? {}) as Json;
  const containers = Array.isArray(podSpec.containers) ? (podSpec.containers as Json[]) : [];
  const templateMetadata = (template.metadata ?? {}) as Json;
  return JSON.stringify([
    spec.replicas,
    templateMetadata.annotations,
    templateMetadata.labels,
    containers.map((container) => [container.image, container.args, container.ports, comparableResources(container.resources)]),
    podSpec.volumes,
  ]);
}

/**
 * Creates, updates and deletes each Gateway's data plane. Objects carry an
 * ownerReference to their Gateway (so the garbage collector removes them
 * even if Portico is down) and are also deleted explicitly when their Gateway
 * stops being ours.
 */
export class Provisioner {
  constructor(
    private readonly rest: KubeRest,
    private readonly options: ProvisioningOptions,
    private readonly logger: Logger,
  ) {}

  async reconcile(
    gateways: readonly Gateway[],
    listenerSets: readonly ListenerSet[],
    parametersFor: (gateway: Gateway) => ProvisioningParameters = () => ({}),
  ): Promise<void> {
    const wanted = new Set<string>();
    for (const gateway of gateways) {
      const objects = desiredObjects(gateway, listenerSets, this.options, parametersFor(gateway));
      for (const field of APPLY_ORDER) {
        const object = objects[field];
        const kind = PROVISIONED_KINDS[field];
        wanted.add(`${kind.kind}/${gateway.metadata.namespace}/${proxyName(gateway.metadata.name)}`);
        try {
          await this.apply(kind, object);
        } catch (error) {
          this.logger.error(
            { gateway: `${gateway.metadata.namespace}/${gateway.metadata.name}`, kind: kind.kind, err: String(error) },
            'provisioning failed',
          );
        }
      }
    }
    await this.deleteUnwanted(wanted);
  }

  private async apply(kind: Kind, desired: Json): Promise<void> {
    const metadata = desired.metadata as { name: string; namespace: string };
    const path = `${kind.collection(metadata.namespace)}/${metadata.name}`;
    let existing: Json | undefined;
    try {
      existing = await this.rest.get<Json>(path);
    } catch (error) {
      if (!isStatus(error, 404)) throw error;
    }
    if (!existing) {
      await this.rest.create(kind.collection(metadata.namespace), desired);
      this.logger.info({ kind: kind.kind, object: `${metadata.namespace}/${metadata.name}` }, 'provisioned');
      return;
    }
    if (sameManagedFields(existing, desired)) return;
    const existingMeta = (existing.metadata ?? {}) as Json;
    const desiredMeta = desired.metadata as Json;
    const next: Json = {
      ...desired,
      metadata: {
        ...desiredMeta,
        // Keep what other controllers put there (e.g. the Deployment revision annotation).
        labels: { ...((existingMeta.labels ?? {}) as Json), ...((desiredMeta.labels ?? {}) as Json) },
        annotations: { ...((existingMeta.annotations ?? {}) as Json), ...((desiredMeta.annotations ?? {}) as Json) },
        resourceVersion: existingMeta.resourceVersion,
      },
    };
    if (kind.kind === 'Service') {
      // clusterIP is immutable once assigned.
      const existingSpec = (existing.spec ?? {}) as Json;
      next.spec = { ...(desired.spec as Json), clusterIP: existingSpec.clusterIP, clusterIPs: existingSpec.clusterIPs };
    }
    await this.rest.replace(path, next);
    this.logger.info({ kind: kind.kind, object: `${metadata.namespace}/${metadata.name}` }, 'updated provisioned object');
  }

  private async deleteUnwanted(wanted: Set<string>): Promise<void> {
    const selector = encodeURIComponent(`${MANAGED_BY_LABEL}=${MANAGED_BY},${GATEWAY_NAME_LABEL}`);
    for (const field of [...APPLY_ORDER].reverse()) {
      const kind = PROVISIONED_KINDS[field];
      let list: { items?: KubeObject[] };
      try {
        list = await this.rest.get<{ items?: KubeObject[] }>(`${kind.collection()}?labelSelector=${selector}`);
      } catch (error) {
        this.logger.warn({ kind: kind.kind, err: String(error) }, 'could not list provisioned objects');
        continue;
      }
      for (const item of list.items ?? []) {
        const key = `${kind.kind}/${item.metadata.namespace}/${item.metadata.name}`;
        if (wanted.has(key)) continue;
        try {
          await this.rest.delete(`${kind.collection(item.metadata.namespace)}/${item.metadata.name}`, {
            kind: 'DeleteOptions',
            apiVersion: 'v1',
            propagationPolicy: 'Background',
          });
          this.logger.info({ kind: kind.kind, object: `${item.metadata.namespace}/${item.metadata.name}` }, 'deleted provisioned object');
        } catch (error) {
          if (!isStatus(error, 404)) this.logger.warn({ kind: kind.kind, key, err: String(error) }, 'delete failed');
        }
      }
    }
  }
}
