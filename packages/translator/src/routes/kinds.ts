import { GATEWAY_GROUP } from '../util.js';

/**
 * Which route kinds a listener protocol can carry. Adding a route kind (GRPCRoute,
 * TLSRoute, ...) means adding it here and giving it a translator that uses
 * routes/parents.ts for attachment; listeners and status pick it up from this table.
 * Listed in the order they are reported in listener `supportedKinds`.
 */
export interface RouteKindInfo {
  group: string;
  kind: string;
  protocols: readonly string[];
  /** Whether route hostnames are intersected with listener hostnames. */
  usesHostnames: boolean;
}

export const ROUTE_KINDS: readonly RouteKindInfo[] = [
  { group: GATEWAY_GROUP, kind: 'HTTPRoute', protocols: ['HTTP', 'HTTPS'], usesHostnames: true },
  { group: GATEWAY_GROUP, kind: 'GRPCRoute', protocols: ['HTTP', 'HTTPS'], usesHostnames: true },
  { group: GATEWAY_GROUP, kind: 'TLSRoute', protocols: ['TLS'], usesHostnames: true },
  { group: GATEWAY_GROUP, kind: 'TCPRoute', protocols: ['TCP'], usesHostnames: false },
  { group: GATEWAY_GROUP, kind: 'UDPRoute', protocols: ['UDP'], usesHostnames: false },
];

export const SUPPORTED_PROTOCOLS: readonly string[] = ['HTTP', 'HTTPS', 'TLS', 'TCP', 'UDP'];

export function defaultKindsFor(protocol: string): Array<{ group: string; kind: string }> {
  return ROUTE_KINDS.filter((k) => k.protocols.includes(protocol)).map((k) => ({ group: k.group, kind: k.kind }));
}

export function kindSupportedOn(protocol: string, group: string, kind: string): boolean {
  return ROUTE_KINDS.some((k) => k.group === group && k.kind === kind && k.protocols.includes(protocol));
}
