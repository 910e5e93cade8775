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
  const result: Condition = {
    type,
    status: status === 'Unknown' ? 'Unknown' : status ? 'True' : 'False',
    reason,
    message,
    lastTransitionTime: clock.now,
  };
  if (generation !== undefined) result.observedGeneration = generation;
  return result;
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
