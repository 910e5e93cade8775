import type { BackendRef, KubeObject, L4RouteSpec, RouteParentStatus, TLSRouteSpec } from '@portico/api';
import type { IRBackend, IRFilterChain, IRTcpFilterChain, IRUdpFilterChain } from '@portico/ir';
import { stamp, type PendingCondition } from '../conditions.js';
import { listenerKey, type ListenerModel } from '../gateway/model.js';
import type { ObjectStatus } from '../result.js';
import { compareStrings, GATEWAY_GROUP } from '../util.js';
import type { ClusterRegistry } from '../clusters.js';
import { resolveBackendRef, weightProblem } from './backends.js';
import { hostnameCovers, hostnameSpecificity, moreSpecific, routeHostnameProblems, shadowedByMoreSpecificListener } from './hostnames.js';
import { attachToGateway, countAttachment, resolveParent, routeParentRefs, type ParentAttachment } from './parents.js';
import type { RouteContext, RouteKindTranslator } from './registry.js';

// TCPRoute, UDPRoute and TLSRoute: routes without HTTP semantics. Each attached route
// becomes (part of) a filter chain on its listener's port: TCP/UDP listeners forward the
// whole stream or datagram flow to the weighted backends of the OLDEST attached route
// (several routes may attach and are all Accepted, but one listener has one upstream),
// TLS listeners select the chain by SNI from the route's effective hostnames.

type L4Kind = 'TCPRoute' | 'UDPRoute' | 'TLSRoute';
type L4Route = KubeObject<L4RouteSpec & Pick<TLSRouteSpec, 'hostnames'>>;

interface CompiledL4Route {
  route: L4Route;
  backends: IRBackend[];
  refProblems: Array<{ reason: string; message: string }>;
  /** Values Envoy would refuse (a weight that is not a whole number...): the route is not accepted. */
  invalid: string[];
  /** Weight of the backendRefs that did not resolve: their share of connections is refused. */
  invalidWeight: number;
}

interface L4Attachment {
  compiled: CompiledL4Route;
  listener: ListenerModel;
  hostnames: string[];
}

function compileBackends(ctx: RouteContext, kind: L4Kind, route: L4Route): CompiledL4Route {
  const namespace = route.metadata.namespace ?? '';
  const backends: IRBackend[] = [];
  const refProblems: CompiledL4Route['refProblems'] = [];
  const invalid: string[] = [];
  let invalidWeight = 0;
  const l4 = kind === 'UDPRoute' ? 'udp' : 'tcp';
  for (const [r, rule] of (route.spec?.rules ?? []).entries()) {
    for (const [b, ref] of (rule.backendRefs ?? []).entries()) {
      const field = `spec.rules[${r}].backendRefs[${b}]`;
      const resolved = resolveBackendRef(ctx, { kind, namespace }, ref as BackendRef, field, l4);
      const weight = ref.weight ?? 1;
      const badWeight = weightProblem(weight, field);
      if (!resolved.ok) {
        refProblems.push({ reason: resolved.reason, message: resolved.message });
        if (!badWeight) invalidWeight += weight;
        continue;
      }
      if (badWeight) {
        invalid.push(badWeight);
        continue;
      }
      if (weight <= 0) continue;
      backends.push({
        cluster: resolved.cluster,
        weight,
        source: { kind, namespace, name: route.metadata.name, path: field, ...(rule.name ? { ruleName: rule.name } : {}) },
      });
    }
  }
  return { route, backends, refProblems, invalid, invalidWeight };
}

/** Oldest first, then namespace/name: the Gateway API tie-break for conflicting routes. */
function compareAge(a: L4Route, b: L4Route): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return compareStrings(ta, tb);
  return compareStrings(`${a.metadata.namespace}/${a.metadata.name}`, `${b.metadata.namespace}/${b.metadata.name}`);
}

function parentStatus(ctx: RouteContext, parent: ParentAttachment, compiled: CompiledL4Route): RouteParentStatus {
  const conditions: PendingCondition[] = [];
  conditions.push(
    parent.rejected ??
      (compiled.invalid.length > 0
        ? { type: 'Accepted', status: false, reason: 'UnsupportedValue', message: compiled.invalid.join('; ') }
        : { type: 'Accepted', status: true, reason: 'Accepted', message: 'Route is accepted' }),
  );
  const first = compiled.refProblems[0];
  conditions.push(
    first
      ? {
          type: 'ResolvedRefs',
          status: false,
          reason: first.reason,
          message: compiled.refProblems.map((p) => p.message).join('; '),
        }
      : { type: 'ResolvedRefs', status: true, reason: 'ResolvedRefs', message: 'All references are resolved' },
  );
  return {
    parentRef: parent.parentRef,
    controllerName: ctx.controllerName,
    conditions: stamp(ctx.clock, compiled.route.metadata.generation, conditions),
  };
}

