// Public types of @portico/explain. Everything here is plain data (JSON-serialisable) so the CLI can
// print it with `-o json` and the admin API can return it unchanged.

/** A request (or connection) to evaluate against the Envoy resources a proxy is served. */
export interface ExplainRequest {
  /** `http` (default) or `https`; https means the client speaks TLS to the listener. */
  scheme?: 'http' | 'https';
  /** HTTP method, default `GET`. */
  method?: string;
  /** Host header / :authority, `host` or `host:port`. Required for HTTP evaluation. */
  authority?: string;
  /** Destination port the connection arrives on. Default: port of `authority`, else 80/443 by scheme. */
  port?: number;
  /** Path with optional query, default `/`. */
  path?: string;
  /** Request headers; names are case-insensitive. Repeated names keep every value. */
  headers?: Record<string, string | string[]> | Array<[string, string]>;
  /** TLS SNI. Default for https: the host part of `authority`. `null` sends no SNI. */
  sni?: string | null;
  /** ALPN protocols offered by the client. Default for https: `['h2', 'http/1.1']`. */
  alpn?: string[];
  /** A client certificate is presented when set; `valid` says whether it chains to the configured CA. */
  clientCertificate?: { valid: boolean };
  /** `tcp` (default) or `udp`. */
  transport?: 'tcp' | 'udp';
  /**
   * The client sends a byte stream, not HTTP (`tcp://`, `tls://` and `udp://` requests): method,
   * path and headers mean nothing to it. Only the trace's request line uses this; which filter
   * the connection meets is what the listener says.
   */
  stream?: boolean;
  /** Downstream remote address, used only where Envoy uses it (x-forwarded-for with use_remote_address). */
  sourceAddress?: string;
  /**
   * IP address the client connected to: the connection's original destination, which an
   * ORIGINAL_DST (passthrough) cluster forwards to. Default: the host of `authority` when it
   * is an IP literal; otherwise unknown (a hostname was resolved by the client).
   */
  destinationAddress?: string;
  /**
   * Start at the listener with this name instead of selecting one by port: an api_listener (the
   * name a proxyless gRPC client resolves, e.g. `echo.default.svc:50051`) or any served listener.
   */
  listener?: string;
  /** When the route splits traffic, evaluate the upstream request as if this cluster had been picked. */
  cluster?: string;
}

/** Portico source metadata found at `metadata.filter_metadata.portico`. */
export type PorticoSource = Record<string, unknown>;

export type TraceStage =
  | 'listener'
  | 'filter_chain'
  | 'tls'
  | 'network_filter'
  | 'hcm'
  | 'route_config'
  | 'virtual_host'
  | 'route'
  | 'http_filter'
  | 'cors'
  | 'action'
  | 'request_headers'
  | 'response_headers'
  | 'cluster'
  | 'mirror'
  | 'policy';

export type StepResult =
  | 'matched'
  | 'no_match'
  | 'applied'
  | 'skipped'
  | 'info'
  | 'rejected'
  | 'unsupported'
  | 'unknown';

export interface CandidateNote {
  name: string;
  matched: boolean;
  reason: string;
}

export interface TraceStep {
  stage: TraceStage;
  result: StepResult;
  /** Name of the resource or element this step selected or looked at. */
  name?: string;
  summary: string;
  /** Earlier or competing candidates, in evaluation order, with why each did or did not match. */
  candidates?: CandidateNote[];
  notes?: string[];
  source?: PorticoSource;
}

/** Ordered header list: lower-case names, repeated names allowed, in Envoy's insertion order. */
export type HeaderEntries = Array<[string, string]>;

export type AppendAction =
  | 'APPEND_IF_EXISTS_OR_ADD'
  | 'ADD_IF_ABSENT'
  | 'OVERWRITE_IF_EXISTS_OR_ADD'
  | 'OVERWRITE_IF_EXISTS';

export interface HeaderAddition {
  name: string;
  value: string;
  appendAction: AppendAction;
  keepEmptyValue: boolean;
}

/** One HeaderParser of Envoy (one config level), applied as a unit: removals, then overwrites, then appends. */
export interface HeaderMutationLevel {
  /** e.g. `route`, `virtual_host`, `route_configuration`, `weighted_cluster`, `filter:header_mutation`. */
  level: string;
  remove: string[];
  add: HeaderAddition[];
}

