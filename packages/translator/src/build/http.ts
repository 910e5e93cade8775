import type { IRBackend, IRHttpFilterChain, IRRoute, IRVirtualHost } from '@portico/ir';
import { listenerId, listenerKey, type ListenerModel } from '../gateway/model.js';
import { differingRun, sameObjects, type RememberedChain, type TranslationMemo } from '../memo.js';
import { shadowedByMoreSpecificListener } from '../routes/hostnames.js';
import type { HttpListenerRoutes, RouteEntry } from '../routes/httproute.js';
import { comparePrecedence } from '../routes/precedence.js';
import { compareStrings, sortInPlace } from '../util.js';

function misdirectedRoute(chainName: string, peer: ListenerModel, hostname: string): IRRoute {
  return {
    name: `misdirected/${chainName}/${hostname}`,
    match: { path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] },
    action: { kind: 'directResponse', status: 421 },
    source: { kind: peer.source.kind, namespace: peer.source.namespace, name: peer.source.name, path: `listener ${peer.name}` },
  };
}

/** Adds the cluster names the routes of a virtual host use to `names`; actions in `seen` were added before. */
export function addClustersOfVirtualHost(names: Set<string>, vhost: IRVirtualHost, seen: Set<object>): void {
  for (const route of vhost.routes) {
    if (route.externalAuth) names.add(route.externalAuth.cluster);
    const action = route.action;
    if (action.kind !== 'forward' || seen.has(action)) continue;
    seen.add(action);
    const backends = action.backends;
    for (let b = 0; b < backends.length; b++) names.add((backends[b] as IRBackend).cluster);
    if (action.mirrors) for (const mirror of action.mirrors) names.add(mirror.cluster);
  }
}

/** Cluster names the routes of a virtual host use (with repeats). */
export function clustersOfVirtualHost(vhost: IRVirtualHost): string[] {
  const names: string[] = [];
  for (const route of vhost.routes) {
    if (route.externalAuth) names.push(route.externalAuth.cluster);
    if (route.action.kind !== 'forward') continue;
    for (const backend of route.action.backends) names.push(backend.cluster);
    for (const mirror of route.action.mirrors ?? []) names.push(mirror.cluster);
  }
  return names;
}

/** Whether two of the lists come from the same route (reached through two listeners of the chain). */
function sameRouteTwice(lists: ReadonlyArray<readonly RouteEntry[]>): boolean {
  for (let i = 1; i < lists.length; i++) {
    const key = lists[i]?.[0]?.routeKey;
    if (key === undefined) continue;
    for (let j = 0; j < i; j++) if (lists[j]?.[0]?.routeKey === key) return true;
  }
  return false;
}

function virtualHost(chainName: string, hostname: string, lists: ReadonlyArray<readonly RouteEntry[]>): IRVirtualHost {
  let entries: RouteEntry[];
  if (sameRouteTwice(lists)) {
    // A route reached through two listeners of the chain appears once.
    const byName = new Map<string, RouteEntry>();
    for (const list of lists) for (const entry of list) byName.set(entry.route.name, entry);
    entries = [...byName.values()];
  } else {
    // Entries of one list have distinct names, and lists of different routes cannot share one.
    entries = lists.length === 1 ? (lists[0] as readonly RouteEntry[]).slice() : lists.flat();
  }
  sortInPlace(entries, comparePrecedence);
  const ordered = new Array<IRRoute>(entries.length);
  for (let i = 0; i < entries.length; i++) ordered[i] = (entries[i] as RouteEntry).route;
  return { name: `${chainName}/${hostname}`, domains: [hostname], routes: ordered };
}

