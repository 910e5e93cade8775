// The intermediate representation: the seam between Gateway API semantics
// (translator) and Envoy specifics (xds). Everything here is already resolved:
// references are checked, precedence is applied (routes are in match order),
// invalid pieces are replaced by what the spec says the data path must do
// (e.g. a 500 direct response). The xds stage never looks at Gateway API
// objects, and the translator never names an Envoy type.
//
// All arrays are in a deterministic order and all names are stable, so the
// same input yields byte-identical IR.

/** Where an IR element came from, for debugging (explain, config dump metadata). */
export interface IRSource {
  kind: string;
  namespace?: string;
  name: string;
  /** e.g. `spec.rules[1].matches[0]` */
  path?: string;
  /** HTTPRoute/GRPCRoute rule `name`, when set. */
  ruleName?: string;
}

export interface IR {
  /** One per Gateway (and the ListenerSets merged into it) with an Accepted GatewayClass. */
  gateways: IRGateway[];
  /** Every upstream cluster referenced by any gateway, sorted by name. */
  clusters: IRCluster[];
  /** TLS material referenced by listeners and clusters, sorted by name. */
  secrets: IRSecret[];
}

export interface IRGateway {
  /** `namespace/name` of the Gateway. */
  name: string;
  namespace: string;
  /** Proxies identify the Gateway they serve by this (node cluster `namespace/name`). */
  proxyGroup: string;
  /** One per distinct port, sorted by port. */
  listeners: IRListener[];
  /** Proxyless gRPC api_listeners (`host:port`) served to `xds:///` clients. */
  apiListeners?: IRApiListener[];
  /**
   * Sidecar clients: the port their outbound connections are redirected to. A connection
   * arriving there goes to the listener for its original destination port, or, when no
   * listener serves that port, passes through unchanged to the original destination.
   */
  outboundCapturePort?: number;
}

export type IRProtocol = 'HTTP' | 'HTTPS' | 'TLS' | 'TCP' | 'UDP';

/** A port on the proxy. HTTP-family listeners share one port by filter chains. */
export interface IRListener {
  /** Stable unique name, e.g. `ns/gateway/80`. */
  name: string;
  address: string;
  port: number;
  /** Filter chains in match order. */
  filterChains: IRFilterChain[];
}

export type IRFilterChain = IRHttpFilterChain | IRTcpFilterChain | IRUdpFilterChain;

export interface IRFilterChainMatch {
  /** SNI names (exact or `*.suffix`); empty = any. */
  serverNames?: string[];
  /** `tls` when the chain needs a TLS ClientHello (HTTPS, TLS listeners). */
  transport?: 'tls' | 'raw';
}

export interface IRDownstreamTLS {
  /** Secret names (IRSecret.name) of server certificates, in listener order. */
  certificates: string[];
  /** Frontend client certificate validation. */
  clientValidation?: {
    /** IRSecret.name holding the CA bundle. */
    caSecret: string;
    mode: 'AllowValidOnly' | 'AllowInsecureFallback';
  };
  alpn?: string[];
}

export interface IRHttpFilterChain {
  type: 'http';
  name: string;
  match: IRFilterChainMatch;
  /** Present when TLS is terminated on this chain. */
  tls?: IRDownstreamTLS;
  /** Name of the IRRouteConfig served over RDS for this chain. */
  routeConfig: IRRouteConfig;
  /** HTTP/1, HTTP/2 etc. accepted downstream. */
  http2?: boolean;
}

export interface IRRouteConfig {
  name: string;
  /** Virtual hosts; domain uniqueness is guaranteed by the translator. */
  virtualHosts: IRVirtualHost[];
  /**
   * When several HTTPS listeners share a port, a request whose Host does not match
   * the SNI-selected listener must be refused with 421 (misdirected request).
   */
  detectMisdirected?: boolean;
  /**
   * Sidecar outbound traffic: a request whose Host matches no virtual host goes, unchanged,
   * to the address the client connected to (a pod IP, a destination outside the mesh)
   * instead of getting a 404.
   */
  passthrough?: boolean;
}

