import { describe, expect, it } from 'vitest';
import type { Assertion } from '../src/model.js';
import { applyStatusDefaults, evaluateStatus, type StatusView } from '../src/status.js';

const NS = 'infra';
const CONTROLLER = 'portico.dev/gateway-controller';

function cond(type: string, status: string, reason: string, observedGeneration = 1): Record<string, unknown> {
  return { type, status, reason, message: '', observedGeneration, lastTransitionTime: '1970-01-01T00:00:00Z' };
}

/** A status view over hand-made objects: key `Kind/namespace/name`. */
function view(statuses: Record<string, Record<string, unknown>>, generations: Record<string, number> = {}): StatusView {
  return {
    status: (kind, namespace, name) => {
      const status = statuses[`${kind}/${namespace ?? ''}/${name}`];
      return status ? applyStatusDefaults(kind, status) : undefined;
    },
    generation: (kind, namespace, name) => {
      const key = `${kind}/${namespace ?? ''}/${name}`;
      return generations[key] ?? (statuses[key] ? 1 : undefined);
    },
  };
}

function assertion(type: string, fields: Record<string, unknown>): Assertion {
  return { id: 'a1', category: 'status', type, expressible: true, ...fields };
}

const gatewayOk = {
  addresses: [{ type: 'IPAddress', value: '127.0.0.1' }],
  conditions: [cond('Accepted', 'True', 'Accepted'), cond('Programmed', 'True', 'Programmed')],
  listeners: [
    {
      name: 'http',
      attachedRoutes: 1,
      supportedKinds: [{ kind: 'HTTPRoute' }],
      conditions: [cond('Accepted', 'True', 'Accepted'), cond('ResolvedRefs', 'True', 'ResolvedRefs'), cond('Programmed', 'True', 'Programmed')],
    },
  ],
};

const routeOk = {
  parents: [
    {
      parentRef: { name: 'gw', namespace: NS },
      controllerName: CONTROLLER,
      conditions: [cond('Accepted', 'True', 'Accepted'), cond('ResolvedRefs', 'True', 'ResolvedRefs')],
    },
  ],
};

describe('condition', () => {
  const a = assertion('condition', {
    object: { kind: 'Gateway', namespace: NS, name: 'gw' },
    condition: { type: 'Accepted', status: 'True', reason: null },
    requiresCurrentGeneration: true,
  });
  it('passes when the condition is present at the current generation', () => {
    expect(evaluateStatus(a, view({ [`Gateway/${NS}/gw`]: gatewayOk })).passed).toBe(true);
  });
  it('fails on a wrong status, naming what it saw', () => {
    const status = { conditions: [cond('Accepted', 'False', 'Invalid')] };
    const verdict = evaluateStatus(a, view({ [`Gateway/${NS}/gw`]: status }));
    expect(verdict.passed).toBe(false);
    expect(verdict.reason).toContain('have Accepted=False/Invalid');
  });
  it('fails when the condition is stale and the generation is required', () => {
    const verdict = evaluateStatus(a, view({ [`Gateway/${NS}/gw`]: gatewayOk }, { [`Gateway/${NS}/gw`]: 2 }));
    expect(verdict.passed).toBe(false);
    expect(verdict.reason).toContain('generation is 2');
  });
});

describe('observedGenerationCurrent', () => {
  const gateway = assertion('observedGenerationCurrent', { object: { kind: 'Gateway', namespace: NS, name: 'gw' } });
  const route = assertion('observedGenerationCurrent', { object: { kind: 'HTTPRoute', namespace: NS, name: 'r' } });
  it('passes when every condition is current', () => {
    expect(evaluateStatus(gateway, view({ [`Gateway/${NS}/gw`]: gatewayOk })).passed).toBe(true);
    expect(evaluateStatus(route, view({ [`HTTPRoute/${NS}/r`]: routeOk })).passed).toBe(true);
  });
  it('fails when any route parent condition is stale', () => {
    const verdict = evaluateStatus(route, view({ [`HTTPRoute/${NS}/r`]: routeOk }, { [`HTTPRoute/${NS}/r`]: 3 }));
    expect(verdict.passed).toBe(false);
  });
  it('fails when the object has no status', () => {
    expect(evaluateStatus(gateway, view({}, { [`Gateway/${NS}/gw`]: 1 })).passed).toBe(false);
  });
});

