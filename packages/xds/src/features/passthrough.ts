// Sidecar passthrough: traffic to a destination no mesh route or Service covers (a pod IP,
// an address outside the mesh) leaves the sidecar unchanged, to the address the client
// connected to, through an ORIGINAL_DST cluster whose host is the connection's original
// destination (Envoy's "PassthroughCluster" pattern). HTTP on a Service port: a catch-all
// virtual host. Any other port: the outbound capture listener (use_original_dst) hands a
// connection to the listener for its original port, or proxies it over TCP when there is none.
import type { EnvoyMessage } from '../types.js';
import { porticoMetadata, typed } from '../build/util.js';
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

const HTTP_INSPECTOR = 'envoy.filters.listener.http_inspector';

function tcpPassthroughChain(name: string): EnvoyMessage {
  return {
    name,
    filters: [
      {
        name: 'envoy.filters.network.tcp_proxy',
        typed_config: typed('envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', { stat_prefix: 'passthrough', cluster: PASSTHROUGH_CLUSTER }),
      },
    ],
  };
}

function captureListener(name: string, port: number): EnvoyMessage {
  return {
    name,
    address: { socket_address: { address: '0.0.0.0', port_value: port } },
    use_original_dst: true,
    filter_chains: [tcpPassthroughChain(`${name}/passthrough`)],
    metadata: porticoMetadata({ kind: 'Passthrough', name }),
  };
}

export const passthroughFeature: XdsFeature = {
  name: 'passthrough',
  /**
   * A sidecar's listener for a Service port sees every outbound connection to that port, to any
   * address: only plaintext HTTP is for its connection manager. http_inspector says whether the
   * bytes are HTTP/1 or h2c; anything else (TLS, a database protocol) takes the default chain, a
   * TCP passthrough to the original destination, as if there were no mesh (GEP-1294: "When no
   * xRoute resources are defined, all traffic should implicitly work"). A protocol whose server
   * speaks first gives the inspector nothing to read: after a second the connection continues
   * on the default chain.
   */
  patchListener(listener, ir, ctx) {
    if (ctx.gateway.outboundCapturePort === undefined) return;
    const sidecarChains = ir.filterChains.filter((chain) => chain.type === 'http' && chain.routeConfig.passthrough === true);
    if (sidecarChains.length === 0) return;
    const names = new Set(sidecarChains.map((chain) => chain.name));
    for (const chain of (listener.filter_chains as EnvoyMessage[] | undefined) ?? []) {
      if (!names.has(chain.name as string)) continue;
      const match = (chain.filter_chain_match as EnvoyMessage | undefined) ?? {};
      chain.filter_chain_match = { ...match, application_protocols: ['http/1.1', 'h2c'] };
    }
    const filters = (listener.listener_filters as EnvoyMessage[] | undefined) ?? [];
    filters.push({ name: HTTP_INSPECTOR, typed_config: typed('envoy.extensions.filters.listener.http_inspector.v3.HttpInspector', {}) });
    listener.listener_filters = filters;
    listener.listener_filters_timeout = '1s';
    listener.continue_on_listener_filters_timeout = true;
    listener.default_filter_chain = tcpPassthroughChain(`${ir.name}/passthrough`);
    if (!ctx.featureClusters.some((c) => c.name === PASSTHROUGH_CLUSTER)) {
      ctx.featureClusters.push({ type: 'cluster', name: PASSTHROUGH_CLUSTER, message: passthroughCluster() });
    }
  },
  patchResources(resources, ctx) {
    const port = ctx.gateway.outboundCapturePort;
    if (port === undefined) return;
    const name = `${ctx.gateway.name}/outbound`;
    resources.listeners.push({ type: 'listener', name, message: captureListener(name, port) });
    if (!resources.clusters.some((c) => c.name === PASSTHROUGH_CLUSTER)) {
      resources.clusters.push({ type: 'cluster', name: PASSTHROUGH_CLUSTER, message: passthroughCluster() });
    }
  },
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