export interface IRVirtualHost {
  name: string;
  /** Envoy domain syntax: exact, `*.suffix`, or `*`. Hosts are matched without port unless `:port` given. */
  domains: string[];
  /** In match order (Gateway API precedence already applied). */
  routes: IRRoute[];
  /** CORS applied per route; kept here only when identical for the whole vhost (optional optimisation). */
}

export interface IRStringMatch {
  type: 'Exact' | 'Prefix' | 'Suffix' | 'Contains' | 'RegularExpression';
  value: string;
  ignoreCase?: boolean;
}

export interface IRHeaderMatch {
  name: string;
  /** Absent = header must be present with any value. */
  value?: IRStringMatch;
  invert?: boolean;
}

export interface IRRouteMatch {
  path:
    | { type: 'Exact'; value: string }
    /** Gateway API PathPrefix: element-wise prefix (`/foo` matches `/foo` and `/foo/bar`, not `/foobar`). */
    | { type: 'PathPrefix'; value: string }
    | { type: 'RegularExpression'; value: string };
  headers: IRHeaderMatch[];
  queryParams: Array<{ name: string; value: IRStringMatch }>;
  /** Match only gRPC requests (content-type application/grpc). */
  grpc?: boolean;
}

export interface IRHeaderMutation {
  set: Array<{ name: string; value: string }>;
  add: Array<{ name: string; value: string }>;
  remove: string[];
}

export interface IRBackend {
  /** IRCluster.name */
  cluster: string;
  weight: number;
  /** Per-backendRef filters (HTTPBackendRef.filters). */
  requestHeaders?: IRHeaderMutation;
  responseHeaders?: IRHeaderMutation;
  source?: IRSource;
}

export interface IRRedirect {
  scheme?: string;
  hostname?: string;
  /** Absent: Location carries no port (it is the scheme's default, and the host it keeps has none). */
  port?: number;
  /** Gateway API semantics: ReplaceFullPath replaces the path, ReplacePrefixMatch replaces the matched prefix. */
  path?: { type: 'ReplaceFullPath'; value: string } | { type: 'ReplacePrefixMatch'; value: string };
  statusCode: 301 | 302 | 303 | 307 | 308;
}

export interface IRUrlRewrite {
  hostname?: string;
  path?: { type: 'ReplaceFullPath'; value: string } | { type: 'ReplacePrefixMatch'; value: string };
}

export interface IRMirror {
  cluster: string;
  /** 0..100, fractional allowed; absent = 100. */
  percent?: number;
}

export interface IRCors {
  /** Origins: exact, `*`, or with a `*` wildcard in the host part (Gateway API syntax). */
  allowOrigins: string[];
  allowCredentials: boolean;
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds?: number;
}

export interface IRRetry {
  /** HTTP status codes that trigger a retry. */
  codes: number[];
  attempts: number;
  /** Go-style duration string from the Gateway API (`100ms`), parsed by xds. */
  backoff?: string;
}

export interface IRSessionPersistence {
  type: 'Cookie' | 'Header';
  name: string;
  /** Seconds; absent = session cookie. */
  absoluteTimeoutSeconds?: number;
  idleTimeoutSeconds?: number;
}

export type IRRouteAction =
  | {
      kind: 'forward';
      /** Empty only never: an all-invalid backend list becomes a directResponse (500, or invalidStatus). */
      backends: IRBackend[];
      /**
       * Total weight (same scale as `backends[].weight`) of backendRefs that are invalid.
       * Gateway API requires that share of requests to get a 500; absent = 0.
       */
      invalidWeight?: number;
      /**
       * The HTTP status for requests meant for invalid backends, when not 500: a GRPCRoute's get
       * 503, which gRPC clients read as UNAVAILABLE (what GRPCRoute requires).
       */
      invalidStatus?: 503;
      urlRewrite?: IRUrlRewrite;
      /** Go-style durations (`10s`, `500ms`) as in Gateway API; `0s` = no timeout. */
      timeouts?: { request?: string; backendRequest?: string };
      retry?: IRRetry;
      mirrors?: IRMirror[];
      sessionPersistence?: IRSessionPersistence;
    }
  | { kind: 'redirect'; redirect: IRRedirect }
  | { kind: 'directResponse'; status: number; body?: string };

