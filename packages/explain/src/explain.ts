// explainRequest: walks a request through the Envoy resources the way Envoy handles it:
// listener → filter chain → network filter → HTTP connection manager → route table → HTTP filters
// → router (redirect, direct response or upstream cluster). Reads Envoy resources only.
import type { EnvoyResource, EnvoyResources } from '@portico/xds';
import { RE2JS } from 're2js';
import { viewCluster } from './cluster.js';
import { evaluateCors, type CorsEvaluation } from './cors.js';
import { applyMutationLevel, HeaderMap, parseHeaderValueOption, parseMutationLevel, toHeaderEntries } from './headers.js';
import { evaluateDownstreamTls, selectFilterChain, selectListener, type ConnectionContext } from './listener.js';
import { selectRoute, selectVirtualHost, type RequestView } from './routing.js';
import type {
  ClientResponse, ClusterCandidate, EndpointInfo, ExplainRequest, ExplainTrace, HeaderMutationLevel, MirrorInfo, RetryInfo, TimeoutInfo, TraceStep, UpstreamRequest,
} from './types.js';
import { bool, durationMs, formatDuration, formatMs, fractionPercent, ipLiteral, num, obj, objs, porticoSource, splitHostPort, str, typeName, type Obj } from './util.js';

const HCM_TYPE = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const TCP_PROXY_TYPE = 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';

export function normalizeRequest(request: ExplainRequest): ExplainTrace['request'] {
  const scheme = request.scheme ?? 'http';
  const transport = request.transport ?? 'tcp';
  const headers = toHeaderEntries(request.headers);
  const hostHeader = headers.find(([n]) => n === 'host' || n === ':authority')?.[1];
  const authority = request.authority ?? hostHeader ?? '';
  const { host, port: authorityPort } = splitHostPort(authority);
  const port = request.port ?? authorityPort ?? (scheme === 'https' ? 443 : 80);
  const tls = scheme === 'https';
  const sni = request.sni === undefined ? (tls && host && !/^[\d.]+$/.test(host) && !host.startsWith('[') ? host : null) : request.sni;
  return {
    scheme,
    method: (request.method ?? 'GET').toUpperCase(),
    authority,
    port,
    path: request.path ?? '/',
    transport,
    stream: request.stream ?? transport === 'udp',
    headers: headers.filter(([n]) => n !== 'host' && n !== ':authority'),
    sni: tls ? sni : null,
    alpn: request.alpn ?? (tls ? ['h2', 'http/1.1'] : []),
    clientCertificate: request.clientCertificate ? (request.clientCertificate.valid ? 'valid' : 'invalid') : 'none',
  };
}

interface Ctx {
  resources: EnvoyResources;
  trace: ExplainTrace;
  steps: TraceStep[];
  wantedCluster?: string;
  sourceAddress?: string;
  /** The connection's original destination (what an ORIGINAL_DST cluster connects to). */
  originalDestination?: { address: string; port: number };
}

/** The address the client dialled: given, or the authority's host when that is an IP literal. */
function originalDestination(request: ExplainRequest, normalized: ExplainTrace['request']): Ctx['originalDestination'] {
  const address = (request.destinationAddress !== undefined ? ipLiteral(request.destinationAddress) : undefined) ?? ipLiteral(splitHostPort(normalized.authority).host);
  return address ? { address, port: normalized.port } : undefined;
}

export function explainRequest(resources: EnvoyResources, request: ExplainRequest): ExplainTrace {
  const req = normalizeRequest(request);
  const steps: TraceStep[] = [];
  const trace: ExplainTrace = { request: req, outcome: 'connection_rejected', summary: '', steps, clusters: [], mirrors: [], unsupported: [], unknowns: [] };
  const ctx: Ctx = { resources, trace, steps, wantedCluster: request.cluster, sourceAddress: request.sourceAddress, originalDestination: originalDestination(request, req) };
  const conn: ConnectionContext = {
    port: req.port,
    transport: req.transport,
    tls: req.scheme === 'https',
    sni: req.sni,
    alpn: req.alpn,
    clientCertificate: req.clientCertificate,
    http: !req.stream,
  };
  if (request.listener !== undefined) return explainNamedListener(ctx, request.listener, conn);
  const listener = selectListener(resources, conn, steps);
  if (!listener) return finish(trace, 'connection_rejected', `no listener on ${req.transport.toUpperCase()} port ${req.port}`);
  trace.listener = listener.name;
  if (req.transport === 'udp') return explainUdp(ctx, listener);

  const chain = selectFilterChain(listener, conn, steps, trace.unsupported);
  if (!chain) return finish(trace, 'connection_rejected', 'no filter chain matches the connection');
  trace.filterChain = chain.name;
  const filters = objs(chain.chain?.filters);
  let terminal: Obj | undefined;
  for (const f of filters) {
    const type = typeName(obj(f.typed_config)) ?? '';
    if (type === HCM_TYPE || type === TCP_PROXY_TYPE) {
      terminal = f;
      break;
    }
    const name = str(f.name) ?? type;
    trace.unsupported.push(`network filter ${name} before the terminal filter`);
    steps.push({ stage: 'network_filter', result: 'unsupported', name, summary: `network filter ${name} (${type || 'no typed_config'}) is not simulated; assumed to pass the connection on` });
  }
  if (!terminal) {
    steps.push({ stage: 'network_filter', result: 'unsupported', summary: 'the filter chain has no http_connection_manager or tcp_proxy filter' });
    return finish(trace, 'unsupported', 'no supported terminal network filter');
  }
  const terminalType = typeName(obj(terminal.typed_config));
  const tls = evaluateDownstreamTls(resources, chain, conn, terminalType === HCM_TYPE, steps, trace.unsupported);
  if (!tls.ok) return finish(trace, 'connection_rejected', tls.reason);
  if (terminalType === TCP_PROXY_TYPE) return explainTcpProxy(ctx, obj(terminal.typed_config) ?? {});
  return explainHttp(ctx, obj(terminal.typed_config) ?? {}, conn);
}

/**
 * Starts at a listener chosen by name: an api_listener (what a proxyless gRPC client resolves for
 * its target) has no socket and no filter chain, its HCM is evaluated directly.
 */
function explainNamedListener(ctx: Ctx, name: string, conn: ConnectionContext): ExplainTrace {
  const { trace, steps, resources } = ctx;
  const resource = resources.listeners.find((l) => l.name === name);
  if (!resource) {
    steps.push({ stage: 'listener', result: 'no_match', name, summary: `listener ${name} is not served`, candidates: resources.listeners.map((l) => ({ name: l.name, matched: false, reason: 'different name' })) });
    return finish(trace, 'connection_rejected', `listener ${name} is not served`);
  }
  trace.listener = name;
  const api = obj(obj(resource.message.api_listener)?.api_listener);
  if (!api) {
    steps.push({ stage: 'listener', result: 'info', name, summary: `listener ${name} chosen by name; its port is not checked` });
    const chain = selectFilterChain(resource, conn, steps, trace.unsupported);
    if (!chain) return finish(trace, 'connection_rejected', 'no filter chain matches the connection');
    trace.filterChain = chain.name;
    const hcmFilter = objs(chain.chain?.filters).find((f) => typeName(obj(f.typed_config)) === HCM_TYPE);
    const tcpFilter = objs(chain.chain?.filters).find((f) => typeName(obj(f.typed_config)) === TCP_PROXY_TYPE);
    const tls = evaluateDownstreamTls(resources, chain, conn, hcmFilter !== undefined, steps, trace.unsupported);
    if (!tls.ok) return finish(trace, 'connection_rejected', tls.reason);
    if (hcmFilter) return explainHttp(ctx, obj(hcmFilter.typed_config) ?? {}, conn);
    if (tcpFilter) return explainTcpProxy(ctx, obj(tcpFilter.typed_config) ?? {});
    return finish(trace, 'unsupported', 'no supported terminal network filter');
  }
  if (typeName(api) !== HCM_TYPE) {
    trace.unsupported.push(`api_listener of type ${typeName(api)}`);
    return finish(trace, 'unsupported', 'api_listener is not an HTTP connection manager');
  }
  steps.push({
    stage: 'listener',
    result: 'matched',
    name,
    summary: `api_listener ${name}: the client resolves this name itself, there is no socket or filter chain`,
    notes: ['evaluated with Envoy semantics; proxyless gRPC clients follow the same domain and route matching (gRFC A28) but ignore HTTP filters marked is_optional'],
  });
  return explainHttp(ctx, api, conn);
}

