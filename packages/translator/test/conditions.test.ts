import { describe, expect, it } from 'vitest';
import { ResourceSet, type Condition, type RouteParentStatus } from '@portico/api';
import { statusSchemaProblem } from '@portico/test-support';
import { MAX_CONDITION_MESSAGE, conditionMessage } from '../src/conditions.js';
import { translate } from '../src/index.js';

// metav1.Condition caps a message at 32,768 characters, and the API server refuses a whole
// status that holds a longer one: the object would keep its old status.
const CONTROLLER = 'example.com/ctrl';
const GW = 'gateway.networking.k8s.io/v1';

describe('condition messages', () => {
  it('a route whose every match is refused, each quoting a long value, reports within the limit', () => {
    // Within the CRD: 16 rules of 8 matches, each path 1,000 characters; RE2 refuses lookaheads.
    const rules = Array.from({ length: 16 }, (_, r) => ({
      matches: Array.from({ length: 8 }, (_, m) => ({ path: { type: 'RegularExpression', value: `/(?=x)${'a'.repeat(990)}${r}-${m}` } })),
      backendRefs: [{ name: 'svc', port: 80 }],
    }));
    const objects = [
      { apiVersion: GW, kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: CONTROLLER } },
      { apiVersion: GW, kind: 'Gateway', metadata: { name: 'gw', namespace: 'ns' }, spec: { gatewayClassName: 'portico', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc', namespace: 'ns' }, spec: { ports: [{ port: 80 }] } },
      { apiVersion: GW, kind: 'HTTPRoute', metadata: { name: 'r', namespace: 'ns', generation: 1 }, spec: { parentRefs: [{ name: 'gw' }], rules } },
    ];
    const { statuses } = translate(ResourceSet.from(objects as Array<{ kind: string }>), { controllerName: CONTROLLER });
    const route = statuses.find((s) => s.kind === 'HTTPRoute');
    const [parent] = (route?.status as { parents: RouteParentStatus[] }).parents;
    const accepted = parent?.conditions.find((c: Condition) => c.type === 'Accepted');
    expect(accepted).toMatchObject({ status: 'False', reason: 'UnsupportedValue' });
    expect(accepted?.message.length).toBe(MAX_CONDITION_MESSAGE);
    expect(accepted?.message).toMatch(/^spec\.rules\[0\]\.matches\[0\]\.path\.value: /);
    expect(accepted?.message).toMatch(/ … \[shortened: the full message has \d{6} characters\]$/);
    expect(statusSchemaProblem('HTTPRoute', route?.status)).toBeUndefined();
  });

  it('leaves a message within the limit as it is, and never cuts a surrogate pair in two', () => {
    const fits = 'x'.repeat(MAX_CONDITION_MESSAGE);
    expect(conditionMessage(fits)).toBe(fits);
    for (let shift = 0; shift < 3; shift++) {
      const long = `${'x'.repeat(shift)}${'😀'.repeat(MAX_CONDITION_MESSAGE)}`;
      const short = conditionMessage(long);
      expect(short.length).toBeLessThanOrEqual(MAX_CONDITION_MESSAGE);
      const kept = short.slice(0, short.indexOf(' … [shortened'));
      expect(long.startsWith(kept)).toBe(true);
      // A lone high surrogate at the cut would not be valid UTF-16.
      const last = kept.charCodeAt(kept.length - 1);
      expect(last >= 0xd800 && last <= 0xdbff).toBe(false);
    }
  });
});
