import { isIP } from 'node:net';
import type { Gateway, ResourceSet, Service, ServicePort } from '@portico/api';
import type { IRApiListener, IRGateway, IRHttpFilterChain, IRListener, IRRoute, IRVirtualHost } from '@portico/ir';
import { protocolFromAppProtocol, type ClusterProtocol, type ClusterRegistry } from '../clusters.js';
import type { GatewayModel, ListenerModel } from '../gateway/model.js';
import type { ReferenceCheck } from '../referencegrant.js';
import { isDnsLabel } from '../routes/hostnames.js';
import type { RouteKindResult } from '../routes/registry.js';
import { compareStrings, GATEWAY_GROUP, isPortNumber } from '../util.js';

// Service mesh (GAMMA, GEP-1426): routes whose parentRef is a Service configure the
// traffic that mesh clients send to that Service. A route in the Service's namespace is
// a producer route and applies to every client; a route in another namespace is a
// consumer route and applies, instead of the producer routes, to clients in its own
// namespace. Clients are Envoy sidecars (one outbound listener per port, one virtual host
// per Service) and proxyless gRPC clients (one api_listener per `host:port` target), so
// mesh configuration is served per client namespace, proxy group `mesh/<namespace>`.
// A request to a destination no Service covers (a pod IP, an address outside the mesh)
// is passed through unchanged (GEP-1294: only a Service frontend gets its routes).
//
// Each Service becomes a parent model with one listener per Service port, so routes
// attach to it through the same code as to Gateways: sectionName selects a port by
// name, port by number. Route hostnames do not apply to Service parents.

export const MESH_GROUP_PREFIX = 'mesh/';
/**
 * Where a sidecar's outbound connections are redirected (the port Envoy sidecars
 * conventionally capture to). Not offered when a Service port already uses it.
 */
export const OUTBOUND_CAPTURE_PORT = 15001;
const CLUSTER_DOMAIN = 'svc.cluster.local';

/**
 * Mesh routes (producer and consumer alike) may send to backendRefs in any namespace
 * without a ReferenceGrant (GEP-1294, "Namespace boundaries"): they augment Services the
 * client can already reach instead of exposing them, so the grant check does not apply.
 */
export const MESH_BACKEND_GRANTS: ReferenceCheck = { allows: () => true };

const MESH_ROUTE_KINDS = [
  { group: GATEWAY_GROUP, kind: 'HTTPRoute' },
  { group: GATEWAY_GROUP, kind: 'GRPCRoute' },
];

function portListener(key: string, service: Service, port: ServicePort): ListenerModel {
  const namespace = service.metadata.namespace ?? '';
  return {
    gatewayKey: key,
    source: { kind: 'Service', namespace, name: service.metadata.name, rank: 0 },
    spec: {
      name: port.name ?? String(port.port),
      port: port.port,
      protocol: 'HTTP',
      allowedRoutes: { namespaces: { from: 'All' } },
    },
    name: port.name ?? String(port.port),
    port: port.port,
    protocol: 'HTTP',
    admittedKinds: MESH_ROUTE_KINDS,
    attachedRoutes: 0,
  };
}

/**
 * One parent model per Service with TCP ports and a cluster IP, keyed `mesh/<ns>/<name>`.
 * GEP-1294: "Headless" Services and ExternalName ones "SHOULD NOT be supported as a
 * parentRef" (they have no frontend for routes to apply to); clients reach a headless
 * Service's pods by their own addresses.
 */
