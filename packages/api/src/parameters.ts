import { PORTICO_GROUP, type ResourceSet } from './resources.js';
import type { Gateway, GatewayClass, GatewayParametersSpec } from './types.js';

// Data plane parameters: what a GatewayClass `spec.parametersRef` and a Gateway
// `spec.infrastructure.parametersRef` may name, how their content is checked, and how the
// two levels combine. The translator reports problems as status (InvalidParameters); the
// Kubernetes provider provisions from the effective parameters. Both use these functions
// so that what is accepted is exactly what is provisioned.

export const GATEWAY_PARAMETERS_KIND = 'GatewayParameters';

export const SERVICE_TYPES: readonly string[] = ['LoadBalancer', 'NodePort', 'ClusterIP'];

/** Resource names the Envoy container may request or be limited to. */
export const CONTAINER_RESOURCE_NAMES: readonly string[] = ['cpu', 'memory', 'ephemeral-storage'];

/** The fields of a GatewayParameters spec (the CRD schema lists the same). */
export const GATEWAY_PARAMETERS_FIELDS: readonly string[] = ['replicas', 'image', 'serviceType', 'resources', 'labels', 'annotations'];
const SPEC_FIELDS = GATEWAY_PARAMETERS_FIELDS;
/** Upper bound of spec.replicas (the CRD schema has the same maximum). */
export const MAX_GATEWAY_REPLICAS = 1000;
const MAX_REPLICAS = MAX_GATEWAY_REPLICAS;

/** The parameters kinds a parametersRef may name, as listed in error messages. */
export const SUPPORTED_PARAMETERS_KINDS = `core/ConfigMap, ${PORTICO_GROUP}/${GATEWAY_PARAMETERS_KIND}`;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Kubernetes treats an empty group and the literal `core` as the core API group. */
export function isCoreGroup(group: string | undefined): boolean {
  return group === undefined || group === '' || group === 'core';
}

const QUANTITY = /^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][-+]?[0-9]+)?$/;
const SUFFIX_SCALE: Record<string, number> = {
  '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/**
 * A value from input, as a message shows it: a string quoted, anything else as JSON. Never
 * throws: String() does on a mapping whose `toString` key YAML or JSON set to a value.
 */
function shownValue(value: unknown): string {
  if (typeof value === 'string') return `"${value}"`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return 'a value that cannot be shown';
  }
}

/** A non-negative Kubernetes resource quantity (`100m`, `128Mi`, `1.5`, `2e3`) as a number; undefined when malformed. */
export function parseQuantity(value: unknown): number | undefined {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string') return undefined;
  const match = QUANTITY.exec(text);
  if (!match) return undefined;
  const suffix = match[2] ?? '';
  const scale = SUFFIX_SCALE[suffix] ?? 10 ** Number(suffix.slice(1));
  const result = Number(match[1]) * scale;
  return Number.isFinite(result) ? result : undefined;
}

// Label and annotation keys: an optional DNS subdomain prefix and a name of at most 63 characters.
const QUALIFIED_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function qualifiedKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return 'prefix must be a DNS subdomain';
  }
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    return 'name must be 1-63 alphanumeric characters, `-`, `_` or `.`, starting and ending with an alphanumeric';
  }
  return undefined;
}

function stringMapProblems(value: unknown, field: string, labelValues: boolean): string[] {
  if (!isRecord(value)) return [`${field}: must be a map of strings`];
  const problems: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const keyProblem = qualifiedKeyProblem(key);
    if (keyProblem) problems.push(`${field}: key "${key}" is not a valid key (${keyProblem})`);
    const entry = value[key];
    if (typeof entry !== 'string') problems.push(`${field}["${key}"]: must be a string`);
    else if (labelValues && (entry.length > 63 || !LABEL_VALUE.test(entry))) {
      problems.push(`${field}["${key}"]: "${entry}" is not a valid label value`);
    }
  }
  return problems;
}

