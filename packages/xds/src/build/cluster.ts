// Cluster and ClusterLoadAssignment builders. Protocol options and upstream TLS
// are added by feature files.
import type { IRCluster, IREndpoint } from '@portico/ir';
import type { XdsFeature } from '../features/feature.js';
import type { EnvoyMessage } from '../types.js';
import type { BuildContext } from './context.js';
import { compareStrings, sortInPlace } from '@portico/ir';
import { adsConfigSource, goDurationToProto, porticoMetadata } from './util.js';

const DEFAULT_CONNECT_TIMEOUT = '10s';

/** `ns/service/port[...]` → the Service port, for metadata. */
function servicePort(cluster: IRCluster): number | undefined {
  const m = /^[^/]+\/[^/]+\/(\d+)/.exec(cluster.name);
  if (m) return Number(m[1]);
  return cluster.dnsPort;
}

export function clusterMetadata(cluster: IRCluster): EnvoyMessage {
  return porticoMetadata({
    kind: cluster.source.kind,
    namespace: cluster.source.namespace,
    name: cluster.source.name,
    port: servicePort(cluster),
    cluster: cluster.name,
  });
}

function socketAddress(address: string, port: number): EnvoyMessage {
  return { socket_address: { address, port_value: port } };
}

function lbEndpoint(endpoint: IREndpoint): EnvoyMessage {
  // Whole literals: a field added to an object afterwards goes to storage of its own.
  const address = socketAddress(endpoint.address, endpoint.port);
  const inner: EnvoyMessage = endpoint.hostname ? { address, hostname: endpoint.hostname } : { address };
  return { endpoint: inner, health_status: endpoint.ready ? 'HEALTHY' : 'UNHEALTHY' };
}

function compareEndpoints(a: IREndpoint, b: IREndpoint): number {
  if (a.address !== b.address) return a.address < b.address ? -1 : 1;
  return a.port - b.port;
}

/** Endpoints grouped by zone (one LocalityLbEndpoints per zone, sorted). */
export function loadAssignment(clusterName: string, endpoints: IREndpoint[]): EnvoyMessage {
  const byZone = new Map<string, IREndpoint[]>();
  for (const endpoint of endpoints) {
    const zone = endpoint.zone ?? '';
    const list = byZone.get(zone);
    if (list) list.push(endpoint);
    else byZone.set(zone, [endpoint]);
  }
  const zones = sortInPlace([...byZone.keys()], compareStrings);
  const localities = zones.map((zone) => {
    // The per-zone lists are this function's own: sorted in place, not copied.
    const inZone = byZone.get(zone) ?? [];
    return {
      lb_endpoints: sortInPlace(inZone, compareEndpoints).map(lbEndpoint),
      // Always present (empty without a zone): gRPC clients reject a LocalityLbEndpoints without one.
      locality: zone ? { zone } : {},
      // gRPC ignores a locality without a weight (calls fail UNAVAILABLE); Envoy only reads it
      // with locality-weighted balancing. Its endpoint count keeps traffic per endpoint even.
      load_balancing_weight: inZone.length,
    };
  });
  return localities.length > 0 ? { cluster_name: clusterName, endpoints: localities } : { cluster_name: clusterName };
}

export function buildCluster(ir: IRCluster, ctx: BuildContext, features: readonly XdsFeature[]): EnvoyMessage {
  const connectTimeout = (ir.connectTimeout && goDurationToProto(ir.connectTimeout)) ?? DEFAULT_CONNECT_TIMEOUT;
  const cluster: EnvoyMessage = { name: ir.name, connect_timeout: connectTimeout, lb_policy: 'ROUND_ROBIN' };
  switch (ir.discovery) {
    case 'eds':
      cluster.type = 'EDS';
      cluster.eds_cluster_config = { eds_config: adsConfigSource() };
      break;
    case 'dns':
      // STRICT_DNS resolves every address of the name and balances over them, like a Service.
      cluster.type = 'STRICT_DNS';
      cluster.dns_lookup_family = 'V4_PREFERRED';
      cluster.load_assignment = loadAssignment(ir.name, [
        { address: ir.dnsName ?? '', port: ir.dnsPort ?? 0, ready: true },
      ]);
      break;
    case 'static':
      cluster.type = 'STATIC';
      cluster.load_assignment = loadAssignment(ir.name, ir.endpoints);
      break;
  }
  cluster.metadata = clusterMetadata(ir);
  for (const feature of features) feature.patchCluster?.(cluster, ir, ctx);
  return cluster;
}

export function buildEndpoints(ir: IRCluster): EnvoyMessage {
  return loadAssignment(ir.name, ir.endpoints);
}