export function buildMeshParents(resources: ResourceSet): Map<string, GatewayModel> {
  const parents = new Map<string, GatewayModel>();
  for (const service of resources.list('Service')) {
    if (service.spec?.type === 'ExternalName' || service.spec?.clusterIP === 'None') continue;
    // Reached by DNS name (<name>.<namespace>...): a name DNS cannot serve makes no mesh parent
    // (the API server admits none; a manifest file could hold one).
    if (!isDnsLabel(service.metadata.name) || !isDnsLabel(service.metadata.namespace ?? '')) continue;
    // One listener per port number: the API server refuses a Service that lists a port twice, and
    // two would make two virtual hosts with the same domains, which Envoy refuses with the table.
    const ports = (service.spec?.ports ?? []).filter(
      (p, i, all) => (p.protocol ?? 'TCP') === 'TCP' && isPortNumber(p.port) && all.findIndex((q) => (q.protocol ?? 'TCP') === 'TCP' && q.port === p.port) === i,
    );
    if (ports.length === 0) continue;
    const namespace = service.metadata.namespace ?? '';
    const key = `${MESH_GROUP_PREFIX}${namespace}/${service.metadata.name}`;
    parents.set(key, {
      key,
      // Attachment only reads the parent's identity and listeners; a Service stands in.
      gateway: service as unknown as Gateway,
      namespace,
      name: service.metadata.name,
      listeners: ports.map((port) => portListener(key, service, port)),
      listenerSets: [],
      addresses: [],
      extraConditions: [],
    });
  }
  return parents;
}

function meshProtocol(port: ServicePort): ClusterProtocol {
  return protocolFromAppProtocol(port.appProtocol, undefined) ?? 'http1';
}

function wantsApiListener(port: ServicePort, routed: boolean): boolean {
  return routed || port.appProtocol === 'grpc' || port.appProtocol === 'kubernetes.io/h2c' || (port.name ?? '').startsWith('grpc');
}

interface PortRoutes {
  service: Service;
  port: ServicePort;
  producer: IRRoute[];
  consumers: Map<string, IRRoute[]>;
  defaultRoute: IRRoute;
}

function collectPortRoutes(
  parents: ReadonlyMap<string, GatewayModel>,
  routeResults: readonly RouteKindResult[],
  clusters: ClusterRegistry,
  resources: ResourceSet,
): PortRoutes[] {
  const result: PortRoutes[] = [];
  for (const model of [...parents.values()].sort((a, b) => compareStrings(a.key, b.key))) {
    const service = resources.get('Service', model.namespace, model.name);
    if (!service) continue;
    for (const listener of model.listeners) {
      const port = (service.spec?.ports ?? []).find((p) => p.port === listener.port);
      if (!port) continue;
      const chains = routeResults.flatMap((r) => r.chainsFor(model.key, listener.port, [listener]));
      const seen = new Set<string>();
      const routes: IRRoute[] = [];
      for (const chain of chains) {
        if (chain.type !== 'http') continue;
        for (const vhost of chain.routeConfig.virtualHosts) {
          for (const route of vhost.routes) {
            if (seen.has(route.name)) continue;
            seen.add(route.name);
            routes.push(route);
          }
        }
      }
      const consumers = new Map<string, IRRoute[]>();
      for (const route of routes) {
        const ns = route.source.namespace ?? '';
        if (ns === model.namespace) continue;
        consumers.set(ns, [...(consumers.get(ns) ?? []), route]);
      }
      const cluster = clusters.ensure(service, port, meshProtocol(port));
      result.push({
        service,
        port,
        producer: routes.filter((r) => (r.source.namespace ?? '') === model.namespace),
        consumers,
        defaultRoute: {
          name: `mesh/${model.namespace}/${model.name}/${port.port}/default`,
          match: { path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] },
          action: { kind: 'forward', backends: [{ cluster, weight: 1 }] },
          source: { kind: 'Service', namespace: model.namespace, name: model.name, path: `spec.ports[port ${port.port}]` },
        },
      });
    }
  }
  return result;
}

function serviceDomains(service: Service, port: number, clientNamespace: string): string[] {
  const name = service.metadata.name;
  const namespace = service.metadata.namespace ?? '';
  const hosts = [`${name}.${namespace}`, `${name}.${namespace}.svc`, `${name}.${namespace}.${CLUSTER_DOMAIN}`];
  if (namespace === clientNamespace) hosts.unshift(name);
  for (const ip of service.spec?.clusterIPs ?? (service.spec?.clusterIP ? [service.spec.clusterIP] : [])) {
    // An IPv6 address is bracketed in a Host header ([fd00::1]:80), as in a URL.
    const family = isIP(ip);
    if (family === 4) hosts.push(ip);
    else if (family === 6) hosts.push(`[${ip}]`);
  }
  // Once each: a clusterIPs list can repeat an address (a manifest file can), and Envoy refuses
  // a route table that lists a domain twice.
  return [...new Set(hosts.flatMap((host) => [host, `${host}:${port}`]))];
}

