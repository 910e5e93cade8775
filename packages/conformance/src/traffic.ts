// Traffic assertions. A request is built from the assertion exactly as the
// upstream client would send it, handed to a DataPath (the simulation of the
// Envoy configuration Portico serves), and the echo backend's side is played
// here: which pod answers, what it reports, which response headers it sets.
// Statistical upstream checks (weighted splits, percentage mirrors) are decided
// deterministically from the configured weights and percentages.
import { isIP } from 'node:net';
import type { TranslationResult } from '@portico/translator';
import type { FakeCluster } from './cluster.js';
import type { Assertion } from './model.js';
import type { Verdict } from './status.js';

/** One request as it leaves the client. Header names are lower-case. */
export interface DataPathRequest {
  protocol: 'HTTP/1.1' | 'HTTP/2' | 'gRPC';
  scheme: 'http' | 'https';
  method: string;
  /** Host header / :authority. */
  authority: string;
  port: number;
  /** Path plus query string. */
  path: string;
  headers: Record<string, string>;
  /** TLS server name, for https. */
  sni?: string;
  /**
   * The certificate the client presents (PEM, from the Secret the assertion names), '' for one
   * that cannot be found, absent for none.
   */
  clientCertificate?: string;
  /** Connection-level probes (tcp/udp assertions) carry no HTTP request; default `http`. */
  layer?: 'http' | 'tcp' | 'udp';
  /** IP address the client connects to, when the request names one (a mesh client sending to a pod IP). */
  destinationAddress?: string;
}

export interface RetryPolicy {
  retryOn: string[];
  numRetries: number;
  retriableStatusCodes: number[];
  perTryTimeoutMs?: number;
}

export interface ServiceRef {
  namespace: string;
  name: string;
  port?: number;
}

export type AppendAction = 'APPEND_IF_EXISTS_OR_ADD' | 'ADD_IF_ABSENT' | 'OVERWRITE_IF_EXISTS_OR_ADD' | 'OVERWRITE_IF_EXISTS';

/** One level of header mutation, applied as Envoy does: removals, then additions in order. */
export interface HeaderMutationLevel {
  level?: string;
  remove: string[];
  add: Array<{ name: string; value: string; appendAction: AppendAction }>;
}

/** A request as one backend receives it. Header names lower-case; repeated values joined by `,`. */
export interface UpstreamView {
  method: string;
  authority: string;
  path: string;
  headers: Record<string, string>;
}

export interface ForwardBackend {
  cluster: string;
  /** Relative weight (0 = never picked). */
  weight: number;
  /** The Service behind the cluster, from the cluster's source metadata. */
  service?: ServiceRef;
  /** This backend's view of the request; falls back to the answer's `upstream`. */
  request?: UpstreamView;
  /** Response header mutations applied to this backend's responses, in order. */
  responseMutations?: HeaderMutationLevel[];
  /** Set when the proxy answers locally when this backend is picked (missing cluster, no healthy hosts). */
  localReplyStatus?: number;
  localReplyReason?: string;
  /** The proxy speaks TLS to this backend. */
  upstreamTls?: boolean;
  /** SNI the proxy sends to this backend. */
  upstreamTlsServerName?: string;
  /** PEM certificate chain the proxy presents to this backend. */
  upstreamClientCertificate?: string;
  /** For a passthrough (original destination) cluster: the address the proxy connects to. */
  destination?: { address: string; port?: number };
}

/** What the proxy does with one request. */
export type DataPathAnswer =
  | { kind: 'reset'; reason: string }
  | {
      kind: 'direct';
      status: number;
      headers: Record<string, string>;
      /** `Location` for redirects. */
      location?: string;
      reason: string;
    }
  | {
      kind: 'forward';
      backends: ForwardBackend[];
      /** The request as the selected backend receives it. */
      upstream: UpstreamView;
      /** Headers the proxy itself adds to the upstream's response (e.g. CORS). */
      responseHeaders?: Record<string, string>;
      mirrors?: Array<{ service?: ServiceRef; cluster: string; percent: number }>;
      retry?: RetryPolicy;
      /** Route timeout; undefined or 0 = none. */
      timeoutMs?: number;
      reason: string;
    }
  | {
      /** Proxied as a byte stream (tcp_proxy) or datagrams (udp_proxy). */
      kind: 'stream';
      transport: 'tcp' | 'udp';
      backends: ForwardBackend[];
      /** The proxy terminated the client's TLS (so the backend sees plain text). */
      tlsTerminated: boolean;
      reason: string;
    };

export interface DataPath {
  /** Address the Gateway is reachable at (Host header when the request names none). */
  gatewayAddress(proxyGroup: string): string | undefined;
  send(proxyGroup: string, request: DataPathRequest): DataPathAnswer;
}

export type DataPathFactory = (translation: TranslationResult, cluster: FakeCluster) => DataPath;

export interface TrafficContext {
  dataPath: DataPath;
  cluster: FakeCluster;
  resources: TranslationResult;
}

export interface TrafficVerdict extends Verdict {
  evaluated: boolean;
  evaluation?: string;
}

// ---------- echo backend ----------

/** The pods that would serve a Service: ready endpoints of its slices, mapped back to pod names. */
export function servingPods(cluster: FakeCluster, service: ServiceRef): Array<{ name: string; namespace: string }> {
  const resources = cluster.resourceSet();
  const pods: Array<{ name: string; namespace: string }> = [];
  for (const slice of resources.list('EndpointSlice')) {
    if (slice.metadata.namespace !== service.namespace) continue;
    if (slice.metadata.labels?.['kubernetes.io/service-name'] !== service.name) continue;
    for (const endpoint of slice.endpoints ?? []) {
      if (endpoint.conditions?.ready === false) continue;
      const name = endpoint.targetRef?.name ?? cluster.podByAddress(endpoint.addresses[0] ?? '')?.name;
      if (name) pods.push({ name, namespace: endpoint.targetRef?.namespace ?? service.namespace });
    }
  }
  return pods;
}

function lower(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}