function resourcesProblems(value: unknown, field: string): string[] {
  if (!isRecord(value)) return [`${field}: must be an object with requests and/or limits`];
  const problems: string[] = [];
  const parsed: Record<string, Record<string, number>> = {};
  for (const key of Object.keys(value).sort()) {
    if (key !== 'requests' && key !== 'limits') {
      problems.push(`${field}.${key}: unknown field (expected requests, limits)`);
      continue;
    }
    const list = value[key];
    if (!isRecord(list)) {
      problems.push(`${field}.${key}: must be a map of resource name to quantity`);
      continue;
    }
    parsed[key] = {};
    for (const name of Object.keys(list).sort()) {
      if (!CONTAINER_RESOURCE_NAMES.includes(name)) {
        problems.push(`${field}.${key}.${name}: unsupported resource (expected ${CONTAINER_RESOURCE_NAMES.join(', ')})`);
        continue;
      }
      const quantity = parseQuantity(list[name]);
      if (quantity === undefined) problems.push(`${field}.${key}.${name}: ${shownValue(list[name])} is not a valid quantity`);
      else parsed[key][name] = quantity;
    }
  }
  for (const [name, request] of Object.entries(parsed.requests ?? {})) {
    const limit = parsed.limits?.[name];
    if (limit !== undefined && request > limit) {
      problems.push(`${field}.requests.${name}: must not exceed ${field}.limits.${name}`);
    }
  }
  return problems;
}

/**
 * Problems with a GatewayParameters `spec`, each naming its field (`spec.replicas: ...`).
 * Empty when the spec is valid; an absent spec is valid (all defaults).
 */
export function gatewayParametersProblems(spec: unknown): string[] {
  if (spec === undefined) return [];
  if (!isRecord(spec)) return ['spec: must be an object'];
  const problems: string[] = [];
  for (const key of Object.keys(spec).sort()) {
    if (!SPEC_FIELDS.includes(key)) problems.push(`spec.${key}: unknown field (expected ${SPEC_FIELDS.join(', ')})`);
  }
  const { replicas, image, serviceType, resources, labels, annotations } = spec;
  if (replicas !== undefined && (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0 || replicas > MAX_REPLICAS)) {
    problems.push(`spec.replicas: must be an integer from 0 to ${MAX_REPLICAS}`);
  }
  if (image !== undefined && (typeof image !== 'string' || image.length === 0 || /\s/.test(image))) {
    problems.push('spec.image: must be a non-empty image reference without whitespace');
  }
  if (serviceType !== undefined && (typeof serviceType !== 'string' || !SERVICE_TYPES.includes(serviceType))) {
    problems.push(`spec.serviceType: must be one of ${SERVICE_TYPES.join(', ')}`);
  }
  if (resources !== undefined) problems.push(...resourcesProblems(resources, 'spec.resources'));
  if (labels !== undefined) problems.push(...stringMapProblems(labels, 'spec.labels', true));
  if (annotations !== undefined) problems.push(...stringMapProblems(annotations, 'spec.annotations', false));
  return problems;
}

/**
 * The parameters a ConfigMap carries (`serviceType`, `replicas` keys). Values that do not
 * parse are ignored, as they always were for ConfigMap parameters.
 */
export function parametersFromConfigMapData(data: Record<string, string> | undefined): GatewayParametersSpec {
  const spec: GatewayParametersSpec = {};
  if (!data) return spec;
  if (data.serviceType !== undefined && SERVICE_TYPES.includes(data.serviceType)) spec.serviceType = data.serviceType;
  const replicas = Number(data.replicas);
  if (data.replicas !== undefined && data.replicas.trim() !== '' && Number.isInteger(replicas) && replicas >= 0 && replicas <= MAX_REPLICAS) {
    spec.replicas = replicas;
  }
  return spec;
}

/** Class-level parameters overlaid by Gateway-level ones: scalars and `resources` are replaced, labels and annotations merged key by key. */
export function mergeGatewayParameters(base: GatewayParametersSpec, override: GatewayParametersSpec): GatewayParametersSpec {
  const merged: GatewayParametersSpec = { ...base, ...override };
  if (base.labels || override.labels) merged.labels = { ...base.labels, ...override.labels };
  if (base.annotations || override.annotations) merged.annotations = { ...base.annotations, ...override.annotations };
  return merged;
}

