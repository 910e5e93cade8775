// Private key material out of dumps: every field the Envoy protos mark
// `(udpa.annotations.sensitive)` (TlsCertificate.private_key, password, ...)
// is replaced, found by reflection so new sensitive fields are covered too.
import type { Field, Type } from 'protobufjs';
import { typeNameOf } from './codec.js';
import { findMessageType, messageType } from './protos.js';
import type { EnvoyMessage, EnvoyResource, EnvoyResources } from './types.js';

export const REDACTED = '[redacted]';

function isSensitive(field: Field): boolean {
  const parsed = (field as { parsedOptions?: Array<Record<string, unknown>> | null }).parsedOptions;
  return !!parsed?.some((entry) => entry['(udpa.annotations.sensitive)'] === true);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function redactValue(field: Field, value: unknown): unknown {
  const resolved = field.resolvedType;
  if (resolved && 'fields' in resolved) {
    const type = resolved as Type;
    // DataSource and similar: keep the shape, drop the content.
    if (type.fields.inline_string) return { inline_string: REDACTED };
    return {};
  }
  if (typeof value === 'string') return REDACTED;
  return value;
}

function walk(type: Type, value: unknown): unknown {
  if (!isObject(value)) return value;
  if (type.fullName === '.google.protobuf.Any') {
    const inner = typeof value['@type'] === 'string' ? findMessageType(value['@type']) : undefined;
    return inner ? walk(inner, value) : value;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const field = type.fields[key];
    const v = value[key];
    if (!field) {
      out[key] = v;
      continue;
    }
    const resolved = field.resolvedType;
    const child = resolved && 'fields' in resolved ? (resolved as Type) : undefined;
    const one = (item: unknown): unknown => (isSensitive(field) ? redactValue(field, item) : child ? walk(child, item) : item);
    if (field.map && isObject(v)) {
      const m: Record<string, unknown> = {};
      for (const k of Object.keys(v)) m[k] = one(v[k]);
      out[key] = m;
    } else if (field.repeated && Array.isArray(v)) {
      out[key] = v.map(one);
    } else {
      out[key] = one(v);
    }
  }
  return out;
}

export function redactResource(resource: EnvoyResource): EnvoyResource {
  return { ...resource, message: walk(messageType(typeNameOf(resource.type)), resource.message) as EnvoyMessage };
}

/** A copy of `resources` with every sensitive field (private keys, passwords) replaced by `[redacted]`. */
export function redactSecrets(resources: EnvoyResources): EnvoyResources {
  return {
    listeners: resources.listeners.map(redactResource),
    routes: resources.routes.map(redactResource),
    clusters: resources.clusters.map(redactResource),
    endpoints: resources.endpoints.map(redactResource),
    secrets: resources.secrets.map(redactResource),
  };
}
