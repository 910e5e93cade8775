import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as x509 from '@peculiar/x509';
import { fixturesOnce } from '../src/certificates.js';
import { runConformanceCommand } from '../src/command.js';
import { loadSetup, resolveSuite } from '../src/data.js';
import { runConformance } from '../src/runner.js';
import { STATUS_SCHEMA_KINDS, statusSchemaProblem, temporaryDirectory } from '@portico/test-support';
import type { TranslationResult } from '@portico/translator';

// The suite data lives next to the repository (../shared/conformance from the repo root);
// these tests skip when it is absent.
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const suite = join(repoRoot, '..', 'shared', 'conformance');
const available = existsSync(join(suite, 'cases'));

// The first replay generates the RSA fixtures (a few seconds on a loaded machine).
describe.skipIf(!available)('replaying the shared conformance data', { timeout: 60_000 }, () => {
  it('runs a status-heavy case end to end and reports every assertion', async () => {
    const report = await runConformance({ dataDir: join(suite, 'cases'), filter: /^HTTPRouteSimpleSameNamespace$/ });
    expect(report.cases).toHaveLength(1);
    const [result] = report.cases;
    expect(result.outcome).toBe('ran');
    expect(result.assertions.map((a) => a.id)).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    for (const assertion of result.assertions) expect(typeof assertion.reason).toBe('string');
    expect(report.totals.status.total).toBe(4);
    expect(report.totals.traffic.total).toBe(1);
  });

  it('applies patches with generation bumps (GatewayObservedGenerationBump) and ends with the summary line', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runConformanceCommand(['--cases', suite, '--filter', '^GatewayObservedGenerationBump$', '-v'], {
      stdout: { write: (text: string) => out.push(text) },
      stderr: { write: (text: string) => err.push(text) },
    });
    expect(code).toBe(0);
    const lines = out.join('').trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/^conformance: status \d+\/\d+, traffic \d+\/\d+, not-expressible \d+, cases fully passing \d+\/1$/);
  });

  it('advertises the features of every case that passes in full, static addresses aside, and writes only statuses the API server takes', async () => {
    // Every status of every case against the Gateway API's schemas: one the API server refuses
    // is not written at all, so the object would keep its old status.
    const refused = new Set<string>();
    const kinds = new Set<string>();
    const onTranslation = (caseName: string, result: TranslationResult): void => {
      for (const entry of result.statuses) {
        kinds.add(entry.kind);
        if (!STATUS_SCHEMA_KINDS.includes(entry.kind)) continue;
        const problem = statusSchemaProblem(entry.kind, entry.status);
        if (problem) refused.add(`${caseName}: ${entry.kind} ${entry.namespace ?? ''}/${entry.name}: ${problem}`);
      }
    };
    // A feature Portico implements but does not advertise is one the upstream suite never
    // runs, and users reading supportedFeatures never learn of. GatewayStaticAddresses stays
    // out on purpose (packages/translator/src/features.ts says why).
    const report = await runConformance({ dataDir: join(suite, 'cases'), onTranslation });
    expect([...refused]).toEqual([]);
    // Every kind Portico writes status for has its schema checked.
    expect([...kinds].filter((kind) => !STATUS_SCHEMA_KINDS.includes(kind))).toEqual([]);
    const unadvertised = report.cases
      .filter((c) => c.outcome === 'ran' && c.fullyPassing && !c.featuresAdvertised)
      .map((c) => c.shortName);
    expect(unadvertised).toEqual(['GatewayStaticAddresses']);
  });

  it('exits 1 listing expected-passing cases that do not pass', async () => {
    const file = join(temporaryDirectory('portico-conformance-'), 'expected.txt');
    writeFileSync(file, '# must pass\nNoSuchCase\n');
    const err: string[] = [];
    const code = await runConformanceCommand(['--cases', suite, '--filter', '^(NoSuchCase|GatewayObservedGenerationBump)$', '--expected-passing', file], {
      stdout: { write: () => true },
      stderr: { write: (text: string) => err.push(text) },
    });
    expect(code).toBe(1);
    expect(err.join('')).toContain('NoSuchCase: case not found');
  });

  it('exits 1 for data it cannot read and 2 for a bad command line, as every command does', async () => {
    const io = { stdout: { write: () => true }, stderr: { write: () => true } };
    const missing = join(tmpdir(), 'portico-no-such-conformance-data');
    expect(await runConformanceCommand(['--cases', missing], io)).toBe(1);
    expect(await runConformanceCommand(['--cases', suite, '--expected-passing', join(missing, 'list.txt')], io)).toBe(1);
    expect(await runConformanceCommand(['--no-such-flag'], io)).toBe(2);
  });

  it('generates real certificates signed by the named CA with the listed SANs', async () => {
    const fixtures = await fixturesOnce(loadSetup(resolveSuite(suite)).generatedFixtures.objects);
    const find = (kind: string, name: string) => fixtures.find((f) => f.kind === kind && f.metadata.name === name && f.metadata.namespace === 'gateway-conformance-infra');
    const ca = new x509.X509Certificate(find('ConfigMap', 'tls-checks-ca-certificate')?.data['ca.crt'] ?? '');
    const otherCa = new x509.X509Certificate(find('ConfigMap', 'mismatch-ca-certificate')?.data['ca.crt'] ?? '');
    const leafPem = Buffer.from(find('Secret', 'tls-checks-certificate')?.data['tls.crt'] ?? '', 'base64').toString('utf8');
    const leaf = new x509.X509Certificate(leafPem);
    expect(leaf.issuer).toBe(ca.subject);
    expect(await leaf.verify({ publicKey: ca.publicKey, signatureOnly: true })).toBe(true);
    expect(await leaf.verify({ publicKey: otherCa.publicKey, signatureOnly: true })).toBe(false);
    const sans = leaf.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON().map((n) => n.value);
    expect(sans).toEqual(['abc.example.com', 'spiffe://abc.example.com/test-identity', 'other.example.com']);
    const key = Buffer.from(find('Secret', 'tls-checks-certificate')?.data['tls.key'] ?? '', 'base64').toString('utf8');
    expect(key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });
});
