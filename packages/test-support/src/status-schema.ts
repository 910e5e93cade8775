// Status against the Gateway API's own OpenAPI schemas, as the API server checks a status write:
// types, enums, patterns (a condition reason), lengths (a condition message, 32,768 characters)
// and list sizes (8 conditions, 64 listeners, 32 route parents). A status that fails is refused
// whole by the API server, so the object keeps its old status. The schemas come compiled from
// the CRDs in @kubernetes-models/gateway-api (CEL rules are not among them). That package types
// each condition as the core API's Condition, without the rules the CRDs carry for it (from
// metav1.Condition's markers), so those are checked here: CONDITION_RULES below.
import { GRPCRouteStatus } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/GRPCRouteStatus';
import { GatewayClassStatus } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/GatewayClassStatus';
import { GatewayStatus } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/GatewayStatus';
import { HTTPRouteStatus } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRouteStatus';
import { ListenerSetStatus } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/ListenerSetStatus';
import { PolicyStatus } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/PolicyStatus';
import { TLSRouteStatus } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/TLSRouteStatus';
import { TCPRouteStatus } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1alpha2/TCPRouteStatus';
import { UDPRouteStatus } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1alpha2/UDPRouteStatus';

interface Validating {
  validate(): void;
}

/** The schema of each kind's status. TCPRoute and UDPRoute have theirs in v1alpha2 only. */
const STATUS_MODELS: Readonly<Record<string, new (data: never) => Validating>> = {
  GatewayClass: GatewayClassStatus,
  Gateway: GatewayStatus,
  ListenerSet: ListenerSetStatus,
  HTTPRoute: HTTPRouteStatus,
  GRPCRoute: GRPCRouteStatus,
  TLSRoute: TLSRouteStatus,
  TCPRoute: TCPRouteStatus,
  UDPRoute: UDPRouteStatus,
  BackendTLSPolicy: PolicyStatus,
};

/** metav1.Condition's validation markers, as every Gateway API CRD embeds them. */
const CONDITION_RULES: ReadonlyArray<[field: string, rule: (value: unknown) => boolean, says: string]> = [
  [
    'type',
    (v) => typeof v === 'string' && v.length <= 316 && /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/.test(v),
    'a qualified name of at most 316 characters',
  ],
  ['status', (v) => v === 'True' || v === 'False' || v === 'Unknown', 'True, False or Unknown'],
  ['reason', (v) => typeof v === 'string' && v.length >= 1 && v.length <= 1024 && /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/.test(v), 'a CamelCase word of 1 to 1024 characters'],
  ['message', (v) => typeof v === 'string' && v.length <= 32768, 'a string of at most 32768 characters'],
  ['lastTransitionTime', (v) => typeof v === 'string' && !Number.isNaN(Date.parse(v)), 'a date-time'],
  ['observedGeneration', (v) => v === undefined || (Number.isSafeInteger(v) && (v as number) >= 0), 'a whole number from 0'],
];

/** The conditions of a status: its own, and those of its listeners, parents and ancestors. */
function conditionLists(status: Record<string, unknown>): Array<[path: string, conditions: unknown]> {
  const lists: Array<[string, unknown]> = [['conditions', status.conditions]];
  for (const key of ['listeners', 'parents', 'ancestors']) {
    const entries = status[key];
    if (!Array.isArray(entries)) continue;
    entries.forEach((entry: { conditions?: unknown } | null, index) => lists.push([`${key}[${index}].conditions`, entry?.conditions]));
  }
  return lists;
}

function conditionProblem(status: unknown): string | undefined {
  if (typeof status !== 'object' || status === null) return undefined;
  for (const [path, conditions] of conditionLists(status as Record<string, unknown>)) {
    if (!Array.isArray(conditions)) continue;
    for (const [index, condition] of conditions.entries()) {
      for (const [field, rule, says] of CONDITION_RULES) {
        const value = (condition as Record<string, unknown> | null)?.[field];
        if (!rule(value)) return `${path}[${index}].${field} must be ${says}, got ${JSON.stringify(value)?.slice(0, 80)}`;
      }
    }
  }
  return undefined;
}

/** Kinds whose status statusSchemaProblem checks. */
export const STATUS_SCHEMA_KINDS: readonly string[] = Object.keys(STATUS_MODELS);

/**
 * Why the API server would refuse `status` as the status of a `kind` (the schema's first
 * complaint, with its path), or undefined when it fits. Throws for a kind without a schema here.
 */
export function statusSchemaProblem(kind: string, status: unknown): string | undefined {
  const Model = Object.hasOwn(STATUS_MODELS, kind) ? STATUS_MODELS[kind] : undefined;
  if (!Model) throw new Error(`no status schema for kind ${kind}`);
  // A plain copy: the model reads own enumerable properties, as the JSON the API server gets.
  const plain: unknown = JSON.parse(JSON.stringify(status));
  const model = new Model(plain as never);
  try {
    model.validate();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return conditionProblem(plain);
}
