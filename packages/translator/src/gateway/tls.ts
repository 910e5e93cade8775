import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { ResourceSet, Secret, SecretObjectReference } from '@portico/api';
import type { IRSecret } from '@portico/ir';
import type { ReferenceGrants } from '../referencegrant.js';
import { GATEWAY_GROUP, decodeBase64, isCoreGroup } from '../util.js';

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * The certificates of a PEM bundle, and nothing else: a bundle may also hold a private key (a
 * `cat ca.crt ca.key`, or a chain pasted with its key), which must not go into configuration
 * that is served, dumped and explained. Undefined when it holds no certificate, or one that
 * does not parse.
 */
export function certificatesOf(pem: string | undefined): string | undefined {
  return parsedCertificates(pem)?.pem;
}

/** certificatesOf, with the first certificate as parsed (the leaf of a chain). */
function parsedCertificates(pem: string | undefined): { pem: string; first: X509Certificate } | undefined {
  const blocks = pem?.match(CERTIFICATE_BLOCK);
  if (!blocks || blocks.length === 0) return undefined;
  let first: X509Certificate | undefined;
  try {
    for (const block of blocks) {
      const certificate = new X509Certificate(block);
      first ??= certificate;
    }
  } catch {
    return undefined;
  }
  return first && { pem: blocks.join('\n'), first };
}

export interface KeyPair {
  certificateChain: string;
  privateKey: string;
}

function secretValue(secret: Secret, key: string): string | undefined {
  const fromString = secret.stringData?.[key];
  if (fromString !== undefined) return fromString;
  try {
    return decodeBase64(secret.data?.[key]);
  } catch {
    return undefined;
  }
}

/**
 * Checks that a Secret holds a usable TLS key pair: type kubernetes.io/tls, PEM
 * certificate and key that parse and belong together. Returns a problem description
 * (never including key material) or the pair.
 */
export function readKeyPair(secret: Secret): KeyPair | string {
  // Kubernetes defaults an omitted type to Opaque, which is not a TLS Secret.
  if (secret.type !== 'kubernetes.io/tls') {
    return `has type ${secret.type ?? 'Opaque'}, expected kubernetes.io/tls`;
  }
  const crt = secretValue(secret, 'tls.crt');
  const privateKey = secretValue(secret, 'tls.key');
  if (!crt) return 'has no tls.crt';
  // The chain is served as it is: its certificates only (see certificatesOf).
  const chain = parsedCertificates(crt);
  if (!chain) return 'tls.crt is not a valid PEM certificate';
  if (!privateKey) return 'has no tls.key';
  const { pem: certificateChain, first: certificate } = chain;
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(privateKey);
  } catch {
    return 'tls.key is not a valid PEM private key';
  }
  try {
    if (!certificate.checkPrivateKey(key)) return 'tls.key does not match the certificate in tls.crt';
  } catch {
    return 'tls.key does not match the certificate in tls.crt';
  }
  const weak = keyEnvoyRefuses(certificate);
  if (weak) return `tls.crt: ${weak}`;
  return { certificateChain, privateKey };
}

/** ECDSA curves Envoy takes for a certificate (BoringSSL names them P-256, P-384, P-521). */
const ENVOY_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);

/**
 * What Envoy refuses in a certificate's key when it loads the Secret (context_impl.cc): RSA
 * keys under 2048 bits, and ECDSA curves outside P-256/P-384/P-521. The listener would say
 * Programmed while its handshakes fail.
 */
function keyEnvoyRefuses(certificate: X509Certificate): string | undefined {
  const key = certificate.publicKey;
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa' && details?.modulusLength !== undefined && details.modulusLength < 2048) {
    return `an RSA key of ${details.modulusLength} bits; Envoy requires at least 2048`;
  }
  if (key.asymmetricKeyType === 'ec' && details?.namedCurve !== undefined && !ENVOY_CURVES.has(details.namedCurve)) {
    return `an ECDSA key on curve ${details.namedCurve}; Envoy takes P-256, P-384 or P-521`;
  }
  return undefined;
}

export type CertificateResolution =
  | { ok: true; secret: IRSecret }
  | { ok: false; reason: 'InvalidCertificateRef' | 'RefNotPermitted'; message: string };

/** Resolves one certificate reference made by a Gateway (listener or backend client certificate). */
export function resolveCertificateRef(
  resources: ResourceSet,
  grants: ReferenceGrants,
  gatewayNamespace: string,
  ref: SecretObjectReference,
  field: string,
  /** The kind making the reference: ReferenceGrants name it (Gateway, or ListenerSet). */
  fromKind = 'Gateway',
): CertificateResolution {
  const namespace = ref.namespace ?? gatewayNamespace;
  const kind = ref.kind ?? 'Secret';
  const label = `${field} ${namespace}/${ref.name}`;
  // Whether the reference is allowed comes first: InvalidCertificateRef is only for references
  // that are (Gateway API: "If the reference is not allowed, the reason RefNotPermitted must be
  // used instead"), whatever kind they name.
  if (
    !grants.allows(
      { group: GATEWAY_GROUP, kind: fromKind, namespace: gatewayNamespace },
      { group: ref.group ?? '', kind, namespace, name: ref.name },
    )
  ) {
    return {
      ok: false,
      reason: 'RefNotPermitted',
      message: `${label}: reference to another namespace is not allowed by any ReferenceGrant`,
    };
  }
  if (!isCoreGroup(ref.group) || kind !== 'Secret') {
    return {
      ok: false,
      reason: 'InvalidCertificateRef',
      message: `${field}: unsupported reference ${ref.group || 'core'}/${kind} (only core Secret is supported)`,
    };
  }
  const secret = resources.get('Secret', namespace, ref.name);
  if (!secret) return { ok: false, reason: 'InvalidCertificateRef', message: `${label}: Secret not found` };
  const pair = readKeyPair(secret);
  if (typeof pair === 'string') return { ok: false, reason: 'InvalidCertificateRef', message: `${label}: Secret ${pair}` };
  return {
    ok: true,
    secret: {
      name: `${namespace}/${ref.name}`,
      certificateChain: pair.certificateChain,
      privateKey: pair.privateKey,
      source: { kind: 'Secret', namespace, name: ref.name },
    },
  };
}
