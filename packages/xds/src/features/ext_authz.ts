// External authorization: one ext_authz HTTP filter per distinct configuration,
// disabled in the HCM and enabled on the routes that use it with a FilterConfig.
import { createHash } from 'node:crypto';
import type { IRExternalAuth, IRRouteConfig, IRVirtualHost } from '@portico/ir';
import type { BuildContext } from '../build/context.js';
import { typed } from '../build/util.js';
import type { EnvoyMessage } from '../types.js';
import type { XdsFeature } from './feature.js';

const DEFAULT_TIMEOUT = '10s';

/** `envoy.filters.http.ext_authz/<cluster>/<hash of the config>`: stable across builds. */
export function extAuthzFilterName(auth: IRExternalAuth): string {
  const digest = createHash('sha256').update(JSON.stringify(auth)).digest('hex').slice(0, 8);
  return `envoy.filters.http.ext_authz/${auth.cluster}/${digest}`;
}

function headerList(names: string[]): EnvoyMessage {
  return { patterns: names.map((name) => ({ exact: name, ignore_case: true })) };
}

/**
 * Gateway API: with allowedResponseHeaders empty, "all headers from the authorization server
 * except Authority or Host must be copied". Envoy copies only the names allowed_upstream_headers
 * matches, every one it matches, pseudo-headers included (ext_authz_http_impl.cc). Besides Host
 * and the pseudo-headers (":authority", ":status"), these are left out: the auth response's own
 * body headers (length, type, encoding, range, digest), which would replace the request's and
 * corrupt its body; its date and upstream timing; and hop-by-hop headers, which describe its
 * connection. Envoy's HTTP client dropped most of them when it copied every header by default.
 */
export const AUTH_RESPONSE_HEADERS_NOT_COPIED: readonly string[] = [
  'connection',
  'content-encoding',
  'content-length',
  'content-md5',
  'content-range',
  'content-type',
  'date',
  'host',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'x-envoy-upstream-service-time',
];

interface NameTrie {
  end: boolean;
  next: Map<string, NameTrie>;
}

function regexCharacter(character: string): string {
  return /[A-Za-z0-9]/.test(character) ? character : `\\${character}`;
}

/** RE2 (full match) for every string that is not one of the trie's words and does not start with ":" when at the root. */
function everythingBut(node: NameTrie, root: boolean): string {
  const characters = [...node.next.keys()].sort();
  const alternatives: string[] = [];
  // A proper prefix of a word is a name of its own ("hos").
  if (!root && !node.end) alternatives.push('');
  const refused = root ? [':', ...characters] : characters;
  alternatives.push(refused.length > 0 ? `[^${refused.map(regexCharacter).join('')}].*` : '.+');
  for (const character of characters) alternatives.push(regexCharacter(character) + everythingBut(node.next.get(character) as NameTrie, false));
  return alternatives.length === 1 ? (alternatives[0] as string) : `(?:${alternatives.join('|')})`;
}

/** An RE2 regex (Envoy matches it whole) for every lowercase header name except pseudo-headers and `names`. */
export function headerNamesExcept(names: readonly string[]): string {
  const root: NameTrie = { end: false, next: new Map() };
  for (const name of names) {
    let node = root;
    for (const character of name) {
      let next = node.next.get(character);
      if (!next) node.next.set(character, (next = { end: false, next: new Map() }));
      node = next;
    }
    node.end = true;
  }
  return everythingBut(root, true);
}

const EVERY_AUTH_RESPONSE_HEADER: EnvoyMessage = {
  patterns: [{ safe_regex: { regex: headerNamesExcept(AUTH_RESPONSE_HEADERS_NOT_COPIED) } }],
};

/** `http://<service>.<namespace>:<port>`: Envoy sends the authority of server_uri as the Host header. */
export function serviceUri(auth: IRExternalAuth, ctx: BuildContext): string {
  const cluster = ctx.clusters.get(auth.cluster);
  const port = /^[^/]+\/[^/]+\/(\d+)/.exec(auth.cluster)?.[1];
  if (!cluster?.source.namespace) return `http://${cluster?.source.name ?? 'ext-authz'}${port ? `:${port}` : ''}`;
  return `http://${cluster.source.name}.${cluster.source.namespace}${port ? `:${port}` : ''}`;
}

