// Adapter from @portico/explain's trace to the runner's DataPath contract. The
// trace fields read here are declared locally (a structural subset of
// ExplainTrace) so the runner keeps compiling while explain evolves.
import { X509Certificate } from 'node:crypto';
import type { TranslationResult } from '@portico/translator';
import { parseDurationMs } from './traffic.js';
import type { AppendAction, DataPath, DataPathAnswer, DataPathFactory, DataPathRequest, ForwardBackend, HeaderMutationLevel, RetryPolicy, ServiceRef, UpstreamView } from './traffic.js';

interface TraceUpstreamRequest {
  method: string;
  authority: string;
  path: string;
  headers: Record<string, string[]>;
}

interface TraceCluster {
  upstreamTls?: boolean;
  upstreamTlsServerName?: string;
  name: string;
  weight: number;
  exists: boolean;
  type?: string;
  endpoints?: Array<{ address: string; port?: number }>;
  source?: Record<string, unknown>;
  localReplyStatus?: number;
  localReplyReason?: string;
  request?: TraceUpstreamRequest;
  responseHeaderMutations?: Array<{ level?: string; remove: string[]; add: Array<{ name: string; value: string; appendAction: string }> }>;
}

export interface TraceSubset {
  outcome: string;
  summary: string;
  clusters?: TraceCluster[];
  upstreamRequest?: TraceUpstreamRequest;
  response?: { from: string; status?: number; headers?: Record<string, string[]>; location?: string; reason?: string };
  mirrors?: Array<{ cluster: string; percent: number; source?: Record<string, unknown> }>;
  cors?: { preflight: boolean; headers: Record<string, string> };
  retry?: { retryOn: string[]; numRetries: number; perTryTimeout?: string; retriableStatusCodes: number[] };
  timeout?: { route: string };
  steps?: Array<{ stage: string; result: string; name?: string }>;
}

function joinHeaders(headers: Record<string, string[] | string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  return out;
}

function serviceOf(source: Record<string, unknown> | undefined): ServiceRef | undefined {
  if (!source || source.kind !== 'Service' || typeof source.name !== 'string' || typeof source.namespace !== 'string') return undefined;
  return { namespace: source.namespace, name: source.name, ...(typeof source.port === 'number' ? { port: source.port } : {}) };
}

function upstreamView(request: TraceUpstreamRequest): UpstreamView {
  return { method: request.method, authority: request.authority, path: request.path, headers: joinHeaders(request.headers) };
}

const APPEND_ACTIONS = new Set(['APPEND_IF_EXISTS_OR_ADD', 'ADD_IF_ABSENT', 'OVERWRITE_IF_EXISTS_OR_ADD', 'OVERWRITE_IF_EXISTS']);

function mutationLevels(levels: TraceCluster['responseHeaderMutations']): HeaderMutationLevel[] {
  return (levels ?? []).map((level) => ({
    ...(level.level ? { level: level.level } : {}),
    remove: level.remove ?? [],
    add: (level.add ?? []).map((add) => ({
      name: add.name,
      value: add.value,
      appendAction: (APPEND_ACTIONS.has(add.appendAction) ? add.appendAction : 'APPEND_IF_EXISTS_OR_ADD') as AppendAction,
    })),
  }));
}

function retryPolicy(retry: NonNullable<TraceSubset['retry']>): RetryPolicy {
  const perTry = parseDurationMs(retry.perTryTimeout);
  return {
    retryOn: retry.retryOn,
    numRetries: retry.numRetries,
    retriableStatusCodes: retry.retriableStatusCodes,
    ...(perTry !== undefined ? { perTryTimeoutMs: perTry } : {}),
  };
}

/** Maps one explain trace to what the proxy does with the request. */
function backendsOf(trace: TraceSubset): ForwardBackend[] {
  return (trace.clusters ?? []).map((cluster) => {
        const service = serviceOf(cluster.source);
        const backend: ForwardBackend = { cluster: cluster.name, weight: cluster.weight };
        if (service) backend.service = service;
        const destination = cluster.type === 'ORIGINAL_DST' ? cluster.endpoints?.[0] : undefined;
        if (destination) backend.destination = { address: destination.address, ...(destination.port !== undefined ? { port: destination.port } : {}) };
        if (cluster.request) backend.request = upstreamView(cluster.request);
        if (cluster.upstreamTls) backend.upstreamTls = true;
        if (cluster.upstreamTlsServerName) backend.upstreamTlsServerName = cluster.upstreamTlsServerName;
        if (cluster.responseHeaderMutations) backend.responseMutations = mutationLevels(cluster.responseHeaderMutations);
        if (!cluster.exists) {
          backend.localReplyStatus = cluster.localReplyStatus ?? 503;
          backend.localReplyReason = cluster.localReplyReason ?? `cluster ${cluster.name} does not exist`;
        } else if (cluster.localReplyStatus !== undefined) {
          backend.localReplyStatus = cluster.localReplyStatus;
          if (cluster.localReplyReason) backend.localReplyReason = cluster.localReplyReason;
        }
        return backend;
  });
}

