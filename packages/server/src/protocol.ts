// xDS wire protocol: the discovery services loaded with @grpc/proto-loader
// straight from the Envoy protos that ship with @grpc/grpc-js-xds.
import { createRequire } from 'node:module';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { TYPE_URLS, VIRTUAL_HOST_TYPE_URL, type ResourceType } from '@portico/xds';

const require = createRequire(import.meta.url);

/** Root of the Envoy/xds/googleapis/validate protos bundled with @grpc/grpc-js-xds. */
export function envoyProtoDepsDir(): string {
  return path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
}

export function envoyIncludeDirs(): string[] {
  const deps = envoyProtoDepsDir();
  return ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((dir) => path.join(deps, dir));
}

export interface AnyMessage {
  type_url: string;
  value: Uint8Array;
}

export interface NodeMessage {
  id?: string;
  cluster?: string;
  metadata?: StructMessage | null;
  user_agent_name?: string;
  user_agent_version?: string;
}

export interface StructMessage {
  fields?: Record<string, StructValue>;
}

export interface StructValue {
  kind?: string;
  stringValue?: string;
  boolValue?: boolean;
  structValue?: StructMessage;
  /** Accepted too, in case a Struct is built from snake_case protos. */
  string_value?: string;
  bool_value?: boolean;
}

export interface StatusMessage {
  code?: number;
  message?: string;
}

export interface DiscoveryRequest {
  version_info?: string;
  node?: NodeMessage | null;
  resource_names?: string[];
  type_url?: string;
  response_nonce?: string;
  error_detail?: StatusMessage | null;
}

export interface DiscoveryResponse {
  version_info: string;
  resources: AnyMessage[];
  type_url: string;
  nonce: string;
}

export interface DeltaDiscoveryRequest {
  node?: NodeMessage | null;
  type_url?: string;
  resource_names_subscribe?: string[];
  resource_names_unsubscribe?: string[];
  initial_resource_versions?: Record<string, string>;
  response_nonce?: string;
  error_detail?: StatusMessage | null;
}

export interface DeltaResource {
  name: string;
  version: string;
  resource: AnyMessage;
}

export interface DeltaDiscoveryResponse {
  system_version_info: string;
  resources: DeltaResource[];
  type_url: string;
  removed_resources: string[];
  nonce: string;
}

/** Per-type discovery services: service path in the protos, RPC names, and the single type they carry. */
export const PER_TYPE_SERVICES: ReadonlyArray<{
  service: string;
  file: string;
  stream: string;
  delta: string;
  type: ResourceType;
}> = [
  { service: 'envoy.service.listener.v3.ListenerDiscoveryService', file: 'envoy/service/listener/v3/lds.proto', stream: 'StreamListeners', delta: 'DeltaListeners', type: 'listener' },
  { service: 'envoy.service.route.v3.RouteDiscoveryService', file: 'envoy/service/route/v3/rds.proto', stream: 'StreamRoutes', delta: 'DeltaRoutes', type: 'route' },
  { service: 'envoy.service.cluster.v3.ClusterDiscoveryService', file: 'envoy/service/cluster/v3/cds.proto', stream: 'StreamClusters', delta: 'DeltaClusters', type: 'cluster' },
  { service: 'envoy.service.endpoint.v3.EndpointDiscoveryService', file: 'envoy/service/endpoint/v3/eds.proto', stream: 'StreamEndpoints', delta: 'DeltaEndpoints', type: 'endpoint' },
  { service: 'envoy.service.secret.v3.SecretDiscoveryService', file: 'envoy/service/secret/v3/sds.proto', stream: 'StreamSecrets', delta: 'DeltaSecrets', type: 'secret' },
];

export const ADS_SERVICE = 'envoy.service.discovery.v3.AggregatedDiscoveryService';
export const ADS_FILE = 'envoy/service/discovery/v3/ads.proto';

/** Options that keep proto field names as in Envoy's docs (snake_case) and bytes as Buffers. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
  includeDirs: envoyIncludeDirs(),
};

let cached: grpc.GrpcObject | undefined;

/** The loaded discovery services (ADS plus LDS/RDS/CDS/EDS/SDS). Loaded once per process. */
export function discoveryPackage(): grpc.GrpcObject {
  if (!cached) {
    const definition = protoLoader.loadSync([ADS_FILE, ...PER_TYPE_SERVICES.map((s) => s.file)], LOADER_OPTIONS);
    cached = grpc.loadPackageDefinition(definition);
  }
  return cached;
}

export function lookupService(pkg: grpc.GrpcObject, fullName: string): grpc.ServiceClientConstructor {
  let current: unknown = pkg;
  for (const part of fullName.split('.')) {
    current = (current as Record<string, unknown>)[part];
    if (current === undefined) throw new Error(`service ${fullName} is not in the loaded protos`);
  }
  return current as grpc.ServiceClientConstructor;
}

/** What a proxy can subscribe to: the resources buildXds builds, and VirtualHosts for VHDS. */
export type ServedType = ResourceType | 'virtual_host';

export const SERVED_TYPE_URLS: Readonly<Record<ServedType, string>> = { ...TYPE_URLS, virtual_host: VIRTUAL_HOST_TYPE_URL };

/** Served types by type URL. */
export const TYPE_BY_URL: ReadonlyMap<string, ServedType> = new Map(
  (Object.entries(SERVED_TYPE_URLS) as Array<[ServedType, string]>).map(([type, url]) => [url, type]),
);
