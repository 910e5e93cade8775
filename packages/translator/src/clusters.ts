import { isIP } from 'node:net';
import type { EndpointSlice, ResourceSet, Service, ServicePort } from '@portico/api';
import type { IRCluster, IREndpoint } from '@portico/ir';
import { sameObjects, type RememberedCluster } from './memo.js';
import { compareStrings, isPortNumber, sameJsonValue, sortInPlace } from './util.js';

export type ClusterProtocol = IRCluster['protocol'];

/** Backend protocol from the Service port appProtocol (KEP-3726 names). */
export function protocolFromAppProtocol(
  appProtocol: string | undefined,
  forced: 'tcp' | 'udp' | 'http2' | undefined,
): ClusterProtocol | undefined {
  // gRPC speaks HTTP/2 whatever the port says, except over what this route cannot set up: TLS
  // (https, kubernetes.io/wss) or WebSocket. Such a backend is UnsupportedProtocol, as for an
  // HTTPRoute ("If a Route is not able to send traffic to the backend using the specified
  // protocol then the backend is considered invalid").
  if (forced === 'http2') return appProtocol === 'kubernetes.io/ws' || appProtocol === 'kubernetes.io/wss' || appProtocol === 'https' ? undefined : 'http2';
  if (forced) return forced;
  switch (appProtocol) {
    case undefined:
    case '':
    case 'http':
    case 'HTTP':
    case 'kubernetes.io/http':
      return 'http1';
    // After KEP-3726's name, the names meshes and Helm charts commonly give HTTP/2 cleartext
    // ports: gRPC is always HTTP/2, and an HTTP/1 connection to such a port fails every request.
    case 'kubernetes.io/h2c':
    case 'grpc':
    case 'http2':
    case 'h2c':
      return 'http2';
    case 'kubernetes.io/ws':
      return 'websocket';
    default:
      // Other names (https, kubernetes.io/wss, ...) need upstream TLS this route cannot set up.
      return appProtocol.startsWith('kubernetes.io/') || appProtocol === 'https' ? undefined : 'http1';
  }
}

function sliceEndpoints(slices: EndpointSlice[], servicePort: ServicePort): IREndpoint[] {
  const endpoints = new Map<string, IREndpoint>();
  for (const slice of slices) {
    if (slice.addressType === 'FQDN') continue;
    // Slice ports correspond to Service ports by name. A slice that lists ports but not
    // this one does not serve it; a slice without ports falls back to the numeric target.
    const ports = slice.ports ?? [];
    const port = ports.find((p) => (p.name ?? '') === (servicePort.name ?? ''));
    const fallback = typeof servicePort.targetPort === 'number' ? servicePort.targetPort : servicePort.port;
    const portNumber = ports.length === 0 ? fallback : port?.port;
    if (!isPortNumber(portNumber)) continue;
    for (const endpoint of slice.endpoints ?? []) {
      const ready = endpoint.conditions?.ready ?? true;
      if (!ready) continue;
      for (const address of endpoint.addresses ?? []) {
        // The API server admits only IPs in an IPv4/IPv6 slice; a manifest file may hold
        // anything, and Envoy refuses a whole load assignment over one bad address.
        if (isIP(address) === 0) continue;
        const zone = endpoint.zone;
        const hostname = endpoint.targetRef?.name ?? endpoint.hostname;
        // Whole literals: a field added to an object afterwards goes to storage of its own, kept with the IR.
        const entry: IREndpoint = zone
          ? hostname
            ? { address, port: portNumber, ready: true, zone, hostname }
            : { address, port: portNumber, ready: true, zone }
          : hostname
            ? { address, port: portNumber, ready: true, hostname }
            : { address, port: portNumber, ready: true };
        endpoints.set(`${address}|${portNumber}`, entry);
      }
    }
  }
  return sortInPlace([...endpoints.values()], (a, b) => compareStrings(a.address, b.address) || a.port - b.port);
}

/** The Service port a cluster was made for (policies attach by Service and port name). */
export interface ClusterServicePort {
  namespace: string;
  service: string;
  port: number;
  portName?: string;
}

/** EndpointSlices by namespace, then Service name, and the slice list the table was made from. */
export interface RememberedSlices {
  list: readonly EndpointSlice[];
  byService: Map<string, Map<string, EndpointSlice[]>>;
}

const NO_SLICES: EndpointSlice[] = [];

function servicePortOf(service: Service, servicePort: ServicePort): ClusterServicePort {
  return {
    namespace: service.metadata.namespace ?? '',
    service: service.metadata.name,
    port: servicePort.port,
    ...(servicePort.name ? { portName: servicePort.name } : {}),
  };
}