export function answerFromTrace(trace: TraceSubset): DataPathAnswer {
  const reason = trace.summary;
  switch (trace.outcome) {
    case 'tcp_proxy':
    case 'udp_proxy':
      return {
        kind: 'stream',
        transport: trace.outcome === 'udp_proxy' ? 'udp' : 'tcp',
        backends: backendsOf(trace),
        tlsTerminated: (trace.steps ?? []).some((step) => step.stage === 'tls' && step.result === 'applied'),
        reason,
      };
    case 'forwarded': {
      const backends = backendsOf(trace);
      const upstream = trace.upstreamRequest ? upstreamView(trace.upstreamRequest) : backends.find((b) => b.request)?.request;
      if (!upstream) return { kind: 'reset', reason: `${reason} (trace carries no upstream request)` };
      const responseHeaders = { ...joinHeaders(trace.response?.headers), ...(trace.cors && !trace.cors.preflight ? joinHeaders(trace.cors.headers) : {}) };
      return {
        kind: 'forward',
        backends,
        upstream,
        responseHeaders,
        mirrors: (trace.mirrors ?? []).map((mirror) => {
          const service = serviceOf(mirror.source);
          return { cluster: mirror.cluster, percent: mirror.percent, ...(service ? { service } : {}) };
        }),
        ...(trace.retry ? { retry: retryPolicy(trace.retry) } : {}),
        ...(trace.timeout ? { timeoutMs: parseDurationMs(trace.timeout.route) ?? 0 } : {}),
        reason,
      };
    }
    case 'redirect':
    case 'direct_response':
    case 'local_reply': {
      const status = trace.response?.status;
      if (status === undefined) return { kind: 'reset', reason: `${reason} (no status in trace)` };
      return {
        kind: 'direct',
        status,
        headers: { ...joinHeaders(trace.response?.headers), ...(trace.cors ? joinHeaders(trace.cors.headers) : {}) },
        ...(trace.response?.location !== undefined ? { location: trace.response.location } : {}),
        reason,
      };
    }
    case 'connection_rejected':
      return { kind: 'reset', reason };
    default:
      throw new Error(`explain outcome ${trace.outcome} is not an HTTP answer: ${reason}`);
  }
}

type EnvoyResourcesLike = Record<string, unknown>;

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function resourceList(resources: EnvoyResourcesLike, type: string): Array<{ name?: unknown; message?: unknown }> {
  const list = resources[type];
  return Array.isArray(list) ? (list as Array<{ name?: unknown; message?: unknown }>) : [];
}

function inlineData(source: unknown): string | undefined {
  const data = record(source);
  if (typeof data?.inline_string === 'string') return data.inline_string;
  if (typeof data?.inline_bytes === 'string') return Buffer.from(data.inline_bytes, 'base64').toString('utf8');
  return undefined;
}

/**
 * The certificate chain a cluster presents upstream: inline in its UpstreamTlsContext or
 * through an SDS secret served in the same group. The backend side of the echo reports it.
 */
export function upstreamClientCertificate(resources: EnvoyResourcesLike, clusterName: string): string | undefined {
  const cluster = record(resourceList(resources, 'clusters').find((c) => c.name === clusterName)?.message);
  const context = record(record(record(cluster?.transport_socket)?.typed_config)?.common_tls_context);
  if (!context) return undefined;
  const inline = Array.isArray(context.tls_certificates) ? record(context.tls_certificates[0]) : undefined;
  if (inline) return inlineData(inline.certificate_chain);
  const sds = Array.isArray(context.tls_certificate_sds_secret_configs) ? record(context.tls_certificate_sds_secret_configs[0]) : undefined;
  if (typeof sds?.name !== 'string') return undefined;
  const secret = record(resourceList(resources, 'secrets').find((x) => x.name === sds.name)?.message);
  return inlineData(record(secret?.tls_certificate)?.certificate_chain);
}

/**
 * The trust anchors (PEM) of a filter chain of the listener on `port`: its DownstreamTlsContext's
 * validation context, inline or through an SDS secret of the group. Undefined when the chain
 * validates no client certificate.
 */
