import type { Condition, Gateway, ListenerSet, ResourceSet } from '@portico/api';
import { condition, type ConditionClock } from '../conditions.js';
import { namespaceLabels, selectorMatches } from '../namespaces.js';
import type { ObjectStatus } from '../result.js';
import { isExperimentalApiVersion } from '@portico/api';
import { compareStrings, GATEWAY_GROUP } from '../util.js';
import { listenerAccepted, listenerProgrammed, supportedKindsOf, type ListenerModel, type ListenerSource } from './model.js';

// ListenerSet (GEP-1713): listeners declared outside the Gateway and merged into it when
// the Gateway's spec.allowedListeners admits the ListenerSet's namespace (default: none).
// Merge order decides conflicts: the Gateway's own listeners first, then ListenerSets
// oldest first (ties by namespace/name); a listener that clashes with an earlier one
// is the one marked Conflicted.

export interface ListenerSetModel {
  set: ListenerSet;
  namespace: string;
  name: string;
  /** Listener source shared by every listener of this set (rank = merge order). */
  source: ListenerSource;
  /** Why the Gateway does not admit this set; absent when admitted. */
  notAllowed?: string;
  /** Filled by the Gateway builder once the set is admitted. */
  listeners: ListenerModel[];
}

/** Does the ListenerSet's parentRef name this Gateway? */
function targets(set: ListenerSet, gateway: Gateway): boolean {
  const ref = set.spec?.parentRef;
  if (!ref) return false;
  return (
    (ref.group ?? GATEWAY_GROUP) === GATEWAY_GROUP &&
    (ref.kind ?? 'Gateway') === 'Gateway' &&
    ref.name === gateway.metadata.name &&
    (ref.namespace ?? set.metadata.namespace) === gateway.metadata.namespace
  );
}

function admission(resources: ResourceSet, gateway: Gateway, set: ListenerSet): string | undefined {
  const from = gateway.spec?.allowedListeners?.namespaces?.from ?? 'None';
  const namespace = set.metadata.namespace ?? '';
  const where = `Gateway ${gateway.metadata.namespace}/${gateway.metadata.name}`;
  switch (from) {
    case 'All':
      return undefined;
    case 'Same':
      return namespace === gateway.metadata.namespace
        ? undefined
        : `${where} spec.allowedListeners.namespaces.from is Same and this ListenerSet is in namespace ${namespace}`;
    case 'Selector':
      return selectorMatches(gateway.spec?.allowedListeners?.namespaces?.selector, namespaceLabels(resources, namespace))
        ? undefined
        : `${where} spec.allowedListeners.namespaces.selector does not select namespace ${namespace}`;
    case 'None':
      return `${where} does not allow ListenerSets (spec.allowedListeners.namespaces.from is None or unset)`;
    default:
      return `${where} spec.allowedListeners.namespaces.from: unknown value ${from}`;
  }
}

/** Every ListenerSet attached to `gateway`, in merge order, admitted or not. */
export function listenerSetsFor(resources: ResourceSet, gateway: Gateway): ListenerSetModel[] {
  const sets = resources
    .list('ListenerSet')
    .filter((set) => targets(set, gateway))
    .sort((a, b) => {
      const ta = a.metadata.creationTimestamp ?? '';
      const tb = b.metadata.creationTimestamp ?? '';
      if (ta !== tb) return compareStrings(ta, tb);
      return compareStrings(`${a.metadata.namespace}/${a.metadata.name}`, `${b.metadata.namespace}/${b.metadata.name}`);
    });
  return sets.map((set, index) => {
    const namespace = set.metadata.namespace ?? '';
    const model: ListenerSetModel = {
      set,
      namespace,
      name: set.metadata.name,
      source: { kind: 'ListenerSet', namespace, name: set.metadata.name, rank: index + 1 },
      listeners: [],
    };
    const problem = admission(resources, gateway, set);
    if (problem) model.notAllowed = problem;
    return model;
  });
}

/** A ListenerSet counts as attached when it is admitted and at least one listener can serve. */
export function listenerSetAccepted(model: ListenerSetModel): boolean {
  return !model.notAllowed && model.listeners.some(listenerProgrammed);
}

export function listenerSetStatus(
  clock: ConditionClock,
  model: ListenerSetModel,
  gatewayAccepted: boolean,
  listenerConditions: (l: ListenerModel, generation: number | undefined) => Condition[],
  /** Why the accepted parent Gateway is not programmed (its addresses), if it is not. */
  parentNotProgrammed?: string,
): ObjectStatus {
  const generation = model.set.metadata.generation;
  const conditions: Condition[] = [];
  if (model.notAllowed) {
    conditions.push(condition(clock, generation, 'Accepted', false, 'NotAllowed', model.notAllowed));
    conditions.push(condition(clock, generation, 'Programmed', false, 'NotAllowed', model.notAllowed));
  } else if (!gatewayAccepted) {
    const message = 'the parent Gateway is not accepted';
    conditions.push(condition(clock, generation, 'Accepted', false, 'ParentNotAccepted', message));
    conditions.push(condition(clock, generation, 'Programmed', false, 'ParentNotAccepted', message));
  } else if (!listenerSetAccepted(model)) {
    const invalid = model.listeners.filter((l) => !listenerProgrammed(l)).map((l) => l.name);
    const message = `no listener is valid: ${invalid.join(', ')}`;
    conditions.push(condition(clock, generation, 'Accepted', false, 'ListenersNotValid', message));
    conditions.push(condition(clock, generation, 'Programmed', false, 'ListenersNotValid', message));
  } else {
    // As for a Gateway: some listeners not accepted is Accepted=True/ListenersNotValid ("This can be
    // the reason when Accepted is True or False, depending on whether the listener being invalid
    // causes the entire ListenerSet to not be accepted").
    const invalid = model.listeners.filter((l) => !listenerAccepted(l)).map((l) => l.name);
    conditions.push(
      invalid.length > 0
        ? condition(clock, generation, 'Accepted', true, 'ListenersNotValid', `ListenerSet is accepted; listeners not accepted: ${invalid.join(', ')}`)
        : condition(clock, generation, 'Accepted', true, 'Accepted', 'ListenerSet is accepted'),
    );
    conditions.push(
      parentNotProgrammed !== undefined
        ? condition(clock, generation, 'Programmed', false, 'ParentNotProgrammed', `the parent Gateway is not programmed: ${parentNotProgrammed}`)
        : condition(clock, generation, 'Programmed', true, 'Programmed', 'ListenerSet is programmed'),
    );
  }
  // No ResolvedRefs here: ListenerSet conditions are Accepted and Programmed only ("MUST express
  // ListenerSet conditions using the ListenerSetConditionType ... constants"). Each listener's
  // entry in status.listeners says which references did not resolve.
  const experimental = isExperimentalApiVersion(model.set.apiVersion);
  return {
    apiVersion: model.set.apiVersion,
    kind: 'ListenerSet',
    namespace: model.namespace,
    name: model.name,
    ...(generation !== undefined ? { generation } : {}),
    status: {
      conditions,
      listeners: model.listeners.map((l) =>
        // The experimental XListenerSet (gateway.networking.x-k8s.io/v1alpha1) requires each
        // listener's port in its status; ListenerSet v1 has no such field.
        experimental && typeof l.port === 'number'
          ? { name: l.name, port: l.port, supportedKinds: supportedKindsOf(l), attachedRoutes: l.attachedRoutes, conditions: listenerConditions(l, generation) }
          : { name: l.name, supportedKinds: supportedKindsOf(l), attachedRoutes: l.attachedRoutes, conditions: listenerConditions(l, generation) },
      ),
    },
  };
}
