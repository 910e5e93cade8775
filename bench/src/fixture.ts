// Deterministic benchmark fixtures generated in code from a seed: a cluster shaped like a
// real multi-team ingress (namespaced Services with EndpointSlices, shared Gateways in an
// infra namespace, HTTP/gRPC/UDP routes with a realistic mix of matches and filters).
// Same shape + same seed => structurally identical objects (JSON-identical).

import type {
  EndpointSlice,
  Gateway,
  GatewayClass,
  GRPCRoute,
  GRPCRouteRule,
  HTTPBackendRef,
  HTTPRoute,
  HTTPRouteFilter,
  HTTPRouteMatch,
  HTTPRouteRule,
  KindName,
  Listener,
  Namespace,
  ReferenceGrant,
  ResourceKinds,
  Service,
  UDPRoute,
} from '@portico/api';
import { Prng } from './prng.js';

export const CONTROLLER_NAME = 'portico.dev/gateway-controller';
export const GATEWAY_CLASS = 'portico';
export const INFRA_NAMESPACE = 'infra';
export const SHARED_NAMESPACE = 'shared';
/** Gateway API caps a Gateway at 64 listeners; UDP routes get one listener each, spread over Gateways. */
const UDP_LISTENERS_PER_GATEWAY = 50;

export interface FixtureShape {
  seed: number;
  namespaces: number;
  /** Must be at least 5 per namespace: each namespace gets HTTP, gRPC and UDP services. */
  services: number;
  httpRoutes: number;
  grpcRoutes: number;
  udpRoutes: number;
  /** Gateways with HTTP listeners (`http` on 80, `grpc` on 8081) that routes attach to. */
  httpGateways: number;
}

export const DEFAULT_SEED = 20260601;

/** 500 HTTPRoutes + 250 GRPCRoutes + 100 UDPRoutes over 500 Services. */
export const LARGE_SHAPE: FixtureShape = {
  seed: DEFAULT_SEED,
  namespaces: 20,
  services: 500,
  httpRoutes: 500,
  grpcRoutes: 250,
  udpRoutes: 100,
  httpGateways: 2,
};

/** 10,000 HTTPRoutes over 1,000 Services. */
export const TEN_K_SHAPE: FixtureShape = {
  seed: DEFAULT_SEED,
  namespaces: 50,
  services: 1000,
  httpRoutes: 10_000,
  grpcRoutes: 0,
  udpRoutes: 0,
  httpGateways: 2,
};

/** Smoke-run variants (`--quick`): same mix, a tenth (large) and a twentieth (10k) of the size. */
export const QUICK_LARGE_SHAPE: FixtureShape = { ...LARGE_SHAPE, namespaces: 5, services: 50, httpRoutes: 50, grpcRoutes: 25, udpRoutes: 10 };
export const QUICK_TEN_K_SHAPE: FixtureShape = { ...TEN_K_SHAPE, namespaces: 10, services: 100, httpRoutes: 500 };

export type FixtureObject = ResourceKinds[KindName];

export interface Fixture {
  shape: FixtureShape;
  objects: FixtureObject[];
  /** Object count per kind. */
  counts: Partial<Record<KindName, number>>;
  /** The HTTPRoutes, in generation order (for edits). */
  httpRoutes: HTTPRoute[];
}

type ServiceFlavour = 'http' | 'grpc' | 'udp';

interface ServiceInfo {
  name: string;
  namespace: string;
  flavour: ServiceFlavour;
}

const GW_V1 = 'gateway.networking.k8s.io/v1';
const GW_V1ALPHA2 = 'gateway.networking.k8s.io/v1alpha2';
const GW_V1BETA1 = 'gateway.networking.k8s.io/v1beta1';

const HTTP_PORT = 8080;
const GRPC_PORT = 9000;
const UDP_PORT = 5353;

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function namespaceName(index: number): string {
  return `team-${pad(index, 3)}`;
}

