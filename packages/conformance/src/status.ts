// Status assertion evaluators, one per README type. Each takes the computed
// status (as the API server would store it) and returns pass/fail with a one-line
// reason that names the object and what was expected versus seen.
import type { Assertion, ExpectedCondition, NamespacedName, ObjectRef } from './model.js';

export interface Verdict {
  passed: boolean;
  /** Why it failed, or a short confirmation when it passed. */
  reason: string;
}

export interface ConditionLike {
  type?: unknown;
  status?: unknown;
  reason?: unknown;
  observedGeneration?: unknown;
}

/** What an evaluator may read: computed status and the stored object's generation. */
export interface StatusView {
  /** `.status` of the object, undefined when none was computed. */
  status(kind: string, namespace: string | null | undefined, name: string): Record<string, unknown> | undefined;
  /** metadata.generation of the stored object, undefined when it does not exist. */
  generation(kind: string, namespace: string | null | undefined, name: string): number | undefined;
}

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';
const ROUTE_KINDS = new Set(['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute']);

const pass = (reason = 'ok'): Verdict => ({ passed: true, reason });
const fail = (reason: string): Verdict => ({ passed: false, reason });

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function list(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.map((item) => record(item) ?? {}) : [];
}

function conditionsOf(value: unknown): ConditionLike[] {
  return Array.isArray(value) ? (value as ConditionLike[]) : [];
}

