import type { ReferenceGrant, ResourceSet } from '@portico/api';
import { isCoreGroup } from './util.js';

export interface ReferenceFrom {
  group: string;
  kind: string;
  namespace: string;
}

export interface ReferenceTo {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

function sameGroup(a: string | undefined, b: string | undefined): boolean {
  if (isCoreGroup(a) && isCoreGroup(b)) return true;
  return a === b;
}

/**
 * Whether a reference from `fromNamespace` to `toNamespace` needs a ReferenceGrant: only one
 * that crosses namespaces does (ReferenceGrant spec). Callers on a hot path ask this first, so
 * that a reference within a namespace builds no ReferenceFrom/ReferenceTo objects.
 */
export function needsReferenceGrant(fromNamespace: string, toNamespace: string): boolean {
  return fromNamespace !== toNamespace;
}

/** Whether a reference from one object to another is allowed. */
export interface ReferenceCheck {
  allows(from: ReferenceFrom, to: ReferenceTo): boolean;
}

/**
 * ReferenceGrant enforcement: a reference across namespaces is allowed only when a
 * ReferenceGrant in the target namespace lists the source (group, kind, namespace)
 * in `from` and the target (group, kind, optional name) in `to`.
 */
export class ReferenceGrants implements ReferenceCheck {
  private readonly byNamespace = new Map<string, ReferenceGrant[]>();

  constructor(resources: ResourceSet) {
    for (const grant of resources.list('ReferenceGrant')) {
      const ns = grant.metadata.namespace ?? '';
      const list = this.byNamespace.get(ns) ?? [];
      list.push(grant);
      this.byNamespace.set(ns, list);
    }
  }

  allows(from: ReferenceFrom, to: ReferenceTo): boolean {
    if (!needsReferenceGrant(from.namespace, to.namespace)) return true;
    for (const grant of this.byNamespace.get(to.namespace) ?? []) {
      const froms = grant.spec?.from ?? [];
      const tos = grant.spec?.to ?? [];
      const fromOk = froms.some(
        (f) => sameGroup(f.group, from.group) && f.kind === from.kind && f.namespace === from.namespace,
      );
      if (!fromOk) continue;
      const toOk = tos.some(
        (t) => sameGroup(t.group, to.group) && t.kind === to.kind && (t.name === undefined || t.name === '' || t.name === to.name),
      );
      if (toOk) return true;
    }
    return false;
  }
}