function finish(trace: ExplainTrace, outcome: ExplainTrace['outcome'], summary: string): ExplainTrace {
  trace.outcome = outcome;
  trace.summary = summary;
  trace.unsupported = [...new Set(trace.unsupported)];
  trace.unknowns = [...new Set(trace.unknowns)];
  return trace;
}

// ---------------------------------------------------------------- L4

function clusterCandidate(ctx: Ctx, name: string, weight: number, total: number): ClusterCandidate {
  const view = viewCluster(ctx.resources, name, ctx.originalDestination);
  const candidate: ClusterCandidate = {
    name,
    weight,
    share: total > 0 ? weight / total : 0,
    exists: view.exists,
    type: view.type,
    source: view.source,
    endpoints: view.endpoints,
    upstreamTls: view.upstreamTls,
    upstreamTlsServerName: view.upstreamTlsServerName,
    responseHeaderMutations: [],
  };
  if (view.failure) {
    candidate.localReplyStatus = view.failure.status;
    candidate.localReplyReason = view.failure.reason;
  }
  ctx.trace.unknowns.push(...view.unknowns);
  ctx.trace.unsupported.push(...view.unsupported);
  const eps = candidate.endpoints.map((e) => `${e.address}${e.port !== undefined ? `:${e.port}` : ''}${e.healthStatus !== 'UNKNOWN' && e.healthStatus !== 'HEALTHY' ? ` (${e.healthStatus})` : ''}`);
  ctx.steps.push({
    stage: 'cluster',
    result: candidate.localReplyStatus !== undefined ? 'rejected' : 'info',
    name,
    summary: `cluster ${name}${view.type ? ` (${view.type})` : ''}${total > 0 && weight !== total ? ` weight ${weight}/${total} = ${(candidate.share * 100).toFixed(1)}%` : ''}: ${candidate.localReplyReason ?? `${candidate.endpoints.length} endpoint(s) ${eps.join(', ')}`}`,
    notes: view.notes.length ? view.notes : undefined,
    source: view.source,
  });
  return candidate;
}

function explainTcpProxy(ctx: Ctx, config: Obj): ExplainTrace {
  const { trace, steps } = ctx;
  const weighted = objs(obj(config.weighted_clusters)?.clusters);
  steps.push({ stage: 'network_filter', result: 'matched', name: 'tcp_proxy', summary: `tcp_proxy ${str(config.stat_prefix) ?? ''}: the byte stream is proxied unchanged` });
  if (weighted.length) {
    const total = weighted.reduce((s, c) => s + (num(c.weight) ?? 0), 0);
    trace.clusters = weighted.map((c) => clusterCandidate(ctx, str(c.name) ?? '?', num(c.weight) ?? 0, total));
  } else if (str(config.cluster)) {
    trace.clusters = [clusterCandidate(ctx, str(config.cluster) ?? '', 1, 1)];
  } else {
    trace.unsupported.push('tcp_proxy without cluster or weighted_clusters');
  }
  pickSelected(ctx);
  if (obj(config.idle_timeout) || typeof config.idle_timeout === 'string') trace.timeout = { route: '0s', idle: formatDuration(config.idle_timeout) };
  const picked = trace.clusters.find((c) => c.name === trace.selectedCluster);
  if (picked?.localReplyStatus) return finish(trace, 'connection_rejected', `${picked.localReplyReason}: the connection is closed`);
  return finish(trace, 'tcp_proxy', `TCP proxied to ${trace.clusters.map((c) => `${c.name} (${(c.share * 100).toFixed(0)}%)`).join(', ')}`);
}

function explainUdp(ctx: Ctx, listener: EnvoyResource): ExplainTrace {
  const { trace, steps } = ctx;
  const filter = objs(listener.message.listener_filters).find((f) => (typeName(obj(f.typed_config)) ?? '').includes('udp_proxy') || (str(f.name) ?? '').includes('udp_proxy'));
  if (!filter) {
    steps.push({ stage: 'network_filter', result: 'unsupported', summary: 'UDP listener without a udp_proxy listener filter' });
    return finish(trace, 'unsupported', 'no udp_proxy filter');
  }
  const config = obj(filter.typed_config) ?? {};
  steps.push({ stage: 'network_filter', result: 'matched', name: 'udp_proxy', summary: `udp_proxy ${str(config.stat_prefix) ?? ''}: datagrams are proxied` });
  let cluster = str(config.cluster);
  if (!cluster) {
    // The udp_proxy matcher form: an on_no_match action naming one cluster (Route {cluster}).
    const matcher = obj(config.matcher);
    const action = obj(obj(obj(matcher?.on_no_match)?.action)?.typed_config);
    cluster = str(action?.cluster);
    if (matcher && objs(obj(matcher.matcher_list)?.matchers).length) trace.unsupported.push('udp_proxy matcher_list');
  }
  if (!cluster) {
    trace.unsupported.push('udp_proxy without a resolvable cluster');
    return finish(trace, 'unsupported', 'udp_proxy cluster could not be resolved');
  }
  trace.clusters = [clusterCandidate(ctx, cluster, 1, 1)];
  trace.clusters = splitWeightedLocalities(ctx, trace.clusters[0]);
  pickSelected(ctx);
  if (trace.clusters[0].localReplyStatus) return finish(trace, 'connection_rejected', `${trace.clusters[0].localReplyReason}: datagrams are dropped`);
  return finish(trace, 'udp_proxy', `UDP proxied to ${cluster}`);
}

/**
 * With common_lb_config.locality_weighted_lb_config, Envoy first picks a locality by its
 * load_balancing_weight, then a host inside it (a locality without weight gets no traffic).
 * Each weighted locality becomes its own candidate so the split is visible; its source is
 * the endpoints' own metadata when they carry one.
 */
function splitWeightedLocalities(ctx: Ctx, candidate: ClusterCandidate): ClusterCandidate[] {
  const resource = ctx.resources.clusters.find((c) => c.name === candidate.name);
  if (!resource || !obj(obj(resource.message.common_lb_config)?.locality_weighted_lb_config)) return [candidate];
  const byLocality = new Map<string, EndpointInfo[]>();
  for (const endpoint of candidate.endpoints) {
    const key = endpoint.locality ?? '';
    byLocality.set(key, [...(byLocality.get(key) ?? []), endpoint]);
  }
  if (byLocality.size < 2) return [candidate];
  const weightOf = (endpoints: EndpointInfo[]) => endpoints[0]?.localityWeight ?? 0;
  const total = [...byLocality.values()].reduce((sum, endpoints) => sum + weightOf(endpoints), 0);
  const out: ClusterCandidate[] = [];
  for (const [locality, endpoints] of byLocality) {
    const weight = weightOf(endpoints);
    const healthy = endpoints.some((e) => !['UNHEALTHY', 'DRAINING', 'TIMEOUT'].includes(e.healthStatus));
    const part: ClusterCandidate = {
      ...candidate,
      name: `${candidate.name}[${locality}]`,
      weight,
      share: total > 0 ? weight / total : 0,
      source: endpoints.find((e) => e.source)?.source ?? candidate.source,
      endpoints,
    };
    delete part.localReplyStatus;
    delete part.localReplyReason;
    if (!healthy) {
      part.localReplyStatus = 503;
      part.localReplyReason = `locality ${locality} of cluster ${candidate.name} has no healthy host`;
    }
    out.push(part);
    ctx.steps.push({
      stage: 'cluster',
      result: 'info',
      name: part.name,
      summary: `locality ${locality} of ${candidate.name}: locality weight ${weight}/${total}${total > 0 ? ` = ${(part.share * 100).toFixed(1)}%` : ''}, ${endpoints.length} endpoint(s)`,
      source: part.source,
    });
  }
  return out;
}

