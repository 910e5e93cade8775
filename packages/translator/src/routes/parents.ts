import type { ParentReference, ResourceSet } from '@portico/api';
import type { PendingCondition } from '../conditions.js';
import type { GatewayModel, ListenerModel } from '../gateway/model.js';
import { listenerAccepted } from '../gateway/model.js';
import { DEFAULT_SCOPES, NO_DEFAULT_SCOPE } from '../gateway/defaults.js';
import { namespaceLabels, selectorMatches } from '../namespaces.js';
import { GATEWAY_EXPERIMENTAL_GROUP } from '@portico/api';
import { compareStrings, describeObject, GATEWAY_GROUP } from '../util.js';
import { effectiveHostnames } from './hostnames.js';

/** A route of any kind, as far as attachment is concerned. */
export interface AttachableRoute {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  /** Route hostnames (HTTPRoute, GRPCRoute, TLSRoute); undefined for kinds without hostnames. */
  hostnames?: readonly string[];
}

export interface ListenerAttachment {
  listener: ListenerModel;
  /** Hostnames the route serves through this listener (`*` = any). */
  hostnames: string[];
}

export interface ParentAttachment {
  /** The parentRef with defaults filled in, as echoed in status. */
  parentRef: ParentReference;
  gateway: GatewayModel;
  /** Listeners the route attached to; empty when not accepted. */
  attachments: ListenerAttachment[];
  /**
   * Listeners the parentRef selects that admit the route but are not accepted themselves: they
   * serve nothing, and count the route in attachedRoutes when this parentRef accepts it through
   * another listener (the spec: the count "MUST be set for Listeners, even if the Accepted
   * condition of an individual Listener is set to False", and counts routes Accepted=True).
   * Counting is per parentRef: a parentRef that selects only such listeners is not accepted
   * (NotAllowedByListeners), so it counts nowhere. Absent when there are none.
   */
  countedOnly?: ListenerModel[];
  /** Accepted=False reason when attachments is empty. */
  rejected?: PendingCondition;
}

function allowsNamespace(resources: ResourceSet, listener: ListenerModel, routeNamespace: string): boolean {
  const from = listener.spec.allowedRoutes?.namespaces?.from ?? 'Same';
  switch (from) {
    case 'All':
      return true;
    case 'Same':
      return routeNamespace === listener.source.namespace;
    case 'Selector':
      return selectorMatches(listener.spec.allowedRoutes?.namespaces?.selector, namespaceLabels(resources, routeNamespace));
    default:
      return false;
  }
}

function allowsKind(kinds: ReadonlyArray<{ group: string; kind: string }>, route: AttachableRoute): boolean {
  return kinds.some((k) => k.group === route.group && k.kind === route.kind);
}

/** Default-filled parentRef: group and kind are always reported, namespace resolved. */
export function normalizeParentRef(ref: ParentReference, routeNamespace: string): ParentReference {
  const group = ref.group ?? GATEWAY_GROUP;
  const kind = ref.kind ?? 'Gateway';
  const namespace = ref.namespace ?? routeNamespace;
  // The usual shapes as whole literals (a field added afterwards goes to storage of its own).
  if (ref.port === undefined) {
    return ref.sectionName !== undefined ? { group, kind, namespace, name: ref.name, sectionName: ref.sectionName } : { group, kind, namespace, name: ref.name };
  }
  const normalized: ParentReference = { group, kind, namespace, name: ref.name };
  if (ref.sectionName !== undefined) normalized.sectionName = ref.sectionName;
  normalized.port = ref.port;
  return normalized;
}

/**
 * Attaches a route to the listeners one parentRef selects, following the Gateway API
 * rules: sectionName and port narrow the listeners (NoMatchingParent when nothing is
 * left), allowedRoutes kinds and namespaces must admit the route
 * (NotAllowedByListeners), and hostnames must intersect (NoMatchingListenerHostname).
 */