export interface UpstreamRequest {
  cluster: string;
  method: string;
  scheme: string;
  /** :authority / Host as the backend receives it. */
  authority: string;
  /** :path with query as the backend receives it. */
  path: string;
  /** Regular headers (no pseudo-headers) after every mutation, lower-case names. */
  headers: Record<string, string[]>;
  /** Headers Envoy adds with a value known only at run time (e.g. x-request-id). */
  dynamicHeaders: Record<string, string>;
}

export interface EndpointInfo {
  address: string;
  port?: number;
  healthStatus: string;
  weight?: number;
  priority: number;
  locality?: string;
  /** LocalityLbEndpoints.load_balancing_weight (used with locality_weighted_lb_config). */
  localityWeight?: number;
  /** The endpoint's own `portico` filter metadata (which Service it belongs to). */
  source?: PorticoSource;
}

export interface ClusterCandidate {
  name: string;
  /** Weight from weighted_clusters, or 1 for a single cluster. */
  weight: number;
  /** Share of requests this cluster receives, 0..1. */
  share: number;
  exists: boolean;
  type?: string;
  source?: PorticoSource;
  endpoints: EndpointInfo[];
  /** SNI Envoy sends upstream when the cluster uses TLS. */
  upstreamTlsServerName?: string;
  upstreamTls: boolean;
  /** Status the client gets when this cluster is picked and Envoy fails locally (missing cluster, no hosts). */
  localReplyStatus?: number;
  localReplyReason?: string;
  /** The request as a backend of this cluster receives it. */
  request?: UpstreamRequest;
  /** Response header mutations applied to responses coming from this cluster (in order). */
  responseHeaderMutations: HeaderMutationLevel[];
}

export interface MirrorInfo {
  cluster: string;
  /** Percentage of requests mirrored, 0..100. */
  percent: number;
  exists: boolean;
  /** :authority the mirror receives. */
  authority: string;
  source?: PorticoSource;
  endpoints: EndpointInfo[];
}

export interface RetryInfo {
  retryOn: string[];
  numRetries: number;
  perTryTimeout?: string;
  retriableStatusCodes: number[];
  backOff?: { baseInterval?: string; maxInterval?: string };
  from: 'route' | 'virtual_host';
}

export interface TimeoutInfo {
  /** Route timeout, `15s` when unset (Envoy's default); `0s` means disabled. */
  route: string;
  idle?: string;
  maxStreamDuration?: string;
}

export interface CorsOutcome {
  preflight: boolean;
  originAllowed: boolean;
  /** Headers the CORS filter puts on the response. */
  headers: Record<string, string>;
}

export interface ClientResponse {
  /** `envoy`: Envoy answers itself; `upstream`: status and body come from the backend. */
  from: 'envoy' | 'upstream';
  status?: number;
  /** For `envoy`: the full header set. For `upstream`: headers Envoy itself adds (mutations are in the clusters). */
  headers: Record<string, string[]>;
  body?: string;
  location?: string;
  /** Why Envoy answered (e.g. `route_not_found`, `redirect`, `direct_response`, `cors_preflight`). */
  reason?: string;
}

export type ExplainOutcome =
  | 'forwarded'
  | 'redirect'
  | 'direct_response'
  | 'local_reply'
  | 'tcp_proxy'
  | 'udp_proxy'
  | 'connection_rejected'
  | 'unsupported';

export interface RouteInfo {
  name?: string;
  index: number;
  virtualHost: string;
  routeConfig: string;
  source?: PorticoSource;
}

export interface ExplainTrace {
  request: Required<Pick<ExplainRequest, 'scheme' | 'method' | 'path' | 'transport' | 'stream'>> & {
    authority: string;
    port: number;
    headers: HeaderEntries;
    sni: string | null;
    alpn: string[];
    clientCertificate: 'none' | 'valid' | 'invalid';
  };
  outcome: ExplainOutcome;
  /** One line explaining the outcome. */
  summary: string;
  steps: TraceStep[];
  listener?: string;
  filterChain?: string;
  route?: RouteInfo;
  /** Clusters the request may go to, with their weights and shares. */
  clusters: ClusterCandidate[];
  /** The cluster whose request is shown in `upstreamRequest` (see `selection`). */
  selectedCluster?: string;
  selection?: 'single' | 'requested' | 'highest_weight';
  upstreamRequest?: UpstreamRequest;
  response?: ClientResponse;
  mirrors: MirrorInfo[];
  retry?: RetryInfo;
  timeout?: TimeoutInfo;
  cors?: CorsOutcome;
  /** Every configuration element that was present but not simulated. */
  unsupported: string[];
  /** Results that depend on something outside the configuration (e.g. an external authorization service). */
  unknowns: string[];
}
