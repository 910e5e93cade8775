// UDPRoute → a UDP listener (socket protocol UDP) with the udp_proxy listener
// filter. Envoy's udp_proxy routes to one cluster and has no weighted clusters,
// so several backends become one synthesized STATIC cluster with one locality
// per backend, weighted by the backendRef weight (locality-weighted balancing).
// When a backend's endpoints are not known addresses (DNS), the heaviest
// backend (first on ties) is used instead. Each endpoint carries the portico
// metadata of the Service it came from.
import type { IRBackend, IRCluster, IRUdpFilterChain } from '@portico/ir';
import { clusterMetadata } from '../build/cluster.js';
import type { BuildContext } from '../build/context.js';
import { porticoMetadata, typed } from '../build/util.js';
import type { EnvoyMessage } from '../types.js';
import type { XdsFeature } from './feature.js';
import { NO_BACKEND_CLUSTER } from './tcp_proxy.js';

/** Name of the cluster synthesized for a UDP chain with several backends. */
export function weightedUdpClusterName(chain: IRUdpFilterChain): string {
  return `${chain.name}/weighted`;
}

function weightedCluster(chain: IRUdpFilterChain, backends: IRBackend[], ctx: BuildContext): EnvoyMessage | undefined {
  const clusters = backends.map((b) => ctx.clusters.get(b.cluster));
  if (clusters.some((c) => !c || c.discovery === 'dns')) return undefined;
  const name = weightedUdpClusterName(chain);
  const localities = backends.map((backend, i) => ({
    locality: { sub_zone: backend.cluster },
    load_balancing_weight: backend.weight,
    lb_endpoints: [...(clusters[i]?.endpoints ?? [])]
      .sort((a, b) => (a.address !== b.address ? (a.address < b.address ? -1 : 1) : a.port - b.port))
      .map((e) => ({
        endpoint: { address: { socket_address: { address: e.address, port_value: e.port } } },
        health_status: e.ready ? 'HEALTHY' : 'UNHEALTHY',
        // Which Service each endpoint belongs to, in the same shape as cluster metadata.
        metadata: clusterMetadata(clusters[i] as IRCluster),
      })),
  }));
  return {
    name,
    connect_timeout: '10s',
    type: 'STATIC',
    lb_policy: 'ROUND_ROBIN',
    common_lb_config: { locality_weighted_lb_config: {} },
    load_assignment: { cluster_name: name, endpoints: localities },
    metadata: porticoMetadata({
      kind: chain.source?.kind,
      namespace: chain.source?.namespace,
      name: chain.source?.name,
      cluster: name,
      backends: backends.map((b) => `${b.cluster}=${b.weight}`).join(','),
    }),
  };
}

export const udpProxyFeature: XdsFeature = {
  name: 'udp_proxy',
  patchListener(listener, ir, ctx) {
    const chains = ir.filterChains.filter((chain): chain is IRUdpFilterChain => chain.type === 'udp');
    if (chains.length === 0) return;
    const address = listener.address as { socket_address: EnvoyMessage };
    address.socket_address.protocol = 'UDP';
    const chain = chains[0];
    const backends = chain.backends.filter((b) => b.weight > 0);
    let cluster = NO_BACKEND_CLUSTER;
    const weighted = backends.length > 1 ? weightedCluster(chain, backends, ctx) : undefined;
    if (weighted) {
      cluster = weighted.name as string;
      ctx.featureClusters.push({ type: 'cluster', name: cluster, message: weighted });
    } else {
      const chosen = backends.reduce<IRBackend | undefined>((best, b) => (!best || b.weight > best.weight ? b : best), undefined);
      if (chosen) {
        cluster = chosen.cluster;
        ctx.referencedClusters.add(chosen.cluster);
      }
    }
    const filters = (listener.listener_filters as EnvoyMessage[] | undefined) ?? [];
    filters.push({
      name: 'envoy.filters.udp_listener.udp_proxy',
      typed_config: typed('envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig', { stat_prefix: chain.name, cluster }),
    });
    listener.listener_filters = filters;
  },
};
