// TCP and TLS (passthrough or terminated) chains → the tcp_proxy network filter
// with weighted clusters. No backends: a cluster that is never served, so
// Envoy closes the connection.
import { typed } from '../build/util.js';
import type { XdsFeature } from './feature.js';

export const NO_BACKEND_CLUSTER = 'portico/no-backend';

export const tcpProxyFeature: XdsFeature = {
  name: 'tcp_proxy',
  patchFilterChain(filterChain, ir, ctx) {
    if (ir.type !== 'tcp') return;
    const backends = ir.backends.filter((b) => b.weight > 0);
    for (const backend of backends) ctx.referencedClusters.add(backend.cluster);
    const proxy: Record<string, unknown> = { stat_prefix: ir.name };
    const refused = ir.invalidWeight ?? 0;
    if (backends.length === 0) proxy.cluster = NO_BACKEND_CLUSTER;
    else if (backends.length === 1 && refused === 0) proxy.cluster = backends[0].cluster;
    else {
      const clusters = backends.map((b) => ({ name: b.cluster, weight: b.weight }));
      // The invalid backendRefs' share goes to a cluster that is never served: Envoy closes those connections.
      if (refused > 0) clusters.push({ name: NO_BACKEND_CLUSTER, weight: refused });
      proxy.weighted_clusters = { clusters };
    }
    filterChain.filters = [
      { name: 'envoy.filters.network.tcp_proxy', typed_config: typed('envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', proxy) },
    ];
  },
};
