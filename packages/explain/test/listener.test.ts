import { describe, expect, it } from 'vitest';
import { explainRequest } from '../src/index.js';
import { assignment, edsCluster, hcm, resources, routeConfig, TLS_INSPECTOR, toCluster, vhost } from './fixtures.js';

const tlsContext = (secret: string, extra: Record<string, unknown> = {}) => ({
  name: 'envoy.transport_sockets.tls',
  typed_config: {
    '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
    common_tls_context: { tls_certificate_sds_secret_configs: [{ name: secret, sds_config: { ads: {} } }], ...extra },
  },
});

function httpsResources(extraChains: Record<string, unknown>[] = [], tlsExtra: Record<string, unknown> = {}, requireClient = false) {
  const chain = (name: string, serverNames: string[], rc: string, secret: string) => ({
    name,
    filter_chain_match: { server_names: serverNames, transport_protocol: 'tls' },
    filters: [hcm(rc)],
    transport_socket: {
      ...tlsContext(secret, tlsExtra),
      typed_config: { ...tlsContext(secret, tlsExtra).typed_config, ...(requireClient ? { require_client_certificate: true } : {}) },
    },
  });
  return resources({
    listeners: [
      {
        name: 'https-8443',
        address: { socket_address: { address: '0.0.0.0', port_value: 8443 } },
        listener_filters: [TLS_INSPECTOR],
        filter_chains: [
          chain('exact', ['www.example.com'], 'rc-exact', 'cert-www'),
          chain('wild-long', ['*.api.example.com'], 'rc-wild', 'cert-wild'),
          chain('wild', ['*.example.com'], 'rc-wild', 'cert-wild'),
          ...extraChains,
        ],
      },
      { name: 'http-8080', address: { socket_address: { address: '0.0.0.0', port_value: 8080 } }, filter_chains: [{ filters: [hcm('rc-exact')] }] },
      {
        name: 'udp-5300',
        address: { socket_address: { address: '0.0.0.0', port_value: 5300, protocol: 'UDP' } },
        listener_filters: [{ name: 'envoy.filters.udp_listener.udp_proxy', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig', stat_prefix: 'dns', cluster: 'b' } }],
      },
      {
        name: 'tcp-9000',
        address: { socket_address: { address: '0.0.0.0', port_value: 9000 } },
        filter_chains: [{ filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', stat_prefix: 'tcp', weighted_clusters: { clusters: [{ name: 'a', weight: 1 }, { name: 'b', weight: 3 }] } } }] }],
      },
    ],
    routes: [routeConfig('rc-exact', [vhost('www', ['www.example.com'], [toCluster('a')])]), routeConfig('rc-wild', [vhost('wild', ['*.example.com', '*.api.example.com'], [toCluster('b')])])],
    clusters: [edsCluster('a'), edsCluster('b')],
    endpoints: [assignment('a', ['10.0.0.1']), assignment('b', ['10.0.0.2'])],
    secrets: [{ name: 'cert-www', tls_certificate: {} }, { name: 'cert-wild', tls_certificate: {} }, { name: 'ca', validation_context: {} }],
  });
}

describe('listener selection (listener.proto Listener.address)', () => {
  const res = httpsResources();
  it('a connection is accepted by the listener bound to its destination port', () => {
    expect(explainRequest(res, { authority: 'www.example.com', port: 8080 }).listener).toBe('http-8080');
  });
  it('no listener on the port: the connection is refused and every listener is listed with why', () => {
    const t = explainRequest(res, { authority: 'www.example.com', port: 81 });
    expect(t.outcome).toBe('connection_rejected');
    expect(t.steps[0].candidates?.map((c) => c.name)).toContain('http-8080');
  });
  it('SocketAddress.protocol UDP: UDP datagrams only reach UDP listeners (udp_proxy)', () => {
    const t = explainRequest(res, { transport: 'udp', port: 5300 });
    expect(t.outcome).toBe('udp_proxy');
    expect(t.selectedCluster).toBe('b');
    expect(explainRequest(res, { transport: 'tcp', port: 5300, authority: 'x' }).outcome).toBe('connection_rejected');
  });
  it('tcp_proxy.proto TcpProxy.weighted_clusters: shares by weight', () => {
    const t = explainRequest(res, { transport: 'tcp', port: 9000 });
    expect(t.outcome).toBe('tcp_proxy');
    expect(t.clusters.map((c) => c.share)).toEqual([0.25, 0.75]);
  });
});

describe('filter chain selection (listener_components.proto FilterChainMatch)', () => {
  const res = httpsResources();
  const https = (sni: string | null, extra: Record<string, unknown> = {}) => explainRequest(res, { scheme: 'https', authority: sni ?? 'www.example.com', sni, port: 8443, ...extra });
  it('FilterChainMatch.server_names: an exact server name is the most specific match', () => {
    expect(https('www.example.com').filterChain).toBe('exact');
  });
  it('FilterChainMatch.server_names: the longest wildcard suffix wins (*.api.example.com over *.example.com)', () => {
    expect(https('v1.api.example.com').filterChain).toBe('wild-long');
    expect(https('shop.example.com').filterChain).toBe('wild');
  });
  it('FilterChainMatch.server_names: a wildcard matches several labels (*.example.com matches a.b.example.com)', () => {
    expect(https('a.b.example.com').filterChain).toBe('wild');
  });
  it('FilterChainMatch: no chain matches the SNI and there is no default_filter_chain → connection closed', () => {
    const t = https('other.test');
    expect(t.outcome).toBe('connection_rejected');
    expect(t.steps.find((s) => s.stage === 'filter_chain')?.candidates?.every((c) => !c.matched)).toBe(true);
  });
  it('Listener.default_filter_chain is used when no chain matches', () => {
    const r = httpsResources();
    r.listeners[0].message.default_filter_chain = { name: 'fallback', filters: [hcm('rc-wild')], transport_socket: tlsContext('cert-wild') };
    const t = explainRequest(r, { scheme: 'https', authority: 'x.other.test', port: 8443 });
    expect(t.filterChain).toBe('fallback');
  });
  it('FilterChainMatch.transport_protocol: plaintext to a tls-only listener matches no chain', () => {
    const t = explainRequest(res, { scheme: 'http', authority: 'www.example.com', port: 8443 });
    expect(t.outcome).toBe('connection_rejected');
  });
  it('FilterChainMatch: chains without server_names are the fallback only when no chain names the SNI', () => {
    const r = httpsResources([{ name: 'catch-all', filter_chain_match: { transport_protocol: 'tls' }, filters: [hcm('rc-wild')], transport_socket: tlsContext('cert-wild') }]);
    expect(explainRequest(r, { scheme: 'https', authority: 'x.other.test', port: 8443 }).filterChain).toBe('catch-all');
    expect(explainRequest(r, { scheme: 'https', authority: 'www.example.com', port: 8443 }).filterChain).toBe('exact');
  });
  it('FilterChainMatch.application_protocols: the ALPN offered by the client selects the chain', () => {
    const r = httpsResources([
      { name: 'h2', filter_chain_match: { server_names: ['alpn.test'], application_protocols: ['h2'] }, filters: [hcm('rc-wild')], transport_socket: tlsContext('cert-wild') },
      { name: 'h1', filter_chain_match: { server_names: ['alpn.test'], application_protocols: ['http/1.1'] }, filters: [hcm('rc-wild')], transport_socket: tlsContext('cert-wild') },
    ]);
    expect(explainRequest(r, { scheme: 'https', authority: 'alpn.test', port: 8443, alpn: ['http/1.1'] }).filterChain).toBe('h1');
    expect(explainRequest(r, { scheme: 'https', authority: 'alpn.test', port: 8443, alpn: ['h2', 'http/1.1'] }).filterChain).toBe('h2');
  });
  it('tls_inspector: without it SNI is not read, so server_names chains cannot match', () => {
    const r = httpsResources();
    r.listeners[0].message.listener_filters = [];
    expect(explainRequest(r, { scheme: 'https', authority: 'www.example.com', port: 8443 }).outcome).toBe('connection_rejected');
  });
  it('SNI and Host are evaluated separately: the chain follows SNI, the virtual host follows Host', () => {
    const t = explainRequest(res, { scheme: 'https', authority: 'shop.example.com', sni: 'www.example.com', port: 8443 });
    expect(t.filterChain).toBe('exact');
    expect(t.response?.status).toBe(404);
  });
});

describe('downstream TLS (tls.proto DownstreamTlsContext)', () => {
  it('a served SDS certificate completes the handshake; x-forwarded-proto is https', () => {
    const t = explainRequest(httpsResources(), { scheme: 'https', authority: 'www.example.com', port: 8443 });
    expect(t.outcome).toBe('forwarded');
    expect(t.upstreamRequest?.headers['x-forwarded-proto']).toEqual(['https']);
  });
  it('a certificate secret that is not served: the listener cannot warm and the handshake fails', () => {
    const r = httpsResources();
    r.secrets = r.secrets.filter((s) => s.name !== 'cert-www');
    const t = explainRequest(r, { scheme: 'https', authority: 'www.example.com', port: 8443 });
    expect(t.outcome).toBe('connection_rejected');
    expect(t.summary).toContain('cert-www');
  });
  it('DownstreamTlsContext.require_client_certificate: no client certificate → handshake fails', () => {
    const r = httpsResources([], { validation_context_sds_secret_config: { name: 'ca' } }, true);
    expect(explainRequest(r, { scheme: 'https', authority: 'www.example.com', port: 8443 }).outcome).toBe('connection_rejected');
    expect(explainRequest(r, { scheme: 'https', authority: 'www.example.com', port: 8443, clientCertificate: { valid: true } }).outcome).toBe('forwarded');
  });
  it('CertificateValidationContext: an invalid client certificate fails even when not required', () => {
    const r = httpsResources([], { validation_context_sds_secret_config: { name: 'ca' } });
    expect(explainRequest(r, { scheme: 'https', authority: 'www.example.com', port: 8443, clientCertificate: { valid: false } }).outcome).toBe('connection_rejected');
    expect(explainRequest(r, { scheme: 'https', authority: 'www.example.com', port: 8443 }).outcome).toBe('forwarded');
  });
  it('a TLS client on a plaintext HTTP chain fails', () => {
    const t = explainRequest(httpsResources(), { scheme: 'https', authority: 'www.example.com', port: 8080 });
    expect(t.outcome).toBe('connection_rejected');
  });
});
