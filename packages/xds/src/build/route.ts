// RouteConfiguration, VirtualHost and Route builders: match, forward action and
// Portico metadata. Everything else a route can do lives in a feature file.
import type { IRBackend, IRRoute, IRRouteConfig, IRRouteMatch, IRVirtualHost } from '@portico/ir';
import type { XdsFeature } from '../features/feature.js';
import type { KnownMessages } from '../known.js';
import type { EnvoyMessage } from '../types.js';
import { encodeAndValidate } from '../screen.js';
import type { BuildContext } from './context.js';
import { namesOf, recordOnly, replaySideEffects, sameJson } from './memo.js';

const ROUTE_TYPE = 'envoy.config.route.v3.Route';
import type { BuildMemo, VirtualHostEntry } from './memo.js';
import { headerMatcher, matchesAnything, porticoMetadata, problemOf, stringMatcher } from './util.js';

/**
 * Never served: weighted cluster entries carrying the share of invalid backendRefs
 * point here so Envoy answers them with cluster_not_found_response_code (500).
 */
export const INVALID_BACKEND_CLUSTER = 'portico/invalid-backend';

export interface RouteProblem {
  /** Proto path inside the RouteConfiguration. */
  field: string;
  message: string;
}

/** Gateway API PathPrefix → Envoy RouteMatch path specifier (element-wise prefix). */
export function pathSpecifier(path: IRRouteMatch['path']): EnvoyMessage {
  switch (path.type) {
    case 'Exact':
      return { path: path.value };
    case 'RegularExpression':
      return { safe_regex: { regex: path.value } };
    case 'PathPrefix': {
      // A trailing slash is not significant in Gateway API prefixes: `/foo/` matches `/foo`.
      // Trimmed by hand (what .replace(/\/+$/, '') does): this runs for every route of every build.
      let end = path.value.length;
      while (end > 0 && path.value.charCodeAt(end - 1) === 0x2f) end--;
      const trimmed = end === path.value.length ? path.value : path.value.slice(0, end);
      if (trimmed === '') return { prefix: '/' };
      return { path_separated_prefix: trimmed };
    }
  }
}

export function routeMatch(match: IRRouteMatch): EnvoyMessage {
  // pathSpecifier returns a fresh object: the match grows on it.
  const out: EnvoyMessage = pathSpecifier(match.path);
  if (match.headers.length > 0) out.headers = match.headers.map(headerMatcher);
  if (match.queryParams.length > 0) {
    out.query_parameters = match.queryParams.map((q) =>
      matchesAnything(q.value) ? { name: q.name, present_match: true } : { name: q.name, string_match: stringMatcher(q.value) },
    );
  }
  if (match.grpc) out.grpc = {};
  return out;
}

/** The number in the first `<word>[<digits>` or `<word>/<digits>` of `text` (what /word(?:\[|\/)(\d+)/ finds). */
function indexAfter(text: string | undefined, word: string): number | undefined {
  if (!text) return undefined;
  for (let at = text.indexOf(word); at !== -1; at = text.indexOf(word, at + 1)) {
    const open = at + word.length;
    const c = text.charCodeAt(open);
    if (c !== 0x5b && c !== 0x2f) continue;
    let end = open + 1;
    while (end < text.length && text.charCodeAt(end) >= 0x30 && text.charCodeAt(end) <= 0x39) end++;
    if (end > open + 1) return Number(text.slice(open + 1, end));
  }
  return undefined;
}

export function routeMetadata(route: IRRoute): EnvoyMessage {
  const path = route.source.path;
  const { kind, namespace, name, ruleName } = route.source;
  const rule = indexAfter(path, 'rules') ?? indexAfter(route.name, 'rule');
  const match = indexAfter(path, 'matches') ?? indexAfter(route.name, 'match');
  if (kind && namespace && name && rule !== undefined && match !== undefined && route.name) {
    // porticoMetadata's block for a route of an HTTPRoute or GRPCRoute rule (every field set), as
    // one literal: this runs for every route of every build, and porticoMetadata adds the fields
    // one by one, which reallocates the object's property storage.
    const portico = ruleName
      ? { kind, namespace, name, rule, ruleName, match, route: route.name }
      : { kind, namespace, name, rule, match, route: route.name };
    return { filter_metadata: { portico } };
  }
  return porticoMetadata({ kind, namespace, name, rule, ruleName, match, route: route.name });
}