export interface IRExternalAuth {
  protocol: 'HTTP' | 'GRPC';
  cluster: string;
  path?: string;
  allowedHeaders?: string[];
  allowedResponseHeaders?: string[];
  forwardBodyMaxSize?: number;
}

export interface IRRoute {
  /** Stable unique name: `httproute/ns/name/rule/0/match/0`. */
  name: string;
  match: IRRouteMatch;
  /** Request header mutation applied before forwarding (rule-level filters). */
  requestHeaders?: IRHeaderMutation;
  responseHeaders?: IRHeaderMutation;
  cors?: IRCors;
  externalAuth?: IRExternalAuth;
  action: IRRouteAction;
  source: IRSource;
}

// ---------- L4 ----------

export interface IRTcpFilterChain {
  type: 'tcp';
  name: string;
  match: IRFilterChainMatch;
  /** TLS termination (TLSRoute Terminate mode); absent = passthrough/plain TCP. */
  tls?: IRDownstreamTLS;
  /** Weighted upstream clusters; empty backends = connection is closed. */
  backends: IRBackend[];
  /**
   * Weight of the route's invalid backendRefs: that share of connections is closed ("if an
   * invalid backend is requested to have 80% of connections, then 80% of connections must be
   * rejected instead").
   */
  invalidWeight?: number;
  source?: IRSource;
}

export interface IRUdpFilterChain {
  type: 'udp';
  name: string;
  match: IRFilterChainMatch;
  backends: IRBackend[];
  source?: IRSource;
}

export interface IRApiListener {
  /** `host:port` as requested by `xds:///host:port` clients. */
  name: string;
  routeConfig: IRRouteConfig;
}

// ---------- upstreams ----------

export interface IREndpoint {
  address: string;
  port: number;
  ready: boolean;
  zone?: string;
  /** Pod or target name, for debugging and explain. */
  hostname?: string;
}

export interface IRUpstreamTLS {
  /** SNI and hostname to verify. */
  sni: string;
  /** IRSecret.name with the CA bundle; absent with `system: true` uses the system trust store. */
  caSecret?: string;
  system?: boolean;
  subjectAltNames: Array<{ type: 'Hostname' | 'URI'; value: string }>;
  /**
   * Client certificate per Gateway (IRGateway.name → IRSecret.name of its
   * spec.tls.backend.clientCertificateRef): one cluster serves several Gateways, and each
   * presents its own certificate, never another's.
   */
  clientCertificates?: Record<string, string>;
}

export interface IRCluster {
  /** Stable unique name: `ns/service/port` (plus a suffix when TLS/protocol variants differ). */
  name: string;
  /** eds: endpoints from EndpointSlices; dns: ExternalName / hostname; static: fixed addresses. */
  discovery: 'eds' | 'dns' | 'static';
  endpoints: IREndpoint[];
  /** For dns discovery. */
  dnsName?: string;
  dnsPort?: number;
  protocol: 'http1' | 'http2' | 'websocket' | 'tcp' | 'udp';
  tls?: IRUpstreamTLS;
  /**
   * Carries TLS connections through as they are (TLSRoute Passthrough, name `…/passthrough`):
   * never given upstream TLS by a policy, which would wrap the client's TLS in a second session.
   */
  passthrough?: true;
  connectTimeout?: string;
  source: IRSource;
}

export interface IRSecret {
  name: string;
  /** PEM; privateKey never leaves the xds stage un-redacted in dumps. */
  certificateChain?: string;
  privateKey?: string;
  /** PEM CA bundle for validation contexts. */
  trustedCa?: string;
  source: IRSource;
}
export { compareStrings, sortInPlace } from './order.js';
export { escapeRegex } from './regex.js';