function describeRef(ref: { kind?: string; namespace?: string | null; name: string }): string {
  return `${ref.kind ? `${ref.kind} ` : ''}${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

export function formatCondition(condition: ExpectedCondition | ConditionLike): string {
  const status = condition.status ?? '*';
  const reason = condition.reason ?? '*';
  return `${String(condition.type)}=${String(status)}/${String(reason)}`;
}

/** True when `actual` satisfies `expected` (null status / reason match anything). */
export function conditionMatches(expected: ExpectedCondition, actual: ConditionLike): boolean {
  return (
    actual.type === expected.type &&
    (expected.status === null || actual.status === expected.status) &&
    (expected.reason === null || actual.reason === expected.reason)
  );
}

/** Every expected condition is present; returns the first missing one with what the list holds instead. */
export function missingCondition(expected: ExpectedCondition[], actual: ConditionLike[]): string | undefined {
  for (const want of expected) {
    if (actual.some((have) => conditionMatches(want, have))) continue;
    const sameType = actual.find((have) => have.type === want.type);
    return sameType
      ? `want ${formatCondition(want)}, have ${formatCondition(sameType)}`
      : `want ${formatCondition(want)}, no ${want.type} condition (have: ${actual.map(formatCondition).join(', ') || 'none'})`;
  }
  return undefined;
}

/** The first condition whose observedGeneration is not the object's generation. */
export function staleCondition(conditions: ConditionLike[], generation: number | undefined): string | undefined {
  if (generation === undefined) return undefined;
  for (const condition of conditions) {
    if (condition.observedGeneration !== generation) {
      return `${String(condition.type)} has observedGeneration ${String(condition.observedGeneration ?? 'unset')}, generation is ${generation}`;
    }
  }
  return undefined;
}

/**
 * Fills the defaults the Gateway API CRDs declare on status fields
 * (ParentReference group/kind, RouteGroupKind group), which the API server
 * applies to every status write; the suite reads status after that defaulting.
 */
export function applyStatusDefaults(kind: string, status: Record<string, unknown>): Record<string, unknown> {
  const out = structuredClone(status);
  const defaultRef = (ref: Record<string, unknown> | undefined): void => {
    if (!ref) return;
    if (ref.group === undefined) ref.group = GATEWAY_GROUP;
    if (ref.kind === undefined) ref.kind = 'Gateway';
  };
  if (ROUTE_KINDS.has(kind)) for (const parent of list(out.parents)) defaultRef(record(parent.parentRef));
  if (kind === 'BackendTLSPolicy') for (const ancestor of list(out.ancestors)) defaultRef(record(ancestor.ancestorRef));
  if (kind === 'Gateway' || kind === 'ListenerSet') {
    for (const listener of list(out.listeners)) {
      for (const supported of list(listener.supportedKinds)) if (supported.group === undefined) supported.group = GATEWAY_GROUP;
    }
  }
  return out;
}

function requireCurrent(assertion: Assertion, conditions: ConditionLike[], generation: number | undefined): string | undefined {
  return assertion.requiresCurrentGeneration ? staleCondition(conditions, generation) : undefined;
}

function routeParentConditions(status: Record<string, unknown> | undefined): ConditionLike[] {
  return list(status?.parents).flatMap((parent) => conditionsOf(parent.conditions));
}

// ---------- evaluators ----------

type Evaluator = (assertion: Assertion, view: StatusView) => Verdict;

const condition: Evaluator = (a, view) => {
  const object = a.object as ObjectRef;
  const status = view.status(object.kind, object.namespace, object.name);
  const conditions = conditionsOf(status?.conditions);
  const expected = a.condition as ExpectedCondition;
  const missing = missingCondition([expected], conditions);
  if (missing) return fail(`${describeRef(object)}: ${missing}`);
  if (a.requiresCurrentGeneration) {
    const generation = view.generation(object.kind, object.namespace, object.name);
    const matched = conditions.filter((c) => conditionMatches(expected, c));
    if (!matched.some((c) => c.observedGeneration === generation)) {
      return fail(`${describeRef(object)}: ${staleCondition(matched, generation) ?? 'condition not at current generation'}`);
    }
  }
  return pass();
};

const observedGenerationCurrent: Evaluator = (a, view) => {
  const object = a.object as ObjectRef;
  const status = view.status(object.kind, object.namespace, object.name);
  const generation = view.generation(object.kind, object.namespace, object.name);
  if (generation === undefined) return fail(`${describeRef(object)}: object does not exist`);
  if (!status) return fail(`${describeRef(object)}: no status computed`);
  let conditions: ConditionLike[];
  if (ROUTE_KINDS.has(object.kind)) conditions = routeParentConditions(status);
  else if (object.kind === 'BackendTLSPolicy') conditions = list(status.ancestors).flatMap((x) => conditionsOf(x.conditions));
  else conditions = conditionsOf(status.conditions);
  if (conditions.length === 0) return fail(`${describeRef(object)}: status has no conditions`);
  const stale = staleCondition(conditions, generation);
  return stale ? fail(`${describeRef(object)}: ${stale}`) : pass();
};

function gatewayStatus(a: Assertion, view: StatusView): { ref: ObjectRef; status: Record<string, unknown> | undefined; generation: number | undefined } {
  const gateway = a.gateway as NamespacedName;
  const ref = { kind: 'Gateway', namespace: gateway.namespace, name: gateway.name };
  return { ref, status: view.status('Gateway', gateway.namespace, gateway.name), generation: view.generation('Gateway', gateway.namespace, gateway.name) };
}

const gatewayAddressAssigned: Evaluator = (a, view) => {
  const { ref, status, generation } = gatewayStatus(a, view);
  const addresses = list(status?.addresses);
  if (!addresses.some((address) => typeof address.type === 'string' && address.type !== '' && typeof address.value === 'string' && address.value !== '')) {
    return fail(`${describeRef(ref)}: status.addresses has no typed address (have ${JSON.stringify(addresses)})`);
  }
  const stale = requireCurrent(a, conditionsOf(status?.conditions), generation);
  return stale ? fail(`${describeRef(ref)}: ${stale}`) : pass();
};

const gatewayStatusAddresses: Evaluator = (a, view) => {
  const { ref, status, generation } = gatewayStatus(a, view);
  const addresses = list(status?.addresses);
  const count = a.count as number;
  const shown = JSON.stringify(addresses);
  if (addresses.length !== count) return fail(`${describeRef(ref)}: want ${count} status.addresses, have ${addresses.length} ${shown}`);
  for (const want of (a.mustInclude as Array<{ type: string; value: string }>) ?? []) {
    if (!addresses.some((have) => have.value === want.value && have.type === want.type)) {
      return fail(`${describeRef(ref)}: status.addresses lacks ${want.type} ${want.value} (have ${shown})`);
    }
  }
  for (const value of (a.mustNotIncludeValues as string[]) ?? []) {
    if (addresses.some((have) => have.value === value)) return fail(`${describeRef(ref)}: status.addresses must not include ${value}`);
  }
  const stale = requireCurrent(a, conditionsOf(status?.conditions), generation);
  return stale ? fail(`${describeRef(ref)}: ${stale}`) : pass();
};

interface ExpectedParent {
  parentRef: { group: string | null; kind: string | null; namespace: string | null; name: string };
  controllerName: string;
  conditions: ExpectedCondition[];
}

function fieldMatches(expected: string | null, actual: unknown): boolean {
  return expected === null ? actual === undefined || actual === null : actual === expected;
}

/** Why one status.parents entry does not match the expected parent, or undefined when it does. */
export function parentMismatch(expected: ExpectedParent, actual: Record<string, unknown>, namespaceRequired: boolean): string | undefined {
  const ref = record(actual.parentRef) ?? {};
  if (actual.controllerName !== expected.controllerName) return `controllerName ${String(actual.controllerName)}`;
  if (!fieldMatches(expected.parentRef.group, ref.group)) return `parentRef.group ${String(ref.group)}`;
  if (!fieldMatches(expected.parentRef.kind, ref.kind)) return `parentRef.kind ${String(ref.kind)}`;
  if (ref.name !== expected.parentRef.name) return `parentRef.name ${String(ref.name)}`;
  const namespaceOk =
    ref.namespace === expected.parentRef.namespace ||
    (!namespaceRequired && (ref.namespace === undefined || ref.namespace === null || ref.namespace === ''));
  if (!namespaceOk) return `parentRef.namespace ${String(ref.namespace)}`;
  return missingCondition(expected.conditions, conditionsOf(actual.conditions));
}

const routeParents: Evaluator = (a, view) => {
  const route = a.route as ObjectRef;
  const status = view.status(route.kind, route.namespace, route.name);
  const parents = list(status?.parents);
  for (const expected of a.parents as ExpectedParent[]) {
    const reasons = parents.map((actual) => parentMismatch(expected, actual, a.namespaceRequired === true));
    if (reasons.some((r) => r === undefined)) continue;
    const sameName = parents.findIndex((p) => record(p.parentRef)?.name === expected.parentRef.name);
    const detail = sameName >= 0 ? reasons[sameName] : `no status.parents entry for ${expected.parentRef.name} (have ${parents.length} parents)`;
    return fail(`${describeRef(route)} parent ${expected.parentRef.name}: ${detail}`);
  }
  const stale = requireCurrent(a, routeParentConditions(status), view.generation(route.kind, route.namespace, route.name));
  return stale ? fail(`${describeRef(route)}: ${stale}`) : pass();
};

function nameAndNamespaceMatch(ref: Record<string, unknown> | undefined, want: NamespacedName): boolean {
  if (!ref || ref.name !== want.name) return false;
  return ref.namespace === undefined || ref.namespace === null || ref.namespace === want.namespace;
}

/**
 * The assertion's condition in an entry of a shared status list (a route's `parents`, a policy's
 * `ancestors`) for the named object: passes when some entry for it has the condition, current.
 */
function conditionInEntry(a: Assertion, view: StatusView, object: ObjectRef, listName: 'parents' | 'ancestors', of: NamespacedName): Verdict {
  const [refField, entryName] = listName === 'parents' ? (['parentRef', 'parent'] as const) : (['ancestorRef', 'ancestor'] as const);
  const expected = a.condition as ExpectedCondition;
  const status = view.status(object.kind, object.namespace, object.name);
  const candidates = list(status?.[listName]).filter((entry) => nameAndNamespaceMatch(record(entry[refField]), of));
  if (candidates.length === 0) return fail(`${describeRef(object)}: no status.${listName} entry for ${of.name}`);
  const generation = view.generation(object.kind, object.namespace, object.name);
  let why = '';
  for (const candidate of candidates) {
    const conditions = conditionsOf(candidate.conditions);
    why = missingCondition([expected], conditions) ?? requireCurrent(a, conditions, generation) ?? '';
    if (!why) return pass();
  }
  return fail(`${describeRef(object)} ${entryName} ${of.name}: ${why}`);
}

const routeCondition: Evaluator = (a, view) => conditionInEntry(a, view, a.route as ObjectRef, 'parents', a.parent as NamespacedName);

const routeNotAccepted: Evaluator = (a, view) => {
  const route = a.route as ObjectRef;
  const status = view.status(route.kind, route.namespace, route.name);
  const parents = list(status?.parents);
  if (parents.length === 0) return pass('no parents');
  if (parents.length > 1) return fail(`${describeRef(route)}: ${parents.length} status.parents entries, want none or one not accepted`);
  const missing = missingCondition([{ type: 'Accepted', status: 'False', reason: null }], conditionsOf(parents[0].conditions));
  if (missing) return fail(`${describeRef(route)}: ${missing}`);
  const stale = requireCurrent(a, conditionsOf(parents[0].conditions), view.generation(route.kind, route.namespace, route.name));
  return stale ? fail(`${describeRef(route)}: ${stale}`) : pass();
};

const gatewayNoAttachedRoutes: Evaluator = (a, view) => {
  const { ref, status, generation } = gatewayStatus(a, view);
  const listeners = list(status?.listeners);
  if (listeners.length > 1) return fail(`${describeRef(ref)}: ${listeners.length} listeners in status, want at most one`);
  if (listeners.length === 1 && listeners[0].attachedRoutes !== 0) {
    return fail(`${describeRef(ref)}: listener ${String(listeners[0].name)} has attachedRoutes ${String(listeners[0].attachedRoutes)}, want 0`);
  }
  const stale = requireCurrent(a, conditionsOf(status?.conditions), generation);
  return stale ? fail(`${describeRef(ref)}: ${stale}`) : pass();
};

const attachedListenerSets: Evaluator = (a, view) => {
  const { ref, status, generation } = gatewayStatus(a, view);
  const have = typeof status?.attachedListenerSets === 'number' ? status.attachedListenerSets : 0;
  if (have !== a.count) return fail(`${describeRef(ref)}: attachedListenerSets ${have}, want ${String(a.count)}`);
  const stale = requireCurrent(a, conditionsOf(status?.conditions), generation);
  return stale ? fail(`${describeRef(ref)}: ${stale}`) : pass();
};

const listenerConditions: Evaluator = (a, view) => {
  const parent = a.parent as ObjectRef;
  const status = view.status(parent.kind, parent.namespace, parent.name);
  const listeners = list(status?.listeners);
  const names = a.listeners === 'all' ? listeners.map((l) => String(l.name)) : (a.listeners as string[]);
  const generation = view.generation(parent.kind, parent.namespace, parent.name);
  for (const name of names) {
    const listener = listeners.find((l) => l.name === name);
    if (!listener) return fail(`${describeRef(parent)}: listener ${name} missing from status`);
    const missing = missingCondition(a.conditions as ExpectedCondition[], conditionsOf(listener.conditions));
    if (missing) return fail(`${describeRef(parent)} listener ${name}: ${missing}`);
    const stale = requireCurrent(a, conditionsOf(listener.conditions), generation);
    if (stale) return fail(`${describeRef(parent)} listener ${name}: ${stale}`);
  }
  const stale = requireCurrent(a, conditionsOf(status?.conditions), generation);
  return stale ? fail(`${describeRef(parent)}: ${stale}`) : pass(names.length === 0 ? 'no listeners (vacuous)' : 'ok');
};

interface ExpectedListener {
  name: string;
  supportedKinds: Array<{ group: string | null; kind: string }>;
  supportedKindsMustBeEmpty: boolean;
  attachedRoutes: number;
  conditions: ExpectedCondition[];
}

const listenerStatus: Evaluator = (a, view) => {
  const parent = a.parent as ObjectRef;
  const status = view.status(parent.kind, parent.namespace, parent.name);
  const listeners = list(status?.listeners);
  const where = describeRef(parent);
  if (listeners.length !== a.listenerCount) return fail(`${where}: ${listeners.length} listeners in status, want ${String(a.listenerCount)}`);
  const generation = view.generation(parent.kind, parent.namespace, parent.name);
  for (const want of a.listeners as ExpectedListener[]) {
    const have = listeners.find((l) => l.name === want.name);
    if (!have) return fail(`${where}: listener ${want.name} missing from status`);
    if (have.attachedRoutes !== want.attachedRoutes) {
      return fail(`${where} listener ${want.name}: attachedRoutes ${String(have.attachedRoutes)}, want ${want.attachedRoutes}`);
    }
    const kinds = list(have.supportedKinds);
    if (want.supportedKindsMustBeEmpty && kinds.length > 0) {
      return fail(`${where} listener ${want.name}: supportedKinds must be empty, have ${kinds.map((k) => String(k.kind)).join(',')}`);
    }
    for (const kind of want.supportedKinds) {
      if (!kinds.some((k) => k.kind === kind.kind && (kind.group === null || k.group === kind.group))) {
        return fail(`${where} listener ${want.name}: supportedKinds lacks ${kind.kind} (have ${kinds.map((k) => String(k.kind)).join(',') || 'none'})`);
      }
    }
    const missing = missingCondition(want.conditions, conditionsOf(have.conditions));
    if (missing) return fail(`${where} listener ${want.name}: ${missing}`);
    const stale = requireCurrent(a, conditionsOf(have.conditions), generation);
    if (stale) return fail(`${where} listener ${want.name}: ${stale}`);
  }
  const stale = requireCurrent(a, conditionsOf(status?.conditions), generation);
  return stale ? fail(`${where}: ${stale}`) : pass();
};

const namespacesReady: Evaluator = (a, view) => {
  const expected = (a.conditions as ExpectedCondition[]) ?? [
    { type: 'Accepted', status: 'True', reason: null },
    { type: 'Programmed', status: 'True', reason: null },
  ];
  for (const gateway of a.gateways as NamespacedName[]) {
    const ref = { kind: 'Gateway', namespace: gateway.namespace, name: gateway.name };
    const status = view.status('Gateway', gateway.namespace, gateway.name);
    const conditions = conditionsOf(status?.conditions);
    const missing = missingCondition(expected, conditions);
    if (missing) return fail(`${describeRef(ref)}: ${missing}`);
    const read = conditions.filter((c) => expected.some((e) => e.type === c.type));
    const stale = requireCurrent(a, read, view.generation('Gateway', gateway.namespace, gateway.name));
    if (stale) return fail(`${describeRef(ref)}: ${stale}`);
  }
  return pass();
};

const policyAncestorCondition: Evaluator = (a, view) => conditionInEntry(a, view, a.policy as ObjectRef, 'ancestors', a.ancestor as NamespacedName);

export const STATUS_EVALUATORS: Record<string, Evaluator> = {
  condition,
  observedGenerationCurrent,
  gatewayAddressAssigned,
  gatewayStatusAddresses,
  routeParents,
  routeCondition,
  routeNotAccepted,
  gatewayNoAttachedRoutes,
  attachedListenerSets,
  listenerConditions,
  listenerStatus,
  namespacesReady,
  policyAncestorCondition,
};

/** Evaluates one expressible status assertion (placeholders already substituted). */
export function evaluateStatus(assertion: Assertion, view: StatusView): Verdict {
  const evaluator = STATUS_EVALUATORS[assertion.type];
  if (!evaluator) return fail(`no evaluator for status assertion type ${assertion.type}`);
  return evaluator(assertion, view);
}
