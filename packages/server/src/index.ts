export {
  SnapshotCache,
  RESOURCE_TYPES,
  contentVersion,
  type CachedResource,
  type ChangeListener,
  type ConnectedProxy,
  type EncodeError,
  type GroupView,
  type ProxyTypeState,
  type ResourceEncoder,
  type SnapshotCacheOptions,
  type SnapshotChange,
  type TypeChange,
  type TypeView,
} from './cache.js';
export {
  XdsEvents,
  type AckEvent,
  type EncodeErrorEvent,
  type LargeMessageEvent,
  type NackError,
  type NackEvent,
  type PushEvent,
  type SnapshotEvent,
  type StreamEvent,
  type XdsEventMap,
  type XdsMode,
} from './events.js';
export {
  ADS_SERVICE,
  PER_TYPE_SERVICES,
  discoveryPackage,
  envoyIncludeDirs,
  envoyProtoDepsDir,
  lookupService,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type DiscoveryRequest,
  type DiscoveryResponse,
} from './protocol.js';
export { PROXY_GROUP_METADATA_KEY, type XdsLogger } from './session.js';
export {
  startXdsServer,
  type XdsServer,
  type XdsServerLimits,
  type XdsServerOptions,
  type XdsServerTls,
} from './server.js';
export { CONTROL_PLANE_NODE_FLAGS, missingControlPlaneFlags } from './process-tuning.js';
