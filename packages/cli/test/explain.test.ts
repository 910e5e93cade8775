import { describe, expect, it } from 'vitest';
import { ResourceSet, loadManifests } from '@portico/api';
import { readFileSync } from 'node:fs';
import { PorticoMetrics, startAdminServer, type ControlPlaneSnapshot } from '@portico/admin';
import { translate } from '@portico/translator';
import { buildXds } from '@portico/xds';
import { join } from 'node:path';
import { QUICKSTART, REPO_ROOT, runInProcess } from './helpers.js';
import { splitExplainArgs } from '../src/explain.js';

interface TraceJson {
  gateway: string;
  trace: {
    outcome: string;
    route?: { name: string; source?: { kind: string; name: string } };
    clusters?: Array<{ name: string }>;
  };
}

describe('portico explain -f', () => {
  it('traces a request through the quickstart to the route and backends that take it', async () => {
    const result = await runInProcess(['explain', '-f', QUICKSTART, '-o', 'json', 'GET', 'http://www.example.com:8080/api/v1']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout) as TraceJson;
    expect(body.gateway).toBe('default/quickstart');
    expect(body.trace.outcome).toBe('forwarded');
    expect(body.trace.route?.source).toMatchObject({ kind: 'HTTPRoute', name: 'web' });
    expect(body.trace.clusters?.map((c) => c.name).sort()).toEqual(['default/web-v1/80', 'default/web-v2/80']);
  });

  it('with --mesh simulates a namespace\'s sidecars offline (mesh/NS groups), and without it has none', async () => {
    const mesh = join(REPO_ROOT, 'packages/translator/test/golden/mesh-routes.in.yaml');
    const request = ['GET', 'http://cart.shop.svc.cluster.local/', '-H', 'x-canary: true'];
    const result = await runInProcess(['explain', '-f', mesh, '--mesh', '--gateway', 'mesh/shop', '-o', 'json', ...request]);
    expect(result.stderr).toBe('');
    const body = JSON.parse(result.stdout) as TraceJson;
    expect(body.trace.outcome).toBe('forwarded');
    expect(body.trace.route?.source).toMatchObject({ kind: 'HTTPRoute', name: 'cart-canary' });
    expect(body.trace.clusters?.map((c) => c.name)).toEqual(['shop/cart-v2/80']);
    const without = await runInProcess(['explain', '-f', mesh, '--gateway', 'mesh/shop', ...request]);
    expect(without.code).not.toBe(0);
    expect(without.stderr).toMatch(/no proxy configuration for gateway mesh\/shop/);
  });

  it('prints a readable trace by default', async () => {
    const result = await runInProcess(['explain', '-f', QUICKSTART, 'http://old.example.com:8080/x']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Outcome: redirect: 301 redirect to http:\/\/www\.example\.com:8080\/x$/m);
  });

  it('rejects bad usage with exit code 2', async () => {
    const noSource = await runInProcess(['explain', 'GET', 'http://a/']);
    expect(noSource.code).toBe(2);
    expect(noSource.stderr).toMatch(/a source is required/);
    const both = await runInProcess(['explain', '-f', QUICKSTART, '--admin', 'http://127.0.0.1:1', 'http://a/']);
    expect(both.code).toBe(2);
    const noRequest = await runInProcess(['explain', '-f', QUICKSTART]);
    expect(noRequest.code).toBe(2);
    expect(noRequest.stderr).toMatch(/REQUEST is required/);
    const badHeader = await runInProcess(['explain', '-f', QUICKSTART, 'http://a/', '-H', 'no-colon']);
    expect(badHeader.code).toBe(2);
    expect(badHeader.stderr).toMatch(/REQUEST: header "no-colon" must be "name: value"/);
    const badGateway = await runInProcess(['explain', '-f', QUICKSTART, '--gateway', 'default/nope', 'http://a/']);
    expect(badGateway.code).toBe(1);
    expect(badGateway.stderr).toMatch(/no proxy configuration for gateway default\/nope; served: default\/quickstart/);
  });

  it('keeps request flags for the request and its own options for itself', () => {
    expect(splitExplainArgs(['-f', 'a.yaml', '--gateway=ns/gw', '-o', 'json', 'POST', 'http://h/', '-H', 'a: b', '-f', 'x'])).toMatchObject({
      files: ['a.yaml'],
      gateway: 'ns/gw',
      format: 'json',
      request: ['POST', 'http://h/', '-H', 'a: b', '-f', 'x'],
    });
  });
});

describe('portico explain --admin', () => {
  it('asks the live admin API and prints its trace', async () => {
    const loaded = loadManifests(readFileSync(QUICKSTART, 'utf8'), QUICKSTART);
    const resources = ResourceSet.from(loaded.objects);
    const result = translate(resources, { controllerName: 'portico.dev/gateway-controller' });
    const snapshot: ControlPlaneSnapshot = {
      version: 1,
      builtAt: '2026-01-01T00:00:00.000Z',
      resources,
      statuses: result.statuses,
      problems: [],
      diagnostics: result.diagnostics,
      xds: buildXds(result.ir),
    };
    const server = await startAdminServer({
      port: 0,
      state: { current: () => snapshot },
      metrics: new PorticoMetrics({ defaultMetrics: false }),
    });
    try {
      const admin = `http://127.0.0.1:${server.port}`;
      const json = await runInProcess(['explain', '--admin', admin, '-o', 'json', 'http://www.example.com:8080/', '-H', 'x-canary: true']);
      expect(json.stderr).toBe('');
      expect(json.code).toBe(0);
      const body = JSON.parse(json.stdout) as TraceJson;
      expect(body.trace.outcome).toBe('forwarded');
      expect(body.trace.clusters?.map((c) => c.name)).toEqual(['default/web-v2/80']);
      const text = await runInProcess(['explain', '--admin', admin, 'http://old.example.com:8080/x']);
      expect(text.stdout).toMatch(/^Outcome: redirect: 301/m);
      const unknown = await runInProcess(['explain', '--admin', admin, '--gateway', 'x/y', 'http://a/']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/admin API \/explain answered 404: no proxy group for gateway 'x\/y'/);
    } finally {
      await server.close();
    }
  });

  it('names an admin API it cannot reach', async () => {
    const result = await runInProcess(['explain', '--admin', 'http://127.0.0.1:1', 'http://a/']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^portico explain: cannot reach the admin API at http:\/\/127\.0\.0\.1:1: /);
  });

  it('documents in --help every request flag the request parser accepts', async () => {
    const parser = readFileSync(join(REPO_ROOT, 'packages/explain/src/parse.ts'), 'utf8');
    const accepted = [...new Set([...parser.matchAll(/case '(--[a-z][a-z-]*)'/g)].map((match) => match[1]))];
    expect(accepted.length).toBeGreaterThan(8);
    const help = (await runInProcess(['explain', '--help'])).stdout;
    const documented = new Set([...help.matchAll(/(--[a-z][a-z-]*)/g)].map((match) => match[0]));
    expect(accepted.filter((flag) => !documented.has(flag))).toEqual([]);
  });
});