function pickSelected(ctx: Ctx): void {
  const { trace } = ctx;
  if (trace.clusters.length === 0) return;
  if (ctx.wantedCluster && trace.clusters.some((c) => c.name === ctx.wantedCluster)) {
    trace.selectedCluster = ctx.wantedCluster;
    trace.selection = 'requested';
  } else if (trace.clusters.length === 1) {
    trace.selectedCluster = trace.clusters[0].name;
    trace.selection = 'single';
  } else {
    const best = trace.clusters.reduce((a, b) => (b.weight > a.weight ? b : a));
    trace.selectedCluster = best.name;
    trace.selection = 'highest_weight';
  }
  // A --cluster the request cannot reach (a typo, another route's cluster) is said, not ignored.
  if (ctx.wantedCluster && trace.selection !== 'requested') {
    ctx.steps.push({
      stage: 'cluster',
      result: 'info',
      name: ctx.wantedCluster,
      summary: `--cluster ${ctx.wantedCluster} is not one this request can go to (${trace.clusters.map((c) => c.name).join(', ')}); shown: ${trace.selectedCluster}`,
    });
  }
}

// ---------------------------------------------------------------- HTTP

interface RouteLevels {
  routeConfig: Obj;
  routeConfigName: string;
  vhost: Obj;
  route: Obj;
}

/** typed_per_filter_config for one HTTP filter, most specific first (weighted cluster, route, virtual host, route configuration). */
function perFilterConfigs(
  levels: RouteLevels,
  filterName: string,
  weightedCluster?: Obj,
): Array<{ level: string; config: Obj; disabled: boolean; withoutConfig?: boolean }> {
  const out: Array<{ level: string; config: Obj; disabled: boolean; withoutConfig?: boolean }> = [];
  const holders: Array<[string, Obj | undefined]> = [
    ['weighted_cluster', weightedCluster],
    ['route', levels.route],
    ['virtual_host', levels.vhost],
    ['route_configuration', levels.routeConfig],
  ];
  for (const [level, holder] of holders) {
    const raw = obj(obj(holder?.typed_per_filter_config)?.[filterName]);
    if (!raw) continue;
    if (typeName(raw) === 'envoy.config.route.v3.FilterConfig') {
      const disabled = bool(raw.disabled) ?? false;
      out.push({ level, config: obj(raw.config) ?? {}, disabled, ...(!disabled && raw.config === undefined ? { withoutConfig: true } : {}) });
    } else out.push({ level, config: raw, disabled: false });
  }
  return out;
}

function hostWithoutPort(authority: string): { host: string; port?: string } {
  const { host, port } = splitHostPort(authority);
  return { host, port: port === undefined ? undefined : String(port) };
}