export function attachToGateway(
  resources: ResourceSet,
  route: AttachableRoute,
  ref: ParentReference,
  gateway: GatewayModel,
  /**
   * The object the parentRef names: the Gateway itself by default, or a ListenerSet
   * merged into it. Only that object's own listeners can be selected.
   */
  parent?: { kind: string; namespace: string; name: string },
): ParentAttachment {
  // Runs once per route and parentRef: one pass over the listeners, messages only when rejecting.
  const parentKind = parent?.kind ?? 'Gateway';
  const parentNamespace = parent?.namespace ?? gateway.namespace;
  const parentName = parent?.name ?? gateway.name;
  const parentRef = normalizeParentRef(ref, route.namespace);
  if (gateway.rejected) {
    const message = `${describeObject(parentKind, parentNamespace, parentName)} is not accepted: ${gateway.rejected.message}`;
    return rejected(parentRef, gateway, 'NoMatchingParent', message);
  }
  let selected = 0;
  // Selected listeners that are not accepted themselves (a conflict, an unsupported value).
  let refused = 0;
  // Accepted listeners that admit the route's kind (whatever its namespace), to say which of the two refuses it.
  let kindAllowed = 0;
  const allowed: ListenerModel[] = [];
  let allowedRefused: ListenerModel[] | undefined;
  for (const l of gateway.listeners) {
    if (l.source.kind !== parentKind || l.source.namespace !== parentNamespace || l.source.name !== parentName) continue;
    if ((ref.sectionName !== undefined && l.name !== ref.sectionName) || (ref.port !== undefined && l.port !== ref.port)) continue;
    selected++;
    if (!listenerAccepted(l)) {
      refused++;
      // Its status lists no route kinds, but its allowedRoutes still decide what attaches.
      if (allowsKind(l.admittedKinds, route) && allowsNamespace(resources, l, route.namespace)) (allowedRefused ??= []).push(l);
    } else if (allowsKind(l.admittedKinds, route)) {
      kindAllowed++;
      if (allowsNamespace(resources, l, route.namespace)) allowed.push(l);
    }
  }
  if (selected === 0) {
    // A ListenerSet its Gateway does not admit brings no listener at all: say that, not that none matches.
    const unadmitted = parentKind === 'ListenerSet' ? gateway.listenerSets.find((set) => set.namespace === parentNamespace && set.name === parentName && set.notAllowed !== undefined) : undefined;
    if (unadmitted) {
      return rejected(parentRef, gateway, 'NoMatchingParent', `${describeObject(parentKind, parentNamespace, parentName)} is not accepted by Gateway ${gateway.namespace}/${gateway.name} (see its status), so it has no listener to attach to`);
    }
    const what = [
      ref.sectionName !== undefined ? `sectionName "${ref.sectionName}"` : undefined,
      ref.port !== undefined ? `port ${ref.port}` : undefined,
    ]
      .filter(Boolean)
      .join(' and ');
    const message = `${describeObject(parentKind, parentNamespace, parentName)} has no listener matching ${what || 'this parentRef'}`;
    return rejected(parentRef, gateway, 'NoMatchingParent', message);
  }
  if (allowed.length === 0) {
    // Said as it is when every selected listener is itself refused: its allowedRoutes may well admit the route.
    const message =
      refused === selected
        ? `every listener of ${describeObject(parentKind, parentNamespace, parentName)} selected by this parentRef is not accepted (see its status), so none takes routes`
        : kindAllowed === 0
          ? `no listener of ${describeObject(parentKind, parentNamespace, parentName)} selected by this parentRef allows kind ${route.kind} (allowedRoutes.kinds, or the listener's protocol)`
          : `no listener of ${describeObject(parentKind, parentNamespace, parentName)} selected by this parentRef that takes ${route.kind} allows routes from namespace ${route.namespace} (allowedRoutes.namespaces)`;
    return rejected(parentRef, gateway, 'NotAllowedByListeners', message);
  }
  const attachments: ListenerAttachment[] = [];
  for (const listener of allowed) {
    const hostnames = hostnamesOn(listener, route);
    if (hostnames.length > 0) attachments.push({ listener, hostnames });
  }
  if (attachments.length === 0) {
    return rejected(
      parentRef,
      gateway,
      'NoMatchingListenerHostname',
      `none of the route hostnames (${route.hostnames?.join(', ') ?? ''}) match a listener hostname of ${describeObject(parentKind, parentNamespace, parentName)}`,
    );
  }
  const countedOnly = allowedRefused?.filter((listener) => hostnamesOn(listener, route).length > 0);
  return countedOnly?.length ? { parentRef, gateway, attachments, countedOnly } : { parentRef, gateway, attachments };
}

/** The hostnames a route serves on a listener (every name when it lists none); none when theirs do not meet. */
function hostnamesOn(listener: ListenerModel, route: AttachableRoute): string[] {
  return route.hostnames === undefined ? ['*'] : effectiveHostnames(listener.hostname, route.hostnames);
}

function rejected(parentRef: ParentReference, gateway: GatewayModel, reason: string, message: string): ParentAttachment {
  return { parentRef, gateway, attachments: [], rejected: { type: 'Accepted', status: false, reason, message } };
}

/**
 * The kind of object a parentRef names, as the translator holds it: the experimental
 * XListenerSet is a ListenerSet under another group and name (the providers hand it over so).
 */
export function parentKindOf(ref: Pick<ParentReference, 'group' | 'kind'>): string {
  return namesXListenerSet(ref) ? 'ListenerSet' : (ref.kind ?? 'Gateway');
}

function namesXListenerSet(ref: Pick<ParentReference, 'group' | 'kind'>): boolean {
  return ref.kind === 'XListenerSet' && ref.group === GATEWAY_EXPERIMENTAL_GROUP;
}

/** The object a parentRef names, resolved to the Gateway whose listeners it selects from. */
export interface ResolvedParent {
  gateway: GatewayModel;
  parent: { kind: string; namespace: string; name: string };
  /** Identity for de-duplicating repeated parentRefs. */
  key: string;
  /** A Service parent (mesh): route hostnames do not apply. */
  mesh?: boolean;
}