/** Which kind of workload the j-th Service of a namespace runs: 2/5 HTTP, 2/5 gRPC, 1/5 UDP. */
function flavourOf(indexInNamespace: number): ServiceFlavour {
  const slot = indexInNamespace % 5;
  return slot === 4 ? 'udp' : slot % 2 === 0 ? 'http' : 'grpc';
}

class AddressAllocator {
  private next = 0;
  allocate(): string {
    const n = this.next++;
    return `10.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
  }
}

function servicePorts(flavour: ServiceFlavour): NonNullable<Service['spec']>['ports'] {
  switch (flavour) {
    case 'http':
      return [
        { name: 'http', protocol: 'TCP', port: HTTP_PORT, targetPort: 'http' },
        { name: 'metrics', protocol: 'TCP', port: 9090, targetPort: 9090 },
      ];
    case 'grpc':
      return [{ name: 'grpc', protocol: 'TCP', appProtocol: 'kubernetes.io/h2c', port: GRPC_PORT, targetPort: 'grpc' }];
    case 'udp':
      return [{ name: 'dns', protocol: 'UDP', port: UDP_PORT, targetPort: 'dns' }];
  }
}

function slicePorts(flavour: ServiceFlavour): EndpointSlice['ports'] {
  switch (flavour) {
    case 'http':
      return [
        { name: 'http', port: 8080, protocol: 'TCP' },
        { name: 'metrics', port: 9090, protocol: 'TCP' },
      ];
    case 'grpc':
      return [{ name: 'grpc', port: 9000, protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' }];
    case 'udp':
      return [{ name: 'dns', port: 5353, protocol: 'UDP' }];
  }
}

function buildServiceAndSlices(info: ServiceInfo, prng: Prng, addresses: AddressAllocator): FixtureObject[] {
  const service: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: info.name, namespace: info.namespace, generation: 1, labels: { app: info.name } },
    spec: { type: 'ClusterIP', clusterIP: addresses.allocate(), selector: { app: info.name }, ports: servicePorts(info.flavour) },
  };
  const objects: FixtureObject[] = [service];
  // Big services are split over several slices, as the EndpointSlice controller does past 100 endpoints.
  const sliceCount = prng.chance(0.1) ? 2 : 1;
  for (let s = 0; s < sliceCount; s++) {
    const endpointCount = prng.int(1, 6);
    const endpoints: NonNullable<EndpointSlice['endpoints']> = [];
    for (let e = 0; e < endpointCount; e++) {
      const ready = !prng.chance(0.05);
      endpoints.push({
        addresses: [addresses.allocate()],
        conditions: { ready, serving: ready, terminating: !ready },
        nodeName: `node-${pad(prng.int(0, 63), 2)}`,
        zone: prng.pick(['zone-a', 'zone-b', 'zone-c']),
        targetRef: { kind: 'Pod', name: `${info.name}-${pad(s * 10 + e, 2)}`, namespace: info.namespace },
      });
    }
    const slice: EndpointSlice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: `${info.name}-${pad(s, 2)}`,
        namespace: info.namespace,
        generation: 1,
        labels: { 'kubernetes.io/service-name': info.name, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
      },
      addressType: 'IPv4',
      endpoints,
      ports: slicePorts(info.flavour),
    };
    objects.push(slice);
  }
  return objects;
}

function httpGatewayName(index: number): string {
  return `edge-${index}`;
}

function udpGatewayName(index: number): string {
  return `udp-${index}`;
}

function buildGateways(shape: FixtureShape): Gateway[] {
  const fromAll = { namespaces: { from: 'All' } };
  const gateways: Gateway[] = [];
  for (let g = 0; g < shape.httpGateways; g++) {
    const listeners: Listener[] = [
      { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: fromAll },
      { name: 'grpc', port: 8081, protocol: 'HTTP', allowedRoutes: fromAll },
    ];
    gateways.push({
      apiVersion: GW_V1,
      kind: 'Gateway',
      metadata: { name: httpGatewayName(g), namespace: INFRA_NAMESPACE, generation: 1 },
      spec: { gatewayClassName: GATEWAY_CLASS, listeners },
    });
  }
  const udpGateways = Math.ceil(shape.udpRoutes / UDP_LISTENERS_PER_GATEWAY);
  for (let g = 0; g < udpGateways; g++) {
    const count = Math.min(UDP_LISTENERS_PER_GATEWAY, shape.udpRoutes - g * UDP_LISTENERS_PER_GATEWAY);
    const listeners: Listener[] = [];
    for (let l = 0; l < count; l++) {
      listeners.push({ name: `udp-${pad(l, 2)}`, port: 10000 + l, protocol: 'UDP', allowedRoutes: fromAll });
    }
    gateways.push({
      apiVersion: GW_V1,
      kind: 'Gateway',
      metadata: { name: udpGatewayName(g), namespace: INFRA_NAMESPACE, generation: 1 },
      spec: { gatewayClassName: GATEWAY_CLASS, listeners },
    });
  }
  return gateways;
}

const PATH_SEGMENTS = ['api', 'users', 'orders', 'catalog', 'search', 'cart', 'billing', 'auth', 'static', 'admin', 'reports', 'events'];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];

function randomPath(prng: Prng): string {
  const depth = prng.int(1, 3);
  const parts: string[] = [];
  for (let d = 0; d < depth; d++) parts.push(d === 0 ? prng.pick(PATH_SEGMENTS) : `${prng.pick(PATH_SEGMENTS)}${prng.int(0, 9)}`);
  return `/${parts.join('/')}`;
}

function httpMatch(prng: Prng, ruleIndex: number): HTTPRouteMatch {
  const roll = prng.next();
  const match: HTTPRouteMatch = {};
  if (roll < 0.7) match.path = { type: 'PathPrefix', value: `/v${ruleIndex + 1}${randomPath(prng)}` };
  else if (roll < 0.9) match.path = { type: 'Exact', value: `${randomPath(prng)}/item` };
  else match.path = { type: 'RegularExpression', value: `${randomPath(prng)}/[0-9]+` };
  if (prng.chance(0.3)) {
    match.headers = [{ type: 'Exact', name: 'x-tenant', value: `tenant-${prng.int(0, 99)}` }];
    if (prng.chance(0.3)) match.headers.push({ type: 'RegularExpression', name: 'x-version', value: 'v[0-9]+' });
  }
  if (prng.chance(0.15)) match.queryParams = [{ type: 'Exact', name: 'variant', value: prng.pick(['a', 'b', 'canary']) }];
  if (prng.chance(0.2)) match.method = prng.pick(METHODS);
  return match;
}

function headerModifier(prng: Prng, prefix: string): HTTPRouteFilter['requestHeaderModifier'] {
  const modifier: NonNullable<HTTPRouteFilter['requestHeaderModifier']> = {};
  if (prng.chance(0.7)) modifier.set = [{ name: `x-${prefix}-route`, value: `r${prng.int(0, 999)}` }];
  if (prng.chance(0.5)) modifier.add = [{ name: `x-${prefix}-trace`, value: 'on' }];
  if (prng.chance(0.3)) modifier.remove = [`x-${prefix}-internal`];
  if (!modifier.set && !modifier.add && !modifier.remove) modifier.set = [{ name: `x-${prefix}-route`, value: 'default' }];
  return modifier;
}

function weightedBackends(prng: Prng, services: readonly ServiceInfo[], port: number, max: number): HTTPBackendRef[] {
  const chosen = prng.sample(services, prng.int(1, max));
  return chosen.map((service) => {
    const ref: HTTPBackendRef = { name: service.name, port };
    if (chosen.length > 1) ref.weight = prng.int(1, 100);
    return ref;
  });
}

function httpRule(prng: Prng, ruleIndex: number, local: readonly ServiceInfo[], sharedService: string): HTTPRouteRule {
  const matches: HTTPRouteMatch[] = [];
  const matchCount = prng.int(1, 3);
  for (let m = 0; m < matchCount; m++) matches.push(httpMatch(prng, ruleIndex));
  const rule: HTTPRouteRule = { matches };
  if (prng.chance(0.3)) rule.name = `rule-${ruleIndex}`;

  if (prng.chance(0.05)) {
    // A redirect rule forwards nowhere.
    rule.filters = [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: prng.pick([301, 302, 308]) } }];
    return rule;
  }

  const filters: HTTPRouteFilter[] = [];
  if (prng.chance(0.3)) filters.push({ type: 'RequestHeaderModifier', requestHeaderModifier: headerModifier(prng, 'req') });
  if (prng.chance(0.15)) filters.push({ type: 'ResponseHeaderModifier', responseHeaderModifier: headerModifier(prng, 'resp') });
  if (prng.chance(0.1)) {
    const allPrefix = matches.every((m) => m.path?.type === 'PathPrefix');
    filters.push({
      type: 'URLRewrite',
      urlRewrite: allPrefix
        ? { hostname: 'backend.internal', path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } }
        : { path: { type: 'ReplaceFullPath', replaceFullPath: '/rewritten' } },
    });
  }
  if (prng.chance(0.05)) {
    filters.push({ type: 'RequestMirror', requestMirror: { backendRef: { name: prng.pick(local).name, port: HTTP_PORT }, percent: 10 } });
  }
  if (prng.chance(0.05)) {
    filters.push({
      type: 'CORS',
      cors: {
        allowOrigins: ['https://app.example.com', 'https://*.example.org'],
        allowMethods: ['GET', 'POST'],
        allowHeaders: ['content-type', 'authorization'],
        exposeHeaders: ['x-request-id'],
        allowCredentials: true,
        maxAge: 600,
      },
    });
  }
  if (filters.length > 0) rule.filters = filters;

  const backends = weightedBackends(prng, local, HTTP_PORT, 3);
  // A few rules reach a shared Service in another namespace, allowed by a ReferenceGrant.
  if (prng.chance(0.02)) backends.push({ name: sharedService, namespace: SHARED_NAMESPACE, port: HTTP_PORT, weight: 1 });
  if (backends.length > 1) for (const ref of backends) ref.weight ??= 1;
  if (prng.chance(0.05)) backends[0]!.filters = [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-backend', value: backends[0]!.name }] } }];
  rule.backendRefs = backends;

  if (prng.chance(0.2)) rule.timeouts = { request: '10s', backendRequest: '5s' };
  if (prng.chance(0.1)) rule.retry = { codes: [500, 502, 503], attempts: 2, backoff: '100ms' };
  return rule;
}

function parentRefs(prng: Prng, shape: FixtureShape, sectionName: string): NonNullable<HTTPRoute['spec']>['parentRefs'] {
  const first = prng.int(0, shape.httpGateways - 1);
  const refs = [{ name: httpGatewayName(first), namespace: INFRA_NAMESPACE, sectionName }];
  if (shape.httpGateways > 1 && prng.chance(0.1)) {
    refs.push({ name: httpGatewayName((first + 1) % shape.httpGateways), namespace: INFRA_NAMESPACE, sectionName });
  }
  return refs;
}

function hostnamesFor(prng: Prng, prefix: string, hostIndex: number, namespace: string): string[] | undefined {
  const roll = prng.next();
  if (roll < 0.05) return undefined;
  if (roll < 0.1) return [`*.${namespace}.example.com`];
  const hostnames = [`${prefix}-${hostIndex}.${namespace}.example.com`];
  if (prng.chance(0.15)) hostnames.push(`${prefix}-${hostIndex}.example.net`);
  return hostnames;
}

function buildHttpRoute(prng: Prng, shape: FixtureShape, index: number, namespace: string, local: readonly ServiceInfo[], shared: string): HTTPRoute {
  const rules: HTTPRouteRule[] = [];
  const ruleCount = prng.int(1, 4);
  for (let r = 0; r < ruleCount; r++) rules.push(httpRule(prng, r, local, shared));
  const spec: NonNullable<HTTPRoute['spec']> = { parentRefs: parentRefs(prng, shape, 'http'), rules };
  // Two routes per hostname on average: routes of one app split by path.
  const hostnames = hostnamesFor(prng, 'app', Math.floor(index / 2), namespace);
  if (hostnames) spec.hostnames = hostnames;
  return {
    apiVersion: GW_V1,
    kind: 'HTTPRoute',
    metadata: { name: `web-${pad(index, 5)}`, namespace, generation: 1 },
    spec,
  };
}

function grpcRule(prng: Prng, local: readonly ServiceInfo[]): GRPCRouteRule {
  const matches: NonNullable<GRPCRouteRule['matches']> = [];
  const matchCount = prng.int(1, 2);
  for (let m = 0; m < matchCount; m++) {
    const service = `shop.${prng.pick(PATH_SEGMENTS)}.v${prng.int(1, 3)}.${prng.pick(['Catalog', 'Orders', 'Users', 'Search'])}Service`;
    const match: NonNullable<GRPCRouteRule['matches']>[number] = prng.chance(0.3)
      ? { method: { type: 'Exact', service } }
      : { method: { type: 'Exact', service, method: prng.pick(['Get', 'List', 'Create', 'Update', 'Watch']) } };
    if (prng.chance(0.2)) match.headers = [{ type: 'Exact', name: 'x-tenant', value: `tenant-${prng.int(0, 99)}` }];
    matches.push(match);
  }
  const rule: GRPCRouteRule = { matches, backendRefs: weightedBackends(prng, local, GRPC_PORT, 2) };
  if (prng.chance(0.2)) rule.filters = [{ type: 'RequestHeaderModifier', requestHeaderModifier: headerModifier(prng, 'grpc') }];
  return rule;
}

function buildGrpcRoute(prng: Prng, shape: FixtureShape, index: number, namespace: string, local: readonly ServiceInfo[]): GRPCRoute {
  const rules: GRPCRouteRule[] = [];
  const ruleCount = prng.int(1, 3);
  for (let r = 0; r < ruleCount; r++) rules.push(grpcRule(prng, local));
  const spec: NonNullable<GRPCRoute['spec']> = { parentRefs: parentRefs(prng, shape, 'grpc'), rules };
  const hostnames = hostnamesFor(prng, 'grpc', index, namespace);
  if (hostnames) spec.hostnames = hostnames;
  return {
    apiVersion: GW_V1,
    kind: 'GRPCRoute',
    metadata: { name: `rpc-${pad(index, 5)}`, namespace, generation: 1 },
    spec,
  };
}

function buildUdpRoute(index: number, namespace: string, backend: ServiceInfo): UDPRoute {
  const gateway = Math.floor(index / UDP_LISTENERS_PER_GATEWAY);
  const listener = index % UDP_LISTENERS_PER_GATEWAY;
  return {
    apiVersion: GW_V1ALPHA2,
    kind: 'UDPRoute',
    metadata: { name: `dns-${pad(index, 5)}`, namespace, generation: 1 },
    spec: {
      parentRefs: [{ name: udpGatewayName(gateway), namespace: INFRA_NAMESPACE, sectionName: `udp-${pad(listener, 2)}` }],
      rules: [{ backendRefs: [{ name: backend.name, port: UDP_PORT }] }],
    },
  };
}

export function validateShape(shape: FixtureShape): void {
  if (shape.namespaces < 1) throw new Error('fixture shape: namespaces must be at least 1');
  if (shape.services < shape.namespaces * 5) throw new Error('fixture shape: services must be at least 5 per namespace');
  if ((shape.httpRoutes > 0 || shape.grpcRoutes > 0) && shape.httpGateways < 1) throw new Error('fixture shape: HTTP/gRPC routes need httpGateways >= 1');
}

/** Builds every object of a fixture. Pure: the result depends only on `shape` (including its seed). */
export function generateFixture(shape: FixtureShape): Fixture {
  validateShape(shape);
  const prng = new Prng(shape.seed);
  const addresses = new AddressAllocator();
  const objects: FixtureObject[] = [];

  const gatewayClass: GatewayClass = {
    apiVersion: GW_V1,
    kind: 'GatewayClass',
    metadata: { name: GATEWAY_CLASS, generation: 1 },
    spec: { controllerName: CONTROLLER_NAME },
  };
  objects.push(gatewayClass);

  const namespaceNames = [INFRA_NAMESPACE, SHARED_NAMESPACE];
  for (let n = 0; n < shape.namespaces; n++) namespaceNames.push(namespaceName(n));
  for (const name of namespaceNames) {
    const namespace: Namespace = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels: { 'kubernetes.io/metadata.name': name, tier: name.startsWith('team-') ? 'apps' : name } },
    };
    objects.push(namespace);
  }

  objects.push(...buildGateways(shape));

  // Services, round-robin over the team namespaces.
  const byNamespace = new Map<string, ServiceInfo[]>();
  for (let s = 0; s < shape.services; s++) {
    const namespace = namespaceName(s % shape.namespaces);
    const local = byNamespace.get(namespace) ?? [];
    const info: ServiceInfo = { name: `svc-${pad(s, 5)}`, namespace, flavour: flavourOf(local.length) };
    local.push(info);
    byNamespace.set(namespace, local);
    objects.push(...buildServiceAndSlices(info, prng, addresses));
  }
  const sharedService: ServiceInfo = { name: 'auth', namespace: SHARED_NAMESPACE, flavour: 'http' };
  objects.push(...buildServiceAndSlices(sharedService, prng, addresses));
  const grant: ReferenceGrant = {
    apiVersion: GW_V1BETA1,
    kind: 'ReferenceGrant',
    metadata: { name: 'routes-to-auth', namespace: SHARED_NAMESPACE, generation: 1 },
    spec: {
      from: namespaceNames.filter((n) => n.startsWith('team-')).map((namespace) => ({ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace })),
      to: [{ group: '', kind: 'Service', name: sharedService.name }],
    },
  };
  objects.push(grant);

  const flavoured = (namespace: string, flavour: ServiceFlavour): ServiceInfo[] =>
    (byNamespace.get(namespace) ?? []).filter((s) => s.flavour === flavour);

  const httpRoutes: HTTPRoute[] = [];
  for (let i = 0; i < shape.httpRoutes; i++) {
    const namespace = namespaceName(i % shape.namespaces);
    const route = buildHttpRoute(prng, shape, i, namespace, flavoured(namespace, 'http'), sharedService.name);
    httpRoutes.push(route);
    objects.push(route);
  }
  for (let i = 0; i < shape.grpcRoutes; i++) {
    const namespace = namespaceName(i % shape.namespaces);
    objects.push(buildGrpcRoute(prng, shape, i, namespace, flavoured(namespace, 'grpc')));
  }
  for (let i = 0; i < shape.udpRoutes; i++) {
    const namespace = namespaceName(i % shape.namespaces);
    objects.push(buildUdpRoute(i, namespace, prng.pick(flavoured(namespace, 'udp'))));
  }

  const counts: Partial<Record<KindName, number>> = {};
  for (const object of objects) {
    const kind = object.kind as KindName;
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return { shape, objects, counts, httpRoutes };
}

/**
 * A realistic one-route edit: the first match of the first rule moves to a new path and the
 * generation is bumped, as the API server does on a spec change. Returns a new object.
 */
export function editHttpRoute(route: HTTPRoute, revision: number): HTTPRoute {
  const copy = structuredClone(route);
  copy.metadata.generation = (copy.metadata.generation ?? 1) + 1;
  const rule = copy.spec?.rules?.[0];
  if (rule) {
    const matches = rule.matches ?? [];
    if (matches.length === 0) matches.push({});
    matches[0]!.path = { type: 'PathPrefix', value: `/edited/r${revision}` };
    rule.matches = matches;
    // A ReplacePrefixMatch rewrite stays valid: the edited match is a prefix match.
  }
  return copy;
}
