import type { Condition } from '@portico/api';

/** Shared inputs for every condition written during one translation. */
export interface ConditionClock {
  now: string;
}

export function condition(
  clock: ConditionClock,
  generation: number | undefined,
  type: string,
  status: boolean | 'Unknown',
  reason: string,
  message: string,
): Condition {
  const text = status === 'Unknown' ? 'Unknown' : status ? 'True' : 'False';
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