describe('gatewayAddressAssigned / gatewayStatusAddresses', () => {
  const assigned = assertion('gatewayAddressAssigned', { gateway: { namespace: NS, name: 'gw' }, requiresCurrentGeneration: true });
  it('needs a typed address', () => {
    expect(evaluateStatus(assigned, view({ [`Gateway/${NS}/gw`]: gatewayOk })).passed).toBe(true);
    expect(evaluateStatus(assigned, view({ [`Gateway/${NS}/gw`]: { ...gatewayOk, addresses: [{ value: '1.2.3.4' }] } })).passed).toBe(false);
    expect(evaluateStatus(assigned, view({ [`Gateway/${NS}/gw`]: { ...gatewayOk, addresses: [] } })).passed).toBe(false);
  });
  const exact = assertion('gatewayStatusAddresses', {
    gateway: { namespace: NS, name: 'gw' },
    count: 1,
    mustInclude: [{ type: 'IPAddress', value: '127.0.0.1' }],
    mustNotIncludeValues: ['192.0.2.1'],
  });
  it('checks count, inclusions and exclusions', () => {
    expect(evaluateStatus(exact, view({ [`Gateway/${NS}/gw`]: gatewayOk })).passed).toBe(true);
    const two = { ...gatewayOk, addresses: [...gatewayOk.addresses, { type: 'IPAddress', value: '192.0.2.1' }] };
    expect(evaluateStatus(exact, view({ [`Gateway/${NS}/gw`]: two })).reason).toContain('want 1');
    const wrongType = { ...gatewayOk, addresses: [{ type: 'Hostname', value: '127.0.0.1' }] };
    expect(evaluateStatus(exact, view({ [`Gateway/${NS}/gw`]: wrongType })).passed).toBe(false);
  });
});

describe('routeParents', () => {
  const expected = (namespace: string | null, conditions = [{ type: 'Accepted', status: 'True', reason: 'Accepted' }]) =>
    assertion('routeParents', {
      route: { kind: 'HTTPRoute', namespace: NS, name: 'r' },
      parents: [
        {
          parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace, name: 'gw', sectionName: null, port: null },
          controllerName: CONTROLLER,
          conditions,
        },
      ],
      namespaceRequired: false,
    });
  it('matches with CRD-defaulted group/kind and a subset of conditions', () => {
    expect(evaluateStatus(expected(NS), view({ [`HTTPRoute/${NS}/r`]: routeOk })).passed).toBe(true);
  });
  it('accepts an omitted namespace when not required, but not a different one', () => {
    const omitted = { parents: [{ ...routeOk.parents[0], parentRef: { name: 'gw' } }] };
    expect(evaluateStatus(expected(NS), view({ [`HTTPRoute/${NS}/r`]: omitted })).passed).toBe(true);
    const other = { parents: [{ ...routeOk.parents[0], parentRef: { name: 'gw', namespace: 'elsewhere' } }] };
    expect(evaluateStatus(expected(NS), view({ [`HTTPRoute/${NS}/r`]: other })).passed).toBe(false);
  });
  it('fails on a wrong controller name or missing condition', () => {
    const wrongController = { parents: [{ ...routeOk.parents[0], controllerName: 'someone.else/ctrl' }] };
    expect(evaluateStatus(expected(NS), view({ [`HTTPRoute/${NS}/r`]: wrongController })).reason).toContain('controllerName');
    const missing = expected(NS, [{ type: 'Accepted', status: 'False', reason: 'NotAllowedByListeners' }]);
    expect(evaluateStatus(missing, view({ [`HTTPRoute/${NS}/r`]: routeOk })).passed).toBe(false);
  });
  it('treats a null expected group as must-be-absent', () => {
    const a = expected(NS);
    (a.parents as Array<{ parentRef: { group: string | null } }>)[0].parentRef.group = null;
    expect(evaluateStatus(a, view({ [`HTTPRoute/${NS}/r`]: routeOk })).passed).toBe(false);
  });
});

