import { GATEWAY_EXPERIMENTAL_GROUP, GATEWAY_GROUP, PORTICO_GROUP, type KindName } from '@portico/api';

/** One way a kind can be served: API group, version, resource plural and the kind name the server uses. */
export interface ServedVersion {
  group: string;
  version: string;
  plural: string;
  /** The kind as the server names it (XListenerSet in the experimental group). */
  serverKind: string;
}

export interface WatchedKind {
  kind: KindName;
  namespaced: boolean;
  /** Candidates in order of preference; the first one the server serves is used. */
  candidates: ServedVersion[];
  /** Gateway API kinds may be absent (CRD not installed); core kinds may not. */
  optional: boolean;
}

function gw(kind: KindName, plural: string, versions: string[], namespaced = true): WatchedKind {
  return {
    kind,
    namespaced,
    optional: true,
    candidates: versions.map((version) => ({ group: GATEWAY_GROUP, version, plural, serverKind: kind })),
  };
}

/**
 * Every Gateway API kind Portico reads, newest version first, then the older
 * versions clusters with older CRD bundles still serve.
 */
export const GATEWAY_API_KINDS: readonly WatchedKind[] = [
  gw('GatewayClass', 'gatewayclasses', ['v1', 'v1beta1'], false),
  gw('Gateway', 'gateways', ['v1', 'v1beta1']),
  {
    ...gw('ListenerSet', 'listenersets', ['v1']),
    candidates: [
      { group: GATEWAY_GROUP, version: 'v1', plural: 'listenersets', serverKind: 'ListenerSet' },
      { group: GATEWAY_EXPERIMENTAL_GROUP, version: 'v1alpha1', plural: 'xlistenersets', serverKind: 'XListenerSet' },
    ],
  },
  gw('HTTPRoute', 'httproutes', ['v1', 'v1beta1']),
  gw('GRPCRoute', 'grpcroutes', ['v1', 'v1alpha2']),
  gw('TLSRoute', 'tlsroutes', ['v1', 'v1alpha3', 'v1alpha2']),
  gw('TCPRoute', 'tcproutes', ['v1', 'v1alpha2']),
  gw('UDPRoute', 'udproutes', ['v1', 'v1alpha2']),
  gw('ReferenceGrant', 'referencegrants', ['v1', 'v1beta1', 'v1alpha2']),
  gw('BackendTLSPolicy', 'backendtlspolicies', ['v1', 'v1alpha3', 'v1alpha2']),
];

/**
 * Portico's own kinds (the chart installs their CRDs). Optional like the Gateway API
 * kinds: without the CRD, references to them resolve as not found.
 */
export const PORTICO_KINDS: readonly WatchedKind[] = [
  {
    kind: 'GatewayParameters',
    namespaced: true,
    optional: true,
    candidates: [{ group: PORTICO_GROUP, version: 'v1alpha1', plural: 'gatewayparameters', serverKind: 'GatewayParameters' }],
  },
];

export const CORE_KINDS: readonly WatchedKind[] = [
  {
    kind: 'Namespace',
    namespaced: false,
    optional: false,
    candidates: [{ group: '', version: 'v1', plural: 'namespaces', serverKind: 'Namespace' }],
  },
  {
    kind: 'Service',
    namespaced: true,
    optional: false,
    candidates: [{ group: '', version: 'v1', plural: 'services', serverKind: 'Service' }],
  },
  {
    kind: 'EndpointSlice',
    namespaced: true,
    optional: false,
    candidates: [{ group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', serverKind: 'EndpointSlice' }],
  },
];

export function apiVersionOf(served: Pick<ServedVersion, 'group' | 'version'>): string {
  return served.group ? `${served.group}/${served.version}` : served.version;
}

/** Collection path, cluster-wide or in one namespace. */
export function collectionPath(served: ServedVersion, namespace?: string): string {
  const base = served.group ? `/apis/${served.group}/${served.version}` : `/api/${served.version}`;
  return namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${served.plural}` : `${base}/${served.plural}`;
}

export function objectPath(served: ServedVersion, namespace: string | undefined, name: string): string {
  return `${collectionPath(served, namespace)}/${encodeURIComponent(name)}`;
}

export function discoveryPath(served: Pick<ServedVersion, 'group' | 'version'>): string {
  return served.group ? `/apis/${served.group}/${served.version}` : `/api/${served.version}`;
}
