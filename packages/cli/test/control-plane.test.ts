import { describe, expect, it } from 'vitest';
import type { ObjectStatus } from '@portico/translator';
import { carryTransitionTimes } from '../src/control-plane.js';

const gateway = (programmed: string, time: string, listenerTime: string): ObjectStatus => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  namespace: 'default',
  name: 'web',
  status: {
    conditions: [
      { type: 'Accepted', status: 'True', lastTransitionTime: time },
      { type: 'Programmed', status: programmed, lastTransitionTime: time },
    ],
    listeners: [{ name: 'http', conditions: [{ type: 'Programmed', status: programmed, lastTransitionTime: listenerTime }] }],
  },
});

describe('carryTransitionTimes', () => {
  it('keeps the previous time for conditions whose status did not change, top level and per listener', () => {
    const previous = [gateway('True', 't0', 't0')];
    const [next] = carryTransitionTimes(previous, [gateway('True', 't1', 't1')]);
    expect(next.status).toEqual(gateway('True', 't0', 't0').status);
  });

  it('takes the new time for conditions whose status changed', () => {
    const previous = [gateway('True', 't0', 't0')];
    const [next] = carryTransitionTimes(previous, [gateway('False', 't1', 't1')]);
    const conditions = next.status.conditions as Array<{ type: string; lastTransitionTime: string }>;
    expect(conditions.map((c) => `${c.type}@${c.lastTransitionTime}`)).toEqual(['Accepted@t0', 'Programmed@t1']);
    const listeners = next.status.listeners as Array<{ conditions: Array<{ lastTransitionTime: string }> }>;
    expect(listeners[0].conditions[0].lastTransitionTime).toBe('t1');
  });

  it('hands back last build\'s carried copy for a status object the translator reused', () => {
    const reused = gateway('True', 't1', 't1');
    const first = { last: new Map<ObjectStatus, ObjectStatus>(), next: new Map<ObjectStatus, ObjectStatus>() };
    const [carried] = carryTransitionTimes([gateway('True', 't0', 't0')], [reused], first);
    expect(carried.status).toEqual(gateway('True', 't0', 't0').status);
    const second = { last: first.next, next: new Map<ObjectStatus, ObjectStatus>() };
    const fresh = gateway('False', 't2', 't2');
    const [again, changed] = carryTransitionTimes([carried], [reused, fresh], second);
    expect(again).toBe(carried);
    expect(changed).not.toBe(fresh);
    expect(second.next.get(reused)).toBe(carried);
    expect(second.next.get(fresh)).toBe(changed);
  });

  it('does not modify its input', () => {
    const fresh = [gateway('True', 't1', 't1')];
    carryTransitionTimes([gateway('True', 't0', 't0')], fresh);
    expect(fresh[0]).toEqual(gateway('True', 't1', 't1'));
  });
});
