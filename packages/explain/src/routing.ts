// Virtual host and route selection (route_components.proto VirtualHost.domains and RouteMatch;
// router/config_impl.cc RouteMatcher::findVirtualHost and the RouteEntry matchers).
import type { HeaderMap } from './headers.js';
import { matchHeader, matchQueryParameter, parseQuery, compileFullMatch } from './matchers.js';
import type { CandidateNote, TraceStep } from './types.js';
import { bool, fractionPercent, obj, objs, str, type Obj } from './util.js';

export interface VirtualHostSelection {
  vhost: Obj;
  name: string;
  domain: string;
  kind: 'exact' | 'suffix wildcard' | 'prefix wildcard' | 'default (*)';
}

/** Where in the request the port was removed before domain matching, and why. */
export interface HostForMatching {
  host: string;
  note?: string;
}

/**
 * RouteMatcher::findVirtualHost: lower-cased Host, exact domains first, then suffix wildcards
 * (`*.foo.com`, `*-bar.foo.com`) longest first, then prefix wildcards (`foo.*`) longest first,
 * then `*`. A wildcard never matches the empty string. The Host is compared with its port unless
 * the port was stripped (HCM strip_*_host_port) or ignore_port_in_host_matching is set.
 */
export function selectVirtualHost(routeConfig: Obj, hostIn: string, steps: TraceStep[], unsupported: string[], configName: string): VirtualHostSelection | undefined {
  let host = hostIn;
  const notes: string[] = [];
  if (bool(routeConfig.ignore_port_in_host_matching)) {
    const colon = host.startsWith('[') ? host.indexOf(']:') + 1 : host.lastIndexOf(':');
    if (colon > 0 && /^\d+$/.test(host.slice(colon + 1))) {
      host = host.slice(0, colon);
      notes.push('ignore_port_in_host_matching: the port is ignored for matching');
    }
  }
  host = host.toLowerCase();
  if (obj(routeConfig.vhds)) unsupported.push(`route configuration ${configName}: vhds (on-demand virtual hosts)`);
  const exact = new Map<string, Obj>();
  const suffixes = new Map<string, Obj>();
  const prefixes = new Map<string, Obj>();
  let defaultVhost: Obj | undefined;
  const vhosts = objs(routeConfig.virtual_hosts);
  for (const vh of vhosts) {
    for (const raw of (Array.isArray(vh.domains) ? vh.domains : []).filter((d): d is string => typeof d === 'string')) {
      const d = raw.toLowerCase();
      if (d === '*') defaultVhost ??= vh;
      else if (d.startsWith('*')) setOnce(suffixes, d.slice(1), vh);
      else if (d.endsWith('*')) setOnce(prefixes, d.slice(0, -1), vh);
      else setOnce(exact, d, vh);
    }
  }
  let found: VirtualHostSelection | undefined;
  const nameOf = (vh: Obj) => str(vh.name) ?? '?';
  const e = exact.get(host);
  if (e) found = { vhost: e, name: nameOf(e), domain: host, kind: 'exact' };
  if (!found) {
    const sorted = [...suffixes.keys()].sort((a, b) => b.length - a.length);
    const hit = sorted.find((s) => host.length > s.length && host.endsWith(s));
    if (hit !== undefined) found = { vhost: suffixes.get(hit)!, name: nameOf(suffixes.get(hit)!), domain: `*${hit}`, kind: 'suffix wildcard' };
  }
  if (!found) {
    const sorted = [...prefixes.keys()].sort((a, b) => b.length - a.length);
    const hit = sorted.find((p) => host.length > p.length && host.startsWith(p));
    if (hit !== undefined) found = { vhost: prefixes.get(hit)!, name: nameOf(prefixes.get(hit)!), domain: `${hit}*`, kind: 'prefix wildcard' };
  }
  if (!found && defaultVhost) found = { vhost: defaultVhost, name: nameOf(defaultVhost), domain: '*', kind: 'default (*)' };

  const candidates: CandidateNote[] = vhosts.map((vh) => {
    const domains = (Array.isArray(vh.domains) ? vh.domains : []).join(', ');
    if (found && vh === found.vhost) return { name: nameOf(vh), matched: true, reason: `${found.kind} domain ${found.domain} (domains: ${domains})` };
    return { name: nameOf(vh), matched: false, reason: `domains [${domains}] ${found ? `lose to the ${found.kind} match` : 'do not match'}` };
  });
  steps.push({
    stage: 'virtual_host',
    result: found ? 'matched' : 'no_match',
    name: found?.name,
    summary: found
      ? `virtual host ${found.name}: host ${JSON.stringify(host)} matches ${found.kind} domain ${JSON.stringify(found.domain)}`
      : `no virtual host matches host ${JSON.stringify(host)}: 404`,
    candidates,
    notes,
  });
  return found;
}

