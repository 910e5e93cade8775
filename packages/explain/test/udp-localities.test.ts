import { describe, expect, it } from 'vitest';
import { explainRequest } from '../src/index.js';
import { resources } from './fixtures.js';

const portico = (service: string) => ({ filter_metadata: { portico: { kind: 'Service', namespace: 'ns', name: service, port: 53 } } });
const endpoint = (address: string, service: string, health = 'HEALTHY') => ({
  endpoint: { address: { socket_address: { address, port_value: 53 } } },
  health_status: health,
  metadata: portico(service),
});

function udpResources(lbConfig: Record<string, unknown>, secondHealth = 'HEALTHY') {
  return resources({
    listeners: [
      {
        name: 'udp-5300',
        address: { socket_address: { address: '0.0.0.0', port_value: 5300, protocol: 'UDP' } },
        listener_filters: [
          {
            name: 'envoy.filters.udp_listener.udp_proxy',
            typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig', stat_prefix: 'dns', cluster: 'dns/weighted' },
          },
        ],
      },
    ],
    clusters: [
      {
        name: 'dns/weighted',
        type: 'STATIC',
        common_lb_config: lbConfig,
        load_assignment: {
          cluster_name: 'dns/weighted',
          endpoints: [
            { locality: { sub_zone: 'v1' }, load_balancing_weight: 1, lb_endpoints: [endpoint('10.0.0.1', 'coredns-v1')] },
            { locality: { sub_zone: 'v2' }, load_balancing_weight: 3, lb_endpoints: [endpoint('10.0.0.2', 'coredns-v2', secondHealth)] },
          ],
        },
      },
    ],
  });
}

describe('udp_proxy over a cluster with locality-weighted balancing (CommonLbConfig.locality_weighted_lb_config)', () => {
  it('each weighted locality is a candidate with its LocalityLbEndpoints.load_balancing_weight share and its endpoints\' metadata', () => {
    const t = explainRequest(udpResources({ locality_weighted_lb_config: {} }), { transport: 'udp', port: 5300 });
    expect(t.outcome).toBe('udp_proxy');
    expect(t.clusters.map((c) => [c.name, c.weight, c.share, c.source?.name])).toEqual([
      ['dns/weighted[v1]', 1, 0.25, 'coredns-v1'],
      ['dns/weighted[v2]', 3, 0.75, 'coredns-v2'],
    ]);
    expect(t.selectedCluster).toBe('dns/weighted[v2]');
  });
  it('a locality without a healthy host is reported as failing', () => {
    const t = explainRequest(udpResources({ locality_weighted_lb_config: {} }, 'UNHEALTHY'), { transport: 'udp', port: 5300 });
    expect(t.clusters.find((c) => c.name === 'dns/weighted[v2]')?.localReplyStatus).toBe(503);
    expect(t.clusters.find((c) => c.name === 'dns/weighted[v1]')?.localReplyStatus).toBeUndefined();
  });
  it('without locality_weighted_lb_config locality weights are ignored: one candidate for the whole cluster', () => {
    const t = explainRequest(udpResources({}), { transport: 'udp', port: 5300 });
    expect(t.clusters.map((c) => c.name)).toEqual(['dns/weighted']);
  });
});
