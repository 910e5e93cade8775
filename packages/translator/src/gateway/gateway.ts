import { resolveGatewayInfrastructureParameters, type Condition, type Gateway, type ResourceSet } from '@portico/api';
import type { IRSecret } from '@portico/ir';
import { condition, stamp, type ConditionClock, type PendingCondition } from '../conditions.js';
import type { ReferenceGrants } from '../referencegrant.js';
import type { ObjectStatus } from '../result.js';
import { resolveAddresses } from './addresses.js';
import { DEFAULT_SCOPES, NO_DEFAULT_SCOPE } from './defaults.js';
import { markConflicts, markOverlappingTls } from './conflicts.js';
import { applyFrontendValidation } from './frontend.js';
import { buildListener, refuseRepeatedNames } from './listeners.js';
import { listenerSetAccepted, listenerSetsFor, listenerSetStatus } from './listenerset.js';
import { listenerAccepted, listenerProgrammed, ownListeners, supportedKindsOf, type GatewayModel, type ListenerModel } from './model.js';
import { resolveCertificateRef } from './tls.js';

export interface GatewayBuildContext {
  resources: ResourceSet;
  grants: ReferenceGrants;
  secrets: Map<string, IRSecret>;
  gatewayAddresses?: Record<string, Array<{ type: string; value: string }>>;
  defaultAddress: string;
}

/** Why infrastructure.parametersRef cannot be used (InvalidParameters), or undefined when it can or is unset. */
function infrastructureProblem(resources: ResourceSet, gateway: Gateway): string | undefined {
  const resolved = resolveGatewayInfrastructureParameters(resources, gateway);
  return resolved && !resolved.ok ? resolved.message : undefined;
}

/**
 * GEP-3793: a Gateway with `spec.defaultScope` set reports a DefaultGateway condition
 * (True with its scope); without it (or with `None`) the condition is not set at all.
 */
function defaultGatewayCondition(gateway: Gateway): PendingCondition | undefined {
  const scope: unknown = gateway.spec?.defaultScope;
  if (scope === undefined || scope === '' || scope === NO_DEFAULT_SCOPE) return undefined;
  const where = `Gateway ${gateway.metadata.namespace ?? ''}/${gateway.metadata.name} spec.defaultScope`;
  if (typeof scope !== 'string' || !DEFAULT_SCOPES.includes(scope)) {
    return {
      type: 'DefaultGateway',
      status: false,
      reason: 'UnsupportedValue',
      message: `${where}: ${JSON.stringify(scope)} is not a supported scope (All, None); the Gateway is not a default Gateway`,
    };
  }
  return { type: 'DefaultGateway', status: true, reason: 'DefaultGateway', message: `Gateway has default scope ${scope}` };
}

