import type { GatewayClass, ResourceSet } from '@portico/api';
import { condition, type ConditionClock } from './conditions.js';
import type { ObjectStatus } from './result.js';
import { describeObject, isCoreGroup } from './util.js';

export interface GatewayClassResult {
  accepted: boolean;
  status: ObjectStatus;
}

/** The Gateway API bundle version this translator implements (SupportedVersion condition). */
export const GATEWAY_API_VERSION = 'v1.6.1';

function parametersProblem(resources: ResourceSet, gatewayClass: GatewayClass): string | undefined {
  const ref = gatewayClass.spec?.parametersRef;
  if (!ref) return undefined;
  const where = `${describeObject('GatewayClass', undefined, gatewayClass.metadata.name)} spec.parametersRef`;
  if (isCoreGroup(ref.group) && ref.kind === 'ConfigMap') {
    if (!ref.namespace) return `${where}: a ConfigMap reference needs a namespace`;
    if (!resources.get('ConfigMap', ref.namespace, ref.name)) {
      return `${where}: ConfigMap ${ref.namespace}/${ref.name} not found`;
    }
    return undefined;
  }
  return `${where}: ${ref.group || 'core'}/${ref.kind} is not a parameters kind this controller supports (only core/ConfigMap)`;
}

export function translateGatewayClass(
  resources: ResourceSet,
  gatewayClass: GatewayClass,
  clock: ConditionClock,
  supportedFeatures: readonly string[],
): GatewayClassResult {
  const generation = gatewayClass.metadata.generation;
  const problem = parametersProblem(resources, gatewayClass);
  const conditions = [
    problem
      ? condition(clock, generation, 'Accepted', false, 'InvalidParameters', problem)
      : condition(clock, generation, 'Accepted', true, 'Accepted', 'GatewayClass is accepted by this controller'),
    condition(
      clock,
      generation,
      'SupportedVersion',
      true,
      'SupportedVersion',
      `Gateway API ${GATEWAY_API_VERSION} is supported`,
    ),
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
