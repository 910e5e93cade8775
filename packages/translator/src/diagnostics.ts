import type { Condition } from '@portico/api';
import type { ObjectStatus, TranslateDiagnostic } from './result.js';
import { describeObject } from './util.js';

const POSITIVE = new Set(['Accepted', 'Programmed', 'ResolvedRefs']);
const NEGATIVE = new Set(['Conflicted', 'PartiallyInvalid']);

function isProblem(condition: Condition): boolean {
  if (POSITIVE.has(condition.type)) return condition.status === 'False';
  if (NEGATIVE.has(condition.type)) return condition.status === 'True';
  return false;
}

/**
 * One diagnostic per distinct problem condition of one object's status, so tools (translate,
 * explain) can list what is wrong without walking status trees. Programmed=False is left out
 * where another condition of the same object already explains it.
 */
export function diagnosticsFromStatus(status: ObjectStatus): TranslateDiagnostic[] {
  // Most statuses have no problem at all: find that out before building anything.
  if (!hasProblem(status)) return [];
  const diagnostics: TranslateDiagnostic[] = [];
  const object = describeObject(status.kind, status.namespace, status.name);
  const body = status.status as {
    conditions?: Condition[];
    listeners?: Array<{ name: string; conditions: Condition[] }>;
    parents?: Array<{ parentRef: { kind?: string; namespace?: string; name: string }; conditions: Condition[] }>;
  };
  const groups: Array<{ field?: string; conditions: Condition[] }> = [{ conditions: body.conditions ?? [] }];
  for (const listener of body.listeners ?? []) groups.push({ field: `status.listeners[${listener.name}]`, conditions: listener.conditions });
  for (const parent of body.parents ?? []) {
    const ref = parent.parentRef;
    groups.push({ field: `parentRef ${ref.kind ?? 'Gateway'} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`, conditions: parent.conditions });
  }
  for (const group of groups) {
    const problems = group.conditions.filter(isProblem);
    const seen = new Set<string>();
    for (const condition of problems) {
      if (condition.type === 'Programmed' && problems.length > 1) continue;
      if (seen.has(condition.message)) continue;
      seen.add(condition.message);
      const diagnostic: TranslateDiagnostic = {
        severity: condition.type === 'Accepted' || condition.type === 'Programmed' ? 'error' : 'warning',
        object,
        message: `${condition.type}=${condition.status} (${condition.reason}): ${condition.message}`,
      };
      if (group.field) diagnostic.field = group.field;
      diagnostics.push(diagnostic);
    }
  }
  return diagnostics;
}

function hasProblem(status: ObjectStatus): boolean {
  const body = status.status as {
    conditions?: Condition[];
    listeners?: Array<{ conditions: Condition[] }>;
    parents?: Array<{ conditions: Condition[] }>;
  };
  if (body.conditions?.some(isProblem)) return true;
  for (const listener of body.listeners ?? []) if (listener.conditions.some(isProblem)) return true;
  for (const parent of body.parents ?? []) if (parent.conditions.some(isProblem)) return true;
  return false;
}