// Envoy rejects a route configuration with duplicate domains; the first owner is kept here.
function setOnce(map: Map<string, Obj>, key: string, value: Obj): void {
  if (!map.has(key)) map.set(key, value);
}

export interface RouteMatchOutcome {
  matched: boolean;
  reasons: string[];
  /** The part of the path the path specifier matched (prefix for prefix routes, the whole path otherwise). */
  matchedPath?: string;
  unsupported: string[];
}

export interface RequestView {
  path: string;
  method: string;
  headers: HeaderMap;
  tls: { presented: boolean; validated: boolean } | undefined;
}

function stripQuery(path: string): string {
  const q = path.search(/[?#]/);
  return q < 0 ? path : path.slice(0, q);
}

/** RouteMatch: the path specifier, then every header matcher, query parameter matcher and the other criteria. */
export function matchRoute(match: Obj, req: RequestView): RouteMatchOutcome {
  const reasons: string[] = [];
  const unsupported: string[] = [];
  const caseSensitive = bool(match.case_sensitive) ?? true;
  const path = stripQuery(req.path);
  const eq = (a: string, b: string) => (caseSensitive ? a === b : a.toLowerCase() === b.toLowerCase());
  const starts = (a: string, p: string) => (caseSensitive ? a.startsWith(p) : a.toLowerCase().startsWith(p.toLowerCase()));
  let matchedPath: string | undefined;
  const ci = caseSensitive ? '' : ' (case-insensitive)';
  if (typeof match.prefix === 'string') {
    if (!starts(req.path, match.prefix)) return { matched: false, reasons: [`path ${path} does not start with prefix ${match.prefix}${ci}`], unsupported };
    matchedPath = req.path.slice(0, match.prefix.length);
    reasons.push(`prefix ${match.prefix}${ci}`);
  } else if (typeof match.path === 'string') {
    if (!eq(path, match.path)) return { matched: false, reasons: [`path ${path} is not exactly ${match.path}${ci}`], unsupported };
    matchedPath = path;
    reasons.push(`path ${match.path}${ci}`);
  } else if (typeof match.path_separated_prefix === 'string') {
    const p = match.path_separated_prefix;
    const ok = eq(path, p) || starts(path, `${p}/`);
    if (!ok) return { matched: false, reasons: [`path ${path} is neither ${p} nor under ${p}/${ci}`], unsupported };
    matchedPath = path.slice(0, p.length);
    reasons.push(`path_separated_prefix ${p}${ci}`);
  } else if (obj(match.safe_regex)) {
    const regex = str(obj(match.safe_regex)?.regex) ?? '';
    let ok: boolean;
    try {
      ok = compileFullMatch(regex).test(path);
    } catch {
      return { matched: false, reasons: [`safe_regex ${regex} cannot be evaluated`], unsupported: [`route regex ${regex}`] };
    }
    if (!ok) return { matched: false, reasons: [`path ${path} does not fully match regex ${regex}`], unsupported };
    matchedPath = path;
    reasons.push(`safe_regex ${regex}`);
  } else if (obj(match.connect_matcher)) {
    if (req.method !== 'CONNECT') return { matched: false, reasons: ['connect_matcher: not a CONNECT request'], unsupported };
    reasons.push('connect_matcher');
  } else if (obj(match.path_match_policy)) {
    return { matched: false, reasons: ['path_match_policy (URI template) is not simulated'], unsupported: ['path_match_policy'] };
  } else {
    return { matched: false, reasons: ['route match has no path specifier (rejected by Envoy)'], unsupported: ['RouteMatch without path specifier'] };
  }

  for (const h of objs(match.headers)) {
    const r = matchHeader(h, req.headers);
    if (r.unsupported) unsupported.push(r.unsupported);
    if (!r.matched) return { matched: false, reasons: [...reasons, `${r.reason}: no`], unsupported };
    reasons.push(r.reason);
  }
  const qps = objs(match.query_parameters);
  if (qps.length) {
    const query = parseQuery(req.path);
    for (const q of qps) {
      const r = matchQueryParameter(q, query);
      if (r.unsupported) unsupported.push(r.unsupported);
      if (!r.matched) return { matched: false, reasons: [...reasons, `${r.reason}: no`], unsupported };
      reasons.push(r.reason);
    }
  }
  if (obj(match.grpc)) {
    // Grpc::Common::isGrpcRequestHeaders: content-type application/grpc, application/grpc+*, application/grpc;*.
    const ct = req.headers.first('content-type') ?? '';
    const ok = ct === 'application/grpc' || ct.startsWith('application/grpc+') || ct.startsWith('application/grpc;');
    if (!ok) return { matched: false, reasons: [...reasons, `grpc: content-type ${JSON.stringify(ct)} is not application/grpc`], unsupported };
    reasons.push('grpc');
  }
  const tlsContext = obj(match.tls_context);
  if (tlsContext) {
    const presented = bool(tlsContext.presented);
    const validated = bool(tlsContext.validated);
    const t = req.tls ?? { presented: false, validated: false };
    if (presented !== undefined && presented !== t.presented) return { matched: false, reasons: [...reasons, `tls_context.presented ${presented}: no`], unsupported };
    if (validated !== undefined && validated !== t.validated) return { matched: false, reasons: [...reasons, `tls_context.validated ${validated}: no`], unsupported };
    reasons.push('tls_context');
  }
  const runtime = obj(match.runtime_fraction);
  if (runtime) {
    const percent = fractionPercent(runtime.default_value) ?? 0;
    if (percent <= 0) return { matched: false, reasons: [...reasons, 'runtime_fraction 0%: never matches'], unsupported };
    reasons.push(percent >= 100 ? 'runtime_fraction 100%' : `runtime_fraction ${percent}%: matches only that share of requests (assumed to match here)`);
  }
  for (const field of ['dynamic_metadata', 'filter_state', 'cel_matcher']) {
    if (match[field] !== undefined && !(Array.isArray(match[field]) && (match[field] as unknown[]).length === 0)) {
      unsupported.push(`route match ${field}`);
      reasons.push(`${field} not evaluated (assumed to match)`);
    }
  }
  return { matched: true, reasons, matchedPath, unsupported };
}

/** First matching route of a virtual host. */
export function selectRoute(vhost: Obj, vhostName: string, req: RequestView, steps: TraceStep[], unsupported: string[]): { route: Obj; index: number; matchedPath?: string } | undefined {
  const candidates: CandidateNote[] = [];
  if (obj(vhost.matcher)) unsupported.push(`virtual host ${vhostName}: matcher tree (xds.type.matcher) routing`);
  const routes = objs(vhost.routes);
  for (let i = 0; i < routes.length; i++) {
    const route = routes[i];
    const name = str(route.name) ?? `routes[${i}]`;
    const outcome = matchRoute(obj(route.match) ?? {}, req);
    for (const u of outcome.unsupported) unsupported.push(`route ${name}: ${u}`);
    candidates.push({ name, matched: outcome.matched, reason: outcome.reasons.join('; ') });
    if (outcome.matched) {
      steps.push({
        stage: 'route',
        result: 'matched',
        name,
        summary: `route ${name} (#${i} in ${vhostName}) is the first match: ${outcome.reasons.join('; ')}`,
        candidates,
      });
      return { route, index: i, matchedPath: outcome.matchedPath };
    }
  }
  steps.push({ stage: 'route', result: 'no_match', summary: `no route of virtual host ${vhostName} matches: 404`, candidates });
  return undefined;
}