/** Every virtual host of a chain; those built from the same entry lists as in `previous` are reused. */
function buildChain(
  chainName: string,
  members: readonly ListenerModel[],
  peers: readonly ListenerModel[],
  routes: readonly HttpListenerRoutes[],
  misdirected: boolean,
  previous: RememberedChain | undefined,
  memo: TranslationMemo | undefined,
): RememberedChain {
  // Per hostname, the entry lists of the attachments serving it, in attachment order.
  const listsByHost = new Map<string, Array<readonly RouteEntry[]>>();
  const ensure = (hostname: string): Array<readonly RouteEntry[]> => {
    let lists = listsByHost.get(hostname);
    if (!lists) {
      lists = [];
      listsByHost.set(hostname, lists);
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
      if (listsByHost.has(hostname) || misdirectedHosts.has(hostname)) continue;
      misdirectedHosts.set(hostname, misdirectedRoute(chainName, peer, hostname));
    }
  }
  const hosts: IRVirtualHost[] = [];
  const byHost = new Map<string, { lists: ReadonlyArray<readonly RouteEntry[]>; index: number }>();
  for (const hostname of [...listsByHost.keys(), ...misdirectedHosts.keys()].sort(compareStrings)) {
    const misdirectedTo = misdirectedHosts.get(hostname);
    if (misdirectedTo) {
      hosts.push({ name: `${chainName}/${hostname}`, domains: [hostname], routes: [misdirectedTo] });
      continue;
    }
    const lists = listsByHost.get(hostname) as Array<readonly RouteEntry[]>;
    const before = previous?.byHost.get(hostname);
    const reused = before && sameObjects(before.lists, lists) ? previous?.hosts[before.index] : undefined;
    byHost.set(hostname, { lists, index: hosts.length });
    hosts.push(reused ?? virtualHost(chainName, hostname, lists));
  }
  const clusters = new Map<string, number>();
  if (memo) for (const vhost of hosts) countClusters(clusters, memo.clustersOf(vhost, clustersOfVirtualHost), 1);
  return { attachments: routes, peers, hosts, byHost, clusters };
}

function countClusters(counts: Map<string, number>, names: readonly string[], delta: 1 | -1): void {
  for (const name of names) {
    const count = (counts.get(name) ?? 0) + delta;
    if (count === 0) counts.delete(name);
    else counts.set(name, count);
  }
}

type HostEntry = { lists: ReadonlyArray<readonly RouteEntry[]>; index: number };

/** Hostnames an attachment's routes are served under in this chain (none when it is not a member). */
function servedHostnames(attachment: HttpListenerRoutes, members: readonly ListenerModel[], peers: readonly ListenerModel[]): string[] {
  if (!members.includes(attachment.listener)) return [];
  return attachment.hostnames.filter((hostname) => !shadowedByMoreSpecificListener(attachment.listener, hostname, peers));
}

/** Changes to a host table, kept apart until commit() writes them into it. */
class HostOverlay {
  private readonly changes = new Map<string, HostEntry | undefined>();

  constructor(private readonly base: Map<string, HostEntry>) {}

  get(hostname: string): HostEntry | undefined {
    return this.changes.has(hostname) ? this.changes.get(hostname) : this.base.get(hostname);
  }

  has(hostname: string): boolean {
    return this.get(hostname) !== undefined;
  }

  set(hostname: string, host: HostEntry): void {
    this.changes.set(hostname, host);
  }

  delete(hostname: string): void {
    this.changes.set(hostname, undefined);
  }

  commit(): Map<string, HostEntry> {
    for (const [hostname, host] of this.changes) {
      if (host) this.base.set(hostname, host);
      else this.base.delete(hostname);
    }
    return this.base;
  }
}

/** Most attachments added or removed in one build for which patching beats building the chain again. */
const PATCH_LIMIT = 256;

/**
 * The chain's virtual hosts from `previous`, rebuilding only the hosts whose routes changed:
 * either attachments replaced in place (same position, listener and hostnames), or one run
 * of attachments added and removed between an unchanged beginning and end. Undefined when
 * the change has another shape, or adds or removes hosts where misdirected-host answers
 * would have to move; the caller then builds the chain again.
 */