/** A parametersRef resolved: its parameters, or why it cannot be used. */
export type ParametersResolution = { ok: true; spec: GatewayParametersSpec } | { ok: false; message: string };

/**
 * Resolves one parametersRef. `namespace` is where a namespaced referent lives: the ref's
 * own namespace for a GatewayClass (required for namespaced kinds), the Gateway's for
 * infrastructure.parametersRef (a LocalParametersReference). `field` prefixes messages.
 */
export function resolveParametersRef(
  resources: ResourceSet,
  ref: { group?: string; kind?: string; name?: string },
  namespace: string | undefined,
  field: string,
): ParametersResolution {
  const group = ref.group ?? '';
  const kind = ref.kind ?? '';
  const name = ref.name ?? '';
  if (isCoreGroup(group) && kind === 'ConfigMap') {
    if (!namespace) return { ok: false, message: `${field}: a ConfigMap reference needs a namespace` };
    const configMap = resources.get('ConfigMap', namespace, name);
    if (!configMap) return { ok: false, message: `${field}: ConfigMap ${namespace}/${name} not found` };
    return { ok: true, spec: parametersFromConfigMapData(configMap.data) };
  }
  if (group === PORTICO_GROUP && kind === GATEWAY_PARAMETERS_KIND) {
    if (!namespace) return { ok: false, message: `${field}: a ${GATEWAY_PARAMETERS_KIND} reference needs a namespace` };
    const parameters = resources.get('GatewayParameters', namespace, name);
    if (!parameters) return { ok: false, message: `${field}: ${GATEWAY_PARAMETERS_KIND} ${namespace}/${name} not found` };
    const problems = gatewayParametersProblems(parameters.spec);
    if (problems.length > 0) {
      return { ok: false, message: `${field}: ${GATEWAY_PARAMETERS_KIND} ${namespace}/${name} is invalid: ${problems.join('; ')}` };
    }
    return { ok: true, spec: parameters.spec ?? {} };
  }
  return {
    ok: false,
    message: `${field}: ${group || 'core'}/${kind} is not a parameters kind this controller supports (${SUPPORTED_PARAMETERS_KINDS})`,
  };
}

/** The GatewayClass `spec.parametersRef`, resolved; undefined when the class has none. */
export function resolveGatewayClassParameters(resources: ResourceSet, gatewayClass: GatewayClass): ParametersResolution | undefined {
  const ref = gatewayClass.spec?.parametersRef;
  if (!ref) return undefined;
  return resolveParametersRef(resources, ref, ref.namespace, `GatewayClass ${gatewayClass.metadata.name} spec.parametersRef`);
}

/** The Gateway `spec.infrastructure.parametersRef` (same namespace as the Gateway), resolved; undefined when unset. */
export function resolveGatewayInfrastructureParameters(resources: ResourceSet, gateway: Gateway): ParametersResolution | undefined {
  const ref = gateway.spec?.infrastructure?.parametersRef;
  if (!ref) return undefined;
  const namespace = gateway.metadata.namespace;
  return resolveParametersRef(
    resources,
    ref,
    namespace,
    `Gateway ${namespace ?? ''}/${gateway.metadata.name} spec.infrastructure.parametersRef`,
  );
}

/**
 * What a Gateway is provisioned with: its class's parameters overlaid by its own. A level
 * whose reference does not resolve contributes nothing (its object carries the
 * InvalidParameters condition instead).
 */
export function effectiveGatewayParameters(resources: ResourceSet, gateway: Gateway): GatewayParametersSpec {
  const gatewayClass = resources.get('GatewayClass', undefined, gateway.spec?.gatewayClassName ?? '');
  const classLevel = gatewayClass ? resolveGatewayClassParameters(resources, gatewayClass) : undefined;
  const gatewayLevel = resolveGatewayInfrastructureParameters(resources, gateway);
  return mergeGatewayParameters(classLevel?.ok ? classLevel.spec : {}, gatewayLevel?.ok ? gatewayLevel.spec : {});
}
