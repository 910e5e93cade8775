import type { FrontendTLSValidation, Gateway, ResourceSet } from '@portico/api';
import type { IRSecret } from '@portico/ir';
import type { ReferenceGrants } from '../referencegrant.js';
import { GATEWAY_GROUP, decodeBase64, isCoreGroup } from '../util.js';
import { addUnresolved, type ListenerModel } from './model.js';
import { certificatesOf } from './tls.js';

function validationFor(gateway: Gateway, port: number): { validation: FrontendTLSValidation; field: string } | undefined {
  const frontend = gateway.spec?.tls?.frontend;
  const perPort = frontend?.perPort ?? [];
  const index = perPort.findIndex((p) => p.port === port);
  const override = index >= 0 ? perPort[index]?.tls?.validation : undefined;
  if (override) return { validation: override, field: `spec.tls.frontend.perPort[${index}].tls.validation` };
  const fallback = frontend?.default?.validation;
  return fallback ? { validation: fallback, field: 'spec.tls.frontend.default.validation' } : undefined;
}


/**
 * Frontend client-certificate validation (spec.tls.frontend): resolves the CA bundles
 * for every TLS-terminating listener. A listener whose CA references do not resolve is
 * not accepted (NoValidCACertificate), as the spec requires.
 * Returns true when some listener uses AllowInsecureFallback.
 */
export function applyFrontendValidation(
  resources: ResourceSet,
  grants: ReferenceGrants,
  gateway: Gateway,
  listeners: ListenerModel[],
  secrets: Map<string, IRSecret>,
): boolean {
  let insecure = false;
  const namespace = gateway.metadata.namespace ?? '';
  for (const listener of listeners) {
    if (listener.protocol !== 'HTTPS' || listener.notAccepted) continue;
    const found = validationFor(gateway, listener.port);
    if (!found) continue;
    const { validation, field } = found;
    const mode = validation.mode ?? 'AllowValidOnly';
    let problem: { reason: string; message: string } | undefined;
    const bundles: string[] = [];
    const names: string[] = [];
    for (const [index, ref] of (validation.caCertificateRefs ?? []).entries()) {
      const refField = `${field}.caCertificateRefs[${index}]`;
      const kind = ref.kind ?? 'ConfigMap';
      const refNamespace = ref.namespace ?? namespace;
      if (!isCoreGroup(ref.group) || (kind !== 'ConfigMap' && kind !== 'Secret')) {
        problem ??= {
          reason: 'InvalidCACertificateKind',
          message: `${refField}: ${ref.group || 'core'}/${kind} is not a supported CA certificate kind (ConfigMap, Secret)`,
        };
        continue;
      }
      if (
        !grants.allows(
          { group: GATEWAY_GROUP, kind: 'Gateway', namespace },
          { group: '', kind, namespace: refNamespace, name: ref.name },
        )
      ) {
        problem ??= {
          reason: 'RefNotPermitted',
          message: `${refField}: ${kind} ${refNamespace}/${ref.name} in another namespace is not allowed by any ReferenceGrant`,
        };
        continue;
      }
      let pem: string | undefined;
      if (kind === 'ConfigMap') pem = resources.get('ConfigMap', refNamespace, ref.name)?.data?.['ca.crt'];
      else {
        const secret = resources.get('Secret', refNamespace, ref.name);
        pem = secret?.stringData?.['ca.crt'] ?? decodeBase64(secret?.data?.['ca.crt']);
      }
      const certificates = certificatesOf(pem);
      if (!certificates) {
        problem ??= {
          reason: 'InvalidCACertificateRef',
          message: `${refField}: ${kind} ${refNamespace}/${ref.name} not found or has no valid PEM ca.crt`,
        };
        continue;
      }
      bundles.push(certificates);
      names.push(`${refNamespace}/${ref.name}`);
    }
    if ((validation.caCertificateRefs ?? []).length === 0) {
      problem = { reason: 'InvalidCACertificateRef', message: `${field}.caCertificateRefs: at least one CA is required` };
    }
    // Some references invalid: ResolvedRefs says so and the valid CAs are used. All of them
    // invalid: the listener is not accepted either (NoValidCACertificate).
    if (problem) addUnresolved(listener, problem, bundles.length > 0);
    if (bundles.length === 0) {
      listener.notAccepted = { reason: 'NoValidCACertificate', message: problem?.message ?? `${field}.caCertificateRefs: no valid CA` };
      listener.tls = undefined;
      continue;
    }
    if (mode === 'AllowInsecureFallback') insecure = true;
    const caName = `ca/${names.join('+')}`;
    secrets.set(caName, { name: caName, trustedCa: bundles.join('\n'), source: { kind: 'Gateway', namespace, name: gateway.metadata.name, path: field } });
    if (listener.tls) {
      listener.tls.clientValidation = {
        caSecret: caName,
        mode: mode === 'AllowInsecureFallback' ? 'AllowInsecureFallback' : 'AllowValidOnly',
      };
    }
  }
  return insecure;
}