export function applyMutations(headers: Record<string, string>, levels: HeaderMutationLevel[] | undefined): Record<string, string> {
  const out = lower(headers);
  for (const level of levels ?? []) {
    for (const name of level.remove) delete out[name.toLowerCase()];
    for (const { name, value, appendAction } of level.add) {
      const key = name.toLowerCase();
      const present = out[key] !== undefined;
      if (appendAction === 'APPEND_IF_EXISTS_OR_ADD') out[key] = present ? `${out[key]},${value}` : value;
      else if (appendAction === 'ADD_IF_ABSENT') out[key] = present ? out[key] : value;
      else if (appendAction === 'OVERWRITE_IF_EXISTS') out[key] = present ? value : out[key];
      else out[key] = value;
      if (out[key] === undefined) delete out[key];
    }
  }
  return out;
}

/** Response headers the echo backend sets from `X-Echo-Set-Header: Name:value,Name2:value2`. */
export function echoSetHeaders(value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (value ?? '').split(',')) {
    const index = pair.indexOf(':');
    if (index <= 0) continue;
    out[pair.slice(0, index).trim().toLowerCase()] = pair.slice(index + 1).trim();
  }
  return out;
}

/** The observable outcome of one exchange, after the echo backend played its part. */
export interface Observed {
  /** undefined = transport error */
  status?: number;
  headers: Record<string, string>;
  location?: string;
  /** Set when the echo backend answered. */
  echo?: {
    pod: string;
    namespace: string;
    method: string;
    host: string;
    path: string;
    headers: Record<string, string>;
    /** The backend-side TLS session, when the proxy spoke TLS to the backend. */
    tls?: { serverName?: string; peerCertificate?: string };
  };
  mirroredTo: string[];
  reason: string;
}

function pickBackend<T extends { weight: number }>(backends: T[]): T | undefined {
  let best: T | undefined;
  for (const backend of backends) if (backend.weight > 0 && (!best || backend.weight > best.weight)) best = backend;
  return best;
}

/** Go-style (`1s`, `500ms`, `1m30s`) and proto-JSON (`1.500s`) durations, in milliseconds. */
export function parseDurationMs(text: string | undefined | null): number | undefined {
  if (!text) return undefined;
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };
  let total = 0;
  let matched = false;
  for (const part of text.matchAll(/(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/g)) {
    total += Number(part[1]) * units[part[2]];
    matched = true;
  }
  return matched ? total : undefined;
}

interface EchoAttempt {
  /** undefined = the backend reset the connection */
  status?: number;
  delayMs: number;
}

/** What the echo backend does with attempt `attempt` (1-based) of a request for `path`. */
export function echoAttempt(path: string, attempt: number): EchoAttempt {
  const url = new URL(path, 'http://echo');
  const delayMs = parseDurationMs(url.searchParams.get('delay')) ?? 0;
  if (url.pathname.startsWith('/retry/')) {
    const succeedAfter = Number(url.searchParams.get('succeedAfter') ?? '0');
    if (attempt <= succeedAfter) {
      const code = url.searchParams.get('responseCode');
      const retryDelay = parseDurationMs(url.searchParams.get('delayRetry')) ?? 0;
      return code ? { status: Number(code), delayMs: retryDelay } : { delayMs: retryDelay };
    }
  }
  const statusPath = /^\/status\/(\d{3})(?:\/|$)/.exec(url.pathname);
  return { status: statusPath ? Number(statusPath[1]) : 200, delayMs };
}

function retriable(policy: RetryPolicy, status: number | undefined, timedOut: boolean): boolean {
  const on = new Set(policy.retryOn);
  // Envoy retries a per-try timeout as a reset of the upstream request.
  if (timedOut) return on.has('5xx') || on.has('gateway-error') || on.has('reset');
  if (status === undefined) return on.has('5xx') || on.has('reset') || on.has('connect-failure') || on.has('gateway-error');
  if (on.has('retriable-status-codes') && policy.retriableStatusCodes.includes(status)) return true;
  if (on.has('5xx') && status >= 500) return true;
  return on.has('gateway-error') && (status === 502 || status === 503 || status === 504);
}