function buildCluster(name: string, service: Service, servicePort: ServicePort, protocol: ClusterProtocol, slices: EndpointSlice[]): IRCluster {
  const source = { kind: 'Service', namespace: service.metadata.namespace ?? '', name: service.metadata.name };
  if (service.spec?.type === 'ExternalName' && service.spec.externalName) {
    return { name, discovery: 'dns', endpoints: [], dnsName: service.spec.externalName, dnsPort: servicePort.port, protocol, source };
  }
  return { name, discovery: 'eds', endpoints: sliceEndpoints(slices, servicePort), protocol, source };
}

/**
 * Builds and remembers one IRCluster per Service port (`ns/name/port`), with EDS
 * endpoints from the Service's ready EndpointSlice endpoints, or DNS discovery for
 * ExternalName Services.
 */
/** ClusterRegistry.passthrough's variant of each TCP cluster it was asked for. */
const passthroughVariants = new WeakMap<IRCluster, IRCluster>();
/** The last copy policies made of each cluster (see ClusterRegistry.settleCopies). */
const policyCopies = new WeakMap<IRCluster, IRCluster>();

export class ClusterRegistry {
  private readonly clusters = new Map<string, IRCluster>();
  /** The Service port each cluster was made for (policies attach by Service and port name). */
  private readonly servicePorts = new Map<string, ClusterServicePort>();
  private slicesByService: Map<string, Map<string, EndpointSlice[]>> | undefined;
  /**
   * Names handed out, per Service port object (see ensure), with the Service they were handed
   * out for: one port object can belong to two Services (a YAML alias shares it between two
   * items of a List).
   */
  private readonly byPort = new Map<ServicePort, Array<{ service: Service; protocol: ClusterProtocol; name: string }>>();
  /** Clusters replaced by a private copy during this translation (see writable), by name, with the cluster copied. */
  private readonly copied = new Map<string, IRCluster>();

  /**
   * With `remembered`, a cluster whose Service and EndpointSlices are the same objects as
   * last time is reused. With `preload` (remembered route translations are being reused),
   * every remembered cluster whose Service is still the same
   * object is in the registry from the start (built again if its EndpointSlices changed),
   * so remembered route translations, which are not run again, find the clusters they
   * asked for.
   */
  constructor(
    private readonly resources: ResourceSet,
    private readonly remembered?: Map<string, RememberedCluster>,
    preload = false,
    /** Where the EndpointSlices-by-Service table of the previous translation is kept (the memo). */
    private readonly sliceTable?: { endpointSlices?: RememberedSlices },
  ) {
    if (!remembered || !preload) return;
    for (const entry of [...remembered.values()]) {
      const { service } = entry;
      // A changed Service's clusters come back when the routes that use it are translated again.
      if (resources.get('Service', service.metadata.namespace, service.metadata.name) !== service) continue;
      const slices = this.slicesOf(service);
      if (slices === entry.slices || sameObjects(entry.slices, slices)) {
        // Nothing it is built from changed: no name to make, nothing to compare.
        const { cluster } = entry;
        this.clusters.set(cluster.name, cluster);
        this.servicePorts.set(cluster.name, entry.port);
        this.rememberName(service, entry.servicePort, entry.protocol, cluster.name);
      } else this.ensure(service, entry.servicePort, entry.protocol);
    }
  }

  private slicesOf(service: Service): EndpointSlice[] {
    return service.spec?.type === 'ExternalName' && service.spec.externalName ? NO_SLICES : this.slicesFor(service.metadata.namespace ?? '', service.metadata.name);
  }

  private slicesFor(namespace: string, name: string): EndpointSlice[] {
    if (!this.slicesByService) this.slicesByService = this.sliceIndex();
    return this.slicesByService.get(namespace)?.get(name) ?? NO_SLICES;
  }

  /** EndpointSlices by namespace and Service name; the previous table while the slices are the same objects. */
  private sliceIndex(): Map<string, Map<string, EndpointSlice[]>> {
    const list = this.resources.list('EndpointSlice');
    const previous = this.sliceTable?.endpointSlices;
    if (previous && sameObjects(previous.list, list)) return previous.byService;
    const byService = new Map<string, Map<string, EndpointSlice[]>>();
    for (const slice of list) {
      const service = slice.metadata.labels?.['kubernetes.io/service-name'];
      if (!service) continue;
      const namespace = slice.metadata.namespace ?? '';
      let names = byService.get(namespace);
      if (!names) byService.set(namespace, (names = new Map()));
      const slices = names.get(service);
      if (slices) slices.push(slice);
      else names.set(service, [slice]);
    }
    if (this.sliceTable) this.sliceTable.endpointSlices = { list, byService };
    return byService;
  }