function translateKind(ctx: RouteContext, kind: L4Kind): { statuses: ObjectStatus[]; attachments: L4Attachment[] } {
  const statuses: ObjectStatus[] = [];
  const attachments: L4Attachment[] = [];
  const routes = (ctx.resources.list(kind) as L4Route[]).slice().sort(compareAge);
  for (const route of routes) {
    const namespace = route.metadata.namespace ?? '';
    const parents: ParentAttachment[] = [];
    const seen = new Set<string>();
    for (const ref of routeParentRefs(ctx.gateways, route.spec)) {
      const resolved = resolveParent(ctx.gateways, ref, namespace);
      if (!resolved || seen.has(resolved.key)) continue;
      seen.add(resolved.key);
      const attachable = { group: GATEWAY_GROUP, kind, namespace, name: route.metadata.name };
      parents.push(
        attachToGateway(
          ctx.resources,
          kind === 'TLSRoute' ? { ...attachable, hostnames: route.spec?.hostnames ?? [] } : attachable,
          ref,
          resolved.gateway,
          resolved.parent,
        ),
      );
    }
    if (parents.length === 0) continue;
    const compiled = compileBackends(ctx, kind, route);
    // SNI names: Gateway API Hostnames, as for HTTPRoutes.
    if (kind === 'TLSRoute') compiled.invalid.push(...routeHostnameProblems(route.spec?.hostnames));
    const counted: ListenerModel[] = [];
    const parentStatuses = parents.map((parent) => {
      // A route that is not accepted serves nothing and counts towards no listener.
      if (compiled.invalid.length === 0 && parent.countedOnly) for (const listener of parent.countedOnly) countAttachment(counted, listener);
      for (const attachment of compiled.invalid.length > 0 ? [] : parent.attachments) {
        countAttachment(counted, attachment.listener);
        if (attachments.some((a) => a.compiled === compiled && a.listener === attachment.listener)) continue;
        attachments.push({ compiled, listener: attachment.listener, hostnames: attachment.hostnames });
      }
      return parentStatus(ctx, parent, compiled);
    });
    const generation = route.metadata.generation;
    statuses.push({
      apiVersion: route.apiVersion,
      kind,
      namespace,
      name: route.metadata.name,
      ...(generation !== undefined ? { generation } : {}),
      status: { parents: parentStatuses },
    });
  }
  return { statuses, attachments };
}

function streamChains(
  kind: 'TCPRoute' | 'UDPRoute',
  gatewayKey: string,
  port: number,
  listeners: readonly ListenerModel[],
  attachments: readonly L4Attachment[],
): IRFilterChain[] {
  const protocol = kind === 'TCPRoute' ? 'TCP' : 'UDP';
  const chains: IRFilterChain[] = [];
  for (const listener of listeners.filter((l) => l.protocol === protocol)) {
    // attachments are in age order, so the first one is the oldest route.
    const winner = attachments.find((a) => a.listener === listener);
    if (!winner) continue;
    const route = winner.compiled.route;
    const chain: IRTcpFilterChain | IRUdpFilterChain = {
      type: kind === 'TCPRoute' ? 'tcp' : 'udp',
      name: `${gatewayKey}/${port}/${protocol.toLowerCase()}/${listenerKey(listener)}`,
      match: {},
      backends: winner.compiled.backends,
      source: { kind, namespace: route.metadata.namespace ?? '', name: route.metadata.name },
    } as IRTcpFilterChain | IRUdpFilterChain;
    // Envoy's udp_proxy has no weighted clusters to refuse a share with (docs/translator.md).
    if (chain.type === 'tcp' && winner.compiled.invalidWeight > 0) chain.invalidWeight = winner.compiled.invalidWeight;
    chains.push(chain);
  }
  return chains;
}

