// The contract every Envoy feature file implements. A feature only touches the
// Envoy objects it owns; the builders call the hooks in registry order.
import type {
  IRCluster,
  IRFilterChain,
  IRListener,
  IRRoute,
  IRRouteConfig,
  IRVirtualHost,
} from '@portico/ir';
import type { BuildContext } from '../build/context.js';
import type { EnvoyMessage, EnvoyResources } from '../types.js';

/**
 * buildXds with a memo reuses what these hooks built for an IRRoute or IRCluster object it saw
 * before. So patchRoute reads only its IRRoute, ctx.proxyless and the protocol of the route's
 * backend clusters, patchCluster only its IRCluster, and both touch the context only by adding
 * names to referencedClusters and referencedSecrets. Later hooks (patchVirtualHost,
 * patchRouteConfig) replace route and virtual host objects instead of changing them: they may
 * be shared. patchVirtualHost reads only its IRVirtualHost and ctx.proxyless. Anything derived
 * from the IR on every build (httpFilters scanning a table's hosts) can be kept with ctx.rememberEach.
 */
export interface XdsFeature {
  readonly name: string;
  /**
   * HTTP filters this feature needs in an HCM serving `routeConfig` (none when no
   * route uses it). The router is appended last by the registry.
   */
  httpFilters?(routeConfig: IRRouteConfig, ctx: BuildContext): EnvoyMessage[];
  /** Patches the HttpConnectionManager (listener chains and api_listeners). */
  patchHcm?(hcm: EnvoyMessage, routeConfig: IRRouteConfig, ctx: BuildContext): void;
  /** Patches one envoy.config.route.v3.Route built from `route`. */
  patchRoute?(route: EnvoyMessage, ir: IRRoute, ctx: BuildContext): void;
  patchVirtualHost?(virtualHost: EnvoyMessage, ir: IRVirtualHost, ctx: BuildContext): void;
  patchRouteConfig?(routeConfig: EnvoyMessage, ir: IRRouteConfig, ctx: BuildContext): void;
  /** Fills in a filter chain (network filters, transport socket) for its IR chain. */
  patchFilterChain?(filterChain: EnvoyMessage, ir: IRFilterChain, ctx: BuildContext): void;
  /** Patches a Listener after its filter chains are built (listener filters, UDP). */
  patchListener?(listener: EnvoyMessage, ir: IRListener, ctx: BuildContext): void;
  patchCluster?(cluster: EnvoyMessage, ir: IRCluster, ctx: BuildContext): void;
  /** Adds resources the feature owns (e.g. secrets) once the group is built. */
  patchResources?(resources: EnvoyResources, ctx: BuildContext): void;
}