function patchChain(
  chainName: string,
  members: readonly ListenerModel[],
  peers: readonly ListenerModel[],
  routes: readonly HttpListenerRoutes[],
  misdirected: boolean,
  previous: RememberedChain,
  memo: TranslationMemo,
): RememberedChain | undefined {
  const before = previous.attachments;
  if (before.length === routes.length) {
    const replaced = replacedInPlace(members, peers, routes, previous);
    if (replaced?.length === 0) return { ...previous, attachments: routes };
    if (replaced) return patchReplaced(chainName, routes, previous, replaced, members, peers, memo);
  }
  // The run that differs, between a common beginning and a common end.
  const { start, endBefore, endAfter } = differingRun(before, routes);
  const removed = before.slice(start, endBefore);
  const added = routes.slice(start, endAfter);
  if (removed.length + added.length > PATCH_LIMIT) return undefined;

  // Changes go to an overlay, written into `previous.byHost` (ours to change, see takeChain) only
  // at the end: if this gives up half way, `previous` is intact for the caller to reuse what is
  // still valid, and the table of every host is not copied for a change to a few.
  const byHost = new HostOverlay(previous.byHost);
  const dirty = new Set<string>();
  const listenerHosts = peers.length > 1 ? new Set(members.map((listener) => listener.hostname ?? '*')) : new Set<string>();
  for (const attachment of removed) {
    for (const hostname of servedHostnames(attachment, members, peers)) {
      const host = byHost.get(hostname);
      if (!host) return undefined;
      byHost.set(hostname, { index: host.index, lists: host.lists.filter((list) => list !== attachment.entries) });
      dirty.add(hostname);
    }
  }
  // Entry lists of a host follow attachment order: place each added one by its position.
  const positionOf = new Map<readonly RouteEntry[], number>();
  if (added.length > 0) routes.forEach((attachment, position) => positionOf.set(attachment.entries, position));
  const newHosts: string[] = [];
  for (const attachment of added) {
    const position = positionOf.get(attachment.entries) as number;
    for (const hostname of servedHostnames(attachment, members, peers)) {
      let host = byHost.get(hostname);
      if (!host) {
        if (misdirected) return undefined;
        host = { lists: [], index: -1 };
        newHosts.push(hostname);
      }
      const lists = [...host.lists];
      let at = lists.length;
      while (at > 0 && (positionOf.get(lists[at - 1]) ?? -1) > position) at--;
      lists.splice(at, 0, attachment.entries);
      byHost.set(hostname, { index: host.index, lists });
      dirty.add(hostname);
    }
  }
  const gone = [...dirty].filter((hostname) => byHost.get(hostname)?.lists.length === 0 && !listenerHosts.has(hostname));
  if (misdirected && gone.length > 0) return undefined;

  const clusters = new Map(previous.clusters);
  let hosts = previous.hosts.slice();
  for (const hostname of gone) {
    const host = byHost.get(hostname) as HostEntry;
    countClusters(clusters, memo.clustersOf(hosts[host.index], clustersOfVirtualHost), -1);
    byHost.delete(hostname);
    dirty.delete(hostname);
  }
  if (gone.length > 0 || newHosts.length > 0) {
    // Hosts come and go: lay the hosts out in name order again and renumber them.
    const names = hosts.map((vhost) => vhost.domains[0] ?? '').filter((hostname) => byHost.has(hostname) && !newHosts.includes(hostname));
    const keep = new Map(hosts.map((vhost) => [vhost.domains[0] ?? '', vhost] as const));
    const order = [...names, ...newHosts].sort(compareStrings);
    hosts = order.map((hostname) => keep.get(hostname) as IRVirtualHost);
    order.forEach((hostname, index) => {
      const host = byHost.get(hostname);
      if (host && host.index !== index) byHost.set(hostname, { lists: host.lists, index });
    });
  }
  for (const hostname of dirty) {
    const host = byHost.get(hostname) as HostEntry;
    if (!newHosts.includes(hostname)) countClusters(clusters, memo.clustersOf(hosts[host.index], clustersOfVirtualHost), -1);
    hosts[host.index] = virtualHost(chainName, hostname, host.lists);
    countClusters(clusters, memo.clustersOf(hosts[host.index], clustersOfVirtualHost), 1);
  }
  return { attachments: routes, peers, hosts, byHost: byHost.commit(), clusters };
}

/** The chain with attachments replaced in place (see replacedInPlace): only the hosts they serve are rebuilt. */
function patchReplaced(
  chainName: string,
  routes: readonly HttpListenerRoutes[],
  previous: RememberedChain,
  replaced: readonly number[],
  members: readonly ListenerModel[],
  peers: readonly ListenerModel[],
  memo: TranslationMemo,
): RememberedChain {
  // previous is ours to change (see TranslationMemo.takeChain); its hosts array is not (the IR holds it).
  const byHost = previous.byHost;
  const dirty = new Set<string>();
  for (const i of replaced) {
    const before = previous.attachments[i];
    const after = routes[i];
    for (const hostname of servedHostnames(after, members, peers)) {
      const host = byHost.get(hostname) as HostEntry;
      byHost.set(hostname, { index: host.index, lists: host.lists.map((list) => (list === before.entries ? after.entries : list)) });
      dirty.add(hostname);
    }
  }
  const hosts = previous.hosts.slice();
  const clusters = new Map(previous.clusters);
  for (const hostname of dirty) {
    const host = byHost.get(hostname) as HostEntry;
    countClusters(clusters, memo.clustersOf(hosts[host.index], clustersOfVirtualHost), -1);
    hosts[host.index] = virtualHost(chainName, hostname, host.lists);
    countClusters(clusters, memo.clustersOf(hosts[host.index], clustersOfVirtualHost), 1);
  }
  return { attachments: routes, peers, hosts, byHost, clusters };
}