function tlsChains(
  gatewayKey: string,
  port: number,
  listeners: readonly ListenerModel[],
  attachments: readonly L4Attachment[],
  clusters: Pick<ClusterRegistry, 'passthrough'>,
): IRFilterChain[] {
  const chains: IRTcpFilterChain[] = [];
  const claimed = new Set<string>();
  // Most specific listener hostname first (Gateway API: "Exact matches MUST be processed before
  // wildcard matches"), so an SNI name both an exact and a wildcard listener accept goes to the
  // exact one; names only break ties.
  const tlsListeners = listeners
    .filter((l) => l.protocol === 'TLS')
    .sort((a, b) => hostnameSpecificity(b.hostname) - hostnameSpecificity(a.hostname) || compareStrings(a.name, b.name));
  // Listeners chosen by SNI on this port: a connection goes to the most specific one whose
  // hostname matches, then to one of its routes (listener isolation, as for HTTP).
  const sniListeners = listeners.filter((l) => l.protocol === 'TLS' || l.protocol === 'HTTPS');
  const claimedBy = new Set<L4Attachment>();
  for (const listener of tlsListeners) {
    const terminate = (listener.spec.tls?.mode ?? 'Terminate') === 'Terminate';
    if (terminate && !listener.tls) continue;
    for (const attachment of attachments.filter((a) => a.listener === listener)) {
      // An SNI name already served by an older route stays with it; one a more specific listener
      // takes is not this listener's to serve.
      const hostnames = attachment.hostnames.filter((h) => !claimed.has(h) && !shadowedByMoreSpecificListener(listener, h, sniListeners));
      if (hostnames.length === 0) continue;
      for (const hostname of hostnames) claimed.add(hostname);
      claimedBy.add(attachment);
      const route = attachment.compiled.route;
      const serverNames = hostnames.includes('*') ? [] : [...hostnames].sort(compareStrings);
      const chain: IRTcpFilterChain = {
        type: 'tcp',
        name: `${gatewayKey}/${port}/tls/${listenerKey(listener)}/${route.metadata.namespace}/${route.metadata.name}`,
        match: { transport: 'tls', ...(serverNames.length > 0 ? { serverNames } : {}) },
        // A connection the Gateway does not terminate goes through as it is: to the
        // passthrough variant of each backend's cluster, which no policy gives upstream TLS.
        backends: terminate ? attachment.compiled.backends : attachment.compiled.backends.map((backend) => ({ ...backend, cluster: clusters.passthrough(backend.cluster) })),
        source: { kind: 'TLSRoute', namespace: route.metadata.namespace ?? '', name: route.metadata.name },
      };
      if (terminate && listener.tls) chain.tls = listener.tls;
      if (attachment.compiled.invalidWeight > 0) chain.invalidWeight = attachment.compiled.invalidWeight;
      chains.push(chain);
    }
  }
  // HTTPS listeners always have a chain of their own; TLS listeners, one per route served.
  const withChains = new Set<ListenerModel>(sniListeners.filter((l) => l.protocol === 'HTTPS'));
  for (const attachment of attachments) if (claimedBy.has(attachment)) withChains.add(attachment.listener);
  for (const listener of tlsListeners) {
    if ((listener.spec.tls?.mode ?? 'Terminate') === 'Terminate' && !listener.tls) continue;
    const unrouted = unroutedChain(gatewayKey, port, listener, withChains, claimed);
    if (unrouted) chains.push(unrouted);
  }
  return chains;
}

/**
 * A chain that closes connections for the SNI names of `listener` no route of it serves, when
 * a less specific listener on the port (one of `withChains`) would otherwise take them: Envoy
 * picks the most specific server name among all chains, whichever listener they came from.
 */
function unroutedChain(
  gatewayKey: string,
  port: number,
  listener: ListenerModel,
  withChains: ReadonlySet<ListenerModel>,
  claimed: ReadonlySet<string>,
): IRTcpFilterChain | undefined {
  const hostname = listener.hostname;
  if (hostname === undefined || claimed.has(hostname)) return undefined;
  const takenElsewhere = [...withChains].some(
    (other) => other !== listener && moreSpecific(hostname, other.hostname) && (other.hostname === undefined || hostnameCovers(other.hostname, hostname)),
  );
  if (!takenElsewhere) return undefined;
  return {
    type: 'tcp',
    name: `${gatewayKey}/${port}/tls/${listenerKey(listener)}/unrouted`,
    match: { transport: 'tls', serverNames: [hostname] },
    backends: [],
    source: { kind: listener.source.kind, namespace: listener.source.namespace, name: listener.source.name, path: `listener ${listener.name}` },
  };
}

function l4Translator(kind: L4Kind): RouteKindTranslator {
  return {
    kind,
    translateAll(ctx) {
      const { statuses, attachments } = translateKind(ctx, kind);
      return {
        statuses,
        chainsFor(gatewayKey, port, listeners) {
          const own = attachments.filter((a) => a.listener.gatewayKey === gatewayKey && a.listener.port === port);
          // TLS listeners without routes may still need chains that keep their names from others.
          if (own.length === 0 && kind !== 'TLSRoute') return [];
          return kind === 'TLSRoute'
            ? tlsChains(gatewayKey, port, listeners, own, ctx.clusters)
            : streamChains(kind, gatewayKey, port, listeners, own);
        },
      };
    },
  };
}

export const tcpRouteTranslator = l4Translator('TCPRoute');
export const udpRouteTranslator = l4Translator('UDPRoute');
export const tlsRouteTranslator = l4Translator('TLSRoute');
