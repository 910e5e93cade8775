// charts/portico/crds: the GatewayParameters CRD must be a valid apiextensions.k8s.io/v1
// object (every field checked against the Kubernetes OpenAPI models shipped with
// @kubernetes/client-node), name what the provider watches, and describe exactly the
// fields Portico validates and honours.
import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GATEWAY_PARAMETERS_FIELDS, MAX_GATEWAY_REPLICAS, SERVICE_TYPES, gatewayParametersProblems, parseQuantity } from '@portico/api';
import { PORTICO_KINDS } from '../src/kubernetes/kinds.js';

type Json = Record<string, unknown>;
const crd = parse(
  readFileSync(new URL('../../../charts/portico/crds/gateway.portico.dev_gatewayparameters.yaml', import.meta.url), 'utf8'),
) as Json;

interface AttributeTypeMap {
  getAttributeTypeMap(): Array<{ baseName: string; type: string }>;
}

/** Unknown fields anywhere under a model type, as `path: field` strings. */
function unknownFields(value: unknown, type: string, where: string): string[] {
  if (value === null || value === undefined) return [];
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return Array.isArray(value) ? value.flatMap((item, index) => unknownFields(item, array[1]!, `${where}[${index}]`)) : [`${where}: not a list`];
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return Object.entries(value as Json).flatMap(([key, item]) => unknownFields(item, map[1]!, `${where}.${key}`));
  // additionalProperties and items are typed `any` in the models: they hold a schema here.
  if (type === 'any' && /\.(additionalProperties|items)$/.test(where) && typeof value === 'object') {
    return unknownFields(value, 'V1JSONSchemaProps', where);
  }
  const model = (k8s as unknown as Record<string, AttributeTypeMap | undefined>)[type];
  if (!model || typeof model.getAttributeTypeMap !== 'function') return [];
  const fields = new Map(model.getAttributeTypeMap().map((attribute) => [attribute.baseName, attribute.type]));
  return Object.entries(value as Json).flatMap(([key, item]) => {
    const fieldType = fields.get(key);
    return fieldType === undefined ? [`${where}: unknown field "${key}" for ${type}`] : unknownFields(item, fieldType, `${where}.${key}`);
  });
}

function schemaOf(): Json {
  const versions = (crd.spec as { versions: Array<{ name: string; schema: { openAPIV3Schema: Json } }> }).versions;
  return versions[0]!.schema.openAPIV3Schema;
}

function specSchema(): { properties: Record<string, Json> } {
  return (schemaOf().properties as Record<string, { properties: Record<string, Json> }>).spec!;
}

/** Schema nodes without a description, below spec. */
function undocumented(schema: Json, where: string): string[] {
  const missing = typeof schema.description === 'string' && schema.description.length > 0 ? [] : [where];
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  return [...missing, ...Object.entries(properties).flatMap(([key, child]) => undocumented(child, `${where}.${key}`))];
}

describe('GatewayParameters CRD', () => {
  it('is a well-formed CustomResourceDefinition', () => {
    expect(crd.apiVersion).toBe('apiextensions.k8s.io/v1');
    expect(crd.kind).toBe('CustomResourceDefinition');
    expect(unknownFields(crd, 'V1CustomResourceDefinition', 'crd')).toEqual([]);
  });

  it('serves what the provider lists', () => {
    const [watched] = PORTICO_KINDS;
    const served = watched!.candidates[0]!;
    const spec = crd.spec as { group: string; scope: string; names: { kind: string; plural: string }; versions: Array<{ name: string; served: boolean; storage: boolean }> };
    expect((crd.metadata as Json).name).toBe(`${served.plural}.${served.group}`);
    expect(spec.group).toBe(served.group);
    expect(spec.names).toMatchObject({ kind: watched!.kind, plural: served.plural });
    expect(spec.scope).toBe(watched!.namespaced ? 'Namespaced' : 'Cluster');
    expect(spec.versions).toEqual([expect.objectContaining({ name: served.version, served: true, storage: true })]);
  });

  it('documents exactly the spec fields Portico validates', () => {
    const spec = specSchema();
    expect(Object.keys(spec.properties).sort()).toEqual([...GATEWAY_PARAMETERS_FIELDS].sort());
    expect(undocumented(spec as unknown as Json, 'spec')).toEqual([]);
    expect(spec.properties.serviceType!.enum).toEqual(SERVICE_TYPES);
    expect(spec.properties.replicas).toMatchObject({ minimum: 0, maximum: MAX_GATEWAY_REPLICAS });
  });

  it('accepts the same quantities as the validator', () => {
    const resources = specSchema().properties.resources as { properties: Record<string, { additionalProperties: { pattern: string } }> };
    const pattern = new RegExp(resources.properties.requests!.additionalProperties.pattern);
    expect(resources.properties.limits!.additionalProperties.pattern).toBe(pattern.source);
    for (const sample of ['100m', '128Mi', '1', '0.5', '.5', '1e3', '2E-2', '1Gi', '5k', 'Mi', '1 Gi', '-1', '1.2.3', '1mi', '']) {
      expect({ sample, crd: pattern.test(sample) }).toEqual({ sample, crd: parseQuantity(sample) !== undefined });
    }
    expect(gatewayParametersProblems({ resources: { requests: { cpu: '1.2.3' } } })).toHaveLength(1);
  });
});
