import type { IRHttpFilterChain, IRRoute, IRVirtualHost } from '@portico/ir';
import { listenerKey, type ListenerModel } from '../gateway/model.js';
import { hostnameCovers, moreSpecific } from '../routes/hostnames.js';
import type { HttpListenerRoutes, RouteEntry } from '../routes/httproute.js';
import { comparePrecedence } from '../routes/precedence.js';
import { compareStrings } from '../util.js';

/**
 * Listener isolation: requests are dispatched to the most specific listener whose
 * hostname matches. A hostname served through listener `owner` is dropped when another
 * listener of the same chain is more specific and covers it, so its requests never
 * reach routes attached only to the less specific listener.
 */
function shadowedByMoreSpecificListener(owner: ListenerModel, hostname: string, group: readonly ListenerModel[]): boolean {
  if (hostname === '*') return false;
  return group.some(
    (other) =>
      other !== owner &&
      other.hostname !== undefined &&
      moreSpecific(other.hostname, owner.hostname) &&
      hostnameCovers(other.hostname, hostname),
  );
}

function misdirectedRoute(chainName: string, peer: ListenerModel, hostname: string): IRRoute {
  return {
    name: `misdirected/${chainName}/${hostname}`,
    match: { path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] },
    action: { kind: 'directResponse', status: 421 },
    source: { kind: peer.source.kind, namespace: peer.source.namespace, name: peer.source.name, path: `listener ${peer.name}` },
  };
}

/**
 * Virtual hosts of one filter chain. `members` are the listeners whose routes the chain
 * serves; `peers` are every listener dispatched on the same port (for isolation). With
 * `misdirected`, hosts that belong to a peer listener get an explicit 421 answer, while
 * hosts of the chain's own listener without a matching route get 404.
 */
export function buildVirtualHosts(
  chainName: string,
  members: readonly ListenerModel[],
  peers: readonly ListenerModel[],
  routes: readonly HttpListenerRoutes[],
  misdirected = false,
): IRVirtualHost[] {
  const byHost = new Map<string, Map<string, RouteEntry>>();
  const ensure = (hostname: string): Map<string, RouteEntry> => {
    let entries = byHost.get(hostname);
    if (!entries) {
      entries = new Map();
      byHost.set(hostname, entries);
    }
    return entries;
  };
  if (peers.length > 1) {
    // Each listener hostname gets its own virtual host even without routes, so a request
    // for it is answered 404 instead of falling through to a less specific listener.
    for (const listener of members) ensure(listener.hostname ?? '*');
  }
  for (const attached of routes) {
    if (!members.includes(attached.listener)) continue;
    for (const hostname of attached.hostnames) {
      if (shadowedByMoreSpecificListener(attached.listener, hostname, peers)) continue;
      const entries = ensure(hostname);
      for (const entry of attached.entries) entries.set(entry.route.name, entry);
    }
  }
  if (misdirected) {
    for (const peer of peers) {
      if (members.includes(peer)) continue;
      const hostname = peer.hostname ?? '*';
      if (byHost.has(hostname)) continue;
      const route = misdirectedRoute(chainName, peer, hostname);
      byHost.set(hostname, new Map([[route.name, { key: MISDIRECTED_KEY, route }]]));
    }
  }
  return [...byHost.entries()]
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([hostname, entries]) => {
      const ordered: IRRoute[] = [...entries.values()].sort((a, b) => comparePrecedence(a.key, b.key)).map((e) => e.route);
      return { name: `${chainName}/${hostname}`, domains: [hostname], routes: ordered };
    });
}

const MISDIRECTED_KEY: RouteEntry['key'] = {
  match: { path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] },
  hasMethod: false,
  headerCount: 0,
  queryCount: 0,
  routeKey: '',
  ruleIndex: 0,
  matchIndex: 0,
};

/** Filter chains for the HTTP-family listeners of one port. */
export function buildHttpChains(
  gatewayKey: string,
  port: number,
  listeners: readonly ListenerModel[],
  routes: readonly HttpListenerRoutes[],
): IRHttpFilterChain[] {
  const chains: IRHttpFilterChain[] = [];
  const plain = listeners.filter((l) => l.protocol === 'HTTP');
  if (plain.length > 0) {
    const name = `${gatewayKey}/${port}/http`;
    chains.push({
      type: 'http',
      name,
      match: { transport: 'raw' },
      routeConfig: { name, virtualHosts: buildVirtualHosts(name, plain, plain, routes) },
    });
  }
  const secure = [...listeners.filter((l) => l.protocol === 'HTTPS' && l.tls)].sort((a, b) => compareStrings(a.name, b.name));
  for (const listener of secure) {
    const name = `${gatewayKey}/${port}/https/${listenerKey(listener)}`;
    const chain: IRHttpFilterChain = {
      type: 'http',
      name,
      match: listener.hostname ? { transport: 'tls', serverNames: [listener.hostname] } : { transport: 'tls' },
      routeConfig: { name, virtualHosts: buildVirtualHosts(name, [listener], secure, routes, secure.length > 1) },
    };
    if (listener.tls) chain.tls = listener.tls;
    if (secure.length > 1) chain.routeConfig.detectMisdirected = true;
    chains.push(chain);
  }
  return chains;
}
