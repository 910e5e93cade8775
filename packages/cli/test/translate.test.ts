import { fileURLToPath } from 'node:url';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ResourceSet } from '@portico/api';
import { translate } from '@portico/translator';
import { loadFixture, privateKeyTraces, type TestCertificate } from '@portico/test-support';
import { objectsWithStatus } from '../src/translate.js';
import { QUICKSTART, runInProcess as runPortico, runPortico as spawnPortico } from './helpers.js';

// An HTTPS Gateway whose Secret carries a key pair generated for this run (written to `dir`).
let HTTPS_FIXTURE: string;
let httpsCertificate: TestCertificate;

interface Condition {
  type: string;
  status: string;
  reason: string;
}
interface Item {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: unknown;
  status?: {
    conditions?: Condition[];
    parents?: Array<{ parentRef: { name: string }; controllerName: string; conditions: Condition[] }>;
  };
}

const condition = (conditions: Condition[] | undefined, type: string) => conditions?.find((c) => c.type === type);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portico-cli-'));
  const https = await loadFixture('https.yaml');
  httpsCertificate = https.certificates.get('www')!;
  HTTPS_FIXTURE = join(dir, 'https.yaml');
  await writeFile(HTTPS_FIXTURE, https.text);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('portico translate', () => {
  it('prints the quickstart status as a JSON List (the real binary): Gateway programmed, routes accepted', async () => {
    const result = await spawnPortico(['translate', '-f', QUICKSTART, '-o', 'json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const list = JSON.parse(result.stdout) as { apiVersion: string; kind: string; items: Item[] };
    expect(list.apiVersion).toBe('v1');
    expect(list.kind).toBe('List');
    // Only kinds with a status, in a stable order; Services and EndpointSlices are inputs only.
    expect(list.items.map((i) => `${i.kind}/${i.metadata.name}`)).toEqual([
      'GatewayClass/portico',
      'Gateway/quickstart',
      'HTTPRoute/redirect-old',
      'HTTPRoute/web',
    ]);
    const gateway = list.items[1];
    expect(gateway.spec).toBeDefined();
    expect(condition(gateway.status?.conditions, 'Accepted')?.status).toBe('True');
    expect(condition(gateway.status?.conditions, 'Programmed')).toMatchObject({ status: 'True', reason: 'Programmed' });
    for (const route of list.items.slice(2)) {
      expect(route.status?.parents).toHaveLength(1);
      const parent = route.status!.parents![0];
      expect(parent.parentRef.name).toBe('quickstart');
      expect(parent.controllerName).toBe('portico.dev/gateway-controller');
      expect(condition(parent.conditions, 'Accepted')).toMatchObject({ status: 'True', reason: 'Accepted' });
      expect(condition(parent.conditions, 'ResolvedRefs')?.status).toBe('True');
    }
  });

  it('prints multi-document YAML by default', async () => {
    const result = await runPortico(['translate', '-f', QUICKSTART]);
    expect(result.code).toBe(0);
    const docs = parseAllDocuments(result.stdout);
    const items = (Array.isArray(docs) ? docs : [docs]).map((d) => d.toJS() as Item);
    expect(items.map((i) => i.kind)).toEqual(['GatewayClass', 'Gateway', 'HTTPRoute', 'HTTPRoute']);
    expect(result.stdout.split('\n').filter((line) => line === '---')).toHaveLength(3);
  });

  it('acts only for its controller name', async () => {
    const result = await runPortico(['translate', '-f', QUICKSTART, '-o', 'json', '--controller-name', 'example.com/other']);
    expect(result.code).toBe(0);
    const list = JSON.parse(result.stdout) as { items: Item[] };
    // A class for another controller is not ours to report on.
    expect(list.items.find((i) => i.kind === 'GatewayClass')?.status).toBeUndefined();
  });

  it('warns of a wrong-typed field it ignores, naming document, object and field (exit 0: the rest is translated)', async () => {
    const file = join(dir, 'quoted-port.yaml');
    await writeFile(file, 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports: [{port: "80"}]\n');
    const result = await runPortico(['translate', '-f', file]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`portico translate: warning: ${file}: document 1: Service default/web: spec.ports[0].port: expected a number, got a string ("80"); the field is ignored`);
  });

  it('--output xds prints Envoy resources per proxy group with @type, private keys redacted', async () => {
    const result = await runPortico(['translate', '-f', HTTPS_FIXTURE, '--output', 'xds', '-o', 'json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const xds = JSON.parse(result.stdout) as {
      groups: Record<string, Record<string, Array<Record<string, unknown>>>>;
      rejected: unknown[];
    };
    expect(Object.keys(xds.groups)).toEqual(['default/secure']);
    const group = xds.groups['default/secure'];
    expect(group.listeners[0]['@type']).toBe('type.googleapis.com/envoy.config.listener.v3.Listener');
    expect(group.routes[0]['@type']).toBe('type.googleapis.com/envoy.config.route.v3.RouteConfiguration');
    expect(group.clusters[0]['@type']).toBe('type.googleapis.com/envoy.config.cluster.v3.Cluster');
    expect(group.secrets).toHaveLength(1);
    expect(JSON.stringify(group.secrets[0])).toContain('BEGIN CERTIFICATE');
    expect(result.stdout).not.toMatch(/PRIVATE KEY/);
    for (const trace of privateKeyTraces(httpsCertificate)) expect(result.stdout).not.toContain(trace);
    expect(xds.rejected).toEqual([]);
  });

  it('--output all includes every input object with Secret values redacted, and the Envoy resources', async () => {
    const result = await runPortico(['translate', '-f', HTTPS_FIXTURE, '--output', 'all']);
    expect(result.code).toBe(0);
    const all = parseAllDocuments(result.stdout);
    expect(Array.isArray(all) ? all.length : 1).toBe(1);
    const body = (Array.isArray(all) ? all[0] : all).toJS() as { items: Item[]; xds: { groups: Record<string, unknown> } };
    expect(body.items.map((i) => i.kind)).toEqual(['GatewayClass', 'Gateway', 'HTTPRoute', 'Service', 'EndpointSlice', 'Secret']);
    expect(body.items.find((i) => i.kind === 'Secret')).toMatchObject({
      data: { 'tls.crt': '<redacted>', 'tls.key': '<redacted>' },
    });
    expect(condition(body.items[1].status?.conditions, 'Programmed')?.status).toBe('True');
    expect(Object.keys(body.xds.groups)).toEqual(['default/secure']);
    expect(result.stdout).not.toMatch(/PRIVATE KEY/);
    for (const trace of privateKeyTraces(httpsCertificate)) expect(result.stdout).not.toContain(trace);
  });

  it('--output all redacts a Secret\'s values where annotations repeat them (kubectl\'s last applied configuration)', () => {
    const key = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSj\n-----END PRIVATE KEY-----\n';
    const data = { 'tls.key': Buffer.from(key).toString('base64'), 'tls.crt': Buffer.from('a certificate').toString('base64') };
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: {
        name: 'site',
        namespace: 'default',
        annotations: {
          'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ apiVersion: 'v1', kind: 'Secret', data }),
          'example.com/copy': `value ${data['tls.key']}`,
          'cert-manager.io/issuer-name': 'letsencrypt',
        },
      },
      data,
    };
    const resources = ResourceSet.from([secret]);
    const [item] = objectsWithStatus(resources, translate(resources, { controllerName: 'portico.dev/gateway-controller' }), 'all');
    expect((item?.metadata as { annotations: Record<string, string> }).annotations).toEqual({
      'kubectl.kubernetes.io/last-applied-configuration': '<redacted>',
      'example.com/copy': '<redacted>',
      'cert-manager.io/issuer-name': 'letsencrypt',
    });
    expect(JSON.stringify(item)).not.toContain(data['tls.key'].slice(0, 24));
  });

  it('fails with a message naming an unreadable file (the real binary)', async () => {
    const missing = join(dir, 'does-not-exist.yaml');
    const result = await spawnPortico(['translate', '-f', missing]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`portico translate: cannot read ${missing}: no such file\n`);
  });

  it('reports bad documents on stderr with file, document, object and field, still translating the rest', async () => {
    const file = join(dir, 'broken.yaml');
    await writeFile(
      file,
      [
        'apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: { name: portico }\nspec: { controllerName: portico.dev/gateway-controller }',
        'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: { namespace: default }\nspec: {}',
        'kind: [unclosed',
      ].join('\n---\n'),
    );
    const result = await runPortico(['translate', '-f', file, '-o', 'json']);
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toBe(
      `portico translate: ${file}: document 2: Gateway default/<unnamed>: metadata.name: metadata.name is required`,
    );
    expect(lines[1]).toMatch(new RegExp(`^portico translate: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: document 3: YAML syntax error`));
    const list = JSON.parse(result.stdout) as { items: Item[] };
    expect(list.items.map((i) => i.kind)).toEqual(['GatewayClass']);
  });

  it('rejects bad usage with exit code 2', async () => {
    const noFile = await runPortico(['translate']);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toMatch(/^portico translate: at least one -f FILE is required\nRun 'portico translate --help'/);
    const badFormat = await runPortico(['translate', '-f', QUICKSTART, '-o', 'xml']);
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toMatch(/-o must be yaml or json, got 'xml'/);
    const badFlag = await runPortico(['translate', '--bogus']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/Unknown option '--bogus'/);
  });
});

describe('portico --help', () => {
  it('lists the commands (the real binary)', async () => {
    const result = await spawnPortico(['--help']);
    expect(result.code).toBe(0);
    for (const command of ['serve', 'translate', 'bootstrap', 'explain', 'conformance']) {
      expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
  });

  it.each(['serve', 'translate', 'bootstrap', 'explain', 'conformance'])('%s --help prints its usage', async (command) => {
    const result = await runPortico([command, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Usage: portico ${command}`));
  });

  it('conformance hands its arguments to the conformance runner', async () => {
    const result = await runPortico(['conformance']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^portico conformance: --cases DIR is required/);
  });

  it('rejects an unknown command', async () => {
    const result = await runPortico(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^portico: unknown command 'frobnicate'/);
  });
});

describe('portico translate --mesh', () => {
  const MESH_FIXTURE = fileURLToPath(new URL('./fixtures/mesh.yaml', import.meta.url));

  it('leaves routes with a Service parent alone by default and translates them with --mesh', async () => {
    const plain = await runPortico(['translate', '-f', MESH_FIXTURE, '-o', 'json']);
    expect(plain.code).toBe(0);
    const plainItems = (JSON.parse(plain.stdout) as { items: Array<{ kind: string; status?: unknown }> }).items;
    expect(plainItems.find((item) => item.kind === 'HTTPRoute')?.status).toBeUndefined();

    const mesh = await runPortico(['translate', '-f', MESH_FIXTURE, '-o', 'json', '--mesh']);
    expect(mesh.code).toBe(0);
    const route = (JSON.parse(mesh.stdout) as { items: Array<{ kind: string; status?: { parents: unknown[] } }> }).items.find(
      (item) => item.kind === 'HTTPRoute',
    );
    expect(route?.status?.parents).toMatchObject([
      { parentRef: { kind: 'Service', name: 'echo' }, conditions: [{ type: 'Accepted', status: 'True' }, { type: 'ResolvedRefs', status: 'True' }] },
    ]);

    const xds = await runPortico(['translate', '-f', MESH_FIXTURE, '-o', 'json', '--output', 'xds', '--mesh']);
    expect(Object.keys((JSON.parse(xds.stdout) as { groups: Record<string, unknown> }).groups)).toContain('mesh/mesh');
  });
});
