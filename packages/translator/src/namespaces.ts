import type { LabelSelector, ResourceSet } from '@portico/api';

/**
 * Labels of a namespace. Kubernetes always sets `kubernetes.io/metadata.name`, so it is
 * present here too even when the Namespace object is absent from the input.
 */
export function namespaceLabels(resources: ResourceSet, namespace: string): Record<string, string> {
  const object = resources.get('Namespace', undefined, namespace);
  return { ...(object?.metadata.labels ?? {}), 'kubernetes.io/metadata.name': namespace };
}

/**
 * Kubernetes label selector semantics: an empty selector matches everything, an absent one
 * nothing ("A null label selector matches no objects"; `from: Selector` without a selector
 * admits no namespace). A requirement Kubernetes would refuse (In or NotIn without values,
 * Exists or DoesNotExist with values, an unknown operator) selects nothing rather than
 * everything.
 */
export function selectorMatches(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const expr of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, expr.key);
    const values = expr.values ?? [];
    const needsValues = expr.operator === 'In' || expr.operator === 'NotIn';
    if (needsValues !== values.length > 0) return false;
    switch (expr.operator) {
      case 'In':
        if (!has || !values.includes(labels[expr.key] ?? '')) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[expr.key] ?? '')) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}
