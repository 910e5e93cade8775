// HTTPRoutes and GRPCRoutes that serve the same hostname on one listener. Gateway API
// (GRPCRouteSpec.hostnames): "If a Route (A) of type HTTPRoute or GRPCRoute is attached to a
// Listener and that listener already has another Route (B) of the other type attached and the
// intersection of the hostnames of A and B is non-empty, then the implementation MUST accept
// exactly one of these two routes", the oldest, then the first by namespace/name; "The
// rejected Route MUST raise an 'Accepted' condition with a status of 'False'". For a Service
// parent (mesh), GEP-1294 settles it by route type instead: GRPCRoute first, the other
// "Accepted ... (new) reason RouteReasonConflicted".
//
// Routes are translated one by one (and remembered one by one), so this is settled after the
// phase, on its attachment groups: the phase itself is kept as translated, and every
// translation settles it again, which costs one scan of the groups when no group mixes kinds.
import type { Condition, RouteParentStatus } from '@portico/api';
import { condition, type ConditionClock } from '../conditions.js';
import type { ListenerModel } from '../gateway/model.js';
import type { RememberedHttpRoutes } from '../memo.js';
import type { ObjectStatus } from '../result.js';
import { compareStrings } from '../util.js';
import { intersectHostnames } from './hostnames.js';
import type { HttpListenerRoutes } from './httproute.js';
import { parentKindOf } from './parents.js';

interface Attached {
  attachment: HttpListenerRoutes;
  kind: string;
  routeKey: string;
  created: string;
}

function attachedOf(attachment: HttpListenerRoutes): Attached | undefined {
  const entry = attachment.entries[0];
  if (!entry) return undefined;
  return { attachment, kind: entry.route.source.kind ?? '', routeKey: entry.routeKey, created: entry.creationTimestamp ?? '' };
}

function hostnamesMeet(a: readonly string[], b: readonly string[]): boolean {
  for (const x of a) for (const y of b) if (intersectHostnames(x === '*' ? undefined : x, y === '*' ? undefined : y) !== null) return true;
  return false;
}

/** Which of two attached routes of different kinds is kept on `listener`. */
function precedes(a: Attached, b: Attached, listener: ListenerModel): number {
  // GEP-1294 for Service parents: GRPCRoute before HTTPRoute, whatever their age.
  if (listener.source.kind === 'Service' && a.kind !== b.kind) return a.kind === 'GRPCRoute' ? -1 : 1;
  return compareStrings(a.created, b.created) || compareStrings(a.routeKey, b.routeKey) || compareStrings(a.kind, b.kind);
}

export interface SettledHttpRoutes {
  statuses: readonly ObjectStatus[];
  groups: ReadonlyMap<string, readonly HttpListenerRoutes[]>;
}

interface Refusal {
  listener: ListenerModel;
  by: Attached;
}

/** Whether a route's parentRef selects `listener` (the listener it was attached to through it). */
function selects(ref: RouteParentStatus['parentRef'], routeNamespace: string, listener: ListenerModel): boolean {
  const kind = parentKindOf(ref);
  const namespace = ref.namespace ?? routeNamespace;
  if (ref.sectionName !== undefined && ref.sectionName !== listener.name) return false;
  if (ref.port !== undefined && ref.port !== listener.port) return false;
  if (kind === 'Gateway') return listener.source.kind === 'Gateway' && listener.gatewayKey === `${namespace}/${ref.name}`;
  return listener.source.kind === kind && listener.source.namespace === namespace && listener.source.name === ref.name;
}

function refusedStatus(clock: ConditionClock, status: ObjectStatus, refusals: readonly Refusal[], attachedTo: readonly ListenerModel[]): ObjectStatus {
  const body = status.status as { parents?: RouteParentStatus[] };
  const parents = (body.parents ?? []).map((parent) => {
    const selected = attachedTo.filter((listener) => selects(parent.parentRef, status.namespace ?? '', listener));
    const lost = refusals.filter((r) => selected.includes(r.listener));
    // Refused only where every listener of the parentRef refused it: elsewhere a rule is still implemented.
    if (selected.length === 0 || lost.length < selected.length) return parent;
    const first = lost[0] as Refusal;
    const why =
      first.listener.source.kind === 'Service'
        ? 'a GRPCRoute takes precedence on the same Service port (GEP-1294)'
        : 'it is older (or first by namespace/name)';
    const message = `${first.by.kind} ${first.by.routeKey} serves an overlapping hostname on listener ${first.listener.name} and is kept: ${why}`;
    const conditions: Condition[] = [];
    for (const c of parent.conditions) {
      // PartiallyInvalid "MUST NOT be set if a Route is ... not accepted".
      if (c.type === 'PartiallyInvalid') continue;
      conditions.push(c.type === 'Accepted' ? condition(clock, status.generation, 'Accepted', false, 'Conflicted', message) : c);
    }
    return { ...parent, conditions };
  });
  return { ...status, status: { ...body, parents } };
}

