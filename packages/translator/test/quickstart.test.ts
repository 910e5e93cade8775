import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ResourceSet, loadManifests, type Condition } from '@portico/api';
import { translate } from '../src/index.js';
import { irProblems } from './wellformed.js';

const quickstart = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'examples', 'quickstart.yaml');

function conditionOf(conditions: Condition[] | undefined, type: string): Pick<Condition, 'status' | 'reason'> | undefined {
  const found = conditions?.find((c) => c.type === type);
  return found && { status: found.status, reason: found.reason };
}

describe('docs/examples/quickstart.yaml', () => {
  const loaded = loadManifests(readFileSync(quickstart, 'utf8'), 'quickstart.yaml');
  const result = translate(ResourceSet.from(loaded.objects), { controllerName: 'portico.dev/gateway-controller' });

  it('programs the Gateway and accepts both routes', () => {
    expect(loaded.problems).toEqual([]);
    const gateway = result.statuses.find((s) => s.kind === 'Gateway' && s.name === 'quickstart');
    const gatewayConditions = (gateway?.status as { conditions?: Condition[] }).conditions;
    expect(conditionOf(gatewayConditions, 'Accepted')).toEqual({ status: 'True', reason: 'Accepted' });
    expect(conditionOf(gatewayConditions, 'Programmed')).toEqual({ status: 'True', reason: 'Programmed' });
    for (const name of ['web', 'redirect-old']) {
      const route = result.statuses.find((s) => s.kind === 'HTTPRoute' && s.name === name);
      const parents = (route?.status as { parents: Array<{ conditions: Condition[] }> }).parents;
      expect(parents).toHaveLength(1);
      expect(conditionOf(parents[0]?.conditions, 'Accepted')).toEqual({ status: 'True', reason: 'Accepted' });
      expect(conditionOf(parents[0]?.conditions, 'ResolvedRefs')).toEqual({ status: 'True', reason: 'ResolvedRefs' });
    }
    expect(result.diagnostics).toEqual([]);
    expect(irProblems(result)).toEqual([]);
  });

  it('routes /api 90/10 and redirects old.example.com', () => {
    const chain = result.ir.gateways[0]?.listeners[0]?.filterChains[0];
    expect(chain?.type).toBe('http');
    const vhosts = chain?.type === 'http' ? chain.routeConfig.virtualHosts : [];
    expect(vhosts.map((v) => v.domains)).toEqual([['old.example.com'], ['www.example.com']]);
    const api = vhosts[1]?.routes.find((r) => r.match.path.value === '/api');
    expect(api?.action).toMatchObject({
      kind: 'forward',
      backends: [
        { cluster: 'default/web-v1/80', weight: 90 },
        { cluster: 'default/web-v2/80', weight: 10 },
      ],
    });
    expect(vhosts[0]?.routes[0]?.action).toMatchObject({ kind: 'redirect', redirect: { hostname: 'www.example.com', statusCode: 301 } });
    expect(result.ir.clusters.map((c) => [c.name, c.endpoints.map((e) => `${e.address}:${e.port}`)])).toEqual([
      ['default/web-v1/80', ['127.0.0.1:9001']],
      ['default/web-v2/80', ['127.0.0.1:9002']],
    ]);
  });
});
