import { describe, expect, it } from 'vitest';
import { ResourceSet } from '@portico/api';
import { mergeStatus } from '../../src/kubernetes/status.js';
import { referencedObjects } from '../../src/kubernetes/references.js';
import { CONTROLLER, GW } from './fixtures.js';

const accepted = (time: string, message = 'ok') => ({ type: 'Accepted', status: 'True', reason: 'Accepted', message, lastTransitionTime: time });

describe('mergeStatus', () => {
  it('keeps other controllers\' policy ancestors and our unchanged condition times', () => {
    const theirs = { ancestorRef: { name: 'gw', namespace: 'x' }, controllerName: 'example.com/other', conditions: [accepted('2020-01-01T00:00:00Z')] };
    const oursBefore = { ancestorRef: { name: 'gw', namespace: 'default' }, controllerName: CONTROLLER, conditions: [accepted('2021-01-01T00:00:00Z')] };
    const merged = mergeStatus(
      'BackendTLSPolicy',
      { ancestors: [oursBefore, theirs] },
      { ancestors: [{ ...oursBefore, conditions: [accepted('2026-01-01T00:00:00Z')] }] },
      CONTROLLER,
      4,
    );
    expect(merged.ancestors).toEqual([
      { ...oursBefore, conditions: [{ ...accepted('2021-01-01T00:00:00Z'), observedGeneration: 4 }] },
      theirs,
    ]);
  });

  it('moves lastTransitionTime only when a condition changes status, and keeps per-listener times on Gateways', () => {
    const notAccepted = { type: 'Accepted', status: 'False', reason: 'Invalid', message: 'no', lastTransitionTime: '2026-01-01T00:00:00Z' };
    const moved = mergeStatus('Gateway', { conditions: [accepted('2021-01-01T00:00:00Z')] }, { conditions: [notAccepted] }, CONTROLLER, 2);
    expect((moved.conditions as Array<{ lastTransitionTime: string }>)[0].lastTransitionTime).toBe('2026-01-01T00:00:00Z');
    // A new message (or reason) is no transition.
    const merged = mergeStatus(
      'Gateway',
      { conditions: [accepted('2021-01-01T00:00:00Z')], listeners: [{ name: 'http', conditions: [accepted('2021-01-01T00:00:00Z')] }] },
      {
        conditions: [accepted('2026-01-01T00:00:00Z', 'changed')],
        listeners: [{ name: 'http', attachedRoutes: 1, conditions: [accepted('2026-01-01T00:00:00Z')] }],
        addresses: [{ type: 'IPAddress', value: '10.0.0.1' }],
      },
      CONTROLLER,
      2,
    );
    expect((merged.conditions as Array<{ lastTransitionTime: string; message: string }>)[0]).toMatchObject({ lastTransitionTime: '2021-01-01T00:00:00Z', message: 'changed' });
    expect((merged.listeners as Array<{ conditions: Array<{ lastTransitionTime: string; observedGeneration: number }> }>)[0].conditions[0]).toMatchObject({
      lastTransitionTime: '2021-01-01T00:00:00Z',
      observedGeneration: 2,
    });
    expect(merged.addresses).toEqual([{ type: 'IPAddress', value: '10.0.0.1' }]);
  });

  it('does not let conditions of a deleted namesake (a generation this object never had) win over what is computed', () => {
    const rejected = { type: 'Accepted', status: 'False', reason: 'NotAllowedByListeners', message: 'old spec', lastTransitionTime: '2021-01-01T00:00:00Z', observedGeneration: 3 };
    const parent = (conditions: unknown[]) => ({ parentRef: { name: 'gw' }, controllerName: CONTROLLER, conditions });
    // The object now at generation 1 carries conditions written for generation 3 (its namesake's).
    const route = mergeStatus('HTTPRoute', { parents: [parent([rejected])] }, { parents: [parent([accepted('2026-01-01T00:00:00Z')])] }, CONTROLLER, 1, 1);
    expect((route.parents as Array<{ conditions: unknown[] }>)[0]?.conditions).toEqual([{ ...accepted('2026-01-01T00:00:00Z'), observedGeneration: 1 }]);
    const gateway = mergeStatus('Gateway', { conditions: [rejected] }, { conditions: [accepted('2026-01-01T00:00:00Z')] }, CONTROLLER, 1, 1);
    expect(gateway.conditions).toEqual([{ ...accepted('2026-01-01T00:00:00Z'), observedGeneration: 1 }]);
    // The same claim on an object that did reach generation 3 is a newer writer's: kept.
    const newer = mergeStatus('Gateway', { conditions: [rejected] }, { conditions: [accepted('2026-01-01T00:00:00Z')] }, CONTROLLER, 1, 3);
    expect(newer.conditions).toEqual([rejected]);
  });

  it('leaves conditions of other components where they are, in objects and entries of ours', () => {
    const foreign = { type: 'special.io/SomeField', status: 'True', reason: 'Theirs', message: 'x', lastTransitionTime: '2020-01-01T00:00:00Z' };
    const programmed = { type: 'Programmed', status: 'True', reason: 'Programmed', message: 'ok', lastTransitionTime: '2021-01-01T00:00:00Z' };
    const resolved = { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message: 'ok', lastTransitionTime: '2026-01-01T00:00:00Z' };
    const stale = { type: 'PartiallyInvalid', status: 'True', reason: 'UnsupportedValue', message: 'old', lastTransitionTime: '2021-01-01T00:00:00Z' };
    const gateway = mergeStatus(
      'Gateway',
      { conditions: [accepted('2021-01-01T00:00:00Z'), foreign, programmed], listeners: [{ name: 'http', conditions: [foreign, accepted('2021-01-01T00:00:00Z')] }] },
      { conditions: [accepted('2026-01-01T00:00:00Z'), programmed, resolved], listeners: [{ name: 'http', conditions: [accepted('2026-01-01T00:00:00Z')] }] },
      CONTROLLER,
      3,
    );
    const types = (list: unknown) => (list as Array<{ type: string }>).map((c) => c.type);
    expect(types(gateway.conditions)).toEqual(['Accepted', 'special.io/SomeField', 'Programmed', 'ResolvedRefs']);
    expect((gateway.conditions as unknown[])[1]).toBe(foreign);
    expect(types((gateway.listeners as Array<{ conditions: unknown }>)[0]!.conditions)).toEqual(['special.io/SomeField', 'Accepted']);

    // Within our entry of a route's parents: theirs stays, ours that we no longer compute goes.
    const route = mergeStatus(
      'HTTPRoute',
      { parents: [{ parentRef: { name: 'gw' }, controllerName: CONTROLLER, conditions: [accepted('2021-01-01T00:00:00Z'), stale, foreign] }] },
      { parents: [{ parentRef: { name: 'gw' }, controllerName: CONTROLLER, conditions: [accepted('2026-01-01T00:00:00Z'), resolved] }] },
      CONTROLLER,
      3,
    );
    expect(types((route.parents as Array<{ conditions: unknown }>)[0]!.conditions)).toEqual(['Accepted', 'special.io/SomeField', 'ResolvedRefs']);
  });

  it('does not overwrite a condition written for a newer generation', () => {
    const newer = { ...accepted('2026-02-01T00:00:00Z', 'seen generation 7'), observedGeneration: 7 };
    const merged = mergeStatus(
      'Gateway',
      { conditions: [newer] },
      { conditions: [{ ...accepted('2026-01-01T00:00:00Z', 'computed for generation 6'), observedGeneration: 6 }] },
      CONTROLLER,
      6,
    );
    expect(merged.conditions).toEqual([newer]);
  });

  it('gives way to other controllers\' entries rather than pass the CRDs\' list limits', () => {
    const entry = (controllerName: string, name: string, refField: 'parentRef' | 'ancestorRef') => ({
      [refField]: { name },
      controllerName,
      conditions: [accepted('2021-01-01T00:00:00Z')],
    });
    const theirs = (refField: 'parentRef' | 'ancestorRef', count: number) =>
      Array.from({ length: count }, (_, i) => entry('example.com/other', `theirs-${i}`, refField));
    const ours = (refField: 'parentRef' | 'ancestorRef', count: number) => Array.from({ length: count }, (_, i) => entry(CONTROLLER, `ours-${i}`, refField));
    const namesOf = (list: unknown) => (list as Array<Record<string, { name: string }>>).map((e) => (e.parentRef ?? e.ancestorRef)!.name);

    // HTTPRoute parents: at most 32. Ours already there keep their place; the new ones come last and go first.
    const parents = mergeStatus(
      'HTTPRoute',
      { parents: [...theirs('parentRef', 30), ours('parentRef', 1)[0]] },
      { parents: ours('parentRef', 4) },
      CONTROLLER,
      1,
    ).parents;
    expect(namesOf(parents)).toEqual([...Array.from({ length: 30 }, (_, i) => `theirs-${i}`), 'ours-0', 'ours-1']);

    // BackendTLSPolicy ancestors: at most 16.
    const ancestors = mergeStatus('BackendTLSPolicy', { ancestors: theirs('ancestorRef', 15) }, { ancestors: ours('ancestorRef', 3) }, CONTROLLER, 1).ancestors;
    expect(namesOf(ancestors)).toEqual([...Array.from({ length: 15 }, (_, i) => `theirs-${i}`), 'ours-0']);

    // Within the limits nothing is dropped.
    expect(namesOf(mergeStatus('GRPCRoute', { parents: theirs('parentRef', 2) }, { parents: ours('parentRef', 3) }, CONTROLLER, 1).parents)).toHaveLength(5);
  });

  it('removes our parent entries for parents we no longer report', () => {
    const stale = { parentRef: { name: 'old' }, controllerName: CONTROLLER, conditions: [accepted('2021-01-01T00:00:00Z')] };
    expect(mergeStatus('HTTPRoute', { parents: [stale] }, { parents: [] }, CONTROLLER, 1).parents).toEqual([]);
  });
});

