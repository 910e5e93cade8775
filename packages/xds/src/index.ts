export * from './types.js';
export { envoyProtos, envoyProtoIncludeDirs, loadEnvoyProtoFile, messageType, findMessageType, typeUrlOf, ENVOY_PROTO_FILES } from './protos.js';
export {
  encodeResource,
  decodeResource,
  encodeMessage,
  decodeMessage,
  packResource,
  toProtoMessage,
  parseProtoDuration,
  formatProtoDuration,
  durationNanos,
  StrictEncodeError,
} from './codec.js';
export { validateResource, validateMessageJson } from './validate.js';
export type { ValidationError } from './validate.js';
export { buildXds, resourceProblem, emptyResources, encodedBytesOf, routePartsOf } from './build/index.js';
export type { RouteParts } from './build/route_parts.js';
export { VIRTUAL_HOST_TYPE_URL, vhdsNamespaceOf, vhdsRouteConfigurationOf } from './vhds.js';
export type { VhdsRouteConfiguration, VhdsVirtualHost } from './vhds.js';
export { createXdsBuildMemo } from './build/memo.js';
export type { XdsBuildMemo } from './build/memo.js';
export { INVALID_BACKEND_CLUSTER, pathSpecifier } from './build/route.js';
export { goDurationToProto } from './build/util.js';
export { ENVOY_LAYERED_RUNTIME } from './runtime.js';
export { NO_BACKEND_CLUSTER } from './features/tcp_proxy.js';
export { FEATURES } from './features/registry.js';
export type { XdsFeature } from './features/feature.js';
export { configDump, resourcesVersion } from './dump.js';
export type { ConfigDumpOptions } from './dump.js';
export { redactSecrets, redactResource, REDACTED } from './redact.js';