export function downstreamTrustAnchors(resources: EnvoyResourcesLike, port: number, chainName: string): string | undefined {
  for (const listener of resourceList(resources, 'listeners')) {
    const message = record(listener.message);
    if (record(record(message?.address)?.socket_address)?.port_value !== port) continue;
    const chains = [...(Array.isArray(message?.filter_chains) ? message.filter_chains : []), message?.default_filter_chain].map(record);
    const chain = chains.find((candidate) => candidate?.name === chainName);
    if (!chain) continue;
    const common = record(record(record(chain.transport_socket)?.typed_config)?.common_tls_context);
    const combined = record(common?.combined_validation_context);
    const inline = inlineData(record(record(common?.validation_context) ?? record(combined?.default_validation_context))?.trusted_ca);
    if (inline !== undefined) return inline;
    const sds = record(common?.validation_context_sds_secret_config) ?? record(combined?.validation_context_sds_secret_config);
    if (typeof sds?.name !== 'string') return undefined;
    const secret = record(resourceList(resources, 'secrets').find((x) => x.name === sds.name)?.message);
    return inlineData(record(record(secret?.validation_context)?.trusted_ca)) ?? '';
  }
  return undefined;
}

/** Whether a certificate (PEM, leaf first) was issued and signed by one of the anchors (PEM). */
export function issuedByOneOf(certificate: string, anchors: string): boolean {
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(certificate);
  } catch {
    return false;
  }
  for (const pem of anchors.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []) {
    try {
      const anchor = new X509Certificate(pem);
      if (leaf.checkIssued(anchor) && leaf.verify(anchor.publicKey)) return true;
    } catch {
      // An anchor that does not parse trusts nothing.
    }
  }
  return false;
}

function gatewayAddresses(translation: TranslationResult): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of translation.statuses) {
    if (entry.kind !== 'Gateway') continue;
    const addresses = entry.status.addresses;
    const first = Array.isArray(addresses) ? (addresses[0] as { value?: unknown } | undefined) : undefined;
    if (typeof first?.value === 'string') out.set(`${entry.namespace ?? ''}/${entry.name}`, first.value);
  }
  return out;
}

/** translate() result → buildXds → explainRequest per proxy group. */
export function createExplainDataPath(
  buildXds: (ir: unknown) => unknown,
  explainRequest: (resources: unknown, request: unknown) => unknown,
): DataPathFactory {
  return (translation): DataPath => {
    const built = buildXds(translation.ir) as { groups?: Record<string, EnvoyResourcesLike> };
    const groups = built.groups ?? {};
    const addresses = gatewayAddresses(translation);
    return {
      gatewayAddress: (proxyGroup) => addresses.get(proxyGroup),
      send(proxyGroup: string, request: DataPathRequest): DataPathAnswer {
        const resources = groups[proxyGroup];
        if (!resources) return { kind: 'reset', reason: `no Envoy resources for proxy group ${proxyGroup}` };
        const explain = (clientCertificateValid: boolean) => explainRequest(resources, {
          scheme: request.scheme,
          method: request.method,
          ...(request.authority ? { authority: request.authority } : {}),
          port: request.port,
          path: request.path,
          ...(request.layer === 'tcp' || request.layer === 'udp' ? { transport: request.layer } : { headers: request.headers }),
          ...(request.sni !== undefined ? { sni: request.sni } : {}),
          ...(request.protocol === 'HTTP/1.1' && request.scheme === 'https' ? { alpn: ['http/1.1'] } : {}),
          ...(request.clientCertificate !== undefined ? { clientCertificate: { valid: clientCertificateValid } } : {}),
          ...(request.destinationAddress ? { destinationAddress: request.destinationAddress } : {}),
        }) as TraceSubset;
        let trace = explain(true);
        // A presented certificate is valid when the trust anchors of the filter chain the
        // handshake went to signed it (the chain is known once explain has picked it).
        if (request.clientCertificate !== undefined) {
          const chain = trace.steps?.find((step) => step.stage === 'filter_chain' && step.result === 'matched')?.name;
          const anchors = chain === undefined ? undefined : downstreamTrustAnchors(resources, request.port, chain);
          if (anchors !== undefined && !issuedByOneOf(request.clientCertificate, anchors)) trace = explain(false);
        }
        const answer = answerFromTrace(trace);
        if (answer.kind === 'forward') {
          for (const backend of answer.backends) {
            if (!backend.upstreamTls) continue;
            const certificate = upstreamClientCertificate(resources, backend.cluster);
            if (certificate) backend.upstreamClientCertificate = certificate;
          }
        }
        return answer;
      },
    };
  };
}
