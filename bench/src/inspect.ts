import type { IR } from '@portico/ir';

/** Route kinds (HTTPRoute, GRPCRoute, UDPRoute, ...) the IR has routes or L4 chains for. */
export function routeKindsInIr(ir: IR): string[] {
  const kinds = new Set<string>();
  for (const gateway of ir.gateways) {
    for (const listener of gateway.listeners) {
      for (const chain of listener.filterChains) {
        if (chain.type === 'http') {
          for (const vhost of chain.routeConfig.virtualHosts) for (const route of vhost.routes) kinds.add(route.source.kind);
        } else if (chain.source) {
          kinds.add(chain.source.kind);
        }
      }
    }
    for (const api of gateway.apiListeners ?? []) {
      for (const vhost of api.routeConfig.virtualHosts) for (const route of vhost.routes) kinds.add(route.source.kind);
    }
  }
  return [...kinds].sort();
}

/** Number of IR routes (HTTP-family) plus L4 filter chains: a size check on what was translated. */
export function irRouteCount(ir: IR): number {
  let count = 0;
  for (const gateway of ir.gateways) {
    for (const listener of gateway.listeners) {
      for (const chain of listener.filterChains) {
        if (chain.type === 'http') for (const vhost of chain.routeConfig.virtualHosts) count += vhost.routes.length;
        else count += 1;
      }
    }
  }
  return count;
}