/** Plays the echo backend (and the proxy's retries and timeouts); `choice` picks the weighted backend (default: heaviest). */
export function observe(
  answer: DataPathAnswer,
  cluster: FakeCluster,
  request: DataPathRequest,
  choice?: (backends: ForwardBackend[]) => number,
): Observed {
  if (answer.kind === 'reset') return { headers: {}, mirroredTo: [], reason: answer.reason };
  if (answer.kind === 'direct') {
    return {
      status: answer.status,
      headers: lower(answer.headers),
      ...(answer.location !== undefined ? { location: answer.location } : {}),
      mirroredTo: [],
      reason: answer.reason,
    };
  }
  const backend = choice ? answer.backends[choice(answer.backends)] : pickBackend(answer.backends);
  if (!backend) return answer.kind === 'stream' ? { headers: {}, mirroredTo: [], reason: `${answer.reason}; no backend` } : { status: 500, headers: {}, mirroredTo: [], reason: `${answer.reason}; no backend with weight > 0` };
  const mirroredTo = (answer.kind === 'forward' ? (answer.mirrors ?? []) : [])
    .filter((m) => m.percent > 0 && m.service)
    .flatMap((m) => servingPods(cluster, m.service as ServiceRef).slice(0, 1).map((p) => p.name));
  const localFailure = (status: number, why: string): Observed =>
    answer.kind === 'stream' ? { headers: {}, mirroredTo, reason: `${answer.reason}; ${why}` } : { status, headers: {}, mirroredTo, reason: `${answer.reason}; ${why}` };
  if (backend.localReplyStatus !== undefined) return localFailure(backend.localReplyStatus, backend.localReplyReason ?? 'local reply');
  let pods: Array<{ name: string; namespace: string }>;
  if (backend.service) {
    pods = servingPods(cluster, backend.service);
    if (pods.length === 0) return localFailure(503, `no ready endpoints for ${backend.service.namespace}/${backend.service.name}`);
  } else if (backend.destination) {
    // Passed through to an address: whichever pod has it answers, or nothing does.
    const pod = cluster.podByAddress(backend.destination.address);
    if (!pod) return localFailure(503, `no pod has address ${backend.destination.address}: connection refused`);
    pods = [{ name: pod.name, namespace: pod.namespace }];
  } else {
    return localFailure(503, `cluster ${backend.cluster} has no Service`);
  }
  // A TLS-passthrough or TCP stream reaches the backend unchanged.
  const upstream: UpstreamView =
    answer.kind === 'forward'
      ? (backend.request ?? answer.upstream)
      : { method: request.method, authority: request.authority, path: request.path, headers: request.headers };
  const requestHeaders = lower(upstream.headers);
  const retry = answer.kind === 'forward' ? answer.retry : undefined;
  const routeTimeout = answer.kind === 'forward' ? answer.timeoutMs : undefined;
  const attempts = 1 + (retry?.numRetries ?? 0);
  let status: number | undefined;
  let why = answer.reason;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const result = echoAttempt(upstream.path, attempt);
    const perTry = retry?.perTryTimeoutMs;
    if (routeTimeout && result.delayMs >= routeTimeout) {
      status = 504;
      why = `${answer.reason}; backend answers after ${result.delayMs}ms, route timeout ${routeTimeout}ms`;
      break;
    }
    const timedOut = perTry !== undefined && perTry > 0 && result.delayMs >= perTry;
    status = timedOut ? 504 : result.status;
    why = `${answer.reason}; attempt ${attempt}/${attempts}: ${timedOut ? `per-try timeout ${perTry}ms` : status === undefined ? 'backend reset' : `backend status ${status}`}`;
    if (!timedOut && status !== undefined && status < 500) break;
    if (!retry || !retriable(retry, status, timedOut)) break;
  }
  if (status === undefined) status = 503;
  const echoed = status === 200 && (answer.kind === 'stream' || !upstream.path.startsWith('/status/'));
  const echoHeaders = { 'content-type': 'application/json', ...echoSetHeaders(requestHeaders['x-echo-set-header']) };
  const responseHeaders = answer.kind === 'forward' ? lower(answer.responseHeaders ?? {}) : {};
  return {
    status,
    headers: { ...applyMutations(echoed ? echoHeaders : {}, backend.responseMutations), ...responseHeaders },
    ...(echoed
      ? {
          echo: {
            pod: pods[0].name,
            namespace: pods[0].namespace,
            method: upstream.method,
            host: upstream.authority,
            path: upstream.path,
            headers: requestHeaders,
            ...(backend.upstreamTls
              ? {
                  tls: {
                    ...(backend.upstreamTlsServerName ? { serverName: backend.upstreamTlsServerName } : {}),
                    ...(backend.upstreamClientCertificate ? { peerCertificate: backend.upstreamClientCertificate } : {}),
                  },
                }
              : {}),
          },
        }
      : {}),
    mirroredTo,
    reason: why,
  };
}

// ---------- building requests ----------

interface HttpRequestSpec {
  protocol: string;
  scheme: string;
  method: string | null;
  host: string | null;
  path: string;
  query: string | null;
  headers: Record<string, string>;
  tls?: { serverName?: string; clientCertificate?: unknown } | null;
  echoSetResponseHeaders?: Record<string, string> | string[] | null;
}

interface Target {
  kind: string;
  namespace: string;
  name: string;
  port: number;
}

function defaultPort(scheme: string): number {
  return scheme === 'https' ? 443 : 80;
}

function echoSetValue(spec: HttpRequestSpec['echoSetResponseHeaders']): string {
  if (!spec) return '';
  if (Array.isArray(spec)) return spec.join(',');
  return Object.entries(spec)
    .map(([name, value]) => `${name}:${value}`)
    .join(',');
}

function gatewayHost(context: TrafficContext, target: Target, scheme: string): string {
  const address = context.dataPath.gatewayAddress(`${target.namespace}/${target.name}`) ?? '127.0.0.1';
  return target.port === defaultPort(scheme) ? address : `${address}:${target.port}`;
}

export function buildHttpRequest(context: TrafficContext, target: Target, spec: HttpRequestSpec): DataPathRequest {
  const headers = lower(spec.headers ?? {});
  headers['x-echo-set-header'] = echoSetValue(spec.echoSetResponseHeaders);
  const authority = spec.host ?? gatewayHost(context, target, spec.scheme);
  const request: DataPathRequest = {
    protocol: spec.protocol === 'H2' || spec.protocol === 'H2C_PRIOR_KNOWLEDGE' ? 'HTTP/2' : 'HTTP/1.1',
    scheme: spec.scheme === 'https' ? 'https' : 'http',
    method: spec.method ?? 'GET',
    authority,
    port: target.port,
    path: `${spec.path || '/'}${spec.query ? `?${spec.query}` : ''}`,
    headers,
  };
  if (request.scheme === 'https') {
    request.sni = spec.tls?.serverName ?? authority.replace(/:\d+$/, '');
    const presented = spec.tls?.clientCertificate as { kind?: string; namespace?: string; name?: string } | null | undefined;
    if (presented) request.clientCertificate = presentedCertificate(context, presented);
  }
  return request;
}

/** The tls.crt of the Secret a client certificate reference names, '' when there is none. */
function presentedCertificate(context: TrafficContext, ref: { kind?: string; namespace?: string; name?: string }): string {
  if (ref.kind !== undefined && ref.kind !== 'Secret') return '';
  const secret = ref.name ? context.cluster.get('Secret', ref.namespace, ref.name) : undefined;
  const data = (secret as { data?: Record<string, string> } | undefined)?.data?.['tls.crt'];
  return typeof data === 'string' ? Buffer.from(data, 'base64').toString('utf8') : '';
}

interface GrpcRequestSpec {
  fullMethod: string;
  authority: string | null;
  metadata: Record<string, string>;
}

