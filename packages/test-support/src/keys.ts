// Key material shared by the certificate helpers: EC P-256 keys (generated in milliseconds)
// through WebCrypto, which @peculiar/x509 is set to use here, once.
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

/** The key type x509's generators take. */
export type GeneratorKeys = Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'];

export async function keyPair(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

export function generatorKeys(keys: webcrypto.CryptoKeyPair): GeneratorKeys {
  return keys as unknown as GeneratorKeys;
}

export async function privateKeyPem(keys: webcrypto.CryptoKeyPair): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
}
