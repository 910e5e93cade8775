// The Envoy v3 API as protobufjs reflection, loaded from the protos that ship
// with @grpc/grpc-js-xds (never copied into this repository). One Root per
// process, built on first use: loading costs about a second.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import type { Root, Type } from 'protobufjs';

const require = createRequire(import.meta.url);

/** Proto files loaded into the Root, relative to the include dirs. */
export const ENVOY_PROTO_FILES: readonly string[] = [
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/udp/udp_proxy/v3/udp_proxy.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/filters/listener/http_inspector/v3/http_inspector.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/cors/v3/cors.proto',
  'envoy/extensions/filters/http/ext_authz/v3/ext_authz.proto',
  'envoy/extensions/filters/http/header_mutation/v3/header_mutation.proto',
  'envoy/extensions/filters/http/stateful_session/v3/stateful_session.proto',
  'envoy/extensions/http/stateful_session/cookie/v3/cookie.proto',
  'envoy/extensions/http/stateful_session/header/v3/header.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/admin/v3/config_dump.proto',
  'envoy/service/discovery/v3/ads.proto',
  'envoy/service/discovery/v3/discovery.proto',
  'envoy/service/listener/v3/lds.proto',
  'envoy/service/route/v3/rds.proto',
  'envoy/service/cluster/v3/cds.proto',
  'envoy/service/endpoint/v3/eds.proto',
  'envoy/service/secret/v3/sds.proto',
];

/** Include dirs inside the grpc-js-xds package, in resolution order. */
export function envoyProtoIncludeDirs(): string[] {
  const pkgDir = path.dirname(require.resolve('@grpc/grpc-js-xds/package.json'));
  return [
    path.join(pkgDir, 'deps', 'envoy-api'),
    path.join(pkgDir, 'deps', 'xds'),
    path.join(pkgDir, 'deps', 'googleapis'),
    path.join(pkgDir, 'deps', 'protoc-gen-validate'),
  ];
}

let descriptorRegistered = false;

function registerWellKnownTypes(): void {
  if (descriptorRegistered) return;
  // protobufjs bundles any/duration/struct/wrappers/...; descriptor.proto (needed by
  // the validate and annotation options) must be registered explicitly.
  const descriptor = require('protobufjs/google/protobuf/descriptor.json') as {
    nested: { google: { nested: { protobuf: { nested: Record<string, protobuf.AnyNestedObject> } } } };
  };
  // common() wraps the namespace in google.protobuf itself.
  protobuf.common('descriptor', descriptor.nested.google.nested.protobuf.nested as protobuf.INamespace);
  descriptorRegistered = true;
}

let root: Root | undefined;

/** The Envoy v3 API Root (keepCase: proto field names), loaded once. */
export function envoyProtos(): Root {
  if (root) return root;
  registerWellKnownTypes();
  const includeDirs = envoyProtoIncludeDirs();
  const loaded = new protobuf.Root();
  loaded.resolvePath = (origin: string, target: string): string => {
    if (path.isAbsolute(target)) return target;
    for (const dir of includeDirs) {
      const candidate = path.join(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    return protobuf.util.path.resolve(origin, target);
  };
  loaded.loadSync([...ENVOY_PROTO_FILES], { keepCase: true });
  loaded.resolveAll();
  root = loaded;
  return root;
}

const moreFiles = new Set<string>();

/**
 * Adds one more of Envoy's proto files (relative to the include dirs) to the Root, on demand:
 * for messages no served resource needs, such as `envoy/config/bootstrap/v3/bootstrap.proto`,
 * which would only slow every start if loaded with the rest.
 */
export function loadEnvoyProtoFile(file: string): void {
  if (moreFiles.has(file)) return;
  const loaded = envoyProtos();
  loaded.loadSync(file, { keepCase: true });
  loaded.resolveAll();
  moreFiles.add(file);
}

const typeCache = new Map<string, Type>();

/** Looks up a message type by full name (`envoy.config.route.v3.Route`) or type URL. */
export function messageType(nameOrTypeUrl: string): Type {
  // Keyed by what callers pass too: every Any's `@type` comes through here, and slicing the
  // prefix off made a new string to hash each time.
  const hit = typeCache.get(nameOrTypeUrl);
  if (hit) return hit;
  const name = nameOrTypeUrl.startsWith('type.googleapis.com/')
    ? nameOrTypeUrl.slice('type.googleapis.com/'.length)
    : nameOrTypeUrl;
  const cached = typeCache.get(name);
  if (cached) {
    typeCache.set(nameOrTypeUrl, cached);
    return cached;
  }
  const found = envoyProtos().lookupType(name);
  typeCache.set(name, found);
  typeCache.set(nameOrTypeUrl, found);
  return found;
}

/** Like messageType but undefined when the type is not loaded. */
export function findMessageType(nameOrTypeUrl: string): Type | undefined {
  try {
    return messageType(nameOrTypeUrl);
  } catch {
    return undefined;
  }
}

export function typeUrlOf(type: Type): string {
  return 'type.googleapis.com/' + type.fullName.slice(1);
}
