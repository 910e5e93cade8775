// UDPRoute → a UDP listener (socket protocol UDP) with the udp_proxy listener
// filter. Envoy's udp_proxy routes to one cluster: with several backends the
// heaviest (first on ties) is used.
import type { IRUdpFilterChain } from '@portico/ir';
import { typed } from '../build/util.js';
import type { EnvoyMessage } from '../types.js';
import type { XdsFeature } from './feature.js';
import { NO_BACKEND_CLUSTER } from './tcp_proxy.js';

export const udpProxyFeature: XdsFeature = {
  name: 'udp_proxy',
  patchListener(listener, ir, ctx) {
    const chains = ir.filterChains.filter((chain): chain is IRUdpFilterChain => chain.type === 'udp');
    if (chains.length === 0) return;
    const address = listener.address as { socket_address: EnvoyMessage };
    address.socket_address.protocol = 'UDP';
    const chain = chains[0];
    const backends = chain.backends.filter((b) => b.weight > 0);
    const chosen = backends.reduce<(typeof backends)[number] | undefined>(
      (best, b) => (!best || b.weight > best.weight ? b : best),
      undefined,
    );
    if (chosen) ctx.referencedClusters.add(chosen.cluster);
    const filters = (listener.listener_filters as EnvoyMessage[] | undefined) ?? [];
    filters.push({
      name: 'envoy.filters.udp_listener.udp_proxy',
      typed_config: typed('envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig', {
        stat_prefix: chain.name,
        cluster: chosen?.cluster ?? NO_BACKEND_CLUSTER,
      }),
    });
    listener.listener_filters = filters;
  },
};
