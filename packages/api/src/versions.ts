// Older served versions whose fields differ from the ones the translator reads, put in the
// current shape when they are read (by file mode and by the Kubernetes provider alike).

import { isExperimentalApiVersion } from './resources.js';

type Json = Record<string, unknown>;

function isMapping(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * An object of an experimental or older version in the shape the translator reads: an
 * XListenerSet as a ListenerSet, and a BackendTLSPolicy of gateway.networking.k8s.io/v1alpha2
 * (Gateway API v1.0) in the shape of v1alpha3 and later (v1.1 renamed: targetRef → targetRefs, tls → validation,
 * tls.caCertRefs → validation.caCertificateRefs, tls.wellKnownCACerts →
 * validation.wellKnownCACertificates). Read as it was, its target and validation were missing
 * and the backend stayed plaintext without a word. Other objects are returned as they are; the
 * object given is never changed.
 */
export function inCurrentShape<T>(object: T): T {
  if (!isMapping(object)) return object;
  // The experimental XListenerSet (v1alpha1) is ListenerSet under another group and name; its
  // apiVersion stays, and with it the shape of the status it gets.
  if (object.kind === 'XListenerSet' && isExperimentalApiVersion(object.apiVersion)) {
    return { ...object, kind: 'ListenerSet' } as T;
  }
  if (object.kind !== 'BackendTLSPolicy' || object.apiVersion !== 'gateway.networking.k8s.io/v1alpha2') return object;
  const spec = object.spec;
  if (!isMapping(spec) || spec.targetRefs !== undefined || spec.validation !== undefined) return object;
  const { targetRef, tls, ...rest } = spec;
  const current: Json = { ...rest };
  if (targetRef !== undefined) current.targetRefs = [targetRef];
  if (isMapping(tls)) {
    const { caCertRefs, wellKnownCACerts, ...validation } = tls;
    if (caCertRefs !== undefined) validation.caCertificateRefs = caCertRefs;
    if (wellKnownCACerts !== undefined) validation.wellKnownCACertificates = wellKnownCACerts;
    current.validation = validation;
  }
  return { ...object, spec: current } as T;
}