/** The mesh configuration served to clients in each namespace, as IR gateways `mesh/<ns>`. */
export function buildMeshGateways(
  resources: ResourceSet,
  parents: ReadonlyMap<string, GatewayModel>,
  routeResults: readonly RouteKindResult[],
  clusters: ClusterRegistry,
): IRGateway[] {
  const portRoutes = collectPortRoutes(parents, routeResults, clusters, resources);
  const namespaces = new Set<string>(resources.list('Namespace').map((n) => n.metadata.name));
  for (const service of resources.list('Service')) namespaces.add(service.metadata.namespace ?? '');
  const gateways: IRGateway[] = [];
  for (const clientNamespace of [...namespaces].sort(compareStrings)) {
    const group = `${MESH_GROUP_PREFIX}${clientNamespace}`;
    const byPort = new Map<number, IRVirtualHost[]>();
    const domainsByPort = new Map<number, Set<string>>();
    const apiListeners: IRApiListener[] = [];
    for (const entry of portRoutes) {
      const routes = entry.consumers.get(clientNamespace) ?? entry.producer;
      const effective = routes.length > 0 ? routes : [entry.defaultRoute];
      const service = entry.service;
      const vhostName = `${group}/${entry.port.port}/${service.metadata.namespace}/${service.metadata.name}`;
      const vhosts = byPort.get(entry.port.port) ?? [];
      // A domain belongs to the first Service (in key order) that claims it on this port: two
      // Services with one clusterIP (the API server allows none; a manifest file can) would
      // otherwise give Envoy one domain twice, and it refuses the whole table.
      const claimed = domainsByPort.get(entry.port.port) ?? new Set<string>();
      const domains = serviceDomains(service, entry.port.port, clientNamespace).filter((domain) => !claimed.has(domain));
      for (const domain of domains) claimed.add(domain);
      domainsByPort.set(entry.port.port, claimed);
      vhosts.push({ name: vhostName, domains, routes: effective });
      byPort.set(entry.port.port, vhosts);
      if (!wantsApiListener(entry.port, routes.length > 0)) continue;
      for (const domain of domains) {
        // Proxyless clients name a target `host:port` (xds:///echo.shop:80); an address is no target name.
        const portAt = domain.lastIndexOf(':');
        if (portAt < 0 || !/^\d+$/.test(domain.slice(portAt + 1))) continue;
        const host = domain.slice(0, portAt);
        if (host.startsWith('[') || isIP(host) !== 0) continue;
        apiListeners.push({
          name: domain,
          routeConfig: {
            name: `${group}/api/${domain}`,
            virtualHosts: [{ name: `${group}/api/${domain}`, domains: ['*'], routes: effective }],
          },
        });
      }
    }
    const listeners: IRListener[] = [...byPort.entries()]
      .sort(([a], [b]) => a - b)
      .map(([port, virtualHosts]) => {
        const name = `${group}/${port}`;
        const chain: IRHttpFilterChain = {
          type: 'http',
          name,
          match: { transport: 'raw' },
          // A sidecar sends what no Service's virtual host covers (e.g. a pod IP) straight through.
          routeConfig: { name, virtualHosts, passthrough: true },
        };
        return { name, address: '0.0.0.0', port, filterChains: [chain] };
      });
    if (listeners.length === 0) continue;
    const gateway: IRGateway = {
      name: group,
      namespace: clientNamespace,
      proxyGroup: group,
      listeners,
      apiListeners: apiListeners.sort((a, b) => compareStrings(a.name, b.name)),
    };
    if (!byPort.has(OUTBOUND_CAPTURE_PORT)) gateway.outboundCapturePort = OUTBOUND_CAPTURE_PORT;
    gateways.push(gateway);
  }
  return gateways;
}