export function buildGatewayModel(ctx: GatewayBuildContext, gateway: Gateway): GatewayModel {
  const namespace = gateway.metadata.namespace ?? '';
  const name = gateway.metadata.name;
  const key = `${namespace}/${name}`;
  const source = { kind: 'Gateway', namespace, name, rank: 0 };
  const listenerSecrets = new Map<string, IRSecret>();
  const listeners = (gateway.spec?.listeners ?? []).map((listener, index) =>
    buildListener({ ...ctx, secrets: listenerSecrets }, key, source, listener, `spec.listeners[${index}]`),
  );
  refuseRepeatedNames(listeners, 'spec.listeners');
  const listenerSets = listenerSetsFor(ctx.resources, gateway);
  for (const set of listenerSets) {
    if (set.notAllowed) continue;
    set.listeners = (set.set.spec?.listeners ?? []).map((listener, index) =>
      buildListener({ ...ctx, secrets: listenerSecrets }, key, set.source, listener, `spec.listeners[${index}]`),
    );
    refuseRepeatedNames(set.listeners, 'spec.listeners');
    listeners.push(...set.listeners);
  }
  markConflicts(listeners);
  const insecure = applyFrontendValidation(ctx.resources, ctx.grants, gateway, listeners, listenerSecrets);
  markOverlappingTls(listeners);
  // Only secrets of listeners that will actually be served reach the IR.
  const used = new Set<string>();
  for (const listener of listeners) {
    if (!listenerProgrammed(listener) || !listener.tls) continue;
    for (const cert of listener.tls.certificates) used.add(cert);
    if (listener.tls.clientValidation) used.add(listener.tls.clientValidation.caSecret);
  }
  for (const [secretName, secret] of listenerSecrets) if (used.has(secretName)) ctx.secrets.set(secretName, secret);

  const addressResult = resolveAddresses(gateway, ctx.gatewayAddresses?.[key], ctx.defaultAddress);
  const model: GatewayModel = {
    key,
    gateway,
    namespace,
    name,
    listeners,
    listenerSets,
    addresses: addressResult.addresses,
    extraConditions: [],
  };
  const parametersProblem = infrastructureProblem(ctx.resources, gateway);
  if (parametersProblem) model.rejected = { reason: 'InvalidParameters', message: parametersProblem };
  else if (addressResult.unsupported) {
    // The other addresses' problems are said too: Programmed, which would carry them, only says
    // that a Gateway not accepted is not programmed.
    const others = [addressResult.unusable, addressResult.unassigned].filter((problem) => problem !== undefined);
    model.rejected = { reason: 'UnsupportedAddress', message: [addressResult.unsupported, ...others].join('; ') };
  }
  if (addressResult.unusable) model.unusableAddress = addressResult.unusable;
  if (addressResult.unassigned) model.unassignedAddress = addressResult.unassigned;

  const clientRef = gateway.spec?.tls?.backend?.clientCertificateRef;
  if (clientRef) {
    const result = resolveCertificateRef(ctx.resources, ctx.grants, namespace, clientRef, 'spec.tls.backend.clientCertificateRef');
    if (!result.ok) {
      model.unresolved = {
        reason: result.reason === 'RefNotPermitted' ? 'RefNotPermitted' : 'InvalidClientCertificateRef',
        message: result.message,
      };
    } else {
      ctx.secrets.set(result.secret.name, result.secret);
      model.backendClientCertificate = result.secret.name;
    }
  }
  const defaultGateway = defaultGatewayCondition(gateway);
  if (defaultGateway) model.extraConditions.push(defaultGateway);
  if (insecure) {
    model.extraConditions.push({
      type: 'InsecureFrontendValidationMode',
      status: true,
      reason: 'ConfigurationChanged',
      message: 'client certificate validation allows connections without a valid certificate (AllowInsecureFallback)',
    });
  }
  return model;
}

/**
 * Whether the Gateway as a whole is accepted (some data plane config is produced for it): some
 * listener of the merged list, its own or an admitted ListenerSet's, is accepted. GEP-1713:
 * the Gateway is treated "as having the merged list of all listeners".
 */
export function gatewayAccepted(model: GatewayModel): boolean {
  if (model.rejected) return false;
  return ownListeners(model).length === 0 || model.listeners.some(listenerAccepted);
}

export function listenerConditions(
  clock: ConditionClock,
  generation: number | undefined,
  l: ListenerModel,
  gatewayRejected: boolean,
): Condition[] {
  const accepted = l.conflict
    ? condition(clock, generation, 'Accepted', false, l.conflict.reason, l.conflict.message)
    : l.notAccepted
      ? condition(clock, generation, 'Accepted', false, l.notAccepted.reason, l.notAccepted.message)
      : condition(clock, generation, 'Accepted', true, 'Accepted', 'Listener is accepted');
  let programmed: Condition;
  if (gatewayRejected) programmed = condition(clock, generation, 'Programmed', false, 'Invalid', 'the Gateway is not accepted');
  else if (listenerProgrammed(l)) programmed = condition(clock, generation, 'Programmed', true, 'Programmed', 'Listener is programmed');
  else if (l.conflict) programmed = condition(clock, generation, 'Programmed', false, l.conflict.reason, l.conflict.message);
  else {
    const why = l.notAccepted?.message ?? l.unresolved?.message ?? 'listener is invalid';
    programmed = condition(clock, generation, 'Programmed', false, 'Invalid', why);
  }
  const resolved = l.unresolved
    ? condition(clock, generation, 'ResolvedRefs', false, l.unresolved.reason, l.unresolved.message)
    : condition(clock, generation, 'ResolvedRefs', true, 'ResolvedRefs', 'All references are resolved');
  const conflicted = l.conflict
    ? condition(clock, generation, 'Conflicted', true, l.conflict.reason, l.conflict.message)
    : condition(clock, generation, 'Conflicted', false, 'NoConflicts', 'No conflicts');
  // Negative polarity: present only when true.
  if (!l.overlappingTls) return [accepted, programmed, resolved, conflicted];
  const overlapping = condition(clock, generation, 'OverlappingTLSConfig', true, 'OverlappingHostnames', l.overlappingTls.message);
  return [accepted, programmed, resolved, conflicted, overlapping];
}

