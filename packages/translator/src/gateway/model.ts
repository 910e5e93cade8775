import type { Gateway, Listener } from '@portico/api';
import type { IRDownstreamTLS } from '@portico/ir';
import type { PendingCondition } from '../conditions.js';
import type { ListenerSetModel } from './listenerset.js';

/** The object a listener is declared in: a Gateway, or later a ListenerSet merged into one. */
export interface ListenerSource {
  kind: string;
  namespace: string;
  name: string;
  /** Lower wins listener conflicts against other sources (Gateway = 0). */
  rank: number;
}

/**
 * One listener as the translator sees it after validation. Route attachment and
 * status work on this model only, so new route kinds and ListenerSets plug in here.
 */
export interface ListenerModel {
  gatewayKey: string;
  source: ListenerSource;
  spec: Listener;
  name: string;
  port: number;
  protocol: string;
  hostname?: string;
  /**
   * The route kinds its allowedRoutes admit (those valid for the protocol, or its defaults),
   * whether or not the listener is accepted: its status lists none for a listener that is not
   * (supportedKindsOf), but attachedRoutes counts by allowedRoutes all the same ("Listener or
   * Route status does not impact successful attachment").
   */
  admittedKinds: ReadonlyArray<{ group: string; kind: string }>;
  /** Accepted=False reason, when the listener is not accepted. */
  notAccepted?: { reason: string; message: string };
  /** ResolvedRefs=False reason (see addUnresolved). */
  unresolved?: ListenerProblem;
  conflict?: { reason: 'HostnameConflict' | 'ProtocolConflict'; message: string };
  /** OverlappingTLSConfig=True: another listener terminating TLS on the port matches some of the same hostnames. */
  overlappingTls?: { message: string };
  /** Downstream TLS when the listener terminates TLS and its certificates resolved. */
  tls?: IRDownstreamTLS;
  /** Routes with Accepted=True attached here. */
  attachedRoutes: number;
}

/**
 * The listener's name in generated resource names: unique per Gateway. A ListenerSet's
 * listener may share its name with a Gateway listener (or another ListenerSet's), so it is
 * qualified with its ListenerSet; Gateway listeners keep their plain name.
 */
export function listenerKey(listener: ListenerModel): string {
  if (listener.source.kind === 'Gateway') return listener.name;
  return `${listener.source.kind.toLowerCase()}/${listener.source.namespace}/${listener.source.name}/${listener.name}`;
}

/** A listener's identity across translations (ListenerModel objects are built anew each time). */
export function listenerId(listener: ListenerModel): string {
  return `${listener.gatewayKey}\u0000${listenerKey(listener)}`;
}

/** A listener's ResolvedRefs=False reason, and whether the listener still serves despite it. */
export interface ListenerProblem {
  reason: string;
  message: string;
  /**
   * The listener serves what did resolve: unsupported route kinds next to supported ones, or
   * some of several client CA certificates.
   */
  servable?: boolean;
}

/**
 * Records a reference problem of a listener. ResolvedRefs has one reason: a problem that stops
 * the listener from serving is the one it names, and the message keeps every problem.
 */
export function addUnresolved(listener: ListenerModel, problem: { reason: string; message: string }, servable: boolean): void {
  const current = listener.unresolved;
  if (!current) listener.unresolved = servable ? { ...problem, servable } : { ...problem };
  else if (current.servable && !servable) listener.unresolved = { reason: problem.reason, message: `${problem.message}; ${current.message}` };
  else listener.unresolved = { ...current, message: `${current.message}; ${problem.message}` };
}

export function listenerAccepted(listener: ListenerModel): boolean {
  return !listener.notAccepted && !listener.conflict;
}

/**
 * The kinds its status lists in supportedKinds: what allowedRoutes admits, and none at all for
 * a listener that is not accepted, whatever the reason (the conformance suite asserts an empty
 * list for an unsupported protocol, an unsupported TLS mode and a protocol conflict).
 */
export function supportedKindsOf(listener: ListenerModel): Array<{ group: string; kind: string }> {
  return listenerAccepted(listener) ? listener.admittedKinds.slice() : [];
}

/**
 * Accepted and with everything it needs to serve traffic. Unsupported route kinds next
 * to supported ones do not stop the listener from serving the supported ones.
 */
export function listenerProgrammed(listener: ListenerModel): boolean {
  if (!listenerAccepted(listener)) return false;
  return !listener.unresolved || listener.unresolved.servable === true;
}

export interface GatewayModel {
  key: string;
  gateway: Gateway;
  namespace: string;
  name: string;
  /** The Gateway's own listeners followed by those of admitted ListenerSets, in merge order. */
  listeners: ListenerModel[];
  /** Every ListenerSet whose parentRef names this Gateway, admitted or not. */
  listenerSets: ListenerSetModel[];
  addresses: Array<{ type: string; value: string }>;
  /** Gateway-level Accepted=False (InvalidParameters, UnsupportedAddress). */
  rejected?: { reason: string; message: string };
  /** IRSecret name of spec.tls.backend.clientCertificateRef, when it resolved. */
  backendClientCertificate?: string;
  /** Gateway-level ResolvedRefs=False (backend client certificate). */
  unresolved?: { reason: string; message: string };
  /** Programmed=False/AddressNotUsable: requested static addresses the data plane did not get. */
  unusableAddress?: string;
  /** Programmed=False/AddressNotAssigned: the provider has no address for this Gateway yet. */
  unassignedAddress?: string;
  extraConditions: PendingCondition[];
}

/** Listeners declared in the Gateway itself (not merged in from a ListenerSet). */
export function ownListeners(model: GatewayModel): ListenerModel[] {
  return model.listeners.filter((l) => l.source.kind === 'Gateway');
}
