import type { IRRouteMatch } from '@portico/ir';
import { compareStrings } from '../util.js';

export interface GrpcMatchCharacters {
  service: number;
  method: number;
}

/** What Gateway API precedence looks at for one (route, rule, match). */
export interface PrecedenceKey {
  match: IRRouteMatch;
  hasMethod: boolean;
  /** Header matches excluding the method pseudo-header. */
  headerCount: number;
  queryCount: number;
  /** metadata.creationTimestamp; absent sorts as newest. */
  creationTimestamp?: string;
  /**
   * GRPCRoute only: characters of the service and method the match names (GRPCRoute has an
   * order of its own: service, then method, then header matches).
   */
  grpc?: GrpcMatchCharacters;
  /** `namespace/name` of the route. */
  routeKey: string;
  ruleIndex: number;
  matchIndex: number;
}

function pathRank(match: IRRouteMatch): number {
  // Exact first, then prefixes, then regular expressions (implementation-specific: a
  // regex can match anything, so it only applies when no literal path matched).
  switch (match.path.type) {
    case 'Exact':
      return 0;
    case 'PathPrefix':
      return 1;
    default:
      return 2;
  }
}

/**
 * Gateway API HTTPRoute precedence, applied across every route of a listener:
 * exact path > longest prefix > method match > most header matches > most query
 * matches > oldest route > route namespace/name > rule order (then match order).
 */
export function comparePrecedence(a: PrecedenceKey, b: PrecedenceKey): number {
  if (a.grpc && b.grpc) {
    // GRPCRoute: "the largest number of characters in a matching service, characters in a
    // matching method, header matches". Its method matches are paths (see grpcroute.ts), which
    // the HTTPRoute order would rank by path type instead.
    if (a.grpc.service !== b.grpc.service) return b.grpc.service - a.grpc.service;
    if (a.grpc.method !== b.grpc.method) return b.grpc.method - a.grpc.method;
    if (a.headerCount !== b.headerCount) return b.headerCount - a.headerCount;
    return compareRouteOrder(a, b);
  }
  const rank = pathRank(a.match) - pathRank(b.match);
  if (rank !== 0) return rank;
  const length = b.match.path.value.length - a.match.path.value.length;
  if (length !== 0) return length;
  if (a.hasMethod !== b.hasMethod) return a.hasMethod ? -1 : 1;
  if (a.headerCount !== b.headerCount) return b.headerCount - a.headerCount;
  if (a.queryCount !== b.queryCount) return b.queryCount - a.queryCount;
  return compareRouteOrder(a, b);
}

/** Ties left: oldest route, then route namespace/name, then rule order, then match order. */
function compareRouteOrder(a: PrecedenceKey, b: PrecedenceKey): number {
  const ta = a.creationTimestamp ?? '\uffff';
  const tb = b.creationTimestamp ?? '\uffff';
  if (ta !== tb) return compareStrings(ta, tb);
  const key = compareStrings(a.routeKey, b.routeKey);
  if (key !== 0) return key;
  if (a.ruleIndex !== b.ruleIndex) return a.ruleIndex - b.ruleIndex;
  return a.matchIndex - b.matchIndex;
}