export function gatewayStatus(clock: ConditionClock, model: GatewayModel): ObjectStatus {
  const generation = model.gateway.metadata.generation;
  const own = ownListeners(model);
  const invalidListeners = own.filter((l) => !listenerAccepted(l)).map((l) => l.name);
  const accepted = gatewayAccepted(model);
  let acceptedCondition: Condition;
  if (model.rejected) {
    acceptedCondition = condition(clock, generation, 'Accepted', false, model.rejected.reason, model.rejected.message);
  } else if (!accepted) {
    acceptedCondition = condition(
      clock,
      generation,
      'Accepted',
      false,
      'ListenersNotValid',
      `no listener is valid: ${invalidListeners.join(', ')}`,
    );
  } else if (invalidListeners.length > 0) {
    acceptedCondition = condition(
      clock,
      generation,
      'Accepted',
      true,
      'ListenersNotValid',
      `Gateway is accepted; listeners not accepted: ${invalidListeners.join(', ')}`,
    );
  } else {
    acceptedCondition = condition(clock, generation, 'Accepted', true, 'Accepted', 'Gateway is accepted');
  }
  const programmedCondition = !accepted
    ? condition(clock, generation, 'Programmed', false, 'Invalid', 'Gateway is not accepted')
    : model.unusableAddress
      ? condition(clock, generation, 'Programmed', false, 'AddressNotUsable', model.unusableAddress)
      : model.unassignedAddress
        ? condition(clock, generation, 'Programmed', false, 'AddressNotAssigned', model.unassignedAddress)
        : condition(clock, generation, 'Programmed', true, 'Programmed', 'Gateway is programmed');
  const unresolvedListeners = own.filter((l) => l.unresolved).map((l) => l.name);
  const resolvedCondition = model.unresolved
    ? condition(clock, generation, 'ResolvedRefs', false, model.unresolved.reason, model.unresolved.message)
    : unresolvedListeners.length > 0
      ? condition(
          clock,
          generation,
          'ResolvedRefs',
          false,
          'ListenersNotResolved',
          `listeners with unresolved references: ${unresolvedListeners.join(', ')}`,
        )
      : condition(clock, generation, 'ResolvedRefs', true, 'ResolvedRefs', 'All references are resolved');
  return {
    apiVersion: model.gateway.apiVersion,
    kind: 'Gateway',
    namespace: model.namespace,
    name: model.name,
    ...(generation !== undefined ? { generation } : {}),
    status: {
      addresses: model.addresses,
      conditions: [
        acceptedCondition,
        programmedCondition,
        resolvedCondition,
        ...stamp(clock, generation, model.extraConditions),
      ],
      ...(model.listenerSets.length > 0
        ? // Gateway API: attached means selected, with a valid parentRef, and with "Accepted: true"
          // in the ListenerSet's status, which a Gateway that is not accepted gives none.
          { attachedListenerSets: accepted ? model.listenerSets.filter((set) => listenerSetAccepted(set)).length : 0 }
        : {}),
      listeners: own.map((l) => ({
        name: l.name,
        supportedKinds: supportedKindsOf(l),
        attachedRoutes: l.attachedRoutes,
        conditions: listenerConditions(clock, generation, l, !accepted),
      })),
    },
  };
}

/** Status of every ListenerSet that names this Gateway as its parent. */
export function listenerSetStatuses(clock: ConditionClock, model: GatewayModel): ObjectStatus[] {
  const accepted = gatewayAccepted(model);
  const notProgrammed = model.unusableAddress ?? model.unassignedAddress;
  return model.listenerSets.map((set) =>
    listenerSetStatus(clock, set, accepted, (l, generation) => listenerConditions(clock, generation, l, !accepted), notProgrammed),
  );
}
