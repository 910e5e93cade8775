// Features advertised in GatewayClass status.supportedFeatures. A name appears here only
// when Portico implements it end to end (status, IR and Envoy config; for
// GatewayInfrastructurePropagation, the objects the Kubernetes provider provisions); names
// follow the upstream pkg/features constants of Gateway API v1.6.
//
// Not advertised: GatewayStaticAddresses. Status handles spec.addresses (AddressNotUsable
// when the data plane has other addresses), but the provisioned Service does not ask its
// load balancer for the requested addresses, so a Gateway on Kubernetes would not get them.
const IMPLEMENTED = [
  'BackendTLSPolicy',
  'BackendTLSPolicySANValidation',
  'GatewayBackendClientCertificate',
  'GatewayFrontendClientCertificateValidation',
  'GatewayFrontendClientCertificateValidationInsecureFallback',
  'GatewayInfrastructurePropagation',
  'GRPCRoute',
  'GRPCRouteNamedRouteRule',
  'Gateway',
  'GatewayAddressEmpty',
  'GatewayHTTPListenerIsolation',
  'GatewayHTTPSListenerDetectMisdirectedRequests',
  'GatewayPort8080',
  'HTTPRoute',
  'HTTPRoute303RedirectStatusCode',
  'HTTPRoute307RedirectStatusCode',
  'HTTPRoute308RedirectStatusCode',
  'HTTPRouteBackendProtocolH2C',
  'HTTPRouteBackendProtocolWebSocket',
  'HTTPRouteBackendRequestHeaderModification',
  'HTTPRouteBackendTimeout',
  'HTTPRouteCORS',
  'HTTPRouteDestinationPortMatching',
  'HTTPRouteHostRewrite',
  'HTTPRouteMethodMatching',
  'HTTPRouteNamedRouteRule',
  'HTTPRouteParentRefPort',
  'HTTPRoutePathRedirect',
  'HTTPRoutePathRewrite',
  'HTTPRoutePortRedirect',
  'HTTPRouteQueryParamMatching',
  'HTTPRouteRequestMirror',
  'HTTPRouteRequestMultipleMirrors',
  'HTTPRouteRequestPercentageMirror',
  'HTTPRouteRequestTimeout',
  'HTTPRouteResponseHeaderModification',
  'HTTPRouteRetry',
  'HTTPRouteRetryBackendTimeout',
  'HTTPRouteRetryConnectionError',
  'HTTPRouteSchemeRedirect',
  'ListenerSet',
  'ReferenceGrant',
  'TCPRoute',
  'TLSRoute',
  'TLSRouteModeMixed',
  'TLSRouteModeTerminate',
  'UDPRoute',
] as const;

export const FEATURES: readonly string[] = Object.freeze([...IMPLEMENTED].sort());

/**
 * Advertised in addition when the mesh (GAMMA) is enabled. Not advertised:
 * MeshClusterIPMatching. A sidecar picks a Service's routes by the request's authority (the
 * Service's names and cluster IPs are its virtual host's domains), not by the cluster IP the
 * client connected to, so a request to one Service with another's name in its Host header
 * gets the other's routes (docs/mesh.md).
 */
export const MESH_FEATURES: readonly string[] = Object.freeze([
  'Mesh',
  'MeshConsumerRoute',
  'MeshHTTPRouteBackendRequestHeaderModification',
  'MeshHTTPRouteNamedRouteRule',
  'MeshHTTPRouteQueryParamMatching',
  'MeshHTTPRouteRedirectPath',
  'MeshHTTPRouteRedirectPort',
  'MeshHTTPRouteRewritePath',
  'MeshHTTPRouteSchemeRedirect',
]);
