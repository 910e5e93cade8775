import { resolveGatewayClassParameters, type GatewayClass, type ResourceSet } from '@portico/api';
import { condition, type ConditionClock } from './conditions.js';
import type { ObjectStatus } from './result.js';

export interface GatewayClassResult {
  accepted: boolean;
  status: ObjectStatus;
}

/** The Gateway API bundle version this translator implements (SupportedVersion condition). */
export const GATEWAY_API_VERSION = 'v1.6.1';
/** CRD bundle versions it supports: any v1.6 patch release (patch releases leave the API as it is). */
const SUPPORTED_BUNDLE = /^v1\.6\.\d+$/;

/**
 * Why the installed Gateway API CRDs are not a version this controller supports, or undefined.
 * Gateway API: CRDs without the bundle-version annotation, or with one not supported, make
 * SupportedVersion False (Accepted stays True: best effort).
 */
function unsupportedCrds(crdBundleVersions: Readonly<Record<string, string | null>> | undefined): string | undefined {
  if (!crdBundleVersions) return undefined;
  const byVersion = new Map<string, string[]>();
  for (const name of Object.keys(crdBundleVersions).sort()) {
    const version = crdBundleVersions[name] ?? null;
    if (version !== null && SUPPORTED_BUNDLE.test(version)) continue;
    const label = version ?? 'no bundle-version annotation';
    byVersion.set(label, [...(byVersion.get(label) ?? []), name]);
  }
  if (byVersion.size === 0) return undefined;
  const found = [...byVersion].map(([version, names]) => `${version} (${names.join(', ')})`).join('; ');
  return `installed Gateway API CRDs are ${found}; this controller supports v1.6.x (implements ${GATEWAY_API_VERSION})`;
}

/** Why the class's parametersRef cannot be used (InvalidParameters), or undefined when it can or is unset. */
function parametersProblem(resources: ResourceSet, gatewayClass: GatewayClass): string | undefined {
  const resolved = resolveGatewayClassParameters(resources, gatewayClass);
  return resolved && !resolved.ok ? resolved.message : undefined;
}

export function translateGatewayClass(
  resources: ResourceSet,
  gatewayClass: GatewayClass,
  clock: ConditionClock,
  supportedFeatures: readonly string[],
  crdBundleVersions?: Readonly<Record<string, string | null>>,
): GatewayClassResult {
  const generation = gatewayClass.metadata.generation;
  const problem = parametersProblem(resources, gatewayClass);
  const unsupported = unsupportedCrds(crdBundleVersions);
  const conditions = [
    problem
      ? condition(clock, generation, 'Accepted', false, 'InvalidParameters', problem)
      : condition(clock, generation, 'Accepted', true, 'Accepted', 'GatewayClass is accepted by this controller'),
    unsupported
      ? condition(clock, generation, 'SupportedVersion', false, 'UnsupportedVersion', unsupported)
      : condition(clock, generation, 'SupportedVersion', true, 'SupportedVersion', `Gateway API ${GATEWAY_API_VERSION} is supported`),
  ];
  return {
    accepted: !problem,
    status: {
      apiVersion: gatewayClass.apiVersion,
      kind: 'GatewayClass',
      name: gatewayClass.metadata.name,
      ...(generation !== undefined ? { generation } : {}),
      status: {
        conditions,
        supportedFeatures: supportedFeatures.map((name) => ({ name })),
      },
    },
  };
}
