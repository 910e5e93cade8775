import type { Condition } from '@portico/api';

/** Shared inputs for every condition written during one translation. */
export interface ConditionClock {
  now: string;
}

/**
 * metav1.Condition's limit on `message`, which every Gateway API CRD carries: a status holding a
 * longer one is refused whole by the API server, so the object would keep its old status.
 */
export const MAX_CONDITION_MESSAGE = 32768;

/**
 * `message`, or when it is over the limit (a route whose every rule is refused, each problem
 * quoting a long value) as much of it as fits, with a note of its full length.
 */
export function conditionMessage(message: string): string {
  if (message.length <= MAX_CONDITION_MESSAGE) return message;
  const note = ` … [shortened: the full message has ${message.length} characters]`;
  let keep = MAX_CONDITION_MESSAGE - note.length;
  // Never half a surrogate pair.
  const last = message.charCodeAt(keep - 1);
  if (last >= 0xd800 && last <= 0xdbff) keep -= 1;
  return message.slice(0, keep) + note;
}

export function condition(
  clock: ConditionClock,
  generation: number | undefined,
  type: string,
  status: boolean | 'Unknown',
  reason: string,
  fullMessage: string,
): Condition {
  const text = status === 'Unknown' ? 'Unknown' : status ? 'True' : 'False';
  const message = conditionMessage(fullMessage);
  // Whole literals: a field added to an object after it is made goes to storage of its own,
  // and every object Portico reports on has a generation.
  return generation !== undefined
    ? { type, status: text, reason, message, lastTransitionTime: clock.now, observedGeneration: generation }
    : { type, status: text, reason, message, lastTransitionTime: clock.now };
}

/** A condition not yet stamped with generation and time. */
export interface PendingCondition {
  type: string;
  status: boolean;
  reason: string;
  message: string;
}

export function stamp(clock: ConditionClock, generation: number | undefined, pending: PendingCondition[]): Condition[] {
  return pending.map((c) => condition(clock, generation, c.type, c.status, c.reason, c.message));
}