describe('routeCondition', () => {
  const a = (reason: string) =>
    assertion('routeCondition', {
      route: { kind: 'HTTPRoute', namespace: NS, name: 'r' },
      parent: { namespace: NS, name: 'gw' },
      condition: { type: 'ResolvedRefs', status: 'True', reason },
    });
  it('finds the parent by name and checks the condition', () => {
    expect(evaluateStatus(a('ResolvedRefs'), view({ [`HTTPRoute/${NS}/r`]: routeOk })).passed).toBe(true);
    expect(evaluateStatus(a('BackendNotFound'), view({ [`HTTPRoute/${NS}/r`]: routeOk })).passed).toBe(false);
  });
  it('fails when no parent has that name', () => {
    const b = assertion('routeCondition', { ...a('ResolvedRefs'), parent: { namespace: NS, name: 'other' } });
    expect(evaluateStatus(b, view({ [`HTTPRoute/${NS}/r`]: routeOk })).reason).toContain('no status.parents entry');
  });
});

describe('routeNotAccepted', () => {
  const a = assertion('routeNotAccepted', { route: { kind: 'HTTPRoute', namespace: NS, name: 'r' } });
  it('passes with no parents or one not-accepted parent', () => {
    expect(evaluateStatus(a, view({ [`HTTPRoute/${NS}/r`]: { parents: [] } })).passed).toBe(true);
    const rejected = { parents: [{ ...routeOk.parents[0], conditions: [cond('Accepted', 'False', 'NotAllowedByListeners')] }] };
    expect(evaluateStatus(a, view({ [`HTTPRoute/${NS}/r`]: rejected })).passed).toBe(true);
  });
  it('fails when the route is accepted', () => {
    expect(evaluateStatus(a, view({ [`HTTPRoute/${NS}/r`]: routeOk })).passed).toBe(false);
  });
});

describe('gatewayNoAttachedRoutes and attachedListenerSets', () => {
  it('gatewayNoAttachedRoutes', () => {
    const a = assertion('gatewayNoAttachedRoutes', { gateway: { namespace: NS, name: 'gw' } });
    expect(evaluateStatus(a, view({ [`Gateway/${NS}/gw`]: gatewayOk })).passed).toBe(false);
    const none = { ...gatewayOk, listeners: [{ ...gatewayOk.listeners[0], attachedRoutes: 0 }] };
    expect(evaluateStatus(a, view({ [`Gateway/${NS}/gw`]: none })).passed).toBe(true);
  });
  it('attachedListenerSets treats absent as 0', () => {
    const zero = assertion('attachedListenerSets', { gateway: { namespace: NS, name: 'gw' }, count: 0 });
    const one = assertion('attachedListenerSets', { gateway: { namespace: NS, name: 'gw' }, count: 1 });
    expect(evaluateStatus(zero, view({ [`Gateway/${NS}/gw`]: gatewayOk })).passed).toBe(true);
    expect(evaluateStatus(one, view({ [`Gateway/${NS}/gw`]: gatewayOk })).passed).toBe(false);
    expect(evaluateStatus(one, view({ [`Gateway/${NS}/gw`]: { ...gatewayOk, attachedListenerSets: 1 } })).passed).toBe(true);
  });
});

describe('listenerConditions', () => {
  const parent = { kind: 'Gateway', namespace: NS, name: 'gw' };
  const wantProgrammed = [{ type: 'Programmed', status: 'True', reason: null }];
  it('checks all listeners, vacuous when there is none', () => {
    expect(evaluateStatus(assertion('listenerConditions', { parent, listeners: 'all', conditions: wantProgrammed }), view({ [`Gateway/${NS}/gw`]: gatewayOk })).passed).toBe(true);
    expect(evaluateStatus(assertion('listenerConditions', { parent, listeners: 'all', conditions: wantProgrammed }), view({ [`Gateway/${NS}/gw`]: { ...gatewayOk, listeners: [] } })).passed).toBe(true);
  });
  it('fails for a missing named listener or condition', () => {
    expect(evaluateStatus(assertion('listenerConditions', { parent, listeners: ['https'], conditions: wantProgrammed }), view({ [`Gateway/${NS}/gw`]: gatewayOk })).reason).toContain('listener https missing');
    const conflicted = [{ type: 'Conflicted', status: 'True', reason: null }];
    expect(evaluateStatus(assertion('listenerConditions', { parent, listeners: ['http'], conditions: conflicted }), view({ [`Gateway/${NS}/gw`]: gatewayOk })).passed).toBe(false);
  });
});