/**
 * Whether the entry lists at `replaced` were replaced in place, so that patchReplaced may swap
 * them by identity, one position after another: each old list must become one new list, and no
 * new list may be in the chain already. When attachments moved instead (a route removed and
 * another added in one snapshot, so that those between shift by one place), a swap would put a
 * moved route's list where the replaced one was, and then replace it too, dropping routes.
 */
function swappable(before: readonly HttpListenerRoutes[], after: readonly HttpListenerRoutes[], replaced: readonly number[]): boolean {
  const swaps = new Map<readonly RouteEntry[], readonly RouteEntry[]>();
  for (const i of replaced) {
    const from = before[i].entries;
    const to = after[i].entries;
    if (from === to) continue;
    const earlier = swaps.get(from);
    if (earlier !== undefined && earlier !== to) return false;
    swaps.set(from, to);
  }
  if (swaps.size === 0) return true;
  const incoming = new Set(swaps.values());
  for (const attachment of before) if (incoming.has(attachment.entries)) return false;
  return true;
}

/**
 * Positions whose attachment was replaced by one with the same listener and hostnames,
 * or undefined when some replacement has another shape or attachments moved (see swappable):
 * the chain is then patched by the run that differs.
 */
function replacedInPlace(
  members: readonly ListenerModel[],
  peers: readonly ListenerModel[],
  routes: readonly HttpListenerRoutes[],
  previous: RememberedChain,
): number[] | undefined {
  const changed: number[] = [];
  for (let i = 0; i < routes.length; i++) {
    const before = previous.attachments[i];
    const after = routes[i];
    if (before === after) continue;
    if (before.listener !== after.listener || !sameObjects(before.hostnames, after.hostnames)) return undefined;
    if (!members.includes(after.listener)) continue;
    for (const hostname of servedHostnames(after, members, peers)) if (!previous.byHost.has(hostname)) return undefined;
    changed.push(i);
  }
  return swappable(previous.attachments, routes, changed) ? changed : undefined;
}

/**
 * Virtual hosts of one filter chain. `members` are the listeners whose routes the chain
 * serves; `peers` are every listener dispatched on the same port (for isolation). With
 * `misdirected`, hosts that belong to a peer listener get an explicit 421 answer, while
 * hosts of the chain's own listener without a matching route get 404. With a memo, the
 * chain's previous virtual hosts are patched or reused where their routes did not change.
 */
export function buildVirtualHosts(
  chainName: string,
  members: readonly ListenerModel[],
  peers: readonly ListenerModel[],
  routes: readonly HttpListenerRoutes[],
  misdirected = false,
  memo?: TranslationMemo,
): IRVirtualHost[] {
  if (!memo) return [...buildChain(chainName, members, peers, routes, misdirected, undefined, undefined).hosts];
  const key = `${chainName}\u0000${members.map(listenerId).join(',')}\u0000${peers.map(listenerId).join(',')}\u0000${String(misdirected)}`;
  const previous = memo.takeChain(key);
  // A chain made with other listener objects (a Gateway whose model was built again) is built
  // again rather than patched: its attachments name those listeners.
  const patchable = previous && sameObjects(previous.peers, peers) ? previous : undefined;
  const chain =
    (patchable && patchChain(chainName, members, peers, routes, misdirected, patchable, memo)) ??
    buildChain(chainName, members, peers, routes, misdirected, previous, memo);
  memo.rememberChain(key, chain);
  // The remembered array itself: the IR is never modified, and the memo finds the chain's clusters by it.
  return chain.hosts as IRVirtualHost[];
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
