import { resolveGatewayClassParameters, type GatewayClass, type ResourceSet } from '@portico/api';
import { condition, type ConditionClock } from './conditions.js';
import type { ObjectStatus } from './result.js';

export interface GatewayClassResult {
  accepted: boolean;
  status: ObjectStatus;
}

/** The Gateway API bundle version this translator implements (SupportedVersion condition). */
export const GATEWAY_API_VERSION = 'v1.6.1';

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