describe('listenerStatus', () => {
  const base = {
    parent: { kind: 'Gateway', namespace: NS, name: 'gw' },
    listenerCount: 1,
    listeners: [
      {
        name: 'http',
        supportedKinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }],
        supportedKindsMustBeEmpty: false,
        attachedRoutes: 1,
        conditions: [{ type: 'Accepted', status: 'True', reason: null }],
      },
    ],
  };
  it('passes on an exact match', () => {
    expect(evaluateStatus(assertion('listenerStatus', base), view({ [`Gateway/${NS}/gw`]: gatewayOk })).passed).toBe(true);
  });
  it('fails on listener count, attachedRoutes or supportedKinds', () => {
    expect(evaluateStatus(assertion('listenerStatus', { ...base, listenerCount: 2 }), view({ [`Gateway/${NS}/gw`]: gatewayOk })).passed).toBe(false);
    const wrongCount = [{ ...base.listeners[0], attachedRoutes: 0 }];
    expect(evaluateStatus(assertion('listenerStatus', { ...base, listeners: wrongCount }), view({ [`Gateway/${NS}/gw`]: gatewayOk })).reason).toContain('attachedRoutes 1, want 0');
    const mustBeEmpty = [{ ...base.listeners[0], supportedKinds: [], supportedKindsMustBeEmpty: true }];
    expect(evaluateStatus(assertion('listenerStatus', { ...base, listeners: mustBeEmpty }), view({ [`Gateway/${NS}/gw`]: gatewayOk })).passed).toBe(false);
  });
});

describe('namespacesReady', () => {
  const a = assertion('namespacesReady', {
    gateways: [{ namespace: NS, name: 'gw' }, { namespace: NS, name: 'gw2' }],
    conditions: [
      { type: 'Accepted', status: 'True', reason: null },
      { type: 'Programmed', status: 'True', reason: null },
    ],
    requiresCurrentGeneration: true,
  });
  it('requires every listed Gateway to be accepted and programmed', () => {
    expect(evaluateStatus(a, view({ [`Gateway/${NS}/gw`]: gatewayOk, [`Gateway/${NS}/gw2`]: gatewayOk })).passed).toBe(true);
    const notProgrammed = { ...gatewayOk, conditions: [cond('Accepted', 'True', 'Accepted'), cond('Programmed', 'False', 'Invalid')] };
    const verdict = evaluateStatus(a, view({ [`Gateway/${NS}/gw`]: gatewayOk, [`Gateway/${NS}/gw2`]: notProgrammed }));
    expect(verdict.passed).toBe(false);
    expect(verdict.reason).toContain('gw2');
  });
});

describe('policyAncestorCondition', () => {
  const a = assertion('policyAncestorCondition', {
    policy: { kind: 'BackendTLSPolicy', namespace: NS, name: 'p' },
    ancestor: { namespace: NS, name: 'gw' },
    condition: { type: 'Accepted', status: 'True', reason: 'Accepted' },
  });
  it('finds the ancestor by name and checks the condition', () => {
    const status = { ancestors: [{ ancestorRef: { name: 'gw', namespace: NS }, controllerName: CONTROLLER, conditions: [cond('Accepted', 'True', 'Accepted')] }] };
    expect(evaluateStatus(a, view({ [`BackendTLSPolicy/${NS}/p`]: status })).passed).toBe(true);
    const rejected = { ancestors: [{ ...status.ancestors[0], conditions: [cond('Accepted', 'False', 'Conflicted')] }] };
    expect(evaluateStatus(a, view({ [`BackendTLSPolicy/${NS}/p`]: rejected })).passed).toBe(false);
    expect(evaluateStatus(a, view({ [`BackendTLSPolicy/${NS}/p`]: { ancestors: [] } })).passed).toBe(false);
  });
});

it('reports an unknown status type as a failure, not a crash', () => {
  expect(evaluateStatus(assertion('somethingNew', {}), view({})).passed).toBe(false);
});
