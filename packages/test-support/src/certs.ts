// Certificates for tests, generated when the tests run (never checked in). EC P-256
// keeps generation in the millisecond range.
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { EC, generatorKeys, keyPair, privateKeyPem } from './keys.js';

export interface TestCertificate {
  certificatePem: string;
  privateKeyPem: string;
}

/** A day-long self-signed certificate for `keys`, signed with `algorithm`. */
async function selfSigned(
  keys: webcrypto.CryptoKeyPair,
  algorithm: Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['signingAlgorithm'],
  commonName: string,
  extensions: x509.Extension[],
): Promise<TestCertificate> {
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${commonName}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 24 * 3600 * 1000),
    keys: generatorKeys(keys),
    signingAlgorithm: algorithm,
    extensions,
  });
  return { certificatePem: certificate.toString('pem'), privateKeyPem: await privateKeyPem(keys) };
}

/**
 * A self-signed certificate for `dnsNames` (default: the common name). It is a CA as well and
 * allows server and client auth, so one certificate is enough for a one-CA mTLS test.
 */
export async function selfSignedCertificate(commonName: string, dnsNames: string[] = [commonName]): Promise<TestCertificate> {
  return selfSigned(await keyPair(), EC, commonName, [
    new x509.BasicConstraintsExtension(true, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
    new x509.SubjectAlternativeNameExtension(dnsNames.map((value) => ({ type: 'dns' as const, value }))),
  ]);
}

/**
 * A self-signed certificate with an RSA key of `modulusLength` bits (signed with it), for the
 * key sizes a proxy refuses; the other helpers use EC P-256, which is faster to generate.
 */
export async function selfSignedRsaCertificate(commonName: string, modulusLength: number): Promise<TestCertificate> {
  const algorithm = { name: 'RSASSA-PKCS1-v1_5', modulusLength, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  return selfSigned(keys, algorithm, commonName, [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: commonName }])]);
}

/**
 * Manifests name generated key material with `${TLS_CRT_B64:name}` / `${TLS_KEY_B64:name}`:
 * the base64 PEM of a self-signed certificate for `name`.example.com and *.example.com.
 */
const PLACEHOLDER = /\$\{(TLS_CRT_B64|TLS_KEY_B64):([a-z0-9-]+)\}/g;

/** Certificate names a text's placeholders use, sorted. */
export function certificatePlaceholderNames(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((match) => match[2] as string))].sort();
}

/** Generates one certificate per placeholder name used in `texts`. */
export async function certificatesForPlaceholders(...texts: string[]): Promise<Map<string, TestCertificate>> {
  const certificates = new Map<string, TestCertificate>();
  for (const name of certificatePlaceholderNames(texts.join('\n'))) {
    certificates.set(name, await selfSignedCertificate(`${name}.example.com`, [`${name}.example.com`, '*.example.com']));
  }
  return certificates;
}

/** Replaces every placeholder with its certificate's base64 PEM; an unknown name throws. */
export function fillCertificatePlaceholders(text: string, certificates: ReadonlyMap<string, TestCertificate>): string {
  return text.replace(PLACEHOLDER, (_match, kind: string, name: string) => {
    const certificate = certificates.get(name);
    if (!certificate) throw new Error(`no generated certificate ${name}`);
    const pem = kind === 'TLS_CRT_B64' ? certificate.certificatePem : certificate.privateKeyPem;
    return Buffer.from(pem).toString('base64');
  });
}

/**
 * Strings by which a private key would be recognised in output: the PEM's base64 body and
 * the base64 of the whole PEM (how a Secret's `data` carries it).
 */
export function privateKeyTraces(certificate: TestCertificate): string[] {
  const body = certificate.privateKeyPem.split('\n').filter((line) => line && !line.startsWith('-----'));
  return [body[0] as string, Buffer.from(certificate.privateKeyPem).toString('base64').slice(0, 64)];
}

/** A `kubernetes.io/tls` Secret holding `certificate` (base64 PEM in `data`, as the API server keeps it). */
export function tlsSecret(certificate: TestCertificate, name: string, namespace: string, resourceVersion?: string) {
  return {
    apiVersion: 'v1',
    kind: 'Secret' as const,
    type: 'kubernetes.io/tls',
    metadata: resourceVersion === undefined ? { name, namespace } : { name, namespace, resourceVersion },
    data: {
      'tls.crt': Buffer.from(certificate.certificatePem).toString('base64'),
      'tls.key': Buffer.from(certificate.privateKeyPem).toString('base64'),
    },
  };
}