/**
 * Resolves a route parentRef to a Gateway this controller owns, directly or through one
 * of its ListenerSets. Undefined when the parent is not ours (another controller's
 * Gateway, or an unknown kind): such parentRefs get no status entry from us.
 */
export function resolveParent(
  gateways: ReadonlyMap<string, GatewayModel>,
  ref: ParentReference,
  routeNamespace: string,
  meshParents?: ReadonlyMap<string, GatewayModel>,
): ResolvedParent | undefined {
  const kind = ref.kind ?? 'Gateway';
  const namespace = ref.namespace ?? routeNamespace;
  const suffix = `${ref.sectionName ?? ''}|${ref.port ?? ''}`;
  if (kind === 'Service' && (ref.group === '' || ref.group === 'core') && meshParents) {
    const gateway = meshParents.get(`mesh/${namespace}/${ref.name}`);
    if (!gateway) return undefined;
    return { gateway, parent: { kind, namespace, name: ref.name }, key: `Service|${namespace}/${ref.name}|${suffix}`, mesh: true };
  }
  if (namesXListenerSet(ref)) return listenerSetParent(gateways, ref, namespace, suffix);
  if ((ref.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP) return undefined;
  if (kind === 'Gateway') {
    const gateway = gateways.get(`${namespace}/${ref.name}`);
    if (!gateway) return undefined;
    return { gateway, parent: { kind, namespace, name: ref.name }, key: `Gateway|${gateway.key}|${suffix}` };
  }
  if (kind === 'ListenerSet') return listenerSetParent(gateways, ref, namespace, suffix);
  return undefined;
}

function listenerSetParent(gateways: ReadonlyMap<string, GatewayModel>, ref: ParentReference, namespace: string, suffix: string): ResolvedParent | undefined {
  for (const gateway of gateways.values()) {
    if (gateway.listenerSets.some((set) => set.namespace === namespace && set.name === ref.name)) {
      return { gateway, parent: { kind: 'ListenerSet', namespace, name: ref.name }, key: `ListenerSet|${namespace}/${ref.name}|${suffix}` };
    }
  }
  return undefined;
}

/** The route spec fields that choose parents. */
export interface RouteParentSpec {
  parentRefs?: readonly ParentReference[];
  useDefaultGateways?: string;
}

/** Whether a Gateway is a default Gateway (GEP-3793) for the given scope. */
function isDefaultGatewayFor(gateway: GatewayModel, scope: string | undefined): boolean {
  const gatewayScope = gateway.gateway.spec?.defaultScope;
  return typeof scope === 'string' && DEFAULT_SCOPES.includes(scope) && gatewayScope === scope;
}

/**
 * The parentRefs a route is attached through: its own, then (GEP-3793 default Gateways)
 * one per Gateway of ours whose `spec.defaultScope` matches the route's
 * `useDefaultGateways`, in Gateway order. A defaulted parent behaves exactly as if the
 * route named that Gateway (allowedRoutes, hostnames and status all apply), and its
 * status entry names that Gateway. Without a matching default Gateway the field is
 * ignored, as the GEP requires.
 */
export function routeParentRefs(gateways: ReadonlyMap<string, GatewayModel>, spec: RouteParentSpec | undefined): ParentReference[] {
  const refs: ParentReference[] = [...(spec?.parentRefs ?? [])];
  const scope = spec?.useDefaultGateways;
  if (typeof scope !== 'string' || scope === NO_DEFAULT_SCOPE || !DEFAULT_SCOPES.includes(scope)) return refs;
  for (const gateway of defaultGateways(gateways, scope)) refs.push({ group: GATEWAY_GROUP, kind: 'Gateway', namespace: gateway.namespace, name: gateway.name });
  return refs;
}

// The Gateway models of a translation never change once built (a map is made per set of
// Gateways, and a remembered one is handed over as it is): default Gateways are found once per
// map and scope, not once per route.
const defaultsByMap = new WeakMap<ReadonlyMap<string, GatewayModel>, Map<string, readonly GatewayModel[]>>();

/** The default Gateways (GEP-3793) for `scope`, in Gateway key order. */
function defaultGateways(gateways: ReadonlyMap<string, GatewayModel>, scope: string): readonly GatewayModel[] {
  let byScope = defaultsByMap.get(gateways);
  if (!byScope) {
    byScope = new Map();
    defaultsByMap.set(gateways, byScope);
  }
  let found = byScope.get(scope);
  if (!found) {
    found = [...gateways.values()].filter((gateway) => isDefaultGatewayFor(gateway, scope)).sort((a, b) => compareStrings(a.key, b.key));
    byScope.set(scope, found);
  }
  return found;
}

/**
 * Counts a route once per listener in `attachedRoutes`, however many of its parentRefs
 * select that listener (e.g. one by sectionName and one for the whole Gateway).
 * `counted` is per route: create one list per route and pass it for every parentRef (a list,
 * not a set: a route counts towards one or two listeners).
 */
export function countAttachment(counted: ListenerModel[], listener: ListenerModel): void {
  if (counted.includes(listener)) return;
  counted.push(listener);
  listener.attachedRoutes += 1;
}
