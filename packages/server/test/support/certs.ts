// A CA, a server and a client certificate for the mTLS test, generated when the test
// runs (never checked in). EC P-256 keeps generation fast.
// Not @portico/test-support's selfSignedCertificate: the test dials 127.0.0.1, so the server
// certificate needs an IP SAN (that helper writes DNS names only), and it checks leaves issued
// by a separate CA, plus a client from another CA, rather than one self-signed certificate.
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
type Keys = Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'];

export interface Pem {
  cert: string;
  key: string;
}

async function keyPair(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

async function privatePem(keys: webcrypto.CryptoKeyPair): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
}

const validity = () => ({ notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 3600_000) });

export async function testPki(): Promise<{ ca: Pem; server: Pem; client: Pem; stranger: Pem }> {
  const caKeys = await keyPair();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=Portico Test CA',
    ...validity(),
    keys: caKeys as unknown as Keys,
    signingAlgorithm: EC,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
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
  const caIssuer = { cert: ca, keys: caKeys };
  const otherKeys = await keyPair();
  const otherCa = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '02',
    name: 'CN=Someone Else',
    ...validity(),
    keys: otherKeys as unknown as Keys,
    signingAlgorithm: EC,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
  });
  return {
    ca: { cert: ca.toString('pem'), key: await privatePem(caKeys) },
    server: await leaf('10', 'xds.portico.test', x509.ExtendedKeyUsage.serverAuth, caIssuer),
    client: await leaf('11', 'proxy.portico.test', x509.ExtendedKeyUsage.clientAuth, caIssuer),
    stranger: await leaf('12', 'stranger', x509.ExtendedKeyUsage.clientAuth, { cert: otherCa, keys: otherKeys }),
  };
}
