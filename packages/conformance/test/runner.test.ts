import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporaryDirectory } from '@portico/test-support';
import { describe, expect, it } from 'vitest';
import { runConformance } from '../src/runner.js';
import type { DataPathFactory, DataPathRequest } from '../src/traffic.js';

// A miniature suite in the shared data's layout, so the runner's own logic
// (apply order, actions, gates, skipping) is exercised without the real data.
function miniSuite(): string {
  const root = temporaryDirectory('portico-mini-suite-');
  mkdirSync(join(root, 'cases'));
  mkdirSync(join(root, 'manifests', 'base'), { recursive: true });
  writeFileSync(join(root, 'setup.json'), JSON.stringify({ baseManifests: { gateway: { path: 'base/manifests.yaml', appliedWhenCaseFeature: 'Gateway', readyNamespaces: [] } }, generatedFixtures: { objects: [] } }));
  writeFileSync(
    join(root, 'manifests', 'base', 'manifests.yaml'),
    ['apiVersion: v1', 'kind: Namespace', 'metadata:', '  name: infra'].join('\n'),
  );
  writeFileSync(
    join(root, 'manifests', 'gateway.yaml'),
    [
      'apiVersion: gateway.networking.k8s.io/v1',
      'kind: Gateway',
      'metadata:',
      '  name: gw',
      '  namespace: infra',
      'spec:',
      '  gatewayClassName: "{GATEWAY_CLASS_NAME}"',
      '  listeners:',
      '  - name: http',
      '    port: 80',
      '    protocol: HTTP',
    ].join('\n'),
  );
  const base = { schemaVersion: 1, description: '', suite: 'gateway', features: ['Gateway'], profiles: ['GATEWAY-HTTP'], channel: 'standard', baseManifests: ['base/manifests.yaml'], manifests: ['gateway.yaml'], preconditions: [] };
  const gateway = { kind: 'Gateway', namespace: 'infra', name: 'gw' };
  writeFileSync(
    join(root, 'cases', 'Walk.json'),
    JSON.stringify({
      ...base,
      shortName: 'Walk',
      assertions: [
        { id: 'a1', category: 'status', type: 'condition', expressible: true, object: gateway, condition: { type: 'Accepted', status: 'True', reason: null }, requiresCurrentGeneration: true },
        { id: 'a2', category: 'action', type: 'patch', object: gateway, mergePatch: { spec: { listeners: [{ name: 'http', port: 8080, protocol: 'HTTP' }] } } },
        { id: 'a3', category: 'status', type: 'observedGenerationCurrent', expressible: true, object: gateway },
        { id: 'a4', category: 'status', type: 'condition', expressible: true, object: gateway, condition: { type: 'Accepted', status: 'False', reason: null }, when: [{ feature: 'NoSuchFeature', supported: true }] },
        { id: 'a5', category: 'status', type: 'condition', expressible: true, object: gateway, condition: { type: 'Accepted', status: 'False', reason: 'Invalid' } },
        { id: 'a6', category: 'traffic', type: 'http', expressible: true, client: 'gateway', target: { ...gateway, listener: 'http', port: 8080, portFrom: 'firstListener' },
          request: { protocol: 'HTTP', scheme: 'http', method: 'GET', host: 'example.com', path: '/', query: null, headers: {}, followRedirects: true },
          response: { statusCodes: [404] } },
        { id: 'a7', category: 'traffic', type: 'websocket', expressible: false, note: 'needs a real data path' },
      ],
    }),
  );
  // Every check gated off or not expressible: nothing was shown.
  writeFileSync(
    join(root, 'cases', 'Unshown.json'),
    JSON.stringify({
      ...base,
      shortName: 'Unshown',
      assertions: [
        { id: 'a1', category: 'status', type: 'condition', expressible: true, object: gateway, condition: { type: 'Accepted', status: 'True', reason: null }, when: [{ feature: 'NoSuchFeature', supported: true }] },
        { id: 'a2', category: 'traffic', type: 'websocket', expressible: false, note: 'needs a real data path' },
      ],
    }),
  );
  writeFileSync(join(root, 'cases', 'Gated.json'), JSON.stringify({ ...base, shortName: 'Gated', preconditions: [{ feature: 'Gateway', supported: false }], assertions: [] }));
  return root;
}

describe('runConformance on a miniature suite', () => {
  it('walks actions and assertions in order, honours gates and reports each result', async () => {
    const sent: Array<{ group: string; request: DataPathRequest }> = [];
    // Test double for translate → xds → explain: every request gets a 404 from the proxy.
    const dataPathFactory: DataPathFactory = () => ({
      gatewayAddress: () => '127.0.0.1',
      send: (group, request) => {
        sent.push({ group, request });
        return { kind: 'direct', status: 404, headers: {}, reason: 'no route' };
      },
    });
    const report = await runConformance({ dataDir: miniSuite(), dataPathFactory, supportedFeatures: ['Gateway'] });
    const gated = report.cases.find((c) => c.shortName === 'Gated');
    expect(gated?.outcome).toBe('skipped');
    const walk = report.cases.find((c) => c.shortName === 'Walk');
    expect(walk?.outcome).toBe('ran');
    expect(walk?.assertions.map((a) => [a.id, a.passed])).toEqual([
      ['a1', true],
      ['a3', true], // the patch bumped generation to 2 and the translator saw it
      ['a5', false],
      ['a6', true],
      ['a7', false],
    ]);
    expect(walk?.assertions.find((a) => a.id === 'a5')?.reason).toContain('want Accepted=False/Invalid, have Accepted=True');
    expect(walk?.fullyPassing).toBe(false);
    expect(sent).toEqual([{ group: 'infra/gw', request: expect.objectContaining({ port: 8080, authority: 'example.com' }) }]);
    const unshown = report.cases.find((c) => c.shortName === 'Unshown');
    expect(unshown?.outcome).toBe('ran');
    expect(unshown?.fullyPassing).toBe(false);
    expect(report.totals).toMatchObject({ status: { passed: 2, total: 3 }, traffic: { passed: 1, total: 1 }, notExpressible: 2, cases: { passed: 0, total: 2 } });
  });
});