  /**
   * Returns the cluster name; the caller has already checked the Service and port exist.
   * Always the same string object for a cluster (the one its IRCluster carries, kept across
   * translations while the cluster is reused): every backend shares it, and a string whose
   * hash is known is cheaper to look up again here and downstream than a fresh concatenation.
   * One name per protocol: HTTP/1 clusters are `ns/name/port`, the others carry the protocol
   * (`/http2`, `/websocket`, `/tcp`, `/udp`), so that no cluster's protocol depends on which of
   * its users asked first.
   */
  ensure(service: Service, servicePort: ServicePort, protocol: ClusterProtocol): string {
    const known = this.byPort.get(servicePort);
    if (known) for (const entry of known) if (entry.protocol === protocol && entry.service === service) return entry.name;
    const namespace = service.metadata.namespace ?? '';
    const base = `${namespace}/${service.metadata.name}/${servicePort.port}`;
    const name = protocol === 'http1' ? base : `${base}/${protocol}`;
    const existing = this.clusters.get(name);
    if (existing) return this.rememberName(service, servicePort, protocol, existing.name);
    const slices = this.slicesOf(service);
    const previous = this.remembered?.get(name);
    let cluster: IRCluster;
    let port: ClusterServicePort;
    if (
      previous &&
      previous.service === service &&
      previous.servicePort === servicePort &&
      previous.protocol === protocol &&
      sameObjects(previous.slices, slices)
    ) {
      cluster = previous.cluster;
      port = previous.port;
    } else {
      cluster = buildCluster(name, service, servicePort, protocol, slices);
      port = servicePortOf(service, servicePort);
      this.remembered?.set(name, { service, servicePort, protocol, slices, cluster, port });
    }
    this.servicePorts.set(cluster.name, port);
    this.clusters.set(cluster.name, cluster);
    return this.rememberName(service, servicePort, protocol, cluster.name);
  }

  private rememberName(service: Service, servicePort: ServicePort, protocol: ClusterProtocol, name: string): string {
    const known = this.byPort.get(servicePort);
    if (known) known.push({ service, protocol, name });
    else this.byPort.set(servicePort, [{ service, protocol, name }]);
    return name;
  }

  get(name: string): IRCluster | undefined {
    return this.clusters.get(name);
  }

  /**
   * The passthrough variant of a TCP cluster (`ns/name/port/passthrough`, see
   * IRCluster.passthrough): the same endpoints, for TLS connections the Gateway does not
   * terminate, so that a policy's upstream TLS on the TCP cluster never applies to them.
   */
  passthrough(name: string): string {
    const cluster = this.clusters.get(name);
    if (!cluster || cluster.protocol !== 'tcp') return name;
    const variant = `${name.endsWith('/tcp') ? name.slice(0, -'/tcp'.length) : name}/passthrough`;
    if (!this.clusters.has(variant)) {
      // The same object for as long as the TCP cluster is the same one (the memo keeps it): buildXds
      // knows IR clusters by identity, and a new copy every translation was built and encoded again.
      let made = passthroughVariants.get(cluster);
      if (!made) {
        const { tls: _tls, ...plain } = cluster;
        made = { ...plain, name: variant, passthrough: true };
        passthroughVariants.set(cluster, made);
      }
      // No Service port is recorded for it, so no BackendTLSPolicy attaches to it.
      this.clusters.set(variant, made);
    }
    return variant;
  }

  /**
   * The cluster, to be changed by a policy: the first call in a translation replaces it
   * with a copy, so a remembered cluster handed to an earlier translation never changes.
   */
  writable(name: string): IRCluster | undefined {
    const cluster = this.clusters.get(name);
    if (!cluster || this.copied.has(name)) return cluster;
    // Policies set top-level fields only (endpoints, discovery, tls), so a shallow copy is enough.
    const copy: IRCluster = { ...cluster };
    this.clusters.set(name, copy);
    this.copied.set(name, cluster);
    return copy;
  }

  /**
   * Once the policies are done: a copy equal to the one an earlier translation made of the same
   * cluster is replaced by that one. buildXds knows IR clusters by identity, and a new copy every
   * translation was built and encoded again each time.
   */
  settleCopies(): void {
    for (const [name, original] of this.copied) {
      const copy = this.clusters.get(name);
      if (!copy) continue;
      const before = policyCopies.get(original);
      if (before && sameJsonValue(before, copy)) this.clusters.set(name, before);
      else policyCopies.set(original, copy);
    }
  }

  /**
   * Forgets remembered clusters this translation did not use (Services or ports that went away).
   * Not those merely unreferenced now: a remembered route that is absent and later handed over
   * again is reused without asking for its clusters, so they must still be here.
   */
  forgetUnused(): void {
    if (!this.remembered) return;
    for (const name of [...this.remembered.keys()]) if (!this.clusters.has(name)) this.remembered.delete(name);
  }

  servicePortOf(name: string): ClusterServicePort | undefined {
    return this.servicePorts.get(name);
  }

  list(): IRCluster[] {
    return [...this.clusters.values()].sort((a, b) => compareStrings(a.name, b.name));
  }
}
