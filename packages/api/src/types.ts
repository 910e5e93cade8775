// Kubernetes and Gateway API object shapes as Portico reads them.
// Field names follow the upstream CRDs (v1.6) exactly so manifests map 1:1.
// Optional everywhere the CRD allows omission: input is untrusted and the
// translator must turn missing fields into status, never crash on them.

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }>;
}

export interface KubeObject<Spec = unknown, Status = unknown> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: Spec;
  status?: Status;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }>;
}

// ---------- shared references ----------

export interface ParentReference {
  group?: string;
  kind?: string;
  namespace?: string;
  name: string;
  sectionName?: string;
  port?: number;
}

export interface BackendRef {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  port?: number;
  weight?: number;
}

export interface SecretObjectReference {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
}

export interface LocalObjectReference {
  group: string;
  kind: string;
  name: string;
}

export interface ParametersReference {
  group: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface RouteGroupKind {
  group?: string;
  kind: string;
}

// ---------- GatewayClass ----------

export interface GatewayClassSpec {
  controllerName: string;
  parametersRef?: ParametersReference;
  description?: string;
}

export interface GatewayClassStatus {
  conditions?: Condition[];
  supportedFeatures?: Array<{ name: string }>;
}

export type GatewayClass = KubeObject<GatewayClassSpec, GatewayClassStatus>;

// ---------- Gateway ----------

export type ProtocolType = 'HTTP' | 'HTTPS' | 'TLS' | 'TCP' | 'UDP' | string;

export interface FrontendTLSValidation {
  caCertificateRefs?: Array<{ group?: string; kind?: string; name: string; namespace?: string }>;
  mode?: 'AllowValidOnly' | 'AllowInsecureFallback' | string;
}

export interface GatewayTLSConfig {
  mode?: 'Terminate' | 'Passthrough' | string;
  certificateRefs?: SecretObjectReference[];
  options?: Record<string, string>;
}

export interface AllowedRoutes {
  namespaces?: { from?: 'All' | 'Same' | 'Selector' | string; selector?: LabelSelector };
  kinds?: RouteGroupKind[];
}

export interface Listener {
  name: string;
  hostname?: string;
  port: number;
  protocol: ProtocolType;
  tls?: GatewayTLSConfig;
  allowedRoutes?: AllowedRoutes;
}

export interface GatewaySpecAddress {
  type?: 'IPAddress' | 'Hostname' | 'NamedAddress' | string;
  value?: string;
}

export interface GatewaySpec {
  gatewayClassName: string;
  listeners?: Listener[];
  addresses?: GatewaySpecAddress[];
  infrastructure?: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    parametersRef?: LocalObjectReference;
  };
  allowedListeners?: { namespaces?: { from?: 'All' | 'Same' | 'Selector' | 'None' | string; selector?: LabelSelector } };
  tls?: {
    backend?: { clientCertificateRef?: SecretObjectReference };
    frontend?: {
      default?: { validation?: FrontendTLSValidation };
      perPort?: Array<{ port: number; tls?: { validation?: FrontendTLSValidation } }>;
    };
  };
  /** GEP-3793 (experimental): `All` makes this a default Gateway for Routes with `useDefaultGateways: All`. */
  defaultScope?: 'All' | 'None' | string;
}

export interface ListenerStatus {
  name: string;
  supportedKinds: RouteGroupKind[];
  attachedRoutes: number;
  conditions: Condition[];
}

export interface GatewayStatus {
  addresses?: Array<{ type?: string; value: string }>;
  conditions?: Condition[];
  listeners?: ListenerStatus[];
  attachedListenerSets?: number;
}

export type Gateway = KubeObject<GatewaySpec, GatewayStatus>;

// ---------- ListenerSet ----------

export interface ListenerSetSpec {
  parentRef: { group?: string; kind?: string; namespace?: string; name: string };
  listeners?: Listener[];
}

export interface ListenerSetStatus {
  conditions?: Condition[];
  listeners?: ListenerStatus[];
}

export type ListenerSet = KubeObject<ListenerSetSpec, ListenerSetStatus>;

// ---------- Routes ----------

export interface RouteParentStatus {
  parentRef: ParentReference;
  controllerName: string;
  conditions: Condition[];
}

export interface RouteStatus {
  parents: RouteParentStatus[];
}

/** RouteStatus.parents' maxItems: the API server refuses a status with more. */
export const MAX_ROUTE_PARENTS = 32;

