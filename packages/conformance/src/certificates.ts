// Real X.509 material for setup.json `generatedFixtures`: independent CAs, leaf
// certificates with the listed SANs and extended key usage, signed by the named
// CA. RSA-2048 key generation dominates the cost, so the whole set is generated
// once per process and reused by every case, and every leaf certificate shares
// one key pair: the suite only tells certificates apart by name, SANs and
// issuer, never by key.
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { GeneratedFixture } from './model.js';

type WebCrypto = Parameters<typeof x509.cryptoProvider.set>[0];
type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
const provider = webcrypto as unknown as WebCrypto;
x509.cryptoProvider.set(provider);

const subtle = webcrypto.subtle;
const RSA = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
};
const YEAR_MS = 365 * 24 * 3600 * 1000;

export interface PemPair {
  certificatePem: string;
  privateKeyPem: string;
}

interface Authority extends PemPair {
  certificate: x509.X509Certificate;
  privateKey: CryptoKey;
}

let serialCounter = 1;
function nextSerial(): string {
  return (serialCounter++).toString(16).padStart(2, '0');
}

async function exportKey(key: CryptoKey): Promise<string> {
  const der = await subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

async function newKeys(): Promise<CryptoKeyPair> {
  return (await subtle.generateKey(RSA, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function createAuthority(label: string): Promise<Authority> {
  const keys = await newKeys();
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: nextSerial(),
      name: `CN=conformance ${label} CA, O=Portico conformance`,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + YEAR_MS),
      keys,
      signingAlgorithm: RSA,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      ],
    },
    provider,
  );
  return {
    certificate,
    privateKey: keys.privateKey,
    certificatePem: certificate.toString('pem'),
    privateKeyPem: await exportKey(keys.privateKey),
  };
}

function sanEntries(sans: string[]): x509.JsonGeneralName[] {
  return sans.map((san) => (san.includes('://') ? { type: 'url', value: san } : { type: 'dns', value: san }));
}

async function createLeaf(fixture: GeneratedFixture, issuer: Authority | undefined, keys: CryptoKeyPair): Promise<PemPair> {
  const now = Date.now();
  const sans = fixture.dnsOrUriSANs ?? [];
  const commonName = sans.find((san) => !san.includes('://')) ?? fixture.name;
  const usage = fixture.extKeyUsage === 'clientAuth' ? x509.ExtendedKeyUsage.clientAuth : x509.ExtendedKeyUsage.serverAuth;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension([usage]),
  ];
  if (sans.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(sanEntries(sans)));
  const common = {
    serialNumber: nextSerial(),
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + YEAR_MS),
    signingAlgorithm: RSA,
    extensions,
  };
  const subject = `CN=${commonName}, O=Portico conformance`;
  const certificate = issuer
    ? await x509.X509CertificateGenerator.create(
        { ...common, subject, issuer: issuer.certificate.subject, publicKey: keys.publicKey, signingKey: issuer.privateKey },
        provider,
      )
    : await x509.X509CertificateGenerator.createSelfSigned({ ...common, name: subject, keys }, provider);
  return { certificatePem: certificate.toString('pem'), privateKeyPem: await exportKey(keys.privateKey) };
}

/** `A`..`D` from "A", "D (signs nothing; ...)"; any other text names its own CA. */
export function authorityId(label: string): string {
  const letter = /^([A-Z])(\s|$)/.exec(label.trim());
  return letter ? letter[1] : label.trim();
}

export interface FixtureObject {
  apiVersion: 'v1';
  kind: 'Secret' | 'ConfigMap';
  metadata: { name: string; namespace: string };
  type?: string;
  data: Record<string, string>;
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** Builds every fixture: Secrets carry base64 `tls.crt`/`tls.key`, ConfigMaps PEM `ca.crt`/`key.crt`. */
export async function generateFixtures(fixtures: GeneratedFixture[]): Promise<FixtureObject[]> {
  const authorityIds = new Set<string>();
  for (const fixture of fixtures) {
    if (fixture.kind === 'ConfigMap' && fixture.ca) authorityIds.add(authorityId(fixture.ca));
    if (fixture.kind === 'Secret' && fixture.signedBy && fixture.signedBy !== 'self') authorityIds.add(authorityId(fixture.signedBy));
  }
  const authorities = new Map<string, Authority>();
  const [leafKeys] = await Promise.all([
    newKeys(),
    ...[...authorityIds].sort().map(async (id) => {
      authorities.set(id, await createAuthority(id));
    }),
  ]);
  return Promise.all(
    fixtures.map(async (fixture): Promise<FixtureObject> => {
      const metadata = { name: fixture.name, namespace: fixture.namespace };
      if (fixture.kind === 'ConfigMap') {
        const authority = authorities.get(authorityId(fixture.ca ?? fixture.name));
        if (!authority) throw new Error(`fixture ConfigMap ${fixture.namespace}/${fixture.name}: no CA`);
        return {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata,
          data: { 'ca.crt': authority.certificatePem, 'key.crt': authority.privateKeyPem },
        };
      }
      const issuer =
        fixture.signedBy && fixture.signedBy !== 'self' ? authorities.get(authorityId(fixture.signedBy)) : undefined;
      const leaf = await createLeaf(fixture, issuer, leafKeys as CryptoKeyPair);
      return {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata,
        type: fixture.type ?? 'kubernetes.io/tls',
        data: { 'tls.crt': base64(leaf.certificatePem), 'tls.key': base64(leaf.privateKeyPem) },
      };
    }),
  );
}

let cached: { key: string; promise: Promise<FixtureObject[]> } | undefined;

/** generateFixtures, memoised per fixture list for the life of the process. */
export function fixturesOnce(fixtures: GeneratedFixture[]): Promise<FixtureObject[]> {
  const key = JSON.stringify(fixtures);
  if (!cached || cached.key !== key) cached = { key, promise: generateFixtures(fixtures) };
  return cached.promise;
}
