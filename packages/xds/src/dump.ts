// Envoy admin /config_dump JSON (envoy.admin.v3.ConfigDump) for one resource
// set, as an Envoy receiving it over ADS would report it. Private keys are
// always redacted.
import { createHash } from 'node:crypto';
import { redactSecrets } from './redact.js';
import { TYPE_URLS } from './types.js';
import type { EnvoyMessage, EnvoyResource, EnvoyResources } from './types.js';

export interface ConfigDumpOptions {
  /** version_info of every resource; default: a hash of the resource set (stable for the same input). */
  versionInfo?: string;
  /** RFC 3339 time for last_updated; omitted when absent so dumps stay deterministic. */
  lastUpdated?: string;
}

const ADMIN = 'type.googleapis.com/envoy.admin.v3.';

/** A content hash of a resource set, usable as an xDS version. */
export function resourcesVersion(resources: EnvoyResources): string {
  return createHash('sha256').update(JSON.stringify(resources)).digest('hex').slice(0, 16);
}

function withType(resource: EnvoyResource): EnvoyMessage {
  return { '@type': TYPE_URLS[resource.type], ...resource.message };
}

export function configDump(resources: EnvoyResources, options: ConfigDumpOptions = {}): EnvoyMessage {
  const safe = redactSecrets(resources);
  const version_info = options.versionInfo ?? resourcesVersion(resources);
  const stamp = options.lastUpdated ? { last_updated: options.lastUpdated } : {};
  return {
    configs: [
      {
        '@type': `${ADMIN}ClustersConfigDump`,
        version_info,
        dynamic_active_clusters: safe.clusters.map((r) => ({ version_info, cluster: withType(r), ...stamp })),
      },
      {
        '@type': `${ADMIN}EndpointsConfigDump`,
        dynamic_endpoint_configs: safe.endpoints.map((r) => ({ version_info, endpoint_config: withType(r), ...stamp })),
      },
      {
        '@type': `${ADMIN}ListenersConfigDump`,
        version_info,
        dynamic_listeners: safe.listeners.map((r) => ({
          name: r.name,
          active_state: { version_info, listener: withType(r), ...stamp },
        })),
      },
      {
        '@type': `${ADMIN}RoutesConfigDump`,
        dynamic_route_configs: safe.routes.map((r) => ({ version_info, route_config: withType(r), ...stamp })),
      },
      {
        '@type': `${ADMIN}SecretsConfigDump`,
        dynamic_active_secrets: safe.secrets.map((r) => ({ name: r.name, version_info, secret: withType(r), ...stamp })),
      },
    ],
  };
}
