import type { IRHttpFilterChain, IRRoute, IRVirtualHost } from '@portico/ir';
import { listenerId, listenerKey, type ListenerModel } from '../gateway/model.js';
import type { TranslationMemo } from '../memo.js';
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
  memo?: TranslationMemo,
): IRVirtualHost[] {
  // Per hostname, the entry lists of the attachments serving it, in attachment order.
  const byHost = new Map<string, RouteEntry[][]>();
  const ensure = (hostname: string): RouteEntry[][] => {
    let lists = byHost.get(hostname);
    if (!lists) {
      lists = [];
      byHost.set(hostname, lists);
    }
    return lists;
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
      ensure(hostname).push(attached.entries);
    }
  }
  const misdirectedHosts = new Map<string, IRRoute>();
  if (misdirected) {
    for (const peer of peers) {
      if (members.includes(peer)) continue;
      const hostname = peer.hostname ?? '*';
      if (byHost.has(hostname) || misdirectedHosts.has(hostname)) continue;
      misdirectedHosts.set(hostname, misdirectedRoute(chainName, peer, hostname));
    }
  }
  // A virtual host is remembered under its chain, the chain's listeners and its hostname.
  const keyPrefix = memo ? `${chainName}\u0000${members.map(listenerId).join(',')}\u0000${peers.map(listenerId).join(',')}\u0000` : '';
  return [...byHost.keys(), ...misdirectedHosts.keys()].sort(compareStrings).map((hostname): IRVirtualHost => {
    const name = `${chainName}/${hostname}`;
    const misdirectedTo = misdirectedHosts.get(hostname);
    if (misdirectedTo) return { name, domains: [hostname], routes: [misdirectedTo] };
    const lists = byHost.get(hostname) as RouteEntry[][];
    const remembered = memo?.virtualHost(keyPrefix + hostname, lists);
    if (remembered) return remembered;
    const entries = new Map<string, RouteEntry>();
    for (const list of lists) for (const entry of list) entries.set(entry.route.name, entry);
    const ordered: IRRoute[] = [...entries.values()].sort((a, b) => comparePrecedence(a.key, b.key)).map((e) => e.route);
    const vhost: IRVirtualHost = { name, domains: [hostname], routes: ordered };
    memo?.rememberVirtualHost(keyPrefix + hostname, lists, vhost);
    return vhost;
  });
}

/** Filter chains for the HTTP-family listeners of one port. */
export function buildHttpChains(
  gatewayKey: string,
  port: number,
  listeners: readonly ListenerModel[],
  routes: readonly HttpListenerRoutes[],
  memo?: TranslationMemo,
): IRHttpFilterChain[] {
  const chains: IRHttpFilterChain[] = [];
  const plain = listeners.filter((l) => l.protocol === 'HTTP');
  if (plain.length > 0) {
    const name = `${gatewayKey}/${port}/http`;
    chains.push({
      type: 'http',
      name,
      match: { transport: 'raw' },
      routeConfig: { name, virtualHosts: buildVirtualHosts(name, plain, plain, routes, false, memo) },
    });
  }
  const secure = [...listeners.filter((l) => l.protocol === 'HTTPS' && l.tls)].sort((a, b) => compareStrings(a.name, b.name));
  for (const listener of secure) {
    const name = `${gatewayKey}/${port}/https/${listenerKey(listener)}`;
    const chain: IRHttpFilterChain = {
      type: 'http',
      name,
      match: listener.hostname ? { transport: 'tls', serverNames: [listener.hostname] } : { transport: 'tls' },
      routeConfig: { name, virtualHosts: buildVirtualHosts(name, [listener], secure, routes, secure.length > 1, memo) },
    };
    if (listener.tls) chain.tls = listener.tls;
    if (secure.length > 1) chain.routeConfig.detectMisdirected = true;
    chains.push(chain);
  }
  return chains;
}