export function extAuthzConfig(auth: IRExternalAuth, ctx: BuildContext): EnvoyMessage {
  const config: EnvoyMessage = { transport_api_version: 'V3' };
  if (auth.protocol === 'GRPC') {
    config.grpc_service = { envoy_grpc: { cluster_name: auth.cluster }, timeout: DEFAULT_TIMEOUT };
  } else {
    const service: EnvoyMessage = {
      server_uri: { uri: serviceUri(auth, ctx), cluster: auth.cluster, timeout: DEFAULT_TIMEOUT },
    };
    // Envoy takes only a prefix that starts with "/" and refuses the whole listener otherwise;
    // Gateway API's path does not have to.
    if (auth.path) service.path_prefix = auth.path.startsWith('/') ? auth.path : `/${auth.path}`;
    service.authorization_response = {
      allowed_upstream_headers: auth.allowedResponseHeaders?.length ? headerList(auth.allowedResponseHeaders) : EVERY_AUTH_RESPONSE_HEADER,
    };
    config.http_service = service;
  }
  if (auth.allowedHeaders?.length) config.allowed_headers = headerList(auth.allowedHeaders);
  if (auth.forwardBodyMaxSize !== undefined && auth.forwardBodyMaxSize > 0) {
    // Without allow_partial_message, a body over the size is answered 413 (Gateway API: "Bodies
    // over that size must be rejected with a 4xx series error"); with it, Envoy would forward
    // the body's first bytes to the auth server and let the request through if it allowed them.
    config.with_request_body = { max_request_bytes: auth.forwardBodyMaxSize };
  }
  return config;
}

/** The external auth configurations of a virtual host's routes by filter name (last one wins). */
const NONE: ReadonlyArray<readonly [string, IRExternalAuth]> = [];

function hostConfigs(vh: IRVirtualHost): ReadonlyArray<readonly [string, IRExternalAuth]> {
  let out: Array<[string, IRExternalAuth]> | undefined;
  for (const route of vh.routes) if (route.externalAuth) (out ??= []).push([extAuthzFilterName(route.externalAuth), route.externalAuth]);
  return out ?? NONE;
}

function distinct(perHost: ReadonlyArray<ReadonlyArray<readonly [string, IRExternalAuth]>>): IRExternalAuth[] {
  const byName = new Map<string, IRExternalAuth>();
  for (const configs of perHost) for (const [name, auth] of configs) byName.set(name, auth);
  return [...byName.keys()].sort().map((name) => byName.get(name) as IRExternalAuth);
}

/** Every listener build asks, for every table: kept per host and per table (see rememberEach). */
function distinctConfigs(routeConfig: IRRouteConfig, ctx: BuildContext): IRExternalAuth[] {
  return ctx.rememberEach(hostConfigs, distinct, routeConfig.name, routeConfig.virtualHosts);
}

export const extAuthzFeature: XdsFeature = {
  name: 'ext_authz',
  httpFilters(routeConfig, ctx) {
    return distinctConfigs(routeConfig, ctx).map((auth) => {
      ctx.referencedClusters.add(auth.cluster);
      return {
        name: extAuthzFilterName(auth),
        typed_config: typed('envoy.extensions.filters.http.ext_authz.v3.ExtAuthz', extAuthzConfig(auth, ctx)),
        disabled: true,
      };
    });
  },
  patchRoute(route, ir) {
    if (!ir.externalAuth) return;
    const perFilter = (route.typed_per_filter_config as EnvoyMessage | undefined) ?? {};
    // FilterConfig turns the filter (disabled in the HCM) on for this route. Its config must be
    // set: Envoy refuses a FilterConfig without one ("Empty route/virtual host per filter
    // configuration", per_filter_config.cc), and with it the whole route table. The filter's own
    // per-route type with default check settings changes nothing else.
    perFilter[extAuthzFilterName(ir.externalAuth)] = typed('envoy.config.route.v3.FilterConfig', {
      config: typed('envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute', { check_settings: {} }),
    });
    route.typed_per_filter_config = perFilter;
  },
};