function explainHttp(ctx: Ctx, hcm: Obj, conn: ConnectionContext): ExplainTrace {
  const { trace, steps, resources } = ctx;
  const req = trace.request;
  const headers = new HeaderMap(req.headers);
  let authority = req.authority;
  let path = req.path;
  const hcmNotes: string[] = [];

  // HTTP connection manager request processing before routing.
  if (!authority) {
    steps.push({ stage: 'hcm', result: 'rejected', summary: 'request without Host/:authority: Envoy answers 400' });
    trace.response = { from: 'envoy', status: 400, headers: {}, reason: 'missing_host' };
    return finish(trace, 'local_reply', '400: missing Host');
  }
  if (bool(hcm.strip_any_host_port)) {
    const { host, port } = hostWithoutPort(authority);
    if (port !== undefined) {
      hcmNotes.push(`strip_any_host_port: Host ${authority} → ${host}`);
      authority = host;
    }
  } else if (bool(hcm.strip_matching_host_port)) {
    const { host, port } = hostWithoutPort(authority);
    if (port !== undefined && Number(port) === conn.port) {
      hcmNotes.push(`strip_matching_host_port: port ${port} equals the listener port; Host ${authority} → ${host}`);
      authority = host;
    } else if (port !== undefined) hcmNotes.push(`strip_matching_host_port: port ${port} differs from the listener port ${conn.port}; kept`);
  }
  if (bool(hcm.strip_trailing_host_dot)) {
    const { host, port } = hostWithoutPort(authority);
    if (host.endsWith('.')) authority = host.slice(0, -1) + (port ? `:${port}` : '');
  }
  const normalize = bool(hcm.normalize_path);
  if (normalize) {
    const normalized = normalizePath(path);
    if (normalized !== path) hcmNotes.push(`normalize_path: ${path} → ${normalized}`);
    path = normalized;
  }
  if (bool(hcm.merge_slashes)) {
    const q = path.search(/[?#]/);
    const p = q < 0 ? path : path.slice(0, q);
    const merged = p.replace(/\/{2,}/g, '/') + (q < 0 ? '' : path.slice(q));
    if (merged !== path) hcmNotes.push(`merge_slashes: ${path} → ${merged}`);
    path = merged;
  }
  if (str(hcm.path_with_escaped_slashes_action) && !['KEEP_UNCHANGED', 'IMPLEMENTATION_SPECIFIC_DEFAULT'].includes(str(hcm.path_with_escaped_slashes_action) ?? '')) {
    trace.unsupported.push(`HCM path_with_escaped_slashes_action ${str(hcm.path_with_escaped_slashes_action)}`);
  }
  const useRemoteAddress = bool(hcm.use_remote_address) ?? false;
  const trustedHops = num(hcm.xff_num_trusted_hops) ?? 0;
  const downstreamScheme = conn.tls ? 'https' : 'http';
  const dynamicHeaders: Record<string, string> = {};
  // ConnectionManagerUtility::mutateRequestHeaders.
  if (useRemoteAddress) {
    if (ctx.sourceAddress) {
      const existing = headers.getJoined('x-forwarded-for');
      headers.set('x-forwarded-for', existing ? `${existing},${ctx.sourceAddress}` : ctx.sourceAddress);
      hcmNotes.push(`use_remote_address: x-forwarded-for gets ${ctx.sourceAddress}`);
    } else dynamicHeaders['x-forwarded-for'] = 'the client address is appended (use_remote_address)';
    // With no trusted hop in front, a client-provided x-forwarded-proto is not believed.
    if (trustedHops === 0 || !headers.has('x-forwarded-proto')) headers.set('x-forwarded-proto', downstreamScheme);
  }
  if (!headers.has('x-forwarded-proto')) headers.set('x-forwarded-proto', downstreamScheme);
  hcmNotes.push(`x-forwarded-proto: ${headers.first('x-forwarded-proto')}`);
  // The request is external (no trusted internal XFF address is known): internal-only headers are cleaned.
  const cleaned = ['x-envoy-retriable-status-codes', 'x-envoy-retriable-header-names', 'x-envoy-retry-on', 'x-envoy-retry-grpc-on', 'x-envoy-max-retries',
    'x-envoy-upstream-alt-stat-name', 'x-envoy-upstream-rq-timeout-ms', 'x-envoy-upstream-rq-per-try-timeout-ms', 'x-envoy-upstream-rq-timeout-alt-response',
    'x-envoy-expected-rq-timeout-ms', 'x-envoy-force-trace', 'x-envoy-ip-tags', 'x-envoy-original-url', 'x-envoy-hedge-on-per-try-timeout',
    ...(useRemoteAddress ? ['x-envoy-decorator-operation', 'x-envoy-downstream-service-cluster', 'x-envoy-downstream-service-node'] : [])];
  for (const h of cleaned) {
    if (headers.has(h)) {
      headers.remove(h);
      hcmNotes.push(`removed internal header ${h} from an external request`);
    }
  }
  if (useRemoteAddress && ctx.sourceAddress) headers.set('x-envoy-external-address', ctx.sourceAddress);
  // forward_client_cert_details defaults to SANITIZE: x-forwarded-client-cert is removed.
  const xfcc = str(hcm.forward_client_cert_details) ?? 'SANITIZE';
  if (xfcc === 'SANITIZE' || (xfcc !== 'ALWAYS_FORWARD_ONLY' && conn.clientCertificate === 'none')) headers.remove('x-forwarded-client-cert');
  else if (xfcc === 'APPEND_FORWARD' || xfcc === 'SANITIZE_SET') dynamicHeaders['x-forwarded-client-cert'] = `client certificate details (${xfcc})`;
  const generateRequestId = bool(hcm.generate_request_id) ?? true;
  if (generateRequestId && (!headers.has('x-request-id') || (useRemoteAddress && !(bool(hcm.preserve_external_request_id) ?? false)))) {
    headers.remove('x-request-id');
    dynamicHeaders['x-request-id'] = 'a generated UUID';
  }
  const via = str(hcm.via);
  if (via) {
    const existing = headers.getJoined('via');
    headers.set('via', existing ? `${existing}, ${via}` : via);
  }
  steps.push({ stage: 'hcm', result: 'applied', name: str(hcm.stat_prefix), summary: `http_connection_manager ${str(hcm.stat_prefix) ?? ''}: ${req.method} ${downstreamScheme}://${authority}${path}`, notes: hcmNotes });
  if (obj(hcm.local_reply_config)) trace.unsupported.push('HCM local_reply_config (local replies are shown unmapped)');

  // Route table.
  let routeConfig: Obj | undefined;
  let routeConfigName = '';
  const rds = obj(hcm.rds);
  if (rds) {
    routeConfigName = str(rds.route_config_name) ?? '';
    routeConfig = resources.routes.find((r) => r.name === routeConfigName)?.message;
    steps.push({
      stage: 'route_config',
      result: routeConfig ? 'matched' : 'no_match',
      name: routeConfigName,
      summary: routeConfig ? `RDS route configuration ${routeConfigName}` : `RDS route configuration ${routeConfigName} is not served: every request gets 404`,
    });
  } else if (obj(hcm.route_config)) {
    routeConfig = obj(hcm.route_config);
    routeConfigName = str(routeConfig?.name) ?? '(inline)';
    steps.push({ stage: 'route_config', result: 'matched', name: routeConfigName, summary: `inline route configuration ${routeConfigName}` });
  } else if (obj(hcm.scoped_routes)) {
    trace.unsupported.push('HCM scoped_routes');
    steps.push({ stage: 'route_config', result: 'unsupported', summary: 'scoped_routes are not simulated' });
    return finish(trace, 'unsupported', 'scoped routes');
  }
  const serverLevel = serverHeaderLevel(hcm);
  if (!routeConfig) return localReply(trace, 404, 'route_not_found', 'no route configuration', serverLevel);

  headers.set(':authority', authority);
  headers.set(':path', path);
  headers.set(':method', req.method);
  headers.set(':scheme', req.scheme);
  const view: RequestView = {
    path,
    method: req.method,
    headers,
    tls: conn.tls ? { presented: conn.clientCertificate !== 'none', validated: conn.clientCertificate === 'valid' } : undefined,
  };
  const vh = selectVirtualHost(routeConfig, authority, steps, trace.unsupported, routeConfigName);
  if (!vh) return localReply(trace, 404, 'route_not_found', `no virtual host for ${authority}`, serverLevel);

  // VirtualHost.require_tls: a plaintext request gets a 301 to https.
  const requireTls = str(vh.vhost.require_tls);
  if ((requireTls === 'ALL' || requireTls === 'EXTERNAL_ONLY') && headers.first('x-forwarded-proto') !== 'https') {
    const location = `https://${authority}${path}`;
    steps.push({ stage: 'virtual_host', result: 'applied', name: vh.name, summary: `require_tls ${requireTls}: plaintext request redirected to ${location}` });
    trace.response = { from: 'envoy', status: 301, headers: applyLevels(new HeaderMap([['location', location]]), serverLevel ? [serverLevel] : []).toRecord(), location, reason: 'require_tls' };
    return finish(trace, 'redirect', `301 to ${location} (require_tls)`);
  }

  const selected = selectRoute(vh.vhost, vh.name, view, steps, trace.unsupported);
  if (!selected) return localReply(trace, 404, 'route_not_found', `no route in virtual host ${vh.name}`, serverLevel);
  const route = selected.route;
  const levels: RouteLevels = { routeConfig, routeConfigName, vhost: vh.vhost, route };
  trace.route = { name: str(route.name), index: selected.index, virtualHost: vh.name, routeConfig: routeConfigName, source: porticoSource(route) };
  if (trace.route.source) steps[steps.length - 1].source = trace.route.source;

  // HTTP filters, in order; the router is terminal.
  const problems: string[] = [];
  const requestFilterLevels: HeaderMutationLevel[] = [];
  const responseFilterLevels: HeaderMutationLevel[] = [];
  let cors: CorsEvaluation | undefined;
  let routerConfig: Obj | undefined;
  let sawRouter = false;
  for (const filter of objs(hcm.http_filters)) {
    const name = str(filter.name) ?? '?';
    const config = obj(filter.typed_config) ?? {};
    const type = typeName(config) ?? '';
    const perRoute = perFilterConfigs(levels, name);
    for (const entry of perRoute) {
      // per_filter_config.cc: "Empty route/virtual host per filter configuration" refuses the route table.
      if (entry.withoutConfig) trace.unsupported.push(`typed_per_filter_config ${name} at ${entry.level}: a FilterConfig without config (Envoy refuses the route configuration)`);
    }
    const disabledByDefault = bool(filter.disabled) ?? false;
    const disabled = perRoute.length ? perRoute[0].disabled : disabledByDefault;
    if (disabled) {
      steps.push({ stage: 'http_filter', result: 'skipped', name, summary: `${name} is disabled for this route${perRoute.length ? ` (typed_per_filter_config at ${perRoute[0].level})` : ' (HttpFilter.disabled)'}` });
      continue;
    }
    if (type.endsWith('filters.http.router.v3.Router') || name === 'envoy.filters.http.router') {
      routerConfig = config;
      sawRouter = true;
      break;
    }
    if (type.endsWith('filters.http.cors.v3.Cors') || name === 'envoy.filters.http.cors') {
      const corsConfigs = perFilterConfigs(levels, name).filter((p) => !p.disabled);
      for (const p of corsConfigs) {
        const t = typeName(p.config);
        // The cors filter unpacks per-route configs as its own CorsPolicy; any other type fails to unpack.
        if (t !== 'envoy.extensions.filters.http.cors.v3.CorsPolicy') {
          trace.unsupported.push(`${p.level} typed_per_filter_config[${name}] has type ${t ?? '(none)'}; Envoy's cors filter requires envoy.extensions.filters.http.cors.v3.CorsPolicy and rejects the route configuration (evaluated here as if it were accepted)`);
        }
      }
      let policies = corsConfigs.map((p) => ({ level: `${p.level} typed_per_filter_config`, policy: p.config }));
      if (policies.length === 0) {
        policies = [];
        const legacyRoute = obj(obj(route.route)?.cors);
        if (legacyRoute) policies.push({ level: 'route.cors', policy: legacyRoute });
        const legacyVhost = obj(vh.vhost.cors);
        if (legacyVhost) policies.push({ level: 'virtual_host.cors', policy: legacyVhost });
      }
      cors = evaluateCors(policies, headers, req.method);
      trace.cors = { preflight: cors.preflight, originAllowed: cors.originAllowed, headers: cors.preflightHeaders ?? Object.fromEntries((cors.encodeLevel?.add ?? []).map((a) => [a.name, a.value])) };
      if (cors.preflightHeaders) {
        steps.push({ stage: 'cors', result: 'applied', name, summary: `CORS preflight answered by the cors filter with 200 (policy from ${cors.policySources.join(', ')})`, notes: cors.notes });
        // The filter encodes the preflight answer through the whole encoder chain, its own
        // encodeHeaders included, so an allowed origin also gets expose-headers and credentials.
        const response = new HeaderMap(Object.entries(cors.preflightHeaders));
        const preflightLevels = [...(cors.encodeLevel ? [cors.encodeLevel] : []), ...responseFilterLevels, ...(serverLevel ? [serverLevel] : [])];
        trace.response = { from: 'envoy', status: 200, headers: applyLevels(response, preflightLevels).toRecord(), reason: 'cors_preflight' };
        trace.cors.headers = Object.fromEntries(Object.entries(trace.response.headers).filter(([n]) => n.startsWith('access-control-')).map(([n, v]) => [n, v.join(',')]));
        return finish(trace, 'local_reply', 'CORS preflight answered with 200');
      }
      if (cors.encodeLevel) responseFilterLevels.unshift(cors.encodeLevel);
      steps.push({ stage: 'cors', result: cors.isCorsRequest ? 'applied' : 'skipped', name, summary: cors.isCorsRequest ? `CORS request; origin ${cors.originAllowed ? 'allowed: response gets Access-Control-Allow-Origin' : 'not allowed: no CORS headers'}` : 'not a CORS request', notes: cors.notes });
      continue;
    }
    if (type.endsWith('ext_authz.v3.ExtAuthz') || name === 'envoy.filters.http.ext_authz') {
      const per = perRoute[0]?.config;
      if (per && bool(per.disabled)) {
        steps.push({ stage: 'http_filter', result: 'skipped', name, summary: `ext_authz disabled for this route (ExtAuthzPerRoute at ${perRoute[0].level})` });
        continue;
      }
      const service = str(obj(obj(config.grpc_service)?.envoy_grpc)?.cluster_name) ?? str(obj(obj(config.http_service)?.server_uri)?.cluster) ?? 'the authorization service';
      trace.unknowns.push(`ext_authz: the decision of ${service} is not known; the request is shown as allowed`);
      steps.push({ stage: 'http_filter', result: 'unknown', name, summary: `ext_authz asks ${service}; its decision is unknown (shown as allowed; a denial answers ${num(obj(config.status_on_error)?.code) ?? 403})` });
      continue;
    }
    if (type.endsWith('header_mutation.v3.HeaderMutation') || name === 'envoy.filters.http.header_mutation') {
      const collect = (mutations: Obj | undefined, kind: 'request' | 'response', level: string) => {
        const list = objs(mutations?.[`${kind}_mutations`]);
        if (!list.length) return undefined;
        const out: HeaderMutationLevel = { level, remove: [], add: [] };
        for (const m of list) {
          if (typeof m.remove === 'string') out.remove.push(m.remove.toLowerCase());
          else if (obj(m.append)) {
            const parsed = parseHeaderValueOption(obj(m.append) ?? {}, problems, level);
            if (parsed) out.add.push(parsed);
          } else problems.push(`${level}: header mutation ${JSON.stringify(m)} not simulated`);
        }
        return out;
      };
      const applied: string[] = [];
      const sets: Array<[Obj | undefined, string]> = [[obj(config.mutations), `filter:${name}`], ...[...perRoute].reverse().map((p): [Obj | undefined, string] => [obj(p.config.mutations), `filter:${name}@${p.level}`])];
      for (const [mutations, level] of sets) {
        const reqLevel = collect(mutations, 'request', level);
        if (reqLevel) {
          requestFilterLevels.push(reqLevel);
          applied.push(...applyMutationLevel(headers, reqLevel));
        }
        const resLevel = collect(mutations, 'response', level);
        if (resLevel) responseFilterLevels.unshift(resLevel);
      }
      steps.push({ stage: 'http_filter', result: 'applied', name, summary: `header_mutation: ${applied.length ? applied.join('; ') : 'no request change'}` });
      continue;
    }
    if (type.endsWith('stateful_session.v3.StatefulSession') || name === 'envoy.filters.http.stateful_session') {
      // StatefulSessionPerRoute: `disabled`, or a `stateful_session` that replaces the filter-level one.
      const per = perRoute[0]?.config;
      if (per && bool(per.disabled)) {
        steps.push({ stage: 'http_filter', result: 'skipped', name, summary: `stateful_session disabled for this route (StatefulSessionPerRoute at ${perRoute[0].level})` });
        continue;
      }
      const session = obj(per?.stateful_session) ?? config;
      const state = obj(obj(session.session_state)?.typed_config);
      const stateType = typeName(state) ?? '';
      let carrier: string | undefined;
      let present = false;
      if (stateType.endsWith('CookieBasedSessionState')) {
        const cookie = str(obj(state?.cookie)?.name);
        carrier = cookie ? `cookie ${cookie}` : undefined;
        present = cookie ? (headers.getJoined('cookie') ?? '').split(/;\s*/).some((c) => c.startsWith(`${cookie}=`)) : false;
      } else if (stateType.endsWith('HeaderBasedSessionState')) {
        const header = str(state?.name);
        carrier = header ? `header ${header}` : undefined;
        present = header ? headers.has(header) : false;
      } else if (state) trace.unsupported.push(`stateful_session state ${stateType}`);
      if (!state) {
        steps.push({ stage: 'http_filter', result: 'skipped', name, summary: 'stateful_session has no session state for this route' });
        continue;
      }
      steps.push({ stage: 'http_filter', result: 'info', name, summary: `stateful_session (${carrier ?? stateType}): ${present ? 'the request carries a session; Envoy sends it to the encoded endpoint while that endpoint is healthy' : 'no session yet; the load balancer picks and the response carries the session'}${bool(session.strict) ? ' (strict: 503 when the encoded endpoint is gone)' : ''}` });
      if (present) trace.unknowns.push(`stateful_session: the endpoint encoded in the ${carrier} is not decoded`);
      continue;
    }
    const label = type || 'no typed_config';
    trace.unsupported.push(`HTTP filter ${name} (${label})`);
    steps.push({ stage: 'http_filter', result: 'unsupported', name, summary: `HTTP filter ${name} (${label}) is not simulated; assumed to pass the request on` });
  }
  if (!sawRouter) {
    steps.push({ stage: 'http_filter', result: 'unsupported', summary: 'no router filter: the request is not forwarded' });
    return finish(trace, 'unsupported', 'no router filter');
  }
  for (const p of problems) trace.unsupported.push(p);
  const suppressEnvoyHeaders = bool(routerConfig?.suppress_envoy_headers) ?? false;

  // Response side, shared by every Envoy-generated and upstream response of this route.
  const encodeLevels = (routeLevelsForResponse: HeaderMutationLevel[]) => [
    ...routeLevelsForResponse,
    ...responseFilterLevels,
    ...(serverLevel ? [serverLevel] : []),
  ];
  const mostSpecificWins = bool(routeConfig.most_specific_header_mutations_wins) ?? false;
  const routeHeaderLevels = (kind: 'request' | 'response', weighted?: Obj): HeaderMutationLevel[] => {
    const lv = [
      parseMutationLevel('route', route, kind, problems),
      parseMutationLevel('virtual_host', vh.vhost, kind, problems),
      parseMutationLevel('route_configuration', routeConfig, kind, problems),
    ];
    // Default: most specific first, so the least specific level is applied last and wins.
    const ordered = (mostSpecificWins ? lv.reverse() : lv).filter((l): l is HeaderMutationLevel => l !== undefined);
    const w = weighted ? parseMutationLevel(`weighted_cluster ${str(weighted.name)}`, weighted, kind, problems) : undefined;
    return w ? [w, ...ordered] : ordered;
  };

  // Router: redirect, direct response or route to a cluster.
  const redirect = obj(route.redirect);
  const direct = obj(route.direct_response);
  const action = obj(route.route);
  if (redirect) {
    const location = redirectLocation(redirect, { scheme: req.scheme, authority, path, xfp: headers.first('x-forwarded-proto') ?? req.scheme, matchedPath: selected.matchedPath ?? '' }, trace.unsupported);
    const status = redirectStatus(redirect.response_code);
    const response = new HeaderMap([['location', location]]);
    const changes = applyLevels(response, encodeLevels(routeHeaderLevels('response')));
    trace.response = { from: 'envoy', status, headers: changes.toRecord(), location, reason: 'redirect' };
    steps.push({ stage: 'action', result: 'applied', name: 'redirect', summary: `redirect ${status} to ${location}`, source: trace.route.source });
    return finish(trace, 'redirect', `${status} redirect to ${location}`);
  }
  if (direct) {
    const status = num(direct.status) ?? 200;
    const bodySpec = obj(direct.body);
    let body: string | undefined;
    if (bodySpec) {
      if (typeof bodySpec.inline_string === 'string') body = bodySpec.inline_string;
      else if (typeof bodySpec.inline_bytes === 'string') body = Buffer.from(bodySpec.inline_bytes, 'base64').toString('utf8');
      else trace.unsupported.push(`direct_response body source ${Object.keys(bodySpec).join(',')}`);
    }
    const response = new HeaderMap();
    // router.cc: a direct response with a 3xx or 201 status carries a Location built from the request.
    let location: string | undefined;
    if (status === 201 || (status >= 300 && status < 400)) {
      location = redirectLocation({}, { scheme: req.scheme, authority, path, xfp: headers.first('x-forwarded-proto') ?? req.scheme, matchedPath: '' }, trace.unsupported);
      response.add('location', location);
    }
    if (body) response.set('content-type', 'text/plain');
    const finalHeaders = applyLevels(response, encodeLevels(routeHeaderLevels('response')));
    trace.response = { from: 'envoy', status, headers: finalHeaders.toRecord(), body, ...(location ? { location } : {}), reason: 'direct_response' };
    steps.push({ stage: 'action', result: 'applied', name: 'direct_response', summary: `direct response ${status}${status === 421 ? ' (misdirected request)' : ''}${body ? ` with body ${JSON.stringify(body)}` : ''}`, source: trace.route.source });
    return finish(trace, 'direct_response', `Envoy answers ${status}${status === 421 ? ' Misdirected Request' : ''}`);
  }
  if (!action) {
    const kinds = Object.keys(route).filter((k) => ['filter_action', 'non_forwarding_action'].includes(k));
    trace.unsupported.push(`route action ${kinds.join(',') || 'none'}`);
    steps.push({ stage: 'action', result: 'unsupported', summary: `route action ${kinds.join(',') || '(none)'} is not simulated` });
    return finish(trace, 'unsupported', 'unsupported route action');
  }

  // Clusters.
  type Pick = { name: string; weight: number; weighted?: Obj };
  const picks: Pick[] = [];
  const notFoundCode = ({ SERVICE_UNAVAILABLE: 503, NOT_FOUND: 404, INTERNAL_SERVER_ERROR: 500 } as Record<string, number>)[str(action.cluster_not_found_response_code) ?? 'SERVICE_UNAVAILABLE'] ?? 503;
  if (typeof action.cluster === 'string') picks.push({ name: action.cluster, weight: 1 });
  else if (obj(action.weighted_clusters)) {
    for (const c of objs(obj(action.weighted_clusters)?.clusters)) {
      if (typeof c.cluster_header === 'string') {
        trace.unsupported.push('weighted_clusters cluster_header');
        continue;
      }
      picks.push({ name: str(c.name) ?? '?', weight: num(c.weight) ?? 0, weighted: c });
    }
  } else if (typeof action.cluster_header === 'string') {
    const value = headers.first(action.cluster_header);
    steps.push({ stage: 'action', result: value ? 'applied' : 'no_match', summary: `cluster_header ${action.cluster_header}: ${value ?? 'absent → 503'}` });
    if (value) picks.push({ name: value, weight: 1 });
  } else {
    const keys = Object.keys(action).filter((k) => k.startsWith('cluster_specifier') || k === 'inline_cluster_specifier_plugin');
    trace.unsupported.push(`route cluster specifier ${keys.join(',') || '(none)'}`);
  }
  const total = picks.reduce((s, p) => s + p.weight, 0);
  const declaredTotal = num(obj(action.weighted_clusters)?.total_weight);
  if (declaredTotal !== undefined && declaredTotal !== total) {
    trace.unsupported.push(`weighted_clusters.total_weight ${declaredTotal} differs from the sum of weights ${total} (Envoy rejects such a route)`);
  }
  for (const p of picks) {
    const candidate = clusterCandidate(ctx, p.name, p.weight, total);
    if (!candidate.exists) candidate.localReplyStatus = notFoundCode;
    trace.clusters.push(candidate);
  }
  if (picks.length > 1 || obj(action.weighted_clusters)) {
    steps.push({
      stage: 'action',
      result: 'applied',
      name: 'weighted_clusters',
      summary: `traffic is split: ${trace.clusters.map((c) => `${c.name} ${c.weight}/${total} (${(c.share * 100).toFixed(1)}%)`).join(', ')}`,
    });
  }
  if (trace.clusters.length === 0) return localReply(trace, 503, 'cluster_not_found', 'no cluster to route to', serverLevel);
  pickSelected(ctx);

  // Timeouts and retries (RouteAction.timeout default 15s; retry_policy from route else virtual host).
  const timeoutMs = action.timeout !== undefined ? durationMs(action.timeout) ?? 15000 : 15000;
  const timeout: TimeoutInfo = { route: formatMs(timeoutMs) };
  if (action.idle_timeout !== undefined) timeout.idle = formatDuration(action.idle_timeout);
  const msd = obj(action.max_stream_duration);
  if (msd?.max_stream_duration !== undefined) timeout.maxStreamDuration = formatDuration(msd.max_stream_duration);
  trace.timeout = timeout;
  const retryHolder = obj(action.retry_policy) ? { p: obj(action.retry_policy) ?? {}, from: 'route' as const } : obj(vh.vhost.retry_policy) ? { p: obj(vh.vhost.retry_policy) ?? {}, from: 'virtual_host' as const } : undefined;
  let perTryMs: number | undefined;
  if (retryHolder) {
    const p = retryHolder.p;
    perTryMs = durationMs(p.per_try_timeout);
    const retry: RetryInfo = {
      retryOn: (str(p.retry_on) ?? '').split(',').map((s) => s.trim()).filter(Boolean),
      numRetries: num(p.num_retries) ?? 1,
      perTryTimeout: formatDuration(p.per_try_timeout),
      retriableStatusCodes: (Array.isArray(p.retriable_status_codes) ? p.retriable_status_codes : []).map((c) => num(c) ?? 0),
      from: retryHolder.from,
    };
    const backOff = obj(p.retry_back_off);
    if (backOff) retry.backOff = { baseInterval: formatDuration(backOff.base_interval), maxInterval: formatDuration(backOff.max_interval) };
    trace.retry = retry;
  }
  steps.push({
    stage: 'policy',
    result: 'info',
    summary: `timeout ${timeout.route}${timeoutMs === 0 ? ' (disabled)' : action.timeout === undefined ? ' (Envoy default)' : ''}${timeout.idle ? `, idle ${timeout.idle}` : ''}; ${trace.retry ? `retry on [${trace.retry.retryOn.join(', ')}] up to ${trace.retry.numRetries}x${trace.retry.perTryTimeout ? `, per try ${trace.retry.perTryTimeout}` : ''}${trace.retry.retriableStatusCodes.length ? `, status codes ${trace.retry.retriableStatusCodes.join(',')}` : ''} (from ${trace.retry.from})` : 'no retry policy'}`,
  });
  if (obj(action.hash_policy) || objs(action.hash_policy).length) steps.push({ stage: 'policy', result: 'info', summary: 'hash_policy present: endpoint choice is consistent-hashed (not simulated)' });
  if (objs(action.upgrade_configs).length) steps.push({ stage: 'policy', result: 'info', summary: `upgrades allowed: ${objs(action.upgrade_configs).map((u) => str(u.upgrade_type)).join(', ')}` });

  // The upstream request for each candidate cluster (RouteEntryImplBase::finalizeRequestHeaders).
  const includeAttemptCount = bool(vh.vhost.include_request_attempt_count) ?? false;
  for (let i = 0; i < trace.clusters.length; i++) {
    const candidate = trace.clusters[i];
    const weighted = picks[i].weighted;
    const h = headers.clone();
    const requestLevels = routeHeaderLevels('request', weighted);
    const changes: string[] = [];
    for (const level of requestLevels) changes.push(...applyMutationLevel(h, level).map((c) => `${level.level}: ${c}`));
    let newAuthority = authority;
    const weightedHost = str(weighted?.host_rewrite_literal);
    if (weightedHost) newAuthority = weightedHost;
    if (typeof action.host_rewrite_literal === 'string') newAuthority = action.host_rewrite_literal;
    else if (bool(action.auto_host_rewrite)) {
      const hostname = candidate.type === 'STRICT_DNS' || candidate.type === 'LOGICAL_DNS' ? candidate.endpoints[0]?.address : undefined;
      if (hostname) newAuthority = hostname;
      else changes.push('auto_host_rewrite: the Host becomes the chosen endpoint\'s hostname (only for DNS clusters; unchanged here)');
    } else if (typeof action.host_rewrite_header === 'string') {
      const v = h.first(action.host_rewrite_header);
      if (v) newAuthority = v;
    } else if (obj(action.host_rewrite_path_regex)) {
      const rr = obj(action.host_rewrite_path_regex) ?? {};
      const pattern = str(obj(rr.pattern)?.regex);
      if (pattern !== undefined) {
        try {
          newAuthority = regexReplaceAll(pattern, str(rr.substitution) ?? '', stripQuery(path));
        } catch {
          trace.unsupported.push(`host_rewrite_path_regex ${pattern}`);
        }
      }
    }
    if (newAuthority !== authority) changes.push(`host rewritten to ${newAuthority}`);
    let newPath = path;
    if (typeof action.prefix_rewrite === 'string' && selected.matchedPath !== undefined) {
      newPath = action.prefix_rewrite + path.slice(selected.matchedPath.length);
    } else if (obj(action.regex_rewrite)) {
      const rr = obj(action.regex_rewrite) ?? {};
      const pattern = str(obj(rr.pattern)?.regex) ?? '';
      try {
        const justPath = stripQuery(path);
        newPath = regexReplaceAll(pattern, str(rr.substitution) ?? '', justPath) + path.slice(justPath.length);
      } catch {
        trace.unsupported.push(`regex_rewrite ${pattern}`);
      }
    } else if (obj(action.path_rewrite_policy)) trace.unsupported.push('path_rewrite_policy (URI template rewrite)');
    if (newPath !== path) {
      changes.push(`path rewritten ${path} → ${newPath}`);
      if (!suppressEnvoyHeaders) h.set('x-envoy-original-path', path);
    }
    // Router: expected timeout header (per-try timeout when shorter than the global timeout).
    const expected = perTryMs && perTryMs > 0 && (timeoutMs === 0 || perTryMs < timeoutMs) ? perTryMs : timeoutMs;
    if (!suppressEnvoyHeaders && expected > 0) h.set('x-envoy-expected-rq-timeout-ms', String(expected));
    if (includeAttemptCount) h.set('x-envoy-attempt-count', '1');
    for (const k of [':authority', ':path', ':method', ':scheme']) h.remove(k);
    const upstream: UpstreamRequest = {
      cluster: candidate.name,
      method: req.method,
      scheme: candidate.upstreamTls ? 'https' : 'http',
      authority: newAuthority,
      path: newPath,
      headers: h.toRecord(),
      dynamicHeaders: { ...dynamicHeaders },
    };
    candidate.request = upstream;
    candidate.responseHeaderMutations = encodeLevels(routeHeaderLevels('response', weighted));
    steps.push({
      stage: 'request_headers',
      result: 'applied',
      name: candidate.name,
      summary: `request to ${candidate.name}: ${upstream.method} ${upstream.authority}${upstream.path}`,
      notes: changes.length ? changes : ['no header mutation'],
    });
  }
  for (const p of problems) trace.unsupported.push(p);
  const chosen = trace.clusters.find((c) => c.name === trace.selectedCluster);
  trace.upstreamRequest = chosen?.request;

  // Mirrors (RouteAction.request_mirror_policies): the Host gets a "-shadow" suffix before the port.
  for (const m of objs(action.request_mirror_policies)) {
    const cluster = str(m.cluster);
    if (!cluster) {
      trace.unsupported.push('request mirror with cluster_header');
      continue;
    }
    const percent = obj(m.runtime_fraction) ? fractionPercent(obj(m.runtime_fraction)?.default_value) ?? 0 : 100;
    const view = viewCluster(resources, cluster);
    const base = chosen?.request?.authority ?? authority;
    const { host, port } = hostWithoutPort(base);
    const mirrorAuthority = bool(m.disable_shadow_host_suffix_append) ? base : `${host}-shadow${port ? `:${port}` : ''}`;
    const info: MirrorInfo = { cluster, percent, exists: view.exists, authority: mirrorAuthority, source: view.source, endpoints: view.endpoints };
    trace.mirrors.push(info);
    steps.push({ stage: 'mirror', result: view.exists ? 'applied' : 'rejected', name: cluster, summary: `mirror ${percent}% of requests to ${cluster} (Host ${mirrorAuthority})${view.exists ? '' : ': cluster not served, the mirror is dropped'}`, source: view.source });
  }

  trace.response = { from: 'upstream', headers: {}, reason: 'forwarded' };
  if (chosen?.localReplyStatus) {
    // Envoy applies the route's response header rules to every local reply once a route is
    // chosen (filter_manager.cc, since envoyproxy/envoy#13204), then encoder filters and the HCM.
    const finalHeaders = applyLevels(new HeaderMap(), chosen.responseHeaderMutations ?? encodeLevels([]));
    trace.response = { from: 'envoy', status: chosen.localReplyStatus, headers: finalHeaders.toRecord(), reason: chosen.localReplyReason };
    return finish(trace, 'local_reply', `${chosen.localReplyStatus}: ${chosen.localReplyReason}`);
  }
  const shares = trace.clusters.length > 1 ? ` (split: ${trace.clusters.map((c) => `${c.name} ${(c.share * 100).toFixed(0)}%`).join(', ')})` : '';
  return finish(trace, 'forwarded', `forwarded to ${chosen?.name}${shares}: ${chosen?.request?.method} ${chosen?.request?.authority}${chosen?.request?.path}`);
}

function stripQuery(path: string): string {
  const q = path.search(/[?#]/);
  return q < 0 ? path : path.slice(0, q);
}

/** RE2::GlobalReplace with Envoy's substitution syntax (\1 for a group, \\ for a backslash), in RE2's syntax and time. */
export function regexReplaceAll(pattern: string, substitution: string, input: string): string {
  let out = '';
  let last = 0;
  for (const match of RE2JS.compile(pattern).matchAll(input)) {
    const start = match.index ?? 0;
    out += input.slice(last, start) + substitution.replace(/\\(\d|\\)/g, (_, c: string) => (c === '\\' ? '\\' : (match[Number(c)] ?? '')));
    last = start + match[0].length;
  }
  return out + input.slice(last);
}

function applyLevels(headers: HeaderMap, levels: HeaderMutationLevel[]): HeaderMap {
  for (const level of levels) applyMutationLevel(headers, level);
  return headers;
}

/** HCM server_header_transformation (default OVERWRITE) with server_name (default "envoy"). */
function serverHeaderLevel(hcm: Obj): HeaderMutationLevel | undefined {
  const mode = str(hcm.server_header_transformation) ?? 'OVERWRITE';
  const name = str(hcm.server_name) || 'envoy';
  if (mode === 'PASS_THROUGH') return undefined;
  return { level: 'hcm:server', remove: [], add: [{ name: 'server', value: name, appendAction: mode === 'APPEND_IF_ABSENT' ? 'ADD_IF_ABSENT' : 'OVERWRITE_IF_EXISTS_OR_ADD', keepEmptyValue: false }] };
}

function localReply(trace: ExplainTrace, status: number, reason: string, summary: string, serverLevel: HeaderMutationLevel | undefined): ExplainTrace {
  const response: ClientResponse = { from: 'envoy', status, headers: applyLevels(new HeaderMap(), serverLevel ? [serverLevel] : []).toRecord(), reason };
  trace.response = response;
  return finish(trace, 'local_reply', `${status}: ${summary}`);
}

const REDIRECT_CODES: Record<string, number> = { MOVED_PERMANENTLY: 301, FOUND: 302, SEE_OTHER: 303, TEMPORARY_REDIRECT: 307, PERMANENT_REDIRECT: 308 };

export function redirectStatus(code: unknown): number {
  if (typeof code === 'number') return [301, 302, 303, 307, 308][code] ?? 301;
  return REDIRECT_CODES[str(code) ?? 'MOVED_PERMANENTLY'] ?? 301;
}

/**
 * Http::Utility::newUri: scheme from scheme_redirect/https_redirect else the request's :scheme;
 * host_redirect else the request host, whose port is dropped when a port_redirect is set or when the
 * scheme changes and the port is the default of the original (x-forwarded-proto) scheme; the path
 * from path_redirect (keeping the request query unless path_redirect has its own) or the path after
 * prefix_rewrite/regex_rewrite; strip_query removes the query.
 */
export function redirectLocation(
  redirect: Obj,
  req: { scheme: string; authority: string; path: string; xfp: string; matchedPath: string },
  unsupported: string[],
): string {
  let scheme = req.scheme;
  if (typeof redirect.scheme_redirect === 'string' && redirect.scheme_redirect) scheme = redirect.scheme_redirect.toLowerCase();
  else if (bool(redirect.https_redirect)) scheme = 'https';
  const portRedirect = num(redirect.port_redirect) ?? 0;
  const finalPort = portRedirect ? `:${portRedirect}` : '';
  let host: string;
  if (typeof redirect.host_redirect === 'string' && redirect.host_redirect) host = redirect.host_redirect;
  else {
    host = req.authority;
    const { host: bare, port } = hostWithoutPort(req.authority);
    if (port !== undefined) {
      let remove = finalPort !== '';
      if (scheme !== req.xfp) {
        remove ||= req.xfp === 'https' && port === '443';
        remove ||= req.xfp === 'http' && port === '80';
      }
      if (remove) host = bare;
    }
  }
  // The router applies prefix_rewrite/regex_rewrite to :path before computing the new URI.
  let currentPath = req.path;
  if (typeof redirect.prefix_rewrite === 'string') currentPath = redirect.prefix_rewrite + req.path.slice(req.matchedPath.length);
  else if (obj(redirect.regex_rewrite)) {
    const rr = obj(redirect.regex_rewrite) ?? {};
    const pattern = str(obj(rr.pattern)?.regex) ?? '';
    try {
      const just = stripQuery(req.path);
      currentPath = regexReplaceAll(pattern, str(rr.substitution) ?? '', just) + req.path.slice(just.length);
    } catch {
      unsupported.push(`redirect regex_rewrite ${pattern}`);
    }
  }
  let finalPath: string;
  const pathRedirect = typeof redirect.path_redirect === 'string' ? redirect.path_redirect : '';
  const pathRedirectHasQuery = pathRedirect.includes('?');
  if (pathRedirect) {
    if (pathRedirectHasQuery) finalPath = pathRedirect;
    else {
      const q = currentPath.indexOf('?');
      finalPath = q >= 0 ? pathRedirect + currentPath.slice(q) : pathRedirect;
    }
  } else finalPath = currentPath;
  if (!finalPath.startsWith('/')) finalPath = `/${finalPath}`;
  if (!pathRedirectHasQuery && bool(redirect.strip_query)) {
    const q = finalPath.indexOf('?');
    if (q >= 0) finalPath = finalPath.slice(0, q);
  }
  return `${scheme}://${host}${finalPort}${finalPath}`;
}

/** RFC 3986 remove_dot_segments on the path part (HCM normalize_path). */
export function normalizePath(path: string): string {
  const q = path.search(/[?#]/);
  const p = (q < 0 ? path : path.slice(0, q)).replace(/\\/g, '/');
  const out: string[] = [];
  const segments = p.split('/');
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i];
    if (s === '.') {
      if (i === segments.length - 1) out.push('');
    } else if (s === '..') {
      out.pop();
      if (i === segments.length - 1) out.push('');
    } else out.push(s);
  }
  return `/${out.join('/')}${q < 0 ? '' : path.slice(q)}`;
}

/** Applies the response header mutations of the chosen (or given) cluster to an upstream response. */
export function applyUpstreamResponse(trace: ExplainTrace, upstream: { status: number; headers?: Record<string, string | string[]> | Array<[string, string]> }, cluster?: string): { status: number; headers: Record<string, string[]> } {
  const candidate = trace.clusters.find((c) => c.name === (cluster ?? trace.selectedCluster));
  const headers = new HeaderMap(toHeaderEntries(upstream.headers));
  for (const level of candidate?.responseHeaderMutations ?? []) applyMutationLevel(headers, level);
  return { status: upstream.status, headers: headers.toRecord() };
}

