// A small PKI for mutual-TLS tests, generated when the test runs (never checked in):
// a CA, a server and a client leaf it issued, and a client issued by another CA.
// EC P-256 keeps generation fast.
import type { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { EC, generatorKeys, keyPair, privateKeyPem as privatePem, type GeneratorKeys as Keys } from './keys.js';

export interface Pem {
  cert: string;
  key: string;
}

const validity = () => ({ notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 3600_000) });

async function authority(serial: string, commonName: string): Promise<{ cert: x509.X509Certificate; keys: webcrypto.CryptoKeyPair }> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial,
    name: `CN=${commonName}`,
    ...validity(),
    keys: generatorKeys(keys),
    signingAlgorithm: EC,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  return { cert, keys };
}

/**
 * A CA with a server and a client certificate (SANs localhost and 127.0.0.1), and a client
 * certificate from another CA, for mutual-TLS tests.
 */
export async function testPki(): Promise<{ ca: Pem; server: Pem; client: Pem; stranger: Pem }> {
  const caIssuer = await authority('01', 'Portico Test CA');
  const leaf = async (serial: string, name: string, usage: string, issuer: { cert: x509.X509Certificate; keys: webcrypto.CryptoKeyPair }) => {
    const keys = await keyPair();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial,
      subject: `CN=${name}`,
      issuer: issuer.cert.subject,
      ...validity(),
      publicKey: keys.publicKey as unknown as Keys['publicKey'],
      signingKey: issuer.keys.privateKey as unknown as Keys['privateKey'],
      signingAlgorithm: EC,
      extensions: [
        new x509.BasicConstraintsExtension(false),
        new x509.ExtendedKeyUsageExtension([usage]),
        new x509.SubjectAlternativeNameExtension([
          { type: 'dns', value: 'localhost' },
          { type: 'ip', value: '127.0.0.1' },
        ]),
      ],
    });
    return { cert: cert.toString('pem'), key: await privatePem(keys) };
  };
  const otherIssuer = await authority('02', 'Someone Else');
  return {
    ca: { cert: caIssuer.cert.toString('pem'), key: await privatePem(caIssuer.keys) },
    server: await leaf('10', 'xds.portico.test', x509.ExtendedKeyUsage.serverAuth, caIssuer),
    client: await leaf('11', 'proxy.portico.test', x509.ExtendedKeyUsage.clientAuth, caIssuer),
    stranger: await leaf('12', 'stranger', x509.ExtendedKeyUsage.clientAuth, otherIssuer),
  };
}