function directResponse500(): EnvoyMessage {
  return { status: 500 };
}

/** What Envoy answers a request meant for an invalid backend, as a cluster_not_found_response_code. */
function notFoundResponseCode(invalidStatus: 503 | undefined): string {
  return invalidStatus === 503 ? 'SERVICE_UNAVAILABLE' : 'INTERNAL_SERVER_ERROR';
}

/** The forward action before features patch it: `cluster` or `weighted_clusters`. */
function forwardAction(live: IRBackend[], invalidWeight: number, invalidStatus: 503 | undefined, ctx: BuildContext): EnvoyMessage | undefined {
  let total = 0;
  for (let i = 0; i < live.length; i++) total += (live[i] as IRBackend).weight;
  if (total === 0) return undefined;
  for (let i = 0; i < live.length; i++) ctx.referencedClusters.add((live[i] as IRBackend).cluster);
  if (live.length === 1 && invalidWeight === 0) return { cluster: live[0].cluster };
  // Sized for the invalid-backend entry up front rather than grown by push.
  const clusters = new Array<EnvoyMessage>(live.length + (invalidWeight > 0 ? 1 : 0));
  for (let i = 0; i < live.length; i++) {
    const backend = live[i] as IRBackend;
    clusters[i] = { name: backend.cluster, weight: backend.weight };
  }
  if (invalidWeight > 0) clusters[live.length] = { name: INVALID_BACKEND_CLUSTER, weight: invalidWeight };
  const action: EnvoyMessage = { weighted_clusters: { clusters } };
  if (invalidWeight > 0) action.cluster_not_found_response_code = notFoundResponseCode(invalidStatus);
  return action;
}

/** The backends that take requests: the list itself when all do (the usual case), else a filtered copy. */
function withWeight(backends: IRBackend[]): IRBackend[] {
  for (let i = 0; i < backends.length; i++) if ((backends[i] as IRBackend).weight <= 0) return backends.filter((b) => b.weight > 0);
  return backends;
}

/**
 * One Route from its IRRoute. Routes are remembered only through their virtual host (see
 * build/memo.ts): a virtual host that changed has few routes to build again.
 */
export function buildRoute(ir: IRRoute, ctx: BuildContext, features: readonly XdsFeature[]): EnvoyMessage {
  let route: EnvoyMessage;
  const match = routeMatch(ir.match);
  const metadata = routeMetadata(ir);
  if (ir.action.kind === 'forward') {
    const live = withWeight(ir.action.backends);
    const invalidWeight = ir.action.invalidWeight ?? 0;
    const action = live.length > 0 ? forwardAction(live, invalidWeight, ir.action.invalidStatus, ctx) : undefined;
    // Whole literals (a field added afterwards goes to storage of its own, kept as long as the
    // route is served). Gateway API: when every request would hit an invalid backend, answer 500.
    const failed = ir.action.invalidStatus === undefined ? directResponse500() : { status: ir.action.invalidStatus };
    route = action ? { name: ir.name, match, metadata, route: action } : { name: ir.name, match, metadata, direct_response: failed };
  } else route = { name: ir.name, match, metadata };
  for (const feature of features) feature.patchRoute?.(route, ir, ctx);
  return route;
}

/** A single Route's bytes, or its first problem (strict encoding, then PGV). */
function screenRoute(route: EnvoyMessage): { bytes?: Uint8Array; problem?: RouteProblem } {
  try {
    const { bytes, errors } = encodeAndValidate(ROUTE_TYPE, route);
    const [first] = errors;
    return first ? { problem: first } : { bytes };
  } catch (error) {
    return { problem: problemOf(error) };
  }
}

/** First problem of a single Route (strict encoding, then PGV), or undefined. */
export function routeProblem(route: EnvoyMessage): RouteProblem | undefined {
  return screenRoute(route).problem;
}

/** routeProblem, except that routes `known` lists pass at once and routes that pass are added to it. */
function knownRouteProblem(route: EnvoyMessage, known: KnownMessages | undefined): RouteProblem | undefined {
  if (!known) return routeProblem(route);
  if (known.bytes.has(route)) return undefined;
  const { bytes, problem } = screenRoute(route);
  if (bytes) known.bytes.set(route, bytes);
  return problem;
}

