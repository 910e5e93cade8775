import type { BackendRef, ResourceSet, Service, ServicePort } from '@portico/api';
import { ClusterRegistry, protocolFromAppProtocol } from '../clusters.js';
import { lookupKey } from '../memo.js';
import { needsReferenceGrant, type ReferenceCheck } from '../referencegrant.js';
import { GATEWAY_GROUP, isCoreGroup, isPortNumber } from '../util.js';

export type BackendResolution =
  | { ok: true; cluster: string }
  | {
      ok: false;
      reason: 'InvalidKind' | 'RefNotPermitted' | 'BackendNotFound' | 'UnsupportedProtocol';
      message: string;
    };

export interface BackendContext {
  resources: ResourceSet;
  grants: ReferenceCheck;
  clusters: ClusterRegistry;
  /** Collects the Services looked up (found or not), so a memo knows what a route depends on. */
  lookups?: Set<string>;
  /**
   * The route's parent is a Service (mesh): an ExternalName Service is refused as a backend
   * (GEP-1294: ExternalName Services "SHOULD NOT be allowed as parentRefs or backendRefs due to
   * security concerns"; mesh routes need no ReferenceGrant, so one would reach any name).
   */
  meshParent?: boolean;
}

/**
 * The Service port of that number and transport (a DNS Service lists 53 twice, TCP and UDP, often
 * with different target ports); else, to say why, the first of that number; else undefined.
 */
function portOf(service: Service, port: number, transport: 'TCP' | 'UDP'): ServicePort | undefined {
  const ports = service.spec?.ports;
  if (!ports) return undefined;
  let other: ServicePort | undefined;
  for (let i = 0; i < ports.length; i++) {
    const candidate = ports[i] as ServicePort;
    if (candidate.port !== port) continue;
    if ((candidate.protocol ?? 'TCP') === transport) return candidate;
    other ??= candidate;
  }
  return other;
}

/** What is wrong with a backendRef weight (the CRD: a whole number from 0 to 1,000,000; Envoy takes integers only), or undefined. */
export function weightProblem(weight: number, field: string): string | undefined {
  return Number.isInteger(weight) && weight >= 0 && weight <= 1_000_000 ? undefined : `${field}.weight: ${weight} is not a whole number from 0 to 1000000`;
}

/**
 * Resolves a backendRef of a route to a cluster. Only core Services are supported;
 * everything else becomes a ResolvedRefs reason with a message naming the field.
 */
export function resolveBackendRef(
  ctx: BackendContext,
  from: { kind: string; namespace: string },
  /** Absent where a filter (a mirror, an external auth) lacks the one its CRD requires. */
  ref: BackendRef | undefined,
  field: string,
  /** Protocol dictated by the route kind (TCP/UDP/TLS routes, gRPC), overriding appProtocol. */
  forcedProtocol?: 'tcp' | 'udp' | 'http2',
): BackendResolution {
  if (!ref) return { ok: false, reason: 'BackendNotFound', message: `${field}: missing (a backend reference is required here)` };
  const kind = ref.kind ?? 'Service';
  const namespace = ref.namespace ?? from.namespace;
  if (typeof ref.name !== 'string' || ref.name === '') {
    return { ok: false, reason: 'BackendNotFound', message: `${field}.name: a backend reference needs a name` };
  }
  if (!isCoreGroup(ref.group) || kind !== 'Service') {
    return {
      ok: false,
      reason: 'InvalidKind',
      message: `${field}: ${ref.group || 'core'}/${kind} is not a supported backend kind (only core Service)`,
    };
  }
  const crossNamespace = needsReferenceGrant(from.namespace, namespace);
  if (crossNamespace) ctx.lookups?.add(lookupKey('ReferenceGrant', namespace));
  if (
    crossNamespace &&
    !ctx.grants.allows(
      { group: GATEWAY_GROUP, kind: from.kind, namespace: from.namespace },
      { group: '', kind: 'Service', namespace, name: ref.name },
    )
  ) {
    return {
      ok: false,
      reason: 'RefNotPermitted',
      message: `${field}: Service ${namespace}/${ref.name} is in another namespace and no ReferenceGrant allows it`,
    };
  }
  ctx.lookups?.add(`${namespace}/${ref.name}`);
  const service = ctx.resources.get('Service', namespace, ref.name);
  if (!service) {
    return { ok: false, reason: 'BackendNotFound', message: `${field}: Service ${namespace}/${ref.name} not found` };
  }
  if (ref.port === undefined) {
    return { ok: false, reason: 'BackendNotFound', message: `${field}.port: a port is required for a Service backend` };
  }
  if (!isPortNumber(ref.port)) {
    return { ok: false, reason: 'BackendNotFound', message: `${field}.port: ${ref.port} is not a port number (1-65535)` };
  }
  const isExternal = service.spec?.type === 'ExternalName';
  if (isExternal && ctx.meshParent) {
    return {
      ok: false,
      reason: 'RefNotPermitted',
      message: `${field}: Service ${namespace}/${ref.name} is an ExternalName Service, which a route with a Service parent (mesh) may not send to`,
    };
  }
  // UDPRoutes send datagrams; every other route kind opens TCP connections.
  const transport = forcedProtocol === 'udp' ? 'UDP' : 'TCP';
  const servicePort = portOf(service, ref.port, transport) ?? (isExternal ? { port: ref.port } : undefined);
  if (!servicePort) {
    return {
      ok: false,
      reason: 'BackendNotFound',
      message: `${field}.port: Service ${namespace}/${ref.name} has no port ${ref.port}`,
    };
  }
  const portTransport = servicePort.protocol ?? 'TCP';
  if (portTransport !== transport) {
    // GEP-1911: "If a Route is not able to send traffic to the backend using the specified protocol then the backend is considered invalid."
    return {
      ok: false,
      reason: 'UnsupportedProtocol',
      message: `${field}.port: port ${ref.port} of Service ${namespace}/${ref.name} is ${portTransport}, and ${from.kind} traffic is ${transport}`,
    };
  }
  const protocol = protocolFromAppProtocol(servicePort.appProtocol, forcedProtocol);
  if (!protocol) {
    return {
      ok: false,
      reason: 'UnsupportedProtocol',
      message: `${field}: Service ${namespace}/${ref.name} port ${ref.port} has unsupported appProtocol ${servicePort.appProtocol ?? ''}`,
    };
  }
  return { ok: true, cluster: ctx.clusters.ensure(service, servicePort, protocol) };
}
