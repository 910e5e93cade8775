// The one place Envoy features are wired into the builders. Order matters:
// HTTP filters appear in the HCM in this order (router last, added by the
// listener builder), and route patches run in this order (an action first,
// then what modifies it).
import { corsFeature } from './cors.js';
import { directResponseFeature } from './direct_response.js';
import { extAuthzFeature } from './ext_authz.js';
import type { XdsFeature } from './feature.js';
import { headerMutationFeature } from './header_mutation.js';
import { mirrorFeature } from './mirror.js';
import { misdirectedFeature } from './misdirected.js';
import { passthroughFeature } from './passthrough.js';
import { proxylessGrpcFeature } from './proxyless_grpc.js';
import { redirectFeature } from './redirect.js';
import { retryFeature } from './retry.js';
import { rewriteFeature } from './rewrite.js';
import { sessionPersistenceFeature } from './session_persistence.js';
import { tcpProxyFeature } from './tcp_proxy.js';
import { timeoutFeature } from './timeout.js';
import { tlsFeature } from './tls.js';
import { udpProxyFeature } from './udp_proxy.js';
import { upstreamProtocolFeature } from './upstream_protocol.js';
import { websocketFeature } from './websocket.js';

export type { XdsFeature } from './feature.js';

export const FEATURES: readonly XdsFeature[] = [
  // HTTP filters, in HCM order: CORS answers preflights before authorization runs.
  corsFeature,
  extAuthzFeature,
  sessionPersistenceFeature,
  // Route actions.
  redirectFeature,
  directResponseFeature,
  // Action modifiers.
  rewriteFeature,
  headerMutationFeature,
  mirrorFeature,
  timeoutFeature,
  retryFeature,
  websocketFeature,
  // Route configuration and listener level.
  misdirectedFeature,
  passthroughFeature,
  proxylessGrpcFeature,
  tlsFeature,
  tcpProxyFeature,
  udpProxyFeature,
  upstreamProtocolFeature,
];
