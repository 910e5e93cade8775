// TLS: downstream termination on filter chains (certificates and client
// validation over SDS on ADS), tls_inspector when a chain matches on SNI or
// transport, upstream TLS on clusters (BackendTLSPolicy) and the Secret resources.
import type { IRDownstreamTLS, IRSecret, IRUpstreamTLS } from '@portico/ir';
import type { BuildContext } from '../build/context.js';
import { adsConfigSource, byName, typed } from '../build/util.js';
import type { EnvoyMessage, EnvoyResource } from '../types.js';
import type { XdsFeature } from './feature.js';

export const TLS_TRANSPORT_SOCKET = 'envoy.transport_sockets.tls';
export const TLS_INSPECTOR = 'envoy.filters.listener.tls_inspector';
/** Debian/Alpine CA bundle: used for upstream TLS with `system: true`. */
export const SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

export function sdsSecretConfig(name: string): EnvoyMessage {
  return { name, sds_config: adsConfigSource() };
}

export function downstreamTlsContext(tls: IRDownstreamTLS, ctx: BuildContext): EnvoyMessage {
  for (const name of tls.certificates) ctx.referencedSecrets.add(name);
  const common: EnvoyMessage = { tls_certificate_sds_secret_configs: tls.certificates.map(sdsSecretConfig) };
  if (tls.alpn?.length) common.alpn_protocols = [...tls.alpn];
  const context: EnvoyMessage = { common_tls_context: common };
  if (tls.clientValidation) {
    ctx.referencedSecrets.add(tls.clientValidation.caSecret);
    if (tls.clientValidation.mode === 'AllowValidOnly') {
      common.validation_context_sds_secret_config = sdsSecretConfig(tls.clientValidation.caSecret);
      context.require_client_certificate = true;
    } else {
      // AllowInsecureFallback: ask for a certificate, accept the connection whatever it is.
      common.combined_validation_context = {
        default_validation_context: { trust_chain_verification: 'ACCEPT_UNTRUSTED' },
        validation_context_sds_secret_config: sdsSecretConfig(tls.clientValidation.caSecret),
      };
    }
  }
  return context;
}

/** The client certificate the Gateway being built presents upstream, if it has one. */
export function clientCertificateOf(tls: IRUpstreamTLS | undefined, ctx: Pick<BuildContext, 'gateway'>): string | undefined {
  const certificates = tls?.clientCertificates;
  return certificates && Object.hasOwn(certificates, ctx.gateway.name) ? certificates[ctx.gateway.name] : undefined;
}

export function upstreamTlsContext(tls: IRUpstreamTLS, ctx: BuildContext): EnvoyMessage {
  const sans = tls.subjectAltNames.length > 0 ? tls.subjectAltNames : [{ type: 'Hostname' as const, value: tls.sni }];
  const defaultValidation: EnvoyMessage = {
    match_typed_subject_alt_names: sans.map((san) => ({
      san_type: san.type === 'URI' ? 'URI' : 'DNS',
      matcher: { exact: san.value },
    })),
  };
  const common: EnvoyMessage = {};
  if (tls.caSecret) {
    ctx.referencedSecrets.add(tls.caSecret);
    common.combined_validation_context = {
      default_validation_context: defaultValidation,
      validation_context_sds_secret_config: sdsSecretConfig(tls.caSecret),
    };
  } else {
    common.validation_context = { ...defaultValidation, trusted_ca: { filename: SYSTEM_CA_BUNDLE } };
  }
  const clientCertificate = clientCertificateOf(tls, ctx);
  if (clientCertificate) {
    ctx.referencedSecrets.add(clientCertificate);
    common.tls_certificate_sds_secret_configs = [sdsSecretConfig(clientCertificate)];
  }
  return { sni: tls.sni, common_tls_context: common };
}

export function buildSecret(secret: IRSecret): EnvoyMessage {
  if (secret.certificateChain || secret.privateKey) {
    const certificate: EnvoyMessage = {};
    if (secret.certificateChain) certificate.certificate_chain = { inline_string: secret.certificateChain };
    if (secret.privateKey) certificate.private_key = { inline_string: secret.privateKey };
    return { name: secret.name, tls_certificate: certificate };
  }
  return { name: secret.name, validation_context: { trusted_ca: { inline_string: secret.trustedCa ?? '' } } };
}

export const tlsFeature: XdsFeature = {
  name: 'tls',
  patchFilterChain(filterChain, ir, ctx) {
    if (ir.type === 'udp' || !ir.tls) return;
    const context = downstreamTlsContext(ir.tls, ctx);
    const common = context.common_tls_context as EnvoyMessage;
    // HTTP/2 over TLS is negotiated by ALPN: offer h2 when the chain accepts it and nothing else was asked for.
    if (ir.type === 'http' && ir.http2 && !common.alpn_protocols) common.alpn_protocols = ['h2', 'http/1.1'];
    filterChain.transport_socket = {
      name: TLS_TRANSPORT_SOCKET,
      typed_config: typed('envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext', context),
    };
  },
  patchListener(listener, ir) {
    const needsInspector = ir.filterChains.some(
      (chain) => chain.type !== 'udp' && ((chain.match.serverNames?.length ?? 0) > 0 || chain.match.transport !== undefined),
    );
    if (!needsInspector) return;
    const filters = (listener.listener_filters as EnvoyMessage[] | undefined) ?? [];
    filters.push({
      name: TLS_INSPECTOR,
      typed_config: typed('envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector', {}),
    });
    listener.listener_filters = filters;
  },
  patchCluster(cluster, ir, ctx) {
    if (!ir.tls) return;
    const context = upstreamTlsContext(ir.tls, ctx);
    // gRPC and other HTTP/2 servers behind TLS expect h2 in ALPN.
    if (ir.protocol === 'http2') (context.common_tls_context as EnvoyMessage).alpn_protocols = ['h2'];
    cluster.transport_socket = {
      name: TLS_TRANSPORT_SOCKET,
      typed_config: typed('envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', context),
    };
  },
  patchResources(resources, ctx) {
    const secrets: EnvoyResource[] = [];
    for (const name of [...ctx.referencedSecrets].sort()) {
      const secret = ctx.secrets.get(name);
      if (secret) secrets.push({ type: 'secret', name, message: buildSecret(secret) });
    }
    resources.secrets.push(...secrets);
    resources.secrets.sort(byName);
  },
};
