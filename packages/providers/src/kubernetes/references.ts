import type { Listener, ResourceSet } from '@portico/api';

export type ReferencedKind = 'Secret' | 'ConfigMap';

export interface ObjectRef {
  kind: ReferencedKind;
  namespace: string;
  name: string;
}

export function refKey(ref: ObjectRef): string {
  return `${ref.kind}/${ref.namespace}/${ref.name}`;
}

interface LooseRef {
  group?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

/**
 * The Secrets and ConfigMaps the input points at. Only these are fetched and
 * watched: a controller that reads every Secret in the cluster needs far more
 * privilege and memory than one that reads what Gateways name.
 */
export function referencedObjects(resources: ResourceSet): ObjectRef[] {
  const found = new Map<string, ObjectRef>();
  const add = (ref: LooseRef | undefined, ownerNamespace: string | undefined, defaultKind: ReferencedKind): void => {
    if (!ref || typeof ref.name !== 'string' || !ref.name) return;
    if (ref.group !== undefined && ref.group !== '' && ref.group !== 'core') return;
    const kind = ref.kind ?? defaultKind;
    if (kind !== 'Secret' && kind !== 'ConfigMap') return;
    const namespace = ref.namespace ?? ownerNamespace;
    if (!namespace) return;
    const object: ObjectRef = { kind, namespace, name: ref.name };
    found.set(refKey(object), object);
  };
  const addListeners = (listeners: Listener[] | undefined, namespace: string | undefined): void => {
    for (const listener of listeners ?? []) {
      for (const certificate of listener?.tls?.certificateRefs ?? []) add(certificate, namespace, 'Secret');
    }
  };

  // Data plane parameters (ConfigMaps): the class's, and each Gateway's infrastructure.parametersRef.
  for (const gatewayClass of resources.list('GatewayClass')) {
    const ref = gatewayClass.spec?.parametersRef;
    if (ref && (ref.group ?? '') === '' && ref.kind === 'ConfigMap') add(ref, ref.namespace, 'ConfigMap');
  }
  for (const gateway of resources.list('Gateway')) {
    const namespace = gateway.metadata.namespace;
    const parametersRef = gateway.spec?.infrastructure?.parametersRef;
    if (parametersRef && (parametersRef.group ?? '') === '' && parametersRef.kind === 'ConfigMap') add(parametersRef, namespace, 'ConfigMap');
    addListeners(gateway.spec?.listeners, namespace);
    const tls = gateway.spec?.tls;
    add(tls?.backend?.clientCertificateRef, namespace, 'Secret');
    for (const ca of tls?.frontend?.default?.validation?.caCertificateRefs ?? []) add(ca, namespace, 'ConfigMap');
    for (const perPort of tls?.frontend?.perPort ?? []) {
      for (const ca of perPort?.tls?.validation?.caCertificateRefs ?? []) add(ca, namespace, 'ConfigMap');
    }
  }
  for (const listenerSet of resources.list('ListenerSet')) {
    addListeners(listenerSet.spec?.listeners, listenerSet.metadata.namespace);
  }
  for (const policy of resources.list('BackendTLSPolicy')) {
    for (const ca of policy.spec?.validation?.caCertificateRefs ?? []) {
      // LocalObjectReference: always the policy's namespace.
      add({ group: ca?.group, kind: ca?.kind, name: ca?.name }, policy.metadata.namespace, 'ConfigMap');
    }
  }
  return [...found.values()].sort((a, b) => (refKey(a) < refKey(b) ? -1 : refKey(a) > refKey(b) ? 1 : 0));
}
