import { isDeepStrictEqual } from 'node:util';
import { DEFAULT_GATEWAYS_LOOKUP, lookupKey } from '../memo.js';
import { listenerId, type GatewayModel, type ListenerModel, type ListenerSource } from './model.js';

// After a change to what the Gateway models are built from, the models are built again and
// compared with the remembered ones, so that the remembered routes that cannot have changed
// are kept. Remembered route translations point at listener objects (their attachments and
// counts), so a listener that comes out the same keeps its remembered object.

/** The merged models, and the lookup keys (see memo.ts lookupKey) of what changed for routes. */
export interface MergedGatewayModels {
  gateways: Map<string, GatewayModel>;
  changed: string[];
}

/** What a route reads of a Gateway besides its listeners: whether it is accepted, and its default scope. */
function sameForRoutes(a: GatewayModel, b: GatewayModel): boolean {
  return isDeepStrictEqual(a.rejected, b.rejected) && a.gateway.spec?.defaultScope === b.gateway.spec?.defaultScope;
}

function sourceName(source: ListenerSource): string {
  return `${source.namespace}/${source.name}`;
}

/**
 * `rebuilt` (built in this translation, ours to change) merged with `kept` (the remembered
 * models, attachment counts reset). Per Gateway:
 *
 * - equal models: the remembered one, nothing changed;
 * - a Gateway that came or went, or whose acceptance or default scope changed: the new model,
 *   and every parentRef to it or to one of its ListenerSets changed (ParentPresence);
 * - otherwise, listener by listener: a listener equal to the remembered one of the same
 *   identity is that remembered object; one that differs, came or went changes the parentRefs
 *   that can select it (Parent, with and without its name as sectionName); a ListenerSet that
 *   came or went changes the parentRefs to it.
 */
export function mergeGatewayModels(
  rebuilt: ReadonlyMap<string, GatewayModel>,
  kept: ReadonlyMap<string, GatewayModel>,
  /** The kind parentRefs name these models by: Gateway, or Service for mesh parents. */
  parentKind: 'Gateway' | 'Service' = 'Gateway',
): MergedGatewayModels {
  const gateways = new Map<string, GatewayModel>();
  const changed = new Set<string>();
  const presence = (model: GatewayModel): void => {
    changed.add(lookupKey('ParentPresence', parentKind, `${model.namespace}/${model.name}`));
    for (const set of model.listenerSets) changed.add(lookupKey('ParentPresence', 'ListenerSet', `${set.namespace}/${set.name}`));
    changed.add(DEFAULT_GATEWAYS_LOOKUP);
  };
  const listenerChanged = (listener: ListenerModel): void => {
    changed.add(lookupKey('Parent', listener.source.kind, sourceName(listener.source)));
    changed.add(lookupKey('Parent', listener.source.kind, sourceName(listener.source), listener.name));
  };

  for (const [key, model] of rebuilt) {
    const previous = kept.get(key);
    if (previous && isDeepStrictEqual(model, previous)) {
      gateways.set(key, previous);
      continue;
    }
    gateways.set(key, model);
    if (!previous || !sameForRoutes(model, previous)) {
      presence(model);
      if (previous) presence(previous);
      continue;
    }
    const before = new Map(previous.listeners.map((listener) => [listenerId(listener), listener] as const));
    const same = new Map<ListenerModel, ListenerModel>();
    for (const listener of model.listeners) {
      const id = listenerId(listener);
      const old = before.get(id);
      before.delete(id);
      if (old && isDeepStrictEqual(listener, old)) same.set(listener, old);
      // One identity is one source and name: the old listener's keys are the new one's.
      else listenerChanged(listener);
    }
    for (const gone of before.values()) listenerChanged(gone);
    const swap = (listener: ListenerModel): ListenerModel => same.get(listener) ?? listener;
    model.listeners = model.listeners.map(swap);
    for (const set of model.listenerSets) set.listeners = set.listeners.map(swap);

    // A ListenerSet that names this Gateway now, or no longer, is found, or no longer, by the
    // parentRefs to it (even to a sectionName it lacks). Its admission and listeners reach
    // routes through the listeners alone, compared above.
    const setNames = (of: GatewayModel): Set<string> => new Set(of.listenerSets.map((set) => `${set.namespace}/${set.name}`));
    const setsBefore = setNames(previous);
    const setsAfter = setNames(model);
    for (const name of setsAfter) if (!setsBefore.has(name)) changed.add(lookupKey('ParentPresence', 'ListenerSet', name));
    for (const name of setsBefore) if (!setsAfter.has(name)) changed.add(lookupKey('ParentPresence', 'ListenerSet', name));
  }
  for (const [key, previous] of kept) if (!rebuilt.has(key)) presence(previous);
  return { gateways, changed: [...changed] };
}