export interface HTTPPathMatch {
  type?: 'Exact' | 'PathPrefix' | 'RegularExpression' | string;
  value?: string;
}

export interface HTTPHeaderMatch {
  type?: 'Exact' | 'RegularExpression' | string;
  name: string;
  value: string;
}

export interface HTTPRouteMatch {
  path?: HTTPPathMatch;
  headers?: HTTPHeaderMatch[];
  queryParams?: HTTPHeaderMatch[];
  method?: string;
}

export interface HTTPHeader {
  name: string;
  value: string;
}

export interface HTTPHeaderFilter {
  set?: HTTPHeader[];
  add?: HTTPHeader[];
  remove?: string[];
}

export interface HTTPPathModifier {
  type: 'ReplaceFullPath' | 'ReplacePrefixMatch' | string;
  replaceFullPath?: string;
  replacePrefixMatch?: string;
}

export interface HTTPRequestRedirectFilter {
  scheme?: string;
  hostname?: string;
  path?: HTTPPathModifier;
  port?: number;
  statusCode?: number;
}

export interface HTTPURLRewriteFilter {
  hostname?: string;
  path?: HTTPPathModifier;
}

export interface HTTPRequestMirrorFilter {
  backendRef: BackendRef;
  percent?: number;
  fraction?: { numerator: number; denominator?: number };
}

export interface HTTPCORSFilter {
  allowOrigins?: string[];
  allowCredentials?: boolean;
  allowMethods?: string[];
  allowHeaders?: string[];
  exposeHeaders?: string[];
  maxAge?: number;
}

export interface HTTPExternalAuthFilter {
  protocol: 'HTTP' | 'GRPC' | string;
  backendRef: BackendRef;
  grpc?: { allowedHeaders?: string[] };
  http?: { path?: string; allowedHeaders?: string[]; allowedResponseHeaders?: string[] };
  forwardBody?: { maxSize?: number };
}

export interface HTTPRouteFilter {
  type: string;
  requestHeaderModifier?: HTTPHeaderFilter;
  responseHeaderModifier?: HTTPHeaderFilter;
  requestRedirect?: HTTPRequestRedirectFilter;
  urlRewrite?: HTTPURLRewriteFilter;
  requestMirror?: HTTPRequestMirrorFilter;
  cors?: HTTPCORSFilter;
  externalAuth?: HTTPExternalAuthFilter;
  extensionRef?: LocalObjectReference;
}

export interface HTTPBackendRef extends BackendRef {
  filters?: HTTPRouteFilter[];
}

export interface HTTPRouteRetry {
  codes?: number[];
  attempts?: number;
  backoff?: string;
}

export interface SessionPersistence {
  sessionName?: string;
  absoluteTimeout?: string;
  idleTimeout?: string;
  type?: 'Cookie' | 'Header' | string;
  cookieConfig?: { lifetimeType?: 'Permanent' | 'Session' | string };
}

export interface HTTPRouteRule {
  name?: string;
  matches?: HTTPRouteMatch[];
  filters?: HTTPRouteFilter[];
  backendRefs?: HTTPBackendRef[];
  timeouts?: { request?: string; backendRequest?: string };
  retry?: HTTPRouteRetry;
  sessionPersistence?: SessionPersistence;
}

/** GEP-3793 (experimental): CommonRouteSpec.useDefaultGateways. */
export type GatewayDefaultScope = 'All' | 'None' | string;

export interface HTTPRouteSpec {
  parentRefs?: ParentReference[];
  useDefaultGateways?: GatewayDefaultScope;
  hostnames?: string[];
  rules?: HTTPRouteRule[];
}

export type HTTPRoute = KubeObject<HTTPRouteSpec, RouteStatus>;

export interface GRPCMethodMatch {
  type?: 'Exact' | 'RegularExpression' | string;
  service?: string;
  method?: string;
}

export interface GRPCRouteMatch {
  method?: GRPCMethodMatch;
  headers?: HTTPHeaderMatch[];
}

export interface GRPCRouteRule {
  name?: string;
  matches?: GRPCRouteMatch[];
  filters?: HTTPRouteFilter[];
  backendRefs?: HTTPBackendRef[];
  sessionPersistence?: SessionPersistence;
}

export interface GRPCRouteSpec {
  parentRefs?: ParentReference[];
  useDefaultGateways?: GatewayDefaultScope;
  hostnames?: string[];
  rules?: GRPCRouteRule[];
}