/**
 * A route Envoy would reject is replaced by a 500 direct response on the same
 * match (or dropped when the match itself is invalid), so one bad route never
 * takes the whole RouteConfiguration down. `adapt` makes the stand-in fit a table's
 * clients as its routes were made to (proxyless gRPC has no direct responses).
 */
function guardRoute(route: EnvoyMessage, path: string, problems: RouteProblem[], known: KnownMessages | undefined, adapt: RouteAdapter | undefined): EnvoyMessage | undefined {
  const problem = knownRouteProblem(route, known);
  if (!problem) return route;
  const field = problem.field ? `${path}.${problem.field}` : path;
  const plain: EnvoyMessage = { name: route.name, match: route.match, metadata: route.metadata, direct_response: directResponse500() };
  const fallback = adapt ? adapt(plain) : plain;
  if (routeProblem(fallback)) {
    problems.push({ field, message: `route dropped: ${problem.message}` });
    return undefined;
  }
  const standIn = fallback.direct_response ? 'a 500 direct response' : `a route to cluster ${String((fallback.route as EnvoyMessage | undefined)?.cluster)}, which is never served`;
  problems.push({ field, message: `route replaced by ${standIn}: ${problem.message}` });
  return fallback;
}

/** How the routes of one table were made to fit its clients (see guardRoute). */
export type RouteAdapter = (route: EnvoyMessage) => EnvoyMessage;

export function buildVirtualHost(ir: IRVirtualHost, ctx: BuildContext, features: readonly XdsFeature[]): EnvoyMessage {
  return buildVirtualHostFresh(ir, ctx, features, undefined);
}

function buildVirtualHostFresh(ir: IRVirtualHost, ctx: BuildContext, features: readonly XdsFeature[], memo: BuildMemo | undefined): EnvoyMessage {
  if (memo) memo.stats.routesBuilt += ir.routes.length;
  const routes = new Array<EnvoyMessage>(ir.routes.length);
  // Names a route adds are recorded, so that a Gateway that gets the same route adds them too.
  for (let i = 0; i < routes.length; i++) {
    const irRoute = ir.routes[i] as IRRoute;
    const shared = ctx.routes.reuse(irRoute, ctx.proxyless);
    if (shared) {
      replaySideEffects(ctx, shared);
      routes[i] = shared.route;
      continue;
    }
    const recording = ctx.routes.recorderFor(ctx);
    const route = buildRoute(irRoute, recording, features);
    const built = { route, clusters: namesOf(recording.referencedClusters), secrets: namesOf(recording.referencedSecrets), again: false };
    replaySideEffects(ctx, built);
    ctx.routes.remember(irRoute, ctx.proxyless, built);
    routes[i] = route;
  }
  const virtualHost: EnvoyMessage = { name: ir.name, domains: [...ir.domains], routes };
  for (const feature of features) feature.patchVirtualHost?.(virtualHost, ir, ctx);
  return virtualHost;
}

/**
 * The virtual hosts of a route configuration: when it lists the same IRVirtualHost objects
 * as in the last build, the same JSON objects, at the cost of one comparison per virtual host.
 */
