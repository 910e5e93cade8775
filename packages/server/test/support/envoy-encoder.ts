// Test-only encoder: Envoy resources (snake_case objects) to protobuf bytes
// with the real Envoy protos. It stands in for @portico/xds encodeResource in
// tests that must not depend on that package's progress.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import protobuf from 'protobufjs';
import { TYPE_URLS, type EnvoyResource } from '@portico/xds';
import { envoyIncludeDirs } from '../../src/protocol.js';

const require = createRequire(import.meta.url);

const FILES = [
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
];

let root: protobuf.Root | undefined;

export function envoyRoot(): protobuf.Root {
  if (root) return root;
  const descriptor = require('protobufjs/google/protobuf/descriptor.json') as protobuf.INamespace;
  protobuf.common('descriptor', (descriptor.nested as { google: { nested: { protobuf: { nested: Record<string, protobuf.INamespace> } } } }).google.nested.protobuf.nested as unknown as protobuf.INamespace);
  const loaded = new protobuf.Root();
  const includes = envoyIncludeDirs();
  loaded.resolvePath = (_origin, target) => {
    if (path.isAbsolute(target)) return target;
    for (const dir of includes) {
      const candidate = path.join(dir, target);
      if (fs.existsSync(candidate)) return candidate;
    }
    return target;
  };
  loaded.loadSync(FILES, { keepCase: true });
  loaded.resolveAll();
  root = loaded;
  return loaded;
}

export function messageType(typeUrl: string): protobuf.Type {
  return envoyRoot().lookupType(typeUrl.slice(typeUrl.indexOf('/') + 1));
}

export function encodeEnvoyResource(resource: EnvoyResource): Uint8Array {
  const type = messageType(TYPE_URLS[resource.type]);
  return type.encode(type.fromObject(resource.message)).finish();
}

export function decodeEnvoyResource(typeUrl: string, bytes: Uint8Array): Record<string, unknown> {
  const type = messageType(typeUrl);
  return type.toObject(type.decode(bytes), { longs: String, enums: String }) as Record<string, unknown>;
}
