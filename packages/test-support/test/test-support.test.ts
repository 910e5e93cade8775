import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  certificatePlaceholderNames,
  certificatesForPlaceholders,
  fillCertificatePlaceholders,
  loadFixture,
  privateKeyTraces,
  selfSignedCertificate,
} from '../src/index.js';

const packagesDir = new URL('../../', import.meta.url).pathname;

describe('generated certificates', () => {
  it('are self-signed CAs for the given names, with a matching PKCS#8 key', async () => {
    const pair = await selfSignedCertificate('a.example.com', ['a.example.com', '*.example.com']);
    const certificate = new X509Certificate(pair.certificatePem);
    expect(certificate.subject).toBe('CN=a.example.com');
    expect(certificate.subjectAltName).toBe('DNS:a.example.com, DNS:*.example.com');
    expect(certificate.ca).toBe(true);
    expect(certificate.checkIssued(certificate)).toBe(true);
    expect(pair.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(certificate.checkPrivateKey((await import('node:crypto')).createPrivateKey(pair.privateKeyPem))).toBe(true);
  });

  it('fill `${TLS_CRT_B64:name}` / `${TLS_KEY_B64:name}` placeholders with base64 PEM, one certificate per name', async () => {
    const text = 'crt: ${TLS_CRT_B64:web}\nkey: ${TLS_KEY_B64:web}\nother: ${TLS_CRT_B64:api}\n';
    expect(certificatePlaceholderNames(text)).toEqual(['api', 'web']);
    const certificates = await certificatesForPlaceholders(text);
    const filled = fillCertificatePlaceholders(text, certificates);
    const [crt, key] = filled.split('\n').map((line) => Buffer.from(line.split(': ')[1] ?? '', 'base64').toString('utf8'));
    expect(crt).toBe(certificates.get('web')?.certificatePem);
    expect(key).toBe(certificates.get('web')?.privateKeyPem);
    expect(new X509Certificate(crt!).subjectAltName).toBe('DNS:web.example.com, DNS:*.example.com');
    expect(() => fillCertificatePlaceholders('${TLS_CRT_B64:missing}', certificates)).toThrow(/missing/);
  });

  it('the HTTPS fixture loads with its key generated, and the key traces find it', async () => {
    const fixture = await loadFixture('https.yaml');
    expect(fixture.text).not.toContain('${');
    const traces = privateKeyTraces(fixture.certificates.get('www')!);
    expect(traces.some((trace) => fixture.text.includes(trace))).toBe(true);
    expect(traces.every((trace) => trace.length >= 40)).toBe(true);
  });
});

describe('test-support stays out of runtime code', () => {
  const packages = readdirSync(packagesDir).filter((name) => statSync(join(packagesDir, name)).isDirectory());
  it('no package lists it as a runtime dependency', () => {
    for (const name of packages) {
      const manifest = JSON.parse(readFileSync(join(packagesDir, name, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
      expect(Object.keys(manifest.dependencies ?? {}), name).not.toContain('@portico/test-support');
    }
  });
  it('no package source imports it', () => {
    const sources = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
      );
    for (const name of packages.filter((p) => p !== 'test-support')) {
      let files: string[] = [];
      try {
        files = sources(join(packagesDir, name, 'src'));
      } catch {
        continue;
      }
      for (const file of files) expect(readFileSync(file, 'utf8'), file).not.toContain('@portico/test-support');
    }
  });
});
