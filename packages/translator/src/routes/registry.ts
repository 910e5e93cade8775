import type { ResourceSet } from '@portico/api';
import type { IRFilterChain } from '@portico/ir';
import type { ClusterRegistry } from '../clusters.js';
import type { ConditionClock } from '../conditions.js';
import type { GatewayModel, ListenerModel } from '../gateway/model.js';
import type { ReferenceCheck } from '../referencegrant.js';
import type { TranslationMemo } from '../memo.js';
import type { ObjectStatus } from '../result.js';

/** Everything a route-kind translator may read. */
export interface RouteContext {
  resources: ResourceSet;
  grants: ReferenceCheck;
  clusters: ClusterRegistry;
  controllerName: string;
  clock: ConditionClock;
  /** Gateways this controller owns, by `namespace/name`. */
  gateways: Map<string, GatewayModel>;
  /** Services as mesh route parents (`mesh/<ns>/<name>`), when the mesh is enabled. */
  meshParents: ReadonlyMap<string, GatewayModel>;
  /** Remembered route translations, valid for this context (see TranslationMemo). */
  memo?: TranslationMemo;
  /** While a route is translated with a memo: the Services (`namespace/name`) it looks up. */
  lookups?: Set<string>;
}

export interface RouteKindResult {
  /** Status of every route of this kind that has a parent owned by this controller. */
  statuses: readonly ObjectStatus[];
  /**
   * `statuses` in runs of one kind each, every run already in status order (namespace, then
   * name), when the kind knows it: they are then not sorted again.
   */
  sortedRuns?: ReadonlyArray<readonly ObjectStatus[]>;
  /**
   * Filter chains this kind contributes to one port of a Gateway, given that port's
   * programmed listeners. Called once per (Gateway, port).
   */
  chainsFor(gatewayKey: string, port: number, listeners: readonly ListenerModel[]): IRFilterChain[];
}

/**
 * One route kind (HTTPRoute, and later GRPCRoute, TLSRoute, TCPRoute, UDPRoute). The
 * orchestrator runs every registered kind after Gateways are built (so listener
 * attachedRoutes counts are complete before Gateway status is written) and asks each
 * for its filter chains per port.
 */
export interface RouteKindTranslator {
  kind: string;
  translateAll(ctx: RouteContext): RouteKindResult;
}