export function buildGrpcRequest(context: TrafficContext, target: Target, spec: GrpcRequestSpec): DataPathRequest {
  return {
    protocol: 'gRPC',
    scheme: 'http',
    method: 'POST',
    authority: spec.authority ?? gatewayHost(context, target, 'http'),
    port: target.port,
    path: spec.fullMethod,
    headers: { ...lower(spec.metadata ?? {}), 'content-type': 'application/grpc', te: 'trailers' },
  };
}

// ---------- checks ----------

const ok = (reason = 'ok', evaluation?: string): TrafficVerdict => ({ passed: true, evaluated: true, reason, ...(evaluation ? { evaluation } : {}) });
const bad = (reason: string, evaluation?: string): TrafficVerdict => ({ passed: false, evaluated: true, reason, ...(evaluation ? { evaluation } : {}) });
const notEvaluated = (reason: string): TrafficVerdict => ({ passed: false, evaluated: false, reason: `not evaluated: ${reason}` });

function sameStatus(a: number, b: number): boolean {
  const timeout = (code: number): boolean => code === 408 || code === 504;
  return a === b || (timeout(a) && timeout(b));
}

interface ExpectedRequest {
  tlsServerName?: string | null;
  tlsPeerCertificate?: string | null;
  method: string | null;
  host: string | null;
  path: string;
  query: string | null;
  headers: Record<string, string | string[]>;
  absentHeaders: string[];
}

interface ExpectedResponse {
  statusCodes: number[];
  headers?: Record<string, string>;
  headerOneOf?: Record<string, string[]>;
  absentHeaders?: string[];
  ignoreWhitespaceInHeaderValues?: boolean;
}

interface ExpectedRedirect {
  scheme: string | null;
  host: string | null;
  port: string | number | null;
  path: string | null;
}

function checkEchoRequest(observed: Observed, expected: ExpectedRequest | undefined): string | undefined {
  if (!expected || !observed.echo) return undefined;
  const echo = observed.echo;
  if (expected.method && echo.method !== expected.method) return `backend saw method ${echo.method}, want ${expected.method}`;
  const wantPath = `${expected.path}${expected.query ? `?${expected.query}` : ''}`;
  if (expected.path !== '' && echo.path !== wantPath) return `backend saw path ${echo.path}, want ${wantPath}`;
  if (expected.host !== null && echo.host !== expected.host) return `backend saw host ${echo.host}, want ${expected.host}`;
  for (const [name, value] of Object.entries(expected.headers ?? {})) {
    const want = Array.isArray(value) ? value.join(',') : value;
    const have = echo.headers[name.toLowerCase()];
    if (have !== want) return `backend saw header ${name}: ${have === undefined ? '(absent)' : JSON.stringify(have)}, want ${JSON.stringify(want)}`;
  }
  for (const name of expected.absentHeaders ?? []) {
    if (echo.headers[name.toLowerCase()] !== undefined) return `backend saw header ${name}, want it absent`;
  }
  if (expected.tlsServerName) {
    if (!echo.tls) return `backend saw plain text, want TLS with SNI ${expected.tlsServerName}`;
    if (echo.tls.serverName !== expected.tlsServerName) return `backend saw SNI ${echo.tls.serverName ?? '(none)'}, want ${expected.tlsServerName}`;
  }
  if (expected.tlsPeerCertificate) {
    const normalise = (pem: string): string => pem.replace(/\s+/g, '');
    if (!echo.tls?.peerCertificate) return 'proxy presented no client certificate to the backend';
    if (!normalise(echo.tls.peerCertificate).includes(normalise(expected.tlsPeerCertificate).slice(0, 200))) {
      return 'proxy presented a different client certificate to the backend';
    }
  }
  return undefined;
}

function checkResponseHeaders(observed: Observed, expected: ExpectedResponse): string | undefined {
  const normalise = (value: string): string => (expected.ignoreWhitespaceInHeaderValues ? value.replace(/\s+/g, '') : value);
  for (const [name, value] of Object.entries(expected.headers ?? {})) {
    const have = observed.headers[name.toLowerCase()];
    if (have !== value) return `response header ${name}: ${have === undefined ? '(absent)' : JSON.stringify(have)}, want ${JSON.stringify(value)}`;
  }
  for (const [name, values] of Object.entries(expected.headerOneOf ?? {})) {
    const have = observed.headers[name.toLowerCase()];
    if (have === undefined || !values.some((v) => normalise(v) === normalise(have))) {
      return `response header ${name}: ${have === undefined ? '(absent)' : JSON.stringify(have)}, want one of ${JSON.stringify(values)}`;
    }
  }
  for (const name of expected.absentHeaders ?? []) {
    if (observed.headers[name.toLowerCase()] !== undefined) return `response header ${name} present, want it absent`;
  }
  return undefined;
}

