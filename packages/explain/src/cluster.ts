// Clusters and their endpoints (cluster.proto, endpoint.proto ClusterLoadAssignment).
import type { EnvoyResources } from '@portico/xds';
import type { EndpointInfo } from './types.js';
import { bool, num, obj, objs, porticoSource, str, typeName, type Obj } from './util.js';

export interface ClusterView {
  exists: boolean;
  type?: string;
  source?: Obj;
  endpoints: EndpointInfo[];
  upstreamTls: boolean;
  upstreamTlsServerName?: string;
  /** 503 when there is no host at all (Envoy: "no healthy upstream"). */
  failure?: { status: number; reason: string };
  notes: string[];
  /** What the trace cannot know for this cluster (e.g. the original destination of an ORIGINAL_DST cluster). */
  unknowns: string[];
  /** Cluster settings explain does not simulate. */
  unsupported: string[];
}

function endpointsFromAssignment(cla: Obj | undefined): EndpointInfo[] {
  const out: EndpointInfo[] = [];
  for (const locality of objs(cla?.endpoints)) {
    const priority = num(locality.priority) ?? 0;
    const loc = obj(locality.locality);
    const localityName = loc ? [str(loc.region), str(loc.zone), str(loc.sub_zone)].filter(Boolean).join('/') : undefined;
    for (const lb of objs(locality.lb_endpoints)) {
      const endpoint = obj(lb.endpoint);
      const sa = obj(obj(endpoint?.address)?.socket_address);
      const hostname = str(endpoint?.hostname);
      out.push({
        address: str(sa?.address) ?? hostname ?? '?',
        port: num(sa?.port_value),
        healthStatus: str(lb.health_status) ?? 'UNKNOWN',
        weight: num(lb.load_balancing_weight),
        priority,
        locality: localityName || undefined,
        localityWeight: num(locality.load_balancing_weight),
        source: porticoSource(lb),
      });
    }
  }
  return out;
}

export function clusterType(cluster: Obj): string {
  if (obj(cluster.cluster_type)) return `custom:${str(obj(cluster.cluster_type)?.name) ?? '?'}`;
  const t = cluster.type;
  if (typeof t === 'number') return ['STATIC', 'STRICT_DNS', 'LOGICAL_DNS', 'EDS', 'ORIGINAL_DST'][t] ?? String(t);
  return typeof t === 'string' ? t : 'STATIC';
}

/**
 * The cluster as a request sees it. `originalDestination` is the address the connection was made
 * to, which is the one host of an ORIGINAL_DST cluster (original_dst_cluster.cc: the downstream
 * connection's local, pre-redirect address).
 */
export function viewCluster(resources: EnvoyResources, name: string, originalDestination?: { address: string; port: number }): ClusterView {
  const resource = resources.clusters.find((c) => c.name === name);
  if (!resource) {
    return { exists: false, endpoints: [], upstreamTls: false, notes: [], unknowns: [], unsupported: [], failure: { status: 503, reason: `cluster ${name} is not served` } };
  }
  const cluster = resource.message;
  const type = clusterType(cluster);
  const notes: string[] = [];
  const unknowns: string[] = [];
  const unsupported: string[] = [];
  let endpoints: EndpointInfo[] = [];
  if (type === 'EDS') {
    const serviceName = str(obj(cluster.eds_cluster_config)?.service_name) ?? name;
    const cla = resources.endpoints.find((e) => e.name === serviceName);
    if (!cla) notes.push(`EDS: ClusterLoadAssignment ${serviceName} is not served; the cluster has no hosts`);
    else notes.push(`EDS: endpoints from ClusterLoadAssignment ${serviceName}`);
    endpoints = endpointsFromAssignment(cla?.message);
  } else if (type === 'ORIGINAL_DST') {
    notes.push('ORIGINAL_DST: the upstream is the connection\'s original destination');
    if (originalDestination) endpoints = [{ address: originalDestination.address, port: originalDestination.port, healthStatus: 'HEALTHY', priority: 0 }];
    else unknowns.push('the original destination address of the connection (ORIGINAL_DST cluster)');
    if (obj(cluster.original_dst_lb_config)?.use_http_header) unsupported.push(`cluster ${name}: original_dst_lb_config.use_http_header`);
  } else if (type.startsWith('custom:')) {
    notes.push(`cluster_type ${type} is not simulated`);
  } else {
    endpoints = endpointsFromAssignment(obj(cluster.load_assignment));
    if (type === 'STRICT_DNS' || type === 'LOGICAL_DNS') notes.push(`${type}: hosts are resolved from the names below`);
  }
  const socket = obj(cluster.transport_socket);
  const tlsCfg = obj(socket?.typed_config);
  const upstreamTls = (typeName(tlsCfg) ?? '').endsWith('UpstreamTlsContext');
  const sni = upstreamTls ? str(tlsCfg?.sni) : undefined;
  if (objs(cluster.transport_socket_matches).length) notes.push('transport_socket_matches are not simulated');
  let failure: ClusterView['failure'];
  if (endpoints.length === 0 && type === 'ORIGINAL_DST') {
    failure = { status: 503, reason: `cluster ${name} (ORIGINAL_DST): the connection's original destination is not known (give destinationAddress)` };
  } else if (endpoints.length === 0 && !type.startsWith('custom:')) {
    failure = { status: 503, reason: `cluster ${name} has no hosts: no healthy upstream` };
  } else if (endpoints.length > 0) {
    const healthy = endpoints.filter((e) => !['UNHEALTHY', 'DRAINING', 'TIMEOUT'].includes(e.healthStatus));
    if (healthy.length === 0) {
      const panic = num(obj(cluster.common_lb_config)?.healthy_panic_threshold);
      if (panic === 0) failure = { status: 503, reason: `cluster ${name} has no healthy host and panic routing is disabled` };
      else notes.push('no host is healthy: Envoy is in panic mode and balances over all hosts');
    }
  }
  if (bool(obj(cluster.common_lb_config)?.ignore_new_hosts_until_first_hc)) notes.push('ignore_new_hosts_until_first_hc set');
  return { exists: true, type, source: porticoSource(cluster), endpoints, upstreamTls, upstreamTlsServerName: sni, failure, notes, unknowns, unsupported };
}
