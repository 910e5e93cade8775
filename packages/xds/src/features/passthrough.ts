// Sidecar passthrough: traffic to a destination no mesh route or Service covers (a pod IP,
// an address outside the mesh) leaves the sidecar unchanged, to the address the client
// connected to. A catch-all virtual host routes it to an ORIGINAL_DST cluster, whose host
// is the connection's original destination (Envoy's "PassthroughCluster" pattern).
import type { EnvoyMessage } from '../types.js';
import { porticoMetadata } from '../build/util.js';
import type { XdsFeature } from './feature.js';

export const PASSTHROUGH_CLUSTER = 'passthrough';

function passthroughCluster(): EnvoyMessage {
  return {
    name: PASSTHROUGH_CLUSTER,
    type: 'ORIGINAL_DST',
    // ORIGINAL_DST clusters pick their host themselves; any other policy is rejected.
    lb_policy: 'CLUSTER_PROVIDED',
    connect_timeout: '10s',
    metadata: porticoMetadata({ kind: 'Passthrough', name: PASSTHROUGH_CLUSTER, cluster: PASSTHROUGH_CLUSTER }),
  };
}

export const passthroughFeature: XdsFeature = {
  name: 'passthrough',
  patchRouteConfig(routeConfig, ir, ctx) {
    // Proxyless gRPC clients have no original destination to fall back to.
    if (!ir.passthrough || ctx.proxyless) return;
    const virtualHosts = routeConfig.virtual_hosts as EnvoyMessage[];
    if (virtualHosts.some((vh) => (vh.domains as string[]).includes('*'))) return;
    virtualHosts.push({
      name: `${ir.name}/passthrough`,
      domains: ['*'],
      routes: [
        {
          name: `${ir.name}/passthrough`,
          match: { prefix: '/' },
          // No route timeout: the destination is not ours to bound (a plain connection would not be).
          route: { cluster: PASSTHROUGH_CLUSTER, timeout: '0s' },
          metadata: porticoMetadata({ kind: 'Passthrough', name: PASSTHROUGH_CLUSTER }),
        },
      ],
    });
    if (!ctx.featureClusters.some((c) => c.name === PASSTHROUGH_CLUSTER)) {
      ctx.featureClusters.push({ type: 'cluster', name: PASSTHROUGH_CLUSTER, message: passthroughCluster() });
    }
  },
};
