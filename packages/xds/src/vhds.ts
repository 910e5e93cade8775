// Virtual Host Discovery (VHDS): a proxy that opts in gets each RouteConfiguration without its
// virtual hosts, plus `vhds` pointing at ADS, and fetches the hosts as VirtualHost resources over
// Delta xDS. An HTTPRoute edit then sends the one or two hosts it changed instead of the whole
// RouteConfiguration of its port (~12 MiB at 10k HTTPRoutes, to every proxy of the Gateway).
//
// Envoy subscribes to the RouteConfiguration's name as a namespace: it wants every VirtualHost
// named `<route configuration name>/<suffix>`, where the namespace is everything before the last
// `/`. Envoy keys hosts by VirtualHost.name and removes them by resource name, so the two must be
// equal. Portico names virtual hosts `<route configuration>/<hostname>` already, so a host's bytes
// are served as they are; a host named otherwise (none today) stays inline in the
// RouteConfiguration, which Envoy merges with the VHDS hosts.
import { typeNameOf } from './codec.js';
import { routePartsOf } from './build/index.js';
import { adsConfigSource } from './build/util.js';
import type { EnvoyMessage, EnvoyResource } from './types.js';
import { encodeAndValidate } from './screen.js';

export const VIRTUAL_HOST_TYPE_URL = 'type.googleapis.com/envoy.config.route.v3.VirtualHost';

export interface VhdsVirtualHost {
  /** Resource name and VirtualHost.name: `<route configuration name>/<suffix>`. */
  readonly name: string;
  /** The VirtualHost encoding (the same bytes the whole RouteConfiguration carries). */
  readonly bytes: Uint8Array;
}

export interface VhdsRouteConfiguration {
  /** The RouteConfiguration a VHDS proxy is served: `vhds` from ADS, inline only hosts VHDS cannot name. */
  readonly header: Uint8Array;
  readonly virtualHosts: readonly VhdsVirtualHost[];
}

/** The route configuration whose namespace (Envoy's: up to the last `/`) holds `name`, or undefined. */
export function vhdsNamespaceOf(name: string): string | undefined {
  const slash = name.lastIndexOf('/');
  return slash <= 0 ? undefined : name.slice(0, slash);
}

const SLASH = 0x2f;

/** `<routeConfigName>/<suffix without a slash>`, tested without cutting strings: it runs for every host of a table. */
function servedByVhds(routeConfigName: string, hostName: unknown): hostName is string {
  const length = routeConfigName.length;
  return (
    typeof hostName === 'string' &&
    hostName.length > length + 1 &&
    hostName.charCodeAt(length) === SLASH &&
    hostName.startsWith(routeConfigName) &&
    hostName.indexOf('/', length + 1) === -1
  );
}

const split = new WeakMap<EnvoyResource, VhdsRouteConfiguration | null>();

/**
 * `resource` (a RouteConfiguration buildXds built and checked) as VHDS serves it, computed once
 * per resource object. Undefined for anything else, or when the VHDS form would not pass the
 * checks the whole message passed: the proxy is then served the whole message.
 */
export function vhdsRouteConfigurationOf(resource: EnvoyResource): VhdsRouteConfiguration | undefined {
  const cached = split.get(resource);
  if (cached !== undefined) return cached ?? undefined;
  const value = computeSplit(resource);
  split.set(resource, value ?? null);
  return value;
}

function computeSplit(resource: EnvoyResource): VhdsRouteConfiguration | undefined {
  const parts = routePartsOf(resource);
  const hosts = resource.message.virtual_hosts;
  if (!parts || (hosts !== undefined && (!Array.isArray(hosts) || hosts.length !== parts.virtualHosts.length))) return undefined;
  const inline: EnvoyMessage[] = [];
  const virtualHosts: VhdsVirtualHost[] = [];
  const list = (hosts ?? []) as EnvoyMessage[];
  for (let index = 0; index < list.length; index++) {
    const host = list[index] as EnvoyMessage;
    if (servedByVhds(resource.name, host.name)) virtualHosts.push({ name: host.name, bytes: parts.virtualHosts[index] as Uint8Array });
    else inline.push(host);
  }
  const { virtual_hosts: _hosts, ...rest } = resource.message;
  const header: EnvoyMessage = { ...rest, vhds: { config_source: adsConfigSource() } };
  if (inline.length > 0) header.virtual_hosts = inline;
  try {
    const typeName = typeNameOf('route');
    const { bytes, errors } = encodeAndValidate(typeName, header);
    if (errors.length > 0) return undefined;
    return { header: bytes, virtualHosts };
  } catch {
    return undefined;
  }
}