function memoVirtualHosts(ir: IRRouteConfig, ctx: BuildContext, features: readonly XdsFeature[], memo: BuildMemo): EnvoyMessage[] {
  const key = `${ctx.gateway.name}\u0000${ir.name}\u0000${ctx.proxyless ? 'proxyless' : 'envoy'}`;
  const hit = memo.virtualHostList(key, ir.virtualHosts);
  if (hit) {
    memo.stats.virtualHostsReused += hit.value.length;
    replaySideEffects(ctx, hit);
    // Features may add virtual hosts to the list; the remembered one stays as it is.
    return [...hit.value];
  }
  // An unchanged IRVirtualHost gets the very JSON object built before.
  let cacheable = true;
  const previous = memo.previousVirtualHosts(key);
  const hosts = ir.virtualHosts;
  const entries = new Array<VirtualHostEntry>(hosts.length);
  for (let i = 0; i < hosts.length; i++) {
    const vh = hosts[i] as IRVirtualHost;
    const entry = previous && previous.ir[i] === vh ? previous.entries[i] : memo.virtualHost(vh, ctx.proxyless);
    if (entry) {
      memo.stats.virtualHostsReused += 1;
      entries[i] = entry;
      continue;
    }
    memo.stats.virtualHostsBuilt += 1;
    const built = recordOnly(ctx, (recording) => buildVirtualHostFresh(vh, recording, features, memo));
    cacheable &&= built.cacheable;
    // A new IRVirtualHost often builds the JSON the one at its place built (a Service edit that
    // changes nothing Envoy sees re-translates its routes): the earlier object is kept then, so
    // its bytes are reused instead of encoded and validated again.
    const before = previous && previous.entries.length === hosts.length ? previous.entries[i] : undefined;
    const value = before && sameJson(before.value, built.value) ? before.value : built.value;
    if (value !== built.value) memo.stats.virtualHostsUnchanged += 1;
    entries[i] = memo.setVirtualHost(vh, ctx.proxyless, value, built.effects, built.cacheable);
  }
  const value = entries.map((entry) => entry.value);
  const effects =
    previous && sameNamesAsBefore(previous.entries, entries) ? { clusters: previous.clusters, secrets: previous.secrets } : memo.unionOf(entries);
  replaySideEffects(ctx, effects);
  if (cacheable) memo.setVirtualHostList(key, ir.virtualHosts, value, effects, entries);
  return [...value];
}

/**
 * Whether every host that differs from the one at its position last time added the same names:
 * the union is then the one the last build made (an edit that leaves a route's backends alone).
 */
function sameNamesAsBefore(before: readonly VirtualHostEntry[], after: readonly VirtualHostEntry[]): boolean {
  if (before.length !== after.length) return false;
  for (let i = 0; i < after.length; i++) {
    const old = before[i] as VirtualHostEntry;
    const now = after[i] as VirtualHostEntry;
    if (old !== now && !(sameStrings(old.clusters, now.clusters) && sameStrings(old.secrets, now.secrets))) return false;
  }
  return true;
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function buildRouteConfiguration(
  ir: IRRouteConfig,
  ctx: BuildContext,
  features: readonly XdsFeature[],
  memo?: BuildMemo,
): EnvoyMessage {
  const virtualHosts = memo ? memoVirtualHosts(ir, ctx, features, memo) : ir.virtualHosts.map((vh) => buildVirtualHost(vh, ctx, features));
  // Clusters that do not exist are expected (invalid backends); Envoy must not reject the config for them.
  const routeConfig: EnvoyMessage = { name: ir.name, virtual_hosts: virtualHosts, validate_clusters: false };
  // Virtual host domains carry no port. Ignoring it for matching only (rather than stripping it in the HCM)
  // keeps the Host header the client sent, port included, on its way to the backend.
  if (!ctx.proxyless) routeConfig.ignore_port_in_host_matching = true;
  for (const feature of features) feature.patchRouteConfig?.(routeConfig, ir, ctx);
  return routeConfig;
}

/**
 * A RouteConfiguration Envoy would refuse, with every refused route replaced by a 500 direct
 * response (or dropped when its match itself is invalid). Problem paths use the route's index
 * as built, so they name the IR route even when an earlier one was dropped.
 */
export function repairRouteConfiguration(routeConfig: EnvoyMessage, problems: RouteProblem[], known?: KnownMessages, adapt?: RouteAdapter): EnvoyMessage {
  const virtualHosts = Array.isArray(routeConfig.virtual_hosts) ? (routeConfig.virtual_hosts as EnvoyMessage[]) : [];
  return {
    ...routeConfig,
    virtual_hosts: virtualHosts.map((vh, i) => {
      const routes = Array.isArray(vh.routes) ? (vh.routes as EnvoyMessage[]) : [];
      const kept: EnvoyMessage[] = [];
      routes.forEach((route, index) => {
        const guarded = guardRoute(route, `virtual_hosts[${i}].routes[${index}]`, problems, known, adapt);
        if (guarded) kept.push(guarded);
      });
      // A host none of whose routes was refused stays the same object, so its known bytes are used as they are.
      return kept.length === routes.length && kept.every((route, index) => route === routes[index]) ? vh : { ...vh, routes: kept };
    }),
  };
}