/** The attachments of one group that a route of the other kind keeps out, with who keeps them out. */
function groupRefusals(group: readonly HttpListenerRoutes[]): ReadonlyMap<HttpListenerRoutes, Refusal> | undefined {
  let http = false;
  let grpc = false;
  for (const attachment of group) {
    const kind = attachment.entries[0]?.route.source.kind;
    if (kind === 'HTTPRoute') http = true;
    else if (kind === 'GRPCRoute') grpc = true;
  }
  if (!http || !grpc) return undefined;
  const byListener = new Map<ListenerModel, Attached[]>();
  for (const attachment of group) {
    const attached = attachedOf(attachment);
    if (!attached) continue;
    const list = byListener.get(attachment.listener);
    if (list) list.push(attached);
    else byListener.set(attachment.listener, [attached]);
  }
  const refused = new Map<HttpListenerRoutes, Refusal>();
  for (const [listener, list] of byListener) {
    if (!list.some((a) => a.kind === 'HTTPRoute') || !list.some((a) => a.kind === 'GRPCRoute')) continue;
    const kept: Attached[] = [];
    for (const candidate of [...list].sort((a, b) => precedes(a, b, listener))) {
      const winner = kept.find((k) => k.kind !== candidate.kind && hostnamesMeet(k.attachment.hostnames, candidate.attachment.hostnames));
      if (winner) refused.set(candidate.attachment, { listener, by: winner });
      else kept.push(candidate);
    }
  }
  return refused.size > 0 ? refused : undefined;
}

// Per group array: the phase hands over the same array for a group no route of it changed in
// (the memo copies only groups an edit touches), so an edit settles only its own groups.
const refusalsByGroup = new WeakMap<readonly HttpListenerRoutes[], ReadonlyMap<HttpListenerRoutes, Refusal> | null>();

/** Whether a GRPCRoute of the phase is attached anywhere: without one, there is nothing to settle. */
function grpcAttached(phase: RememberedHttpRoutes): boolean {
  // GRPCRoutes come after the HTTPRoutes in the phase's route list.
  for (let i = phase.routes.length - 1; i >= 0; i--) {
    if ((phase.routes[i] as { kind?: unknown }).kind !== 'GRPCRoute') return false;
    if ((phase.results[i]?.attachments.length ?? 0) > 0) return true;
  }
  return false;
}

/** The phase's statuses and attachment groups with the conflicts between route kinds settled. */
export function settleKindConflicts(phase: RememberedHttpRoutes, clock: ConditionClock): SettledHttpRoutes {
  if (!grpcAttached(phase)) return { statuses: phase.statuses, groups: phase.groups };
  const refused = new Map<HttpListenerRoutes, Refusal>();
  for (const group of phase.groups.values()) {
    let refusals = refusalsByGroup.get(group);
    if (refusals === undefined) {
      refusals = groupRefusals(group) ?? null;
      refusalsByGroup.set(group, refusals);
    }
    if (refusals) for (const [attachment, refusal] of refusals) refused.set(attachment, refusal);
  }
  if (refused.size === 0) return { statuses: phase.statuses, groups: phase.groups };

  const groups = new Map(phase.groups);
  for (const [key, group] of phase.groups) {
    if (group.some((attachment) => refused.has(attachment))) groups.set(key, group.filter((attachment) => !refused.has(attachment)));
  }
  // Per refused route: its refusals and every listener it was attached to.
  const byRoute = new Map<string, { refusals: Refusal[]; attachedTo: ListenerModel[] }>();
  for (const [attachment, refusal] of refused) {
    refusal.listener.attachedRoutes -= 1;
    const attached = attachedOf(attachment) as Attached;
    const key = `${attached.kind}\u0000${attached.routeKey}`;
    const entry = byRoute.get(key) ?? { refusals: [], attachedTo: [] };
    entry.refusals.push(refusal);
    byRoute.set(key, entry);
  }
  for (const group of phase.groups.values()) {
    for (const attachment of group) {
      const attached = attachedOf(attachment);
      const entry = attached && byRoute.get(`${attached.kind}\u0000${attached.routeKey}`);
      if (entry && !entry.attachedTo.includes(attachment.listener)) entry.attachedTo.push(attachment.listener);
    }
  }
  const statuses = phase.statuses.map((status) => {
    const entry = byRoute.get(`${status.kind}\u0000${status.namespace ?? ''}/${status.name}`);
    return entry ? refusedStatus(clock, status, entry.refusals, entry.attachedTo) : status;
  });
  return { statuses, groups };
}