describe('referencedObjects', () => {
  it('collects listener, frontend validation, backend client and BackendTLSPolicy references', () => {
    const objects: Array<{ kind: string } & Record<string, unknown>> = [
      {
        apiVersion: GW,
        kind: 'Gateway',
        metadata: { name: 'gw', namespace: 'a' },
        spec: {
          gatewayClassName: 'portico',
          listeners: [{ name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'cert' }, { name: 'remote', namespace: 'b' }, { group: 'example.com', kind: 'Vault', name: 'v' }] } }],
          tls: {
            backend: { clientCertificateRef: { name: 'client' } },
            frontend: { default: { validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }] } }, perPort: [{ port: 443, tls: { validation: { caCertificateRefs: [{ group: '', kind: 'Secret', name: 'ca-secret' }] } } }] },
          },
        },
      },
      { apiVersion: GW, kind: 'ListenerSet', metadata: { name: 'ls', namespace: 'c' }, spec: { parentRef: { name: 'gw', namespace: 'a' }, listeners: [{ name: 'x', port: 8443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'ls-cert' }] } }] } },
      { apiVersion: GW, kind: 'BackendTLSPolicy', metadata: { name: 'p', namespace: 'd' }, spec: { targetRefs: [], validation: { hostname: 'h', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'backend-ca' }] } } },
    ];
    const resources = ResourceSet.from(objects);
    expect(referencedObjects(resources).map((ref) => `${ref.kind} ${ref.namespace}/${ref.name}`)).toEqual([
      'ConfigMap a/ca',
      'ConfigMap d/backend-ca',
      'Secret a/ca-secret',
      'Secret a/cert',
      'Secret a/client',
      'Secret b/remote',
      'Secret c/ls-cert',
    ]);
  });
});
