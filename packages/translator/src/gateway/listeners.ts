import type { Listener, ResourceSet } from '@portico/api';
import type { IRSecret } from '@portico/ir';
import { FEATURES } from '../features.js';
import type { ReferenceGrants } from '../referencegrant.js';
import { SUPPORTED_PROTOCOLS, defaultKindsFor, kindSupportedOn } from '../routes/kinds.js';
import { hostnameProblem } from '../routes/hostnames.js';
import { GATEWAY_GROUP, isPortNumber } from '../util.js';
import { addUnresolved, type ListenerModel, type ListenerSource } from './model.js';
import { resolveCertificateRef } from './tls.js';

export interface ListenerBuildContext {
  resources: ResourceSet;
  grants: ReferenceGrants;
  /** Collects the secrets of listeners whose certificates resolved, by IRSecret.name. */
  secrets: Map<string, IRSecret>;
}

/**
 * The route kinds allowedRoutes admits on the listener's protocol (its defaults when it names
 * none), each once, and those it names that the protocol cannot take (`group/Kind`).
 */
function routeKindsOf(listener: Listener): { admitted: Array<{ group: string; kind: string }>; invalid: string[] } {
  if (!SUPPORTED_PROTOCOLS.includes(listener.protocol)) return { admitted: [], invalid: [] };
  const requested = listener.allowedRoutes?.kinds;
  if (!requested || requested.length === 0) return { admitted: defaultKindsFor(listener.protocol), invalid: [] };
  const admitted: Array<{ group: string; kind: string }> = [];
  const invalid: string[] = [];
  for (const entry of requested) {
    const group = entry.group ?? GATEWAY_GROUP;
    if (!kindSupportedOn(listener.protocol, group, entry.kind)) invalid.push(`${group || 'core'}/${entry.kind}`);
    else if (!admitted.some((kind) => kind.group === group && kind.kind === entry.kind)) admitted.push({ group, kind: entry.kind });
  }
  return { admitted, invalid };
}

function resolveTls(ctx: ListenerBuildContext, listener: Listener, model: ListenerModel, field: string): void {
  const tls = listener.tls;
  const mode = tls?.mode ?? 'Terminate';
  if (model.protocol === 'HTTPS' && mode !== 'Terminate') {
    model.notAccepted = {
      reason: 'UnsupportedValue',
      message: `${field}.tls.mode: HTTPS listeners only support Terminate, got ${mode}`,
    };
    return;
  }
  if (model.protocol === 'TLS' && mode === 'Passthrough') return;
  if (model.protocol === 'TLS' && mode === 'Terminate' && !FEATURES.includes('TLSRouteModeTerminate')) {
    model.notAccepted = {
      reason: 'UnsupportedValue',
      message: `${field}.tls.mode: TLS listeners in Terminate mode are not supported yet (use Passthrough)`,
    };
    return;
  }
  if (mode !== 'Terminate' && mode !== 'Passthrough') {
    model.notAccepted = { reason: 'UnsupportedValue', message: `${field}.tls.mode: unknown mode ${mode}` };
    return;
  }
  const refs = tls?.certificateRefs ?? [];
  if (refs.length === 0) {
    const message = `${field}.tls.certificateRefs: a ${model.protocol} listener terminating TLS needs at least one certificate`;
    addUnresolved(model, { reason: 'InvalidCertificateRef', message }, false);
    return;
  }
  const certificates: string[] = [];
  const pending: IRSecret[] = [];
  // Apart from a route kinds problem, which leaves the listener serving its supported kinds.
  let refused: { reason: string; message: string } | undefined;
  for (const [index, ref] of refs.entries()) {
    const result = resolveCertificateRef(
      ctx.resources,
      ctx.grants,
      model.source.namespace,
      ref,
      `${field}.tls.certificateRefs[${index}]`,
      model.source.kind,
    );
    if (!result.ok) {
      // RefNotPermitted is the more specific answer: report it over a plain invalid ref.
      if (!refused || (result.reason === 'RefNotPermitted' && refused.reason !== 'RefNotPermitted')) {
        refused = { reason: result.reason, message: result.message };
      }
      continue;
    }
    certificates.push(result.secret.name);
    pending.push(result.secret);
  }
  if (refused) {
    addUnresolved(model, refused, false);
    return;
  }
  for (const secret of pending) ctx.secrets.set(secret.name, secret);
  // HTTPS serves HTTP/2 and HTTP/1.1; ALPN lets clients pick.
  model.tls = model.protocol === 'HTTPS' ? { certificates, alpn: ['h2', 'http/1.1'] } : { certificates };
}

export function buildListener(
  ctx: ListenerBuildContext,
  gatewayKey: string,
  source: ListenerSource,
  listener: Listener,
  field: string,
): ListenerModel {
  const kinds = routeKindsOf(listener);
  const model: ListenerModel = {
    gatewayKey,
    source,
    spec: listener,
    name: listener.name,
    port: listener.port,
    protocol: listener.protocol,
    admittedKinds: kinds.admitted,
    attachedRoutes: 0,
  };
  const usesHostname = ['HTTP', 'HTTPS', 'TLS'].includes(listener.protocol);
  if (usesHostname && listener.hostname) model.hostname = listener.hostname.toLowerCase();
  if (!SUPPORTED_PROTOCOLS.includes(listener.protocol)) {
    model.notAccepted = {
      reason: 'UnsupportedProtocol',
      message: `${field}.protocol: ${listener.protocol} is not supported (supported: ${SUPPORTED_PROTOCOLS.join(', ')})`,
    };
    return model;
  }
  if (!isPortNumber(listener.port)) {
    const got = listener.port === undefined ? 'missing or not a number' : `${String(listener.port)} is not a valid port (1-65535)`;
    model.notAccepted = { reason: 'PortUnavailable', message: `${field}.port: ${got}` };
    return model;
  }
  const why = model.hostname === undefined ? undefined : hostnameProblem(model.hostname);
  if (why !== undefined) {
    model.notAccepted = { reason: 'UnsupportedValue', message: `${field}.hostname: "${listener.hostname}" ${why}` };
    return model;
  }
  if (kinds.invalid.length > 0) {
    const message = `${field}.allowedRoutes.kinds: ${kinds.invalid.join(', ')} cannot be attached to a ${model.protocol} listener`;
    addUnresolved(model, { reason: 'InvalidRouteKinds', message }, model.admittedKinds.length > 0);
  }
  if (listener.protocol === 'HTTPS' || listener.protocol === 'TLS') resolveTls(ctx, listener, model, field);
  return model;
}

/**
 * Listener names are unique within a Gateway and within each ListenerSet (the CRDs key the
 * lists by name). The API server enforces it; a manifest file can repeat one, and two
 * listeners of one name would make two filter chains and two RouteConfigurations of one name,
 * which Envoy refuses (or one would take the other's place). A repeat is not accepted.
 */
export function refuseRepeatedNames(listeners: readonly ListenerModel[], field: string): void {
  const first = new Map<string, number>();
  listeners.forEach((listener, index) => {
    const earlier = first.get(listener.name);
    if (earlier === undefined) {
      first.set(listener.name, index);
      return;
    }
    listener.notAccepted = {
      reason: 'UnsupportedValue',
      message: `${field}[${index}].name: "${listener.name}" is already the name of ${field}[${earlier}]; listener names must be unique`,
    };
  });
}