function checkRedirect(location: string | undefined, expected: ExpectedRedirect | undefined, request: DataPathRequest): string | undefined {
  if (!expected) return undefined;
  if (!location) return 'redirect without Location';
  let url: URL;
  try {
    url = new URL(location, `${request.scheme}://${request.authority}`);
  } catch {
    return `unparseable Location ${location}`;
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (expected.scheme && scheme !== expected.scheme) return `Location ${location}: scheme ${scheme}, want ${expected.scheme}`;
  if (expected.host !== null && url.hostname !== expected.host) return `Location ${location}: host ${url.hostname}, want ${expected.host}`;
  if (expected.path !== null && url.pathname !== expected.path) return `Location ${location}: path ${url.pathname}, want ${expected.path}`;
  // URL drops a port equal to the scheme default, which is what "no port or the default" means.
  const port = url.port;
  if (expected.port === null) {
    if (port !== '') return `Location ${location}: port ${port}, want none or the scheme default`;
  } else if (port !== String(expected.port) && !(port === '' && Number(expected.port) === defaultPort(scheme))) {
    return `Location ${location}: port ${port || '(none)'}, want ${String(expected.port)}`;
  }
  return undefined;
}

function checkBackend(observed: Observed, backend: { name: string | null; namespace: string | null } | undefined): string | undefined {
  if (!backend) return undefined;
  if (backend.namespace === null) {
    return observed.echo ? `answered by backend ${observed.echo.namespace}/${observed.echo.pod}, want the proxy to answer` : undefined;
  }
  if (!observed.echo) return `answered by the proxy, want backend ${backend.namespace}/${backend.name ?? '*'}`;
  if (observed.echo.namespace !== backend.namespace) return `backend namespace ${observed.echo.namespace}, want ${backend.namespace}`;
  if (backend.name && !observed.echo.pod.startsWith(backend.name)) return `backend pod ${observed.echo.pod}, want ${backend.name}-*`;
  return undefined;
}

function describeObserved(observed: Observed): string {
  const who = observed.echo ? ` from ${observed.echo.namespace}/${observed.echo.pod}` : '';
  return `${observed.status === undefined ? 'transport error' : `status ${observed.status}`}${who} (${observed.reason})`;
}

// ---------- mesh (sidecar) clients ----------

/** Method for mesh gRPC probes, which name only the Service (setup.json echoBackend.grpc). */
const MESH_GRPC_METHOD = '/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo';

interface MeshRoute {
  /** Proxy group serving the client pod's namespace. */
  group: string;
  request: DataPathRequest;
}

/**
 * A mesh client in `from.namespace` sends to `request.host` (a Service name, default `echo`);
 * its sidecar is the `mesh/<namespace>` proxy group and the outbound listener is the Service
 * port named in the host (default: the scheme's port).
 */
function meshRoute(a: Assertion, context: TrafficContext, grpc: boolean): MeshRoute {
  const from = typeof a.from === 'object' ? a.from : {};
  const spec = (a.request ?? {}) as Partial<HttpRequestSpec>;
  const host = spec.host || 'echo';
  const explicitPort = /:(\d+)$/.exec(host);
  const scheme = spec.scheme === 'https' ? 'https' : 'http';
  const port = explicitPort ? Number(explicitPort[1]) : defaultPort(scheme);
  const target: Target = { kind: 'Service', namespace: from.namespace ?? 'default', name: host, port };
  const hostOnly = explicitPort ? host.slice(0, -explicitPort[0].length) : host;
  const destinationAddress = isIP(hostOnly.replace(/^\[(.*)\]$/, '$1')) ? hostOnly.replace(/^\[(.*)\]$/, '$1') : undefined;
  // The client connects to `host` (curl in the client pod); a Host header it sends is the
  // request's authority, which is what the sidecar's virtual hosts see.
  const hostHeader = Object.entries(spec.headers ?? {}).find(([name]) => name.toLowerCase() === 'host')?.[1];
  const request: DataPathRequest = grpc
    ? {
        protocol: 'gRPC',
        scheme: 'http',
        method: 'POST',
        authority: hostHeader ?? host,
        port,
        path: spec.path && spec.path.startsWith('/') && spec.path.length > 1 ? spec.path : MESH_GRPC_METHOD,
        headers: { ...lower(spec.headers ?? {}), 'content-type': 'application/grpc', te: 'trailers' },
      }
    : buildHttpRequest(context, target, {
        protocol: spec.protocol ?? 'HTTP',
        scheme,
        method: spec.method ?? null,
        host: hostHeader ?? host,
        path: spec.path ?? '/',
        query: spec.query ?? null,
        headers: spec.headers ?? {},
        echoSetResponseHeaders: spec.echoSetResponseHeaders ?? null,
      });
  return { group: `mesh/${target.namespace}`, request: destinationAddress ? { ...request, destinationAddress } : request };
}

/** Upstream's mesh checks skip the fields listed in `notVerifiedUpstream`; so does the replay. */
function verified(a: Assertion, field: string): boolean {
  return !(Array.isArray(a.notVerifiedUpstream) && a.notVerifiedUpstream.includes(field));
}

function expectedRequestOf(a: Assertion): ExpectedRequest | undefined {
  const expected = a.expectedRequest as ExpectedRequest | undefined;
  if (!expected) return undefined;
  return {
    ...expected,
    method: verified(a, 'expectedRequest.method') ? expected.method : null,
    host: verified(a, 'expectedRequest.host') ? expected.host : null,
    path: verified(a, 'expectedRequest.path') ? expected.path : '',
    query: verified(a, 'expectedRequest.query') ? expected.query : null,
  };
}

function checkBackendOf(a: Assertion, observed: Observed): string | undefined {
  const backend = a.backend as { name: string | null; namespace: string | null } | undefined;
  if (!backend || verified(a, 'backend.namespace')) return checkBackend(observed, backend);
  // Only the pod prefix is compared (the echo reply names the pod).
  if (!backend.name) return undefined;
  if (!observed.echo) return `answered by the proxy, want backend ${backend.name}-*`;
  return observed.echo.pod.startsWith(backend.name) ? undefined : `backend pod ${observed.echo.pod}, want ${backend.name}-*`;
}

/** The request an assertion sends and the proxy group that receives it (a Gateway's, or a mesh client's sidecar). */
function probe(a: Assertion, context: TrafficContext, grpc: boolean): { request: DataPathRequest; group: string } {
  if (a.client === 'mesh') return meshRoute(a, context, grpc);
  const target = a.target as Target;
  const request = grpc
    ? buildGrpcRequest(context, target, a.request as GrpcRequestSpec)
    : buildHttpRequest(context, target, a.request as HttpRequestSpec);
  return { request, group: `${target.namespace}/${target.name}` };
}

function evaluateHttp(a: Assertion, context: TrafficContext): TrafficVerdict {
  const { request, group } = probe(a, context, false);
  const observed = observe(context.dataPath.send(group, request), context.cluster, request);
  if (a.outcome === 'notOk') {
    if (observed.status === undefined || observed.status === 200 || sameStatus(observed.status, 504)) {
      return bad(`want a non-200 HTTP response, got ${describeObserved(observed)}`);
    }
    return ok();
  }
  if (a.outcome === 'transportError') {
    return observed.status === undefined ? ok() : bad(`want a transport error, got ${describeObserved(observed)}`);
  }
  const response = a.response as ExpectedResponse;
  if (observed.status === undefined || !response.statusCodes.some((code) => sameStatus(code, observed.status as number))) {
    return bad(`${request.method} ${request.authority}${request.path}: got ${describeObserved(observed)}, want ${response.statusCodes.join('|')}`);
  }
  const problem =
    observed.status === 200 || observed.status === 204
      ? (checkEchoRequest(observed, expectedRequestOf(a)) ??
        checkBackendOf(a, observed) ??
        checkResponseHeaders(observed, response) ??
        checkMirrors(observed, a.mirroredTo as Array<{ name: string }> | undefined))
      : observed.status >= 300 && observed.status <= 308
        ? verified(a, 'redirect')
          ? checkRedirect(observed.location, a.redirect as ExpectedRedirect | undefined, request)
          : undefined
        : checkResponseHeaders(observed, response);
  return problem ? bad(`${request.method} ${request.authority}${request.path}: ${problem}`) : ok();
}

function checkMirrors(observed: Observed, mirroredTo: Array<{ name: string }> | undefined): string | undefined {
  for (const mirror of mirroredTo ?? []) {
    if (!observed.mirroredTo.some((pod) => pod.startsWith(mirror.name))) {
      return `request not mirrored to ${mirror.name} (mirrored to: ${observed.mirroredTo.join(', ') || 'nothing'})`;
    }
  }
  return undefined;
}

function evaluateGrpc(a: Assertion, context: TrafficContext): TrafficVerdict {
  const { request, group } = probe(a, context, true);
  const observed = observe(context.dataPath.send(group, request), context.cluster, request);
  // Mesh gRPC probes state the answer as an HTTP status list (gRPC OK counts as 200).
  const meshCodes = (a.response as Partial<ExpectedResponse> | undefined)?.statusCodes ?? [200];
  const response = a.client === 'mesh' ? { code: meshCodes.includes(200) ? 'OK' : 'not OK' } : (a.response as { code: string; codeNumber?: number });
  const grpcOk = observed.status === 200 && observed.echo !== undefined;
  if (response.code !== 'OK') {
    if (a.client === 'mesh') return grpcOk ? bad(`${request.path}: call succeeded, want ${response.code}`) : ok();
    // Upstream compares the code itself (conformance/utils/grpc): a call that fails otherwise does not pass.
    const want = 'codeNumber' in response && typeof response.codeNumber === 'number' ? response.codeNumber : GRPC_CODES.indexOf(response.code);
    const got = grpcStatusOf(observed);
    return got === want ? ok() : bad(`${request.path} @${request.authority}: got ${GRPC_CODES[got] ?? got} (${describeObserved(observed)}), want ${response.code}`);
  }
  if (!grpcOk) return bad(`${request.path} @${request.authority}: got ${describeObserved(observed)}, want OK`);
  if (observed.echo && observed.echo.path !== request.path) return bad(`${request.path}: backend saw ${observed.echo.path}`);
  const problem = checkBackendOf(a, observed);
  return problem ? bad(`${request.path}: ${problem}`) : ok();
}

/** gRPC status codes by number, named as upstream's data names them. */
const GRPC_CODES = [
  'OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied',
  'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable',
  'DataLoss', 'Unauthenticated',
];

/**
 * The gRPC status a client reads from what the proxy did. Envoy sends the local reply to a gRPC
 * request as a trailers-only response whose grpc-status is mapped from the HTTP status
 * (Grpc::Utility::httpToGrpcStatus, gRPC's http-grpc-status-mapping.md): no route is a 404,
 * Unimplemented. A connection that gets no answer is Unavailable.
 */
function grpcStatusOf(observed: Pick<Observed, 'status' | 'echo'>): number {
  if (observed.status === undefined) return 14;
  switch (observed.status) {
    case 200:
      return observed.echo ? 0 : 2;
    case 400:
      return 13;
    case 401:
      return 16;
    case 403:
      return 7;
    case 404:
      return 12;
    case 429:
    case 502:
    case 503:
    case 504:
      return 14;
    default:
      return 2;
  }
}

/** Share of traffic per backend name, from the configured weights of the chosen route. */
function evaluateWeighted(a: Assertion, context: TrafficContext): TrafficVerdict {
  if (a.client !== 'gateway' && a.client !== 'mesh') return notEvaluated(`weighted traffic from a ${String(a.client)} client is not simulated`);
  let request: DataPathRequest;
  let group: string;
  if (a.client === 'mesh') {
    ({ request, group } = meshRoute(a, context, a.protocol === 'grpc'));
  } else {
    const target = a.target as Target;
    request =
      a.protocol === 'grpc'
        ? buildGrpcRequest(context, target, a.request as GrpcRequestSpec)
        : a.protocol === 'tcp' || a.protocol === 'udp'
          ? buildConnection(target, a.protocol, null)
          : buildHttpRequest(context, target, a.request as HttpRequestSpec);
    group = `${target.namespace}/${target.name}`;
  }
  const answer = context.dataPath.send(group, request);
  const evaluation = 'deterministic: configured weights compared with the expected shares (no sampling)';
  if (answer.kind !== 'forward' && answer.kind !== 'stream') return bad(`${request.path || `port ${request.port}`}: not forwarded (${answer.reason})`, evaluation);
  const weights = a.weights as Record<string, number>;
  const total = answer.backends.reduce((sum, b) => sum + Math.max(0, b.weight), 0);
  if (total <= 0) return bad('every backend has weight 0', evaluation);
  const shares: Record<string, number> = {};
  for (const backend of answer.backends) {
    if (backend.weight <= 0) continue;
    const pods = backend.service ? servingPods(context.cluster, backend.service) : [];
    if (pods.length === 0) return bad(`cluster ${backend.cluster} (weight ${backend.weight}) has no ready pods`, evaluation);
    const name = pods[0].name.split('-').slice(0, -2).join('-');
    shares[name] = (shares[name] ?? 0) + backend.weight / total;
  }
  for (const name of Object.keys(shares)) {
    if (!(name in weights)) return bad(`traffic reaches ${name}, not one of ${Object.keys(weights).join(', ')}`, evaluation);
  }
  const tolerance = typeof a.tolerance === 'number' ? a.tolerance : 0.05;
  for (const [name, want] of Object.entries(weights)) {
    const have = shares[name] ?? 0;
    if (want > 0 && have === 0) return bad(`${name} receives no traffic, want ${want}`, evaluation);
    if (want === 0 && have > 0) return bad(`${name} receives ${have.toFixed(3)}, want none`, evaluation);
    if (Math.abs(have - want) > tolerance) return bad(`${name} share ${have.toFixed(3)}, want ${want} ± ${tolerance}`, evaluation);
  }
  return ok('ok', evaluation);
}

function evaluateMirrorPercentage(a: Assertion, context: TrafficContext): TrafficVerdict {
  const target = a.target as Target;
  const request = buildHttpRequest(context, target, a.request as HttpRequestSpec);
  const answer = context.dataPath.send(`${target.namespace}/${target.name}`, request);
  const evaluation = 'deterministic: configured mirror percentage compared with the expected one (no sampling)';
  if (answer.kind !== 'forward') return bad(`${request.path}: not forwarded (${answer.reason})`, evaluation);
  const sampleSize = typeof a.sampleSize === 'number' ? a.sampleSize : 500;
  const deviations = typeof a.toleranceStdDevs === 'number' ? a.toleranceStdDevs : 3;
  for (const want of a.mirroredTo as Array<{ name: string; namespace: string; percent: number }>) {
    const mirror = (answer.mirrors ?? []).find((m) =>
      m.service ? servingPods(context.cluster, m.service).some((p) => p.name.startsWith(want.name) && p.namespace === want.namespace) : false,
    );
    if (!mirror) return bad(`no mirror to ${want.namespace}/${want.name}`, evaluation);
    const p = want.percent / 100;
    const slack = deviations * Math.sqrt(sampleSize * p * (1 - p));
    const expected = sampleSize * (mirror.percent / 100);
    if (Math.abs(expected - sampleSize * p) > slack) {
      return bad(`mirror to ${want.name} at ${mirror.percent}%, want ${want.percent}% (±${((slack / sampleSize) * 100).toFixed(1)}%)`, evaluation);
    }
  }
  return ok('ok', evaluation);
}

function evaluateHeaderConsistency(a: Assertion, context: TrafficContext): TrafficVerdict {
  const target = a.target as Target;
  const request = buildHttpRequest(context, target, a.request as HttpRequestSpec);
  const answer = context.dataPath.send(`${target.namespace}/${target.name}`, request);
  const evaluation = 'deterministic: every weighted backend checked once instead of sampling';
  if (answer.kind !== 'forward') return bad(`${request.path}: not forwarded (${answer.reason})`, evaluation);
  const header = String(a.header).toLowerCase();
  for (let index = 0; index < answer.backends.length; index++) {
    if (answer.backends[index].weight <= 0) continue;
    const observed = observe(answer, context.cluster, request, () => index);
    if (!observed.echo) return bad(`backend ${answer.backends[index].cluster}: ${describeObserved(observed)}`, evaluation);
    const value = observed.echo.headers[header];
    if (value === undefined || value.includes(',')) return bad(`pod ${observed.echo.pod} saw ${header}: ${value ?? '(absent)'}`, evaluation);
    if (!observed.echo.pod.startsWith(value)) return bad(`pod ${observed.echo.pod} saw ${header}: ${value}`, evaluation);
  }
  return ok('ok', evaluation);
}


// ---------- connection-level (TCP, TLS, UDP) ----------

export function buildConnection(target: Target, layer: 'tcp' | 'udp', serverName: string | null): DataPathRequest {
  return {
    protocol: 'HTTP/1.1',
    scheme: serverName ? 'https' : 'http',
    method: 'GET',
    authority: serverName ?? '',
    port: target.port,
    path: '',
    headers: {},
    layer,
    ...(serverName ? { sni: serverName } : {}),
  };
}

/** The pod a stream lands on, or why none does. */
function streamBackend(answer: DataPathAnswer, context: TrafficContext): { pod?: { name: string; namespace: string }; service?: ServiceRef; why: string } {
  if (answer.kind !== 'stream') return { why: `not proxied as a stream (${answer.kind}: ${answer.reason})` };
  const backend = pickBackend(answer.backends);
  if (!backend) return { why: `${answer.reason}; no backend with weight > 0` };
  if (backend.localReplyStatus !== undefined) return { why: `${answer.reason}; ${backend.localReplyReason ?? 'backend unusable'}` };
  if (!backend.service) return { why: `${answer.reason}; cluster ${backend.cluster} has no Service` };
  const pods = servingPods(context.cluster, backend.service);
  if (pods.length === 0) return { service: backend.service, why: `${answer.reason}; no ready endpoints for ${backend.service.namespace}/${backend.service.name}` };
  return { pod: pods[0], service: backend.service, why: answer.reason };
}

function evaluateTcp(a: Assertion, context: TrafficContext): TrafficVerdict {
  const target = a.target as Target;
  const tls = (a.request as { tls?: { serverName?: string } | null } | undefined)?.tls;
  const request = buildConnection(target, 'tcp', tls?.serverName ?? null);
  const answer = context.dataPath.send(`${target.namespace}/${target.name}`, request);
  const { pod, why } = streamBackend(answer, context);
  if (!pod) return bad(`port ${target.port}${tls ? ` SNI ${String(tls.serverName)}` : ''}: ${why}`);
  const backend = a.backend as { name: string; namespace: string };
  if (pod.namespace !== backend.namespace) return bad(`served from namespace ${pod.namespace}, want ${backend.namespace}`);
  if (!pod.name.startsWith(`${backend.name}-`)) return bad(`served by pod ${pod.name}, want ${backend.name}-*`);
  const sawTls = Boolean(tls) && answer.kind === 'stream' && !answer.tlsTerminated;
  if (typeof a.expectBackendSawTLS === 'boolean' && sawTls !== a.expectBackendSawTLS) {
    return bad(`backend ${sawTls ? 'saw' : 'did not see'} TLS, want ${a.expectBackendSawTLS ? 'TLS' : 'plain text'}`);
  }
  return ok();
}

function evaluateTcpConnect(a: Assertion, context: TrafficContext): TrafficVerdict {
  const target = a.target as Target;
  const answer = context.dataPath.send(`${target.namespace}/${target.name}`, buildConnection(target, 'tcp', null));
  return answer.kind === 'reset' ? bad(`port ${target.port}: connection not accepted (${answer.reason})`) : ok();
}

function evaluateSamples(a: Assertion, context: TrafficContext, layer: 'tcp' | 'udp'): TrafficVerdict {
  const target = a.target as Target;
  const answer = context.dataPath.send(`${target.namespace}/${target.name}`, buildConnection(target, layer, null));
  const evaluation = 'deterministic: every configured backend of the connection checked instead of sampling';
  if (answer.kind !== 'stream') return bad(`port ${target.port}: not proxied (${answer.reason})`, evaluation);
  const backend = a.backend as { name: string };
  const forbidden = (a.forbiddenBackends as string[] | undefined) ?? [];
  for (const choice of answer.backends.filter((b) => b.weight > 0)) {
    const pods = choice.service ? servingPods(context.cluster, choice.service) : [];
    if (pods.length === 0) return bad(`cluster ${choice.cluster} has no ready pods`, evaluation);
    if (forbidden.some((name) => pods[0].name.startsWith(name))) return bad(`traffic reaches forbidden backend ${pods[0].name}`, evaluation);
    if (!pods[0].name.startsWith(backend.name)) return bad(`traffic reaches ${pods[0].name}, want ${backend.name}`, evaluation);
  }
  return answer.backends.some((b) => b.weight > 0) ? ok('ok', evaluation) : bad('no backend with weight > 0', evaluation);
}

function evaluateUdp(a: Assertion, context: TrafficContext): TrafficVerdict {
  const target = a.target as Target;
  const answer = context.dataPath.send(`${target.namespace}/${target.name}`, buildConnection(target, 'udp', null));
  const { pod, service, why } = streamBackend(answer, context);
  if (!pod) return bad(`UDP port ${target.port}: ${why}`);
  const backend = a.backend as { service?: string; name?: string; namespace: string } | null;
  if (!backend) return ok();
  if (pod.namespace !== backend.namespace) return bad(`answered from namespace ${pod.namespace}, want ${backend.namespace}`);
  if (backend.service && service?.name !== backend.service) return bad(`answered by Service ${service?.name ?? '?'}, want ${backend.service}`);
  if (backend.name && !pod.name.startsWith(backend.name)) return bad(`answered by pod ${pod.name}, want ${backend.name}-*`);
  return ok();
}

function evaluateTlsRejected(a: Assertion, context: TrafficContext): TrafficVerdict {
  const target = a.target as Target;
  const serverName = (a.request as { serverName: string }).serverName;
  const answer = context.dataPath.send(`${target.namespace}/${target.name}`, buildConnection(target, 'tcp', serverName));
  if (answer.kind === 'reset') return ok();
  const { pod, why } = streamBackend(answer, context);
  // A proxied stream whose backend cannot be reached is closed by the proxy as well.
  return pod ? bad(`SNI ${serverName}: connection completed to ${pod.namespace}/${pod.name}`) : ok(`closed: ${why}`);
}

/** Evaluates one expressible traffic assertion (placeholders already substituted). */
export function evaluateTraffic(a: Assertion, context: TrafficContext): TrafficVerdict {
  try {
    if (a.client === 'mesh' && !['http', 'grpc', 'weightedDistribution'].includes(a.type)) {
      return notEvaluated(`${a.type} traffic from a mesh client is not simulated`);
    }
    switch (a.type) {
      case 'http':
        return evaluateHttp(a, context);
      case 'grpc':
        return evaluateGrpc(a, context);
      case 'weightedDistribution':
        return evaluateWeighted(a, context);
      case 'mirrorPercentage':
        return evaluateMirrorPercentage(a, context);
      case 'httpBackendHeaderConsistency':
        return evaluateHeaderConsistency(a, context);
      case 'tcp':
        return evaluateTcp(a, context);
      case 'tcpConnect':
        return evaluateTcpConnect(a, context);
      case 'tcpSamples':
        return evaluateSamples(a, context, 'tcp');
      case 'udpSamples':
        return evaluateSamples(a, context, 'udp');
      case 'udp':
      case 'udpDns':
        return evaluateUdp(a, context);
      case 'tlsConnectionRejected':
        return evaluateTlsRejected(a, context);
      default:
        return notEvaluated(`${a.type} traffic is not simulated`);
    }
  } catch (error) {
    return bad(`simulation failed: ${(error as Error).message}`);
  }
}

// ---------- default data path: translator IR → xds → explain ----------

/**
 * Resolves the xds and explain stages at run time: the runner reports traffic
 * as not evaluated, rather than failing to load, while either stage is missing.
 */
export async function loadDataPathFactory(): Promise<DataPathFactory> {
  const xds = (await import('@portico/xds')) as Record<string, unknown>;
  const explain = (await import('@portico/explain')) as Record<string, unknown>;
  const missing = [
    typeof xds.buildXds === 'function' ? undefined : '@portico/xds buildXds',
    typeof explain.explainRequest === 'function' ? undefined : '@portico/explain explainRequest',
  ].filter(Boolean);
  if (missing.length > 0) {
    return () => {
      throw new Error(`${missing.join(' and ')} not available yet`);
    };
  }
  const { createExplainDataPath } = await import('./explain-adapter.js');
  return createExplainDataPath(xds.buildXds as (ir: unknown) => unknown, explain.explainRequest as (resources: unknown, request: unknown) => unknown);
}

