// Envoy resources as Portico builds them: proto3 JSON field names in snake_case
// (as in Envoy's own YAML/JSON docs and config dumps), nested Any messages as
// `{ "@type": "type.googleapis.com/<full.name>", ...fields }`. The same objects
// are encoded with the real Envoy protos for ADS, dumped by /config_dump and
// read by explain.

export type EnvoyMessage = Record<string, unknown>;

export const TYPE_URLS = {
  listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  route: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  endpoint: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  secret: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
} as const;

export type ResourceType = keyof typeof TYPE_URLS;

export interface EnvoyResource {
  type: ResourceType;
  /** The resource's xDS name (Listener.name, RouteConfiguration.name, Cluster.name, ClusterLoadAssignment.cluster_name, Secret.name). */
  name: string;
  /** The message without an `@type` at top level. */
  message: EnvoyMessage;
}

/** Everything one proxy (one Gateway) is served, each list sorted by name. */
export interface EnvoyResources {
  listeners: EnvoyResource[];
  routes: EnvoyResource[];
  clusters: EnvoyResource[];
  endpoints: EnvoyResource[];
  secrets: EnvoyResource[];
}

export interface RejectedResource {
  type: ResourceType;
  name: string;
  /** Proto path of the offending field, e.g. `filter_chains[0].filters[0].typed_config.stat_prefix`. */
  field: string;
  message: string;
  /** Gateway (`namespace/name`) whose proxies lost this resource. */
  proxyGroup: string;
}

export interface XdsBuildResult {
  /** Keyed by IRGateway.proxyGroup. */
  groups: Record<string, EnvoyResources>;
  /** Resources that failed encoding or protoc-gen-validate rules; they are not served. */
  rejected: RejectedResource[];
}