export type GRPCRoute = KubeObject<GRPCRouteSpec, RouteStatus>;

export interface TLSRouteSpec {
  parentRefs?: ParentReference[];
  useDefaultGateways?: GatewayDefaultScope;
  hostnames?: string[];
  rules?: Array<{ name?: string; backendRefs?: BackendRef[] }>;
}

export type TLSRoute = KubeObject<TLSRouteSpec, RouteStatus>;

export interface L4RouteSpec {
  parentRefs?: ParentReference[];
  useDefaultGateways?: GatewayDefaultScope;
  rules?: Array<{ name?: string; backendRefs?: BackendRef[] }>;
}

export type TCPRoute = KubeObject<L4RouteSpec, RouteStatus>;
export type UDPRoute = KubeObject<L4RouteSpec, RouteStatus>;

// ---------- ReferenceGrant ----------

export interface ReferenceGrantSpec {
  from: Array<{ group: string; kind: string; namespace: string }>;
  to: Array<{ group: string; kind: string; name?: string }>;
}

export type ReferenceGrant = KubeObject<ReferenceGrantSpec, never>;

// ---------- BackendTLSPolicy ----------

export interface BackendTLSPolicySpec {
  targetRefs: Array<{ group: string; kind: string; name: string; sectionName?: string }>;
  validation: {
    caCertificateRefs?: LocalObjectReference[];
    wellKnownCACertificates?: 'System' | string;
    hostname: string;
    subjectAltNames?: Array<{ type: 'Hostname' | 'URI' | string; hostname?: string; uri?: string }>;
  };
  options?: Record<string, string>;
}

export interface PolicyAncestorStatus {
  ancestorRef: ParentReference;
  controllerName: string;
  conditions: Condition[];
}

export interface PolicyStatus {
  ancestors: PolicyAncestorStatus[];
}

/** PolicyStatus.ancestors' maxItems: the API server refuses a status with more. */
export const MAX_POLICY_ANCESTORS = 16;

export type BackendTLSPolicy = KubeObject<BackendTLSPolicySpec, PolicyStatus>;

// ---------- core/v1 and discovery/v1 ----------

export interface ServicePort {
  name?: string;
  protocol?: 'TCP' | 'UDP' | 'SCTP' | string;
  appProtocol?: string;
  port: number;
  targetPort?: number | string;
}

export interface ServiceSpec {
  type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName' | string;
  clusterIP?: string;
  clusterIPs?: string[];
  externalName?: string;
  selector?: Record<string, string>;
  ports?: ServicePort[];
}

export type Service = KubeObject<ServiceSpec, unknown>;

export interface EndpointSlice {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  addressType: 'IPv4' | 'IPv6' | 'FQDN' | string;
  endpoints?: Array<{
    addresses: string[];
    conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
    hostname?: string;
    nodeName?: string;
    zone?: string;
    targetRef?: { kind?: string; name?: string; namespace?: string };
  }>;
  ports?: Array<{ name?: string; port?: number; protocol?: string; appProtocol?: string }>;
}

export interface Secret {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  type?: string;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export interface ConfigMap {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  data?: Record<string, string>;
}

export type Namespace = KubeObject<unknown, unknown>;

// ---------- Portico: GatewayParameters (gateway.portico.dev/v1alpha1) ----------

/** Compute resources of the Envoy container, as in a core/v1 ResourceRequirements. */
export interface GatewayParametersResources {
  requests?: Record<string, string>;
  limits?: Record<string, string>;
}

/**
 * What Portico provisions for a Gateway's Envoy data plane. Named by a GatewayClass
 * `spec.parametersRef` (defaults for every Gateway of the class) and/or a Gateway
 * `spec.infrastructure.parametersRef` (the Gateway's fields win).
 */
export interface GatewayParametersSpec {
  /** Envoy Deployment replicas (0-1000). */
  replicas?: number;
  /** Envoy container image, overriding the controller's default. */
  image?: string;
  /** Type of the Service in front of Envoy. */
  serviceType?: 'LoadBalancer' | 'NodePort' | 'ClusterIP' | string;
  /** Envoy container requests and limits (cpu, memory, ephemeral-storage). */
  resources?: GatewayParametersResources;
  /** Extra labels on every provisioned object and the Envoy pods. */
  labels?: Record<string, string>;
  /** Extra annotations on every provisioned object and the Envoy pods. */
  annotations?: Record<string, string>;
}

export type GatewayParameters = KubeObject<GatewayParametersSpec, never>;
