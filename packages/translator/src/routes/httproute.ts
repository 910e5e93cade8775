import { createHash } from 'node:crypto';
import type { Condition, GRPCRoute, HTTPBackendRef, HTTPRoute, HTTPRouteFilter, HTTPRouteMatch, HTTPRouteRule } from '@portico/api';
import type { IRBackend, IRRedirect, IRRoute, IRRouteAction, IRSessionPersistence, IRSource } from '@portico/ir';
import { condition } from '../conditions.js';
import type { ListenerModel } from '../gateway/model.js';
import { DEFAULT_GATEWAYS_LOOKUP, differingRun, lookupKey, type RememberedHttpRoutes } from '../memo.js';
import { buildHttpChains } from '../build/http.js';
import type { ObjectStatus } from '../result.js';
import { MESH_BACKEND_GRANTS } from '../mesh/mesh.js';
import { compareStrings, describeObject, GATEWAY_GROUP } from '../util.js';
import { resolveBackendRef, weightProblem, type BackendContext } from './backends.js';
import { parseDurationMs } from './duration.js';
import { compileFilters, NO_FILTERS, type CompiledFilters, type FilterContext, type FilterProblem } from './filters.js';
import { compileMatch, type CompiledMatch } from './matches.js';
import { attachToGateway, countAttachment, parentKindOf, resolveParent, routeParentRefs, type ParentAttachment } from './parents.js';
import type { GrpcMatchCharacters, PrecedenceKey } from './precedence.js';
import { grpcMatchCharacters, grpcRouteAsHttpRoute } from './grpcroute.js';
import { headerNameProblem } from './headers.js';
import { settleKindConflicts } from './kind-conflicts.js';
import { routeHostnameProblems } from './hostnames.js';
import type { RouteContext, RouteKindTranslator } from './registry.js';

/** Route kinds translated by this file: GRPCRoute is an HTTPRoute with gRPC matches. */
export type HttpFamilyKind = 'HTTPRoute' | 'GRPCRoute';

/** One IR route plus what precedence needs to order it among all routes of a listener. */
export interface RouteEntry extends PrecedenceKey {
  route: IRRoute;
}

/** A route attached to a listener, with the hostnames it serves there. */
export interface HttpListenerRoutes {
  listener: ListenerModel;
  hostnames: string[];
  entries: RouteEntry[];
}

export interface HttpRouteResult {
  status?: ObjectStatus;
  attachments: HttpListenerRoutes[];
  /** Listeners whose attachedRoutes this route incremented. */
  counted: ListenerModel[];
}

interface CompiledRule {
  index: number;
  name?: string;
  matches: CompiledMatch[];
  filters: CompiledFilters;
  backends: IRBackend[];
  /** Weight of invalid backendRefs: their share of requests is answered 500. */
  invalidWeight: number;
  /** Some backendRef (or filter ref) could not be resolved. */
  refProblems: FilterProblem[];
  invalid: FilterProblem[];
  hadBackendRefs: boolean;
  timeouts?: { request?: string; backendRequest?: string };
  retry?: { codes: number[]; attempts: number; backoff?: string };
  sessionPersistence?: IRSessionPersistence;
}

interface CompiledRules {
  rules: CompiledRule[];
  invalidRules: CompiledRule[];
  allInvalid: boolean;
  refProblems: FilterProblem[];
  /** Some rule redirects: its action reads the listener (see actionKeyOf). */
  redirects: boolean;
}

const DEFAULT_RULE: HTTPRouteRule = { matches: [{ path: { type: 'PathPrefix', value: '/' } }] };

/**
 * `spec.rules[rule].<list>[index]`: every IR route and backend names its field, and the same few
 * positions recur in every route, so they share one string each instead of one per route.
 */
const fieldPaths = { matches: [] as string[][], backendRefs: [] as string[][] };
const SHARED_FIELD_PATHS = 32;

function fieldPath(list: 'matches' | 'backendRefs', rule: number, index: number): string {
  if (rule >= SHARED_FIELD_PATHS || index >= SHARED_FIELD_PATHS) return `spec.rules[${rule}].${list}[${index}]`;
  const byRule = (fieldPaths[list][rule] ??= []);
  return (byRule[index] ??= `spec.rules[${rule}].${list}[${index}]`);
}

/** `spec.rules[rule]`, shared like fieldPath's strings. */
const ruleFields: string[] = [];

function ruleField(rule: number): string {
  if (rule >= SHARED_FIELD_PATHS) return `spec.rules[${rule}]`;
  return (ruleFields[rule] ??= `spec.rules[${rule}]`);
}

/** A rule without matches matches every request (one PathPrefix "/" match). */
const MATCH_EVERYTHING: readonly HTTPRouteMatch[] = Object.freeze([Object.freeze({})]);
const NO_GRPC_CHARACTERS: GrpcMatchCharacters = Object.freeze({ service: 0, method: 0 });
const NO_FILTER_SPECS: readonly HTTPRouteFilter[] = Object.freeze([]);
const NO_BACKEND_REFS: readonly HTTPBackendRef[] = Object.freeze([]);
const TIMEOUT_FIELDS = ['request', 'backendRequest'] as const;

function filterContextOf(ctx: BackendContext, kind: HttpFamilyKind, namespace: string, prefixMatchesOnly: boolean): FilterContext {
  const filterCtx: FilterContext = {
    resources: ctx.resources,
    grants: ctx.grants,
    clusters: ctx.clusters,
    lookups: ctx.lookups,
    routeKind: kind,
    routeNamespace: namespace,
    prefixMatchesOnly,
  };
  if (ctx.meshParent) filterCtx.meshParent = true;
  return filterCtx;
}

function compileSessionPersistence(rule: HTTPRouteRule, field: string, invalid: FilterProblem[], owner: string): IRSessionPersistence | undefined {
  const spec = rule.sessionPersistence;
  if (!spec) return undefined;
  const type = spec.type ?? 'Cookie';
  if (type !== 'Cookie' && type !== 'Header') {
    invalid.push({ kind: 'UnsupportedValue', reason: 'UnsupportedValue', message: `${field}.sessionPersistence.type: unknown type ${type}` });
    return undefined;
  }
  // GEP-1619: "If SessionName is not specified, then a unique cookie name should be generated":
  // one per rule (sessions of two rules are not one session), stable across builds.
  const name = spec.sessionName ?? `${type === 'Cookie' ? 'session' : 'x-session'}-${createHash('sha256').update(`${owner}/${field}`).digest('hex').slice(0, 8)}`;
  // A cookie or header name: a token (RFC 9110), which also rules out the empty name Envoy refuses.
  const badName = headerNameProblem(name, type === 'Cookie' ? 'cookie' : 'header');
  if (badName !== undefined) {
    invalid.push({ kind: 'UnsupportedValue', reason: 'UnsupportedValue', message: `${field}.sessionPersistence.sessionName: ${badName}` });
    return undefined;
  }
  const result: IRSessionPersistence = { type, name };
  for (const [key, target] of [
    ['absoluteTimeout', 'absoluteTimeoutSeconds'],
    ['idleTimeout', 'idleTimeoutSeconds'],
  ] as const) {
    const raw = spec[key];
    if (raw === undefined) continue;
    const ms = parseDurationMs(raw);
    if (ms === undefined) {
      invalid.push({ kind: 'UnsupportedValue', reason: 'UnsupportedValue', message: `${field}.sessionPersistence.${key}: "${raw}" is not a valid duration` });
      continue;
    }
    result[target] = Math.ceil(ms / 1000);
  }
  // A Session lifetime cookie must not carry an expiry even if a timeout is set.
  if (type === 'Cookie' && spec.cookieConfig?.lifetimeType !== 'Permanent') delete result.absoluteTimeoutSeconds;
  return result;
}

function compileRule(
  ctx: BackendContext,
  route: HTTPRoute,
  rule: HTTPRouteRule,
  index: number,
  kind: HttpFamilyKind,
): CompiledRule {
  const namespace = route.metadata.namespace ?? '';
  const field = ruleField(index);
  const invalid: FilterProblem[] = [];
  const matchProblems: string[] = [];
  const specMatches = rule.matches && rule.matches.length > 0 ? rule.matches : MATCH_EVERYTHING;
  // Sized up front, not grown by push (which reserves room for 16 entries in every list).
  const matches = new Array<CompiledMatch>(specMatches.length);
  let matchCount = 0;
  let prefixMatchesOnly = true;
  for (let m = 0; m < specMatches.length; m++) {
    const spec = specMatches[m] as HTTPRouteMatch;
    const compiled = compileMatch(spec, fieldPath('matches', index, m), matchProblems);
    if (!compiled) continue;
    if (kind === 'GRPCRoute') {
      const grpc = grpcMatchCharacters.get(spec);
      if (grpc) compiled.grpc = grpc;
    }
    matches[matchCount++] = compiled;
    if (compiled.match.path.type !== 'PathPrefix') prefixMatchesOnly = false;
  }
  if (matchCount < matches.length) matches.length = matchCount;
  for (const message of matchProblems) invalid.push({ kind: 'UnsupportedValue', reason: 'UnsupportedValue', message });
  // Made only for a rule or backendRef with filters; spelled out rather than spread from ctx:
  // spreading the route context once per rule showed up as the single most expensive line of a
  // cold translation.
  let filterCtx: FilterContext | undefined;
  const ruleFilters = rule.filters ?? NO_FILTER_SPECS;
  const filters =
    ruleFilters.length === 0
      ? NO_FILTERS
      : compileFilters((filterCtx = filterContextOf(ctx, kind, namespace, prefixMatchesOnly)), ruleFilters, `${field}.filters`);
  const refProblems: FilterProblem[] = [];
  for (const problem of filters.problems) {
    if (problem.kind === 'ResolvedRefs') refProblems.push(problem);
    else invalid.push(problem);
  }

  const backendRefs = rule.backendRefs ?? NO_BACKEND_REFS;
  const backends = new Array<IRBackend>(backendRefs.length);
  let backendCount = 0;
  let invalidWeight = 0;
  for (let b = 0; b < backendRefs.length; b++) {
    const ref = backendRefs[b] as HTTPBackendRef;
    const refField = fieldPath('backendRefs', index, b);
    // gRPC always speaks HTTP/2 to its backends, whatever the Service's appProtocol says.
    const resolved = resolveBackendRef(ctx, { kind, namespace }, ref, refField, kind === 'GRPCRoute' ? 'http2' : undefined);
    // Most backendRefs have no filters: nothing to compile.
    let backendFilters: CompiledFilters | undefined;
    if (ref.filters && ref.filters.length > 0) {
      filterCtx ??= filterContextOf(ctx, kind, namespace, prefixMatchesOnly);
      backendFilters = compileFilters(filterCtx, ref.filters, `${refField}.filters`);
      for (const problem of backendFilters.problems) {
        if (problem.kind === 'ResolvedRefs') refProblems.push(problem);
        else invalid.push(problem);
      }
      if (backendFilters.redirect || backendFilters.urlRewrite || backendFilters.cors || backendFilters.externalAuth || backendFilters.mirrors.length > 0) {
        invalid.push({
          kind: 'UnsupportedValue',
          reason: 'UnsupportedValue',
          message: `${refField}.filters: only RequestHeaderModifier and ResponseHeaderModifier are supported on a backendRef`,
        });
      }
    }
    const weight = ref.weight ?? 1;
    const badWeight = weightProblem(weight, refField);
    if (badWeight) {
      invalid.push({ kind: 'UnsupportedValue', reason: 'UnsupportedValue', message: badWeight });
      continue;
    }
    if (!resolved.ok) {
      refProblems.push({ kind: 'ResolvedRefs', reason: resolved.reason, message: resolved.message });
      invalidWeight += Math.max(0, weight);
      continue;
    }
    if (weight <= 0) continue;
    // Whole literals: a field added afterwards goes to storage of its own, kept with the IR.
    const name = route.metadata.name;
    const source: IRSource = rule.name ? { kind, namespace, name, path: refField, ruleName: rule.name } : { kind, namespace, name, path: refField };
    const backend: IRBackend = { cluster: resolved.cluster, weight, source };
    if (backendFilters?.requestHeaders) backend.requestHeaders = backendFilters.requestHeaders;
    if (backendFilters?.responseHeaders) backend.responseHeaders = backendFilters.responseHeaders;
    backends[backendCount++] = backend;
  }
  if (backendCount < backends.length) backends.length = backendCount;

  const compiled: CompiledRule = {
    index,
    matches,
    filters,
    backends,
    invalidWeight,
    refProblems,
    invalid,
    hadBackendRefs: backendRefs.length > 0,
  };
  if (rule.name) compiled.name = rule.name;
  if (rule.timeouts) {
    const timeouts: { request?: string; backendRequest?: string } = {};
    for (const key of TIMEOUT_FIELDS) {
      const raw = rule.timeouts[key];
      if (raw === undefined) continue;
      if (parseDurationMs(raw) === undefined) {
        invalid.push({ kind: 'UnsupportedValue', reason: 'UnsupportedValue', message: `${field}.timeouts.${key}: "${raw}" is not a valid duration` });
      } else timeouts[key] = raw;
    }
    if (timeouts.request && timeouts.backendRequest) {
      const request = parseDurationMs(timeouts.request) ?? 0;
      const backend = parseDurationMs(timeouts.backendRequest) ?? 0;
      if (request !== 0 && backend > request) {
        invalid.push({ kind: 'UnsupportedValue', reason: 'UnsupportedValue', message: `${field}.timeouts.backendRequest: must not exceed timeouts.request` });
      }
    }
    if (timeouts.request !== undefined || timeouts.backendRequest !== undefined) compiled.timeouts = timeouts;
  }
  if (rule.retry) {
    const retry: { codes: number[]; attempts: number; backoff?: string } = {
      codes: [...(rule.retry.codes ?? [])].sort((a, b) => a - b),
      attempts: rule.retry.attempts ?? 1,
    };
    // Envoy counts retries in 32 bits and matches whole status codes (the CRD: codes 400-599).
    if (!Number.isInteger(retry.attempts) || retry.attempts < 0 || retry.attempts > 0xffffffff) {
      invalid.push({ kind: 'UnsupportedValue', reason: 'UnsupportedValue', message: `${field}.retry.attempts: ${retry.attempts} is not a whole number of attempts` });
    }
    const badCode = retry.codes.find((code) => !Number.isInteger(code) || code < 400 || code > 599);
    if (badCode !== undefined) {
      invalid.push({ kind: 'UnsupportedValue', reason: 'UnsupportedValue', message: `${field}.retry.codes: ${badCode} is not an HTTP status code from 400 to 599` });
    }
    if (rule.retry.backoff !== undefined) {
      if (parseDurationMs(rule.retry.backoff) === undefined) {
        invalid.push({ kind: 'UnsupportedValue', reason: 'UnsupportedValue', message: `${field}.retry.backoff: "${rule.retry.backoff}" is not a valid duration` });
      } else retry.backoff = rule.retry.backoff;
    }
    compiled.retry = retry;
  }
  // Few rules have one: the owner's name (for a generated session name) is made only for those.
  if (rule.sessionPersistence) {
    const persistence = compileSessionPersistence(rule, field, invalid, describeObject(kind, namespace, route.metadata.name));
    if (persistence) compiled.sessionPersistence = persistence;
  }
  return compiled;
}

function compileRules(specRules: readonly HTTPRouteRule[], ctx: BackendContext, route: HTTPRoute, kind: HttpFamilyKind): CompiledRules {
  const rules = specRules.map((rule, index) => compileRule(ctx, route, rule, index, kind));
  const invalidRules = rules.filter((r) => r.invalid.length > 0);
  return {
    rules,
    invalidRules,
    allInvalid: invalidRules.length === rules.length,
    refProblems: rules.flatMap((r) => r.refProblems),
    redirects: rules.some((r) => Boolean(r.filters.redirect)),
  };
}

function finalizeRedirect(rule: CompiledRule, listener: ListenerModel): IRRedirect | undefined {
  const spec = rule.filters.redirect;
  if (!spec) return undefined;
  const listenerScheme = listener.protocol === 'HTTPS' ? 'https' : 'http';
  // Port defaulting per HTTPRequestRedirectFilter: the scheme's well-known port when a
  // scheme is given, else the listener's port.
  const port = spec.port ?? (spec.scheme ? (spec.scheme === 'https' ? 443 : 80) : listener.port);
  const scheme = spec.scheme ?? listenerScheme;
  const redirect: IRRedirect = { statusCode: spec.statusCode };
  // Gateway API: implementations "SHOULD NOT add the port number in the 'Location' header" for
  // http on 80 and https on 443. The port is left out when Location can then do without it: the
  // redirect names its host, or the request came to the scheme's default port, where clients
  // send a Host without a port (Envoy keeps the request's host, port included, otherwise).
  const defaultPort = port === (scheme === 'https' ? 443 : scheme === 'http' ? 80 : -1);
  const listenerDefault = listener.port === (listenerScheme === 'https' ? 443 : 80);
  if (!(defaultPort && (spec.hostname !== undefined || listenerDefault))) redirect.port = port;
  redirect.scheme = scheme;
  if (spec.hostname) redirect.hostname = spec.hostname;
  if (spec.path) redirect.path = spec.path;
  return redirect;
}

function ruleAction(rule: CompiledRule, listener: ListenerModel, kind: HttpFamilyKind): IRRouteAction {
  const redirect = finalizeRedirect(rule, listener);
  if (redirect) return { kind: 'redirect', redirect };
  // GRPCRoute: "UNAVAILABLE status MUST be returned" where a backend is invalid; gRPC reads an
  // HTTP 503 as UNAVAILABLE and a 500 as UNKNOWN.
  const invalidStatus = kind === 'GRPCRoute' ? 503 : undefined;
  if (rule.filters.unresolvedExtension) return { kind: 'directResponse', status: invalidStatus ?? 500 };
  if (rule.backends.length === 0) return { kind: 'directResponse', status: invalidStatus ?? 500 };
  const action: Extract<IRRouteAction, { kind: 'forward' }> = { kind: 'forward', backends: rule.backends };
  if (rule.invalidWeight > 0) {
    action.invalidWeight = rule.invalidWeight;
    if (invalidStatus !== undefined) action.invalidStatus = invalidStatus;
  }
  if (rule.filters.urlRewrite) action.urlRewrite = rule.filters.urlRewrite;
  if (rule.timeouts) action.timeouts = rule.timeouts;
  if (rule.retry) action.retry = rule.retry;
  if (rule.filters.mirrors.length > 0) action.mirrors = rule.filters.mirrors;
  if (rule.sessionPersistence) action.sessionPersistence = rule.sessionPersistence;
  return action;
}

/**
 * What of a listener a rule's action depends on: only a redirect reads it (its scheme and port
 * default to the listener's). Listeners with the same key get the same IRRoute objects, so a
 * route attached to several Gateways is built and encoded once by buildXds.
 */
function actionKeyOf(compiled: CompiledRules, listener: ListenerModel): string {
  return compiled.redirects ? `${listener.protocol === 'HTTPS' ? 'https' : 'http'}:${listener.port}` : '';
}

interface EntriesMade {
  compiled: CompiledRules;
  key: string;
  entries: RouteEntry[];
}

/**
 * A route's entries for one attachment: the IRRoute objects made for an earlier listener with
 * the same compiled rules and action key, in a list of the attachment's own (the incremental
 * paths find an attachment's lists by identity).
 */
function sharedEntries(made: EntriesMade[], route: HTTPRoute, compiled: CompiledRules, listener: ListenerModel, kind: HttpFamilyKind): RouteEntry[] {
  const key = actionKeyOf(compiled, listener);
  for (const earlier of made) if (earlier.compiled === compiled && earlier.key === key) return earlier.entries.slice();
  const entries = routeEntries(route, compiled.rules, listener, kind);
  made.push({ compiled, key, entries });
  return entries;
}

function routeEntries(route: HTTPRoute, rules: CompiledRule[], listener: ListenerModel, kind: HttpFamilyKind): RouteEntry[] {
  const namespace = route.metadata.namespace ?? '';
  const name = route.metadata.name;
  const routeKey = `${namespace}/${name}`;
  const prefix = `${kind === 'HTTPRoute' ? 'httproute' : 'grpcroute'}/${routeKey}`;
  const entries: RouteEntry[] = [];
  for (const rule of rules) {
    if (rule.invalid.length > 0) continue;
    const action = ruleAction(rule, listener, kind);
    for (let m = 0; m < rule.matches.length; m++) {
      const compiled = rule.matches[m] as CompiledMatch;
      const path = fieldPath('matches', rule.index, m);
      const source: IRSource = rule.name ? { kind, namespace, name, path, ruleName: rule.name } : { kind, namespace, name, path };
      const ir: IRRoute = {
        // Joined rather than concatenated: a template literal leaves a rope of four
        // concatenation nodes (32 bytes each) for as long as the IR lives; join makes one flat string.
        name: [prefix, '/rule/', rule.index, '/match/', m].join(''),
        match: compiled.match,
        action,
        source,
      };
      if (rule.filters.requestHeaders) ir.requestHeaders = rule.filters.requestHeaders;
      if (rule.filters.responseHeaders) ir.responseHeaders = rule.filters.responseHeaders;
      if (rule.filters.cors) ir.cors = rule.filters.cors;
      if (rule.filters.externalAuth) ir.externalAuth = rule.filters.externalAuth;
      const entry: RouteEntry = {
        route: ir,
        match: compiled.match,
        hasMethod: compiled.hasMethod,
        headerCount: compiled.headerCount,
        queryCount: compiled.queryCount,
        routeKey,
        ruleIndex: rule.index,
        matchIndex: m,
      };
      if (route.metadata.creationTimestamp) entry.creationTimestamp = route.metadata.creationTimestamp;
      // Every GRPCRoute entry takes GRPCRoute's order; a rule without matches names no service or method.
      if (kind === 'GRPCRoute') entry.grpc = compiled.grpc ?? NO_GRPC_CHARACTERS;
      entries.push(entry);
    }
  }
  return entries;
}

export type HttpRouteContext = RouteContext;

/**
 * Translates one HTTPRoute: attaches it to the parents this controller owns, compiles
 * its rules, and computes its status (one entry per parentRef of ours).
 */
export function translateHttpRoute(
  ctx: HttpRouteContext,
  route: HTTPRoute,
  kind: HttpFamilyKind = 'HTTPRoute',
): HttpRouteResult {
  const namespace = route.metadata.namespace ?? '';
  const generation = route.metadata.generation;
  const parents: Array<ParentAttachment & { mesh?: boolean }> = [];
  // Parent keys seen so far: a list, as routes have one or two parents.
  const seen: string[] = [];
  const lookups = ctx.lookups;
  if (lookups) {
    // Listeners that select routes by namespace labels read the labels of this one.
    lookups.add(lookupKey('Namespace', namespace));
    if (route.spec?.useDefaultGateways !== undefined) lookups.add(DEFAULT_GATEWAYS_LOOKUP);
  }
  for (const ref of routeParentRefs(ctx.gateways, route.spec)) {
    const resolved = resolveParent(ctx.gateways, ref, namespace, ctx.meshParents);
    if (lookups) {
      // Found or not: the Gateway (or ListenerSet) may come, go or change, and this route with it.
      const kind = parentKindOf(ref);
      const target = `${ref.namespace ?? namespace}/${ref.name}`;
      lookups.add(lookupKey('ParentPresence', kind, target));
      lookups.add(ref.sectionName === undefined ? lookupKey('Parent', kind, target) : lookupKey('Parent', kind, target, ref.sectionName));
    }
    if (!resolved || seen.includes(resolved.key)) continue;
    seen.push(resolved.key);
    const attached = attachToGateway(
      ctx.resources,
      {
        group: GATEWAY_GROUP,
        kind,
        namespace,
        name: route.metadata.name,
        hostnames: resolved.mesh ? [] : (route.spec?.hostnames ?? []),
      },
      ref,
      resolved.gateway,
      resolved.parent,
    );
    parents.push(resolved.mesh ? { ...attached, mesh: true } : attached);
  }
  if (parents.length === 0) return { attachments: [], counted: [] };
  const hostnameProblems = route.spec?.hostnames ? routeHostnameProblems(route.spec.hostnames) : [];
  const badHostname = hostnameProblems.length > 0 ? hostnameProblems.join('; ') : undefined;

  const specRules = route.spec?.rules && route.spec.rules.length > 0 ? route.spec.rules : [DEFAULT_RULE];
  // Rules compile once per kind of parent: cross-namespace backendRefs need a ReferenceGrant
  // under a Gateway, not under a Service (mesh) parent. Plain variables rather than named
  // closures: this runs per route, and the loader names every named closure as it is made
  // (esbuild's keepNames), a property definition each time.
  let underGateway: CompiledRules | undefined;
  let underMesh: CompiledRules | undefined;
  const attachments: HttpListenerRoutes[] = [];
  // Entries by compiled rules and action key (see sharedEntries).
  let entriesMade: EntriesMade[] | undefined;
  // Listeners this route counts towards attachedRoutes, each once.
  const counted: ListenerModel[] = [];
  const { clock } = ctx;
  // Conditions are written stamped (not as pending ones stamped afterwards): two fewer objects per condition and route.
  const parentStatuses = parents.map((parent) => {
    const compiled =
      parent.mesh === true
        ? (underMesh ??= compileRules(specRules, { ...ctx, grants: MESH_BACKEND_GRANTS, meshParent: true }, route, kind))
        : (underGateway ??= compileRules(specRules, ctx, route, kind));
    const { invalidRules, allInvalid, refProblems } = compiled;
    const rejectedBy = parent.rejected;
    let accepted: Condition;
    if (rejectedBy) accepted = condition(clock, generation, rejectedBy.type, rejectedBy.status, rejectedBy.reason, rejectedBy.message);
    else if (badHostname !== undefined) accepted = condition(clock, generation, 'Accepted', false, 'UnsupportedValue', badHostname);
    else if (allInvalid) {
      const first = invalidRules[0]?.invalid[0];
      const message = invalidRules.flatMap((r) => r.invalid.map((p) => p.message)).join('; ');
      accepted = condition(clock, generation, 'Accepted', false, first?.reason ?? 'UnsupportedValue', message);
    } else {
      accepted = condition(clock, generation, 'Accepted', true, 'Accepted', 'Route is accepted');
      if (parent.countedOnly) for (const listener of parent.countedOnly) countAttachment(counted, listener);
      for (const attachment of parent.attachments) {
        countAttachment(counted, attachment.listener);
        // A second parentRef selecting the same listener adds nothing to its routes.
        if (attachments.some((a) => a.listener === attachment.listener)) continue;
        attachments.push({
          listener: attachment.listener,
          hostnames: attachment.hostnames,
          entries: sharedEntries((entriesMade ??= []), route, compiled, attachment.listener, kind),
        });
      }
    }
    const firstRef = refProblems[0];
    const resolvedRefs = firstRef
      ? condition(clock, generation, 'ResolvedRefs', false, firstRef.reason, refProblems.map((p) => p.message).join('; '))
      : condition(clock, generation, 'ResolvedRefs', true, 'ResolvedRefs', 'All references are resolved');
    // Lists written as literals, of their exact size (kept in the status for as long as it is served).
    let conditions: Condition[];
    // PartiallyInvalid "MUST NOT be set if a Route is ... not accepted" (here: a hostname that is not one).
    if (!rejectedBy && badHostname === undefined && !allInvalid && invalidRules.length > 0) {
      const message = `Dropped Rule(s) ${invalidRules.map((r) => r.index).join(', ')}: ${invalidRules
        .flatMap((r) => r.invalid.map((p) => p.message))
        .join('; ')}`;
      conditions = [accepted, resolvedRefs, condition(clock, generation, 'PartiallyInvalid', true, 'UnsupportedValue', message)];
    } else conditions = [accepted, resolvedRefs];
    return { parentRef: parent.parentRef, controllerName: ctx.controllerName, conditions };
  });

  const name = route.metadata.name;
  const body = { parents: parentStatuses };
  const status: ObjectStatus =
    generation !== undefined
      ? { apiVersion: route.apiVersion, kind, namespace, name, generation, status: body }
      : { apiVersion: route.apiVersion, kind, namespace, name, status: body };
  return {
    status,
    attachments,
    counted,
  };
}

/**
 * Translates a route, or with a memo in the context, hands back what translating the same
 * route object returned before and counts its listener attachments again. A remembered
 * status keeps the lastTransitionTime it was stamped with: the route did not change, so
 * neither did its conditions. Remembered results point at the remembered Gateway models,
 * which the memo reuses for exactly as long as it keeps remembered routes; their clusters
 * are preloaded into the registry (see ClusterRegistry).
 */
function rememberingTranslator(ctx: RouteContext): (route: object, translate: () => HttpRouteResult) => HttpRouteResult {
  const memo = ctx.memo;
  if (!memo) return (_route, translate) => translate();
  return (route, translate) => {
    const remembered = memo.routes.get(route);
    // Checked even when no Service changed in this translation: a route object may come back
    // after being absent while a Service it uses changed.
    if (remembered && !memo.isStale(route)) {
      for (const listener of remembered.counted) listener.attachedRoutes += 1;
      return remembered;
    }
    const lookups = new Set<string>();
    const outer = ctx.lookups;
    ctx.lookups = lookups;
    try {
      const result = translate();
      memo.routes.set(route, result);
      memo.rememberLookups(route, lookups);
      return result;
    } finally {
      ctx.lookups = outer;
    }
  };
}

function groupKey(listener: ListenerModel): string {
  return `${listener.gatewayKey}|${listener.port}`;
}

/**
 * The phase's state built from every route's result (statuses, attachment groups), with
 * `counts`, the attachedRoutes the phase's routes gave each listener.
 */
function collectPhase(routes: readonly object[], results: readonly HttpRouteResult[], counts: Map<ListenerModel, number>): RememberedHttpRoutes {
  const statuses: ObjectStatus[] = [];
  const statusIndex: number[] = [];
  const groups = new Map<string, HttpListenerRoutes[]>();
  const groupKeys: string[] = [];
  // A route's attachments name listeners; several listeners share a group (Gateway and port).
  const groupOf = new Map<ListenerModel, { group: HttpListenerRoutes[]; id: number }>();
  const positions: number[] = [];
  const groupIds: number[] = [];
  const firstPosition = new Int32Array(results.length + 1);
  for (let index = 0; index < results.length; index++) {
    const result = results[index] as HttpRouteResult;
    statusIndex.push(result.status ? statuses.push(result.status) - 1 : -1);
    firstPosition[index] = positions.length;
    const attachments = result.attachments;
    for (let a = 0; a < attachments.length; a++) {
      const attachment = attachments[a] as HttpListenerRoutes;
      let entry = groupOf.get(attachment.listener);
      if (!entry) {
        const key = groupKey(attachment.listener);
        let id = groupKeys.indexOf(key);
        if (id < 0) {
          id = groupKeys.push(key) - 1;
          groups.set(key, []);
        }
        entry = { group: groups.get(key) as HttpListenerRoutes[], id };
        groupOf.set(attachment.listener, entry);
      }
      positions.push(entry.group.push(attachment) - 1);
      groupIds.push(entry.id);
    }
  }
  firstPosition[results.length] = positions.length;
  let httpStatuses = 0;
  while (httpStatuses < statuses.length && statuses[httpStatuses]?.kind === 'HTTPRoute') httpStatuses++;
  let inOrder = true;
  for (let i = 1; i < statuses.length && inOrder; i++) {
    inOrder = i === httpStatuses || compareNames(statuses[i - 1] as ObjectStatus, statuses[i] as ObjectStatus) <= 0;
  }
  return { routes, results, statuses, statusIndex, groups, positions: Int32Array.from(positions), firstPosition, groupIds: Int32Array.from(groupIds), groupKeys, counts, httpStatuses, inOrder };
}

function compareNames(a: ObjectStatus, b: ObjectStatus): number {
  return compareStrings(a.namespace ?? '', b.namespace ?? '') || compareStrings(a.name, b.name);
}

/**
 * The previous phase with the routes at `changed` replaced by their new results, when each
 * new result has the shape of the old one (a status or not, attachments to the same
 * listeners); otherwise undefined.
 */
function patch(previous: RememberedHttpRoutes, routes: readonly object[], changed: ReadonlyMap<number, HttpRouteResult>): RememberedHttpRoutes | undefined {
  const results = previous.results.slice();
  const statuses = previous.statuses.slice();
  const groups = new Map<string, HttpListenerRoutes[]>();
  const counts = new Map(previous.counts);
  let inOrder = previous.inOrder;
  for (const [index, result] of changed) {
    const before = previous.results[index];
    if (Boolean(before.status) !== Boolean(result.status) || before.attachments.length !== result.attachments.length) return undefined;
    for (let i = 0; i < result.attachments.length; i++) {
      const listener = result.attachments[i].listener;
      if (listener !== before.attachments[i].listener) return undefined;
      const key = groupKey(listener);
      let group = groups.get(key);
      if (!group) {
        group = (previous.groups.get(key) ?? []).slice();
        groups.set(key, group);
      }
      group[previous.positions[previous.firstPosition[index] + i]] = result.attachments[i];
    }
    results[index] = result;
    if (result.status) {
      const slot = previous.statusIndex[index] as number;
      const replaced = statuses[slot] as ObjectStatus;
      // A route of another name in the same place can break the order.
      if (replaced.kind !== result.status.kind || compareNames(replaced, result.status) !== 0) inOrder = false;
      statuses[slot] = result.status;
    }
    for (const listener of before.counted) counts.set(listener, (counts.get(listener) ?? 0) - 1);
    for (const listener of result.counted) counts.set(listener, (counts.get(listener) ?? 0) + 1);
  }
  for (const [key, group] of previous.groups) if (!groups.has(key)) groups.set(key, group as HttpListenerRoutes[]);
  return { ...previous, routes, results, statuses, groups, counts, inOrder };
}

/** Most routes added and removed at once for which the phase is spliced rather than collected again. */
const SPLICE_LIMIT = 256;

/** Statuses among the first `count` routes of a phase. */
function statusesBefore(phase: RememberedHttpRoutes, count: number): number {
  for (let i = count - 1; i >= 0; i--) {
    const index = phase.statusIndex[i] as number;
    if (index >= 0) return index + 1;
  }
  return 0;
}

/**
 * The previous phase with the routes `previous.routes[start..endBefore)` replaced by
 * `results[start..endAfter)` (routes added or removed) and everything else unchanged. Only
 * the replaced routes' results are looked at: the other routes' places in statuses and
 * groups are moved by arithmetic on the remembered indexes.
 */
function splicePhase(
  previous: RememberedHttpRoutes,
  routes: readonly object[],
  results: readonly HttpRouteResult[],
  run: { start: number; endBefore: number; endAfter: number },
  counts: Map<ListenerModel, number>,
): RememberedHttpRoutes {
  const { start, endBefore, endAfter } = run;
  const beforeRoutes = previous.routes.length;
  const firstBefore = previous.firstPosition;
  const attachStart = firstBefore[start] as number;
  const attachEndBefore = firstBefore[endBefore] as number;

  // The run's attachments, by group (new groups are numbered after the known ones).
  const groupKeys = previous.groupKeys.slice();
  const idOf = new Map<ListenerModel, number>();
  const added: Array<{ attachment: HttpListenerRoutes; id: number }> = [];
  const addedPerRoute: number[] = [];
  for (let i = start; i < endAfter; i++) {
    const attachments = (results[i] as HttpRouteResult).attachments;
    addedPerRoute.push(attachments.length);
    for (const attachment of attachments) {
      let id = idOf.get(attachment.listener);
      if (id === undefined) {
        const key = groupKey(attachment.listener);
        id = groupKeys.indexOf(key);
        if (id < 0) id = groupKeys.push(key) - 1;
        idOf.set(attachment.listener, id);
      }
      added.push({ attachment, id });
    }
  }
  const groupCount = groupKeys.length;
  const inPrefix = new Int32Array(groupCount);
  const removedIn = new Int32Array(groupCount);
  const addedIn = new Int32Array(groupCount);
  for (let k = 0; k < attachStart; k++) (inPrefix[previous.groupIds[k] as number] as number)++;
  for (let k = attachStart; k < attachEndBefore; k++) (removedIn[previous.groupIds[k] as number] as number)++;
  for (const { id } of added) (addedIn[id] as number)++;

  // Groups the run touches are rebuilt from their unchanged beginning and end; the others are reused.
  const groups = new Map(previous.groups as Map<string, HttpListenerRoutes[]>);
  for (let id = 0; id < groupCount; id++) {
    if (removedIn[id] === 0 && addedIn[id] === 0) continue;
    const key = groupKeys[id] as string;
    const before = previous.groups.get(key) ?? [];
    // The run's attachments are spliced in below, in route order.
    groups.set(key, [...before.slice(0, inPrefix[id]), ...before.slice((inPrefix[id] as number) + (removedIn[id] as number))]);
  }
  const addedTotal = added.length;
  const removedTotal = attachEndBefore - attachStart;
  const positions = new Int32Array(previous.positions.length - removedTotal + addedTotal);
  const groupIds = new Int32Array(positions.length);
  positions.set(previous.positions.subarray(0, attachStart));
  groupIds.set(previous.groupIds.subarray(0, attachStart));
  const taken = new Int32Array(groupCount);
  for (let a = 0; a < addedTotal; a++) {
    const { attachment, id } = added[a] as { attachment: HttpListenerRoutes; id: number };
    const position = (inPrefix[id] as number) + (taken[id] as number);
    taken[id] = (taken[id] as number) + 1;
    (groups.get(groupKeys[id] as string) as HttpListenerRoutes[]).splice(position, 0, attachment);
    positions[attachStart + a] = position;
    groupIds[attachStart + a] = id;
  }
  for (let k = attachEndBefore, to = attachStart + addedTotal; k < previous.positions.length; k++, to++) {
    const id = previous.groupIds[k] as number;
    positions[to] = (previous.positions[k] as number) - (removedIn[id] as number) + (addedIn[id] as number);
    groupIds[to] = id;
  }
  for (let id = 0; id < groupCount; id++) {
    const key = groupKeys[id] as string;
    if (groups.get(key)?.length === 0) groups.delete(key);
  }

  const firstPosition = new Int32Array(routes.length + 1);
  firstPosition.set(firstBefore.subarray(0, start + 1));
  for (let i = start, at = attachStart; i < endAfter; i++) {
    firstPosition[i] = at;
    at += addedPerRoute[i - start] as number;
  }
  const shift = addedTotal - removedTotal;
  for (let i = endBefore; i <= beforeRoutes; i++) firstPosition[i - endBefore + endAfter] = (firstBefore[i] as number) + shift;

  // Statuses: the run's replace the removed routes' ones.
  const statusStart = statusesBefore(previous, start);
  const statusEndBefore = statusesBefore(previous, endBefore);
  const runStatuses: ObjectStatus[] = [];
  const statusIndex = previous.statusIndex.slice(0, start);
  for (let i = start; i < endAfter; i++) {
    const status = (results[i] as HttpRouteResult).status;
    statusIndex.push(status ? statusStart + runStatuses.push(status) - 1 : -1);
  }
  const statusShift = runStatuses.length - (statusEndBefore - statusStart);
  for (let i = endBefore; i < beforeRoutes; i++) {
    const index = previous.statusIndex[i] as number;
    statusIndex.push(index < 0 ? index : index + statusShift);
  }
  const statuses = [...previous.statuses.slice(0, statusStart), ...runStatuses, ...previous.statuses.slice(statusEndBefore)];
  let httpStatuses = previous.httpStatuses;
  for (let s = statusStart; s < statusEndBefore; s++) if (previous.statuses[s]?.kind === 'HTTPRoute') httpStatuses--;
  for (const status of runStatuses) if (status.kind === 'HTTPRoute') httpStatuses++;
  // Order can only break where the run's statuses meet their neighbours.
  let inOrder = previous.inOrder;
  for (let s = Math.max(1, statusStart); inOrder && s <= Math.min(statuses.length - 1, statusStart + runStatuses.length); s++) {
    const a = statuses[s - 1] as ObjectStatus;
    const b = statuses[s] as ObjectStatus;
    if (s === httpStatuses) continue;
    inOrder = a.kind === b.kind && compareNames(a, b) <= 0;
  }
  if (inOrder && httpStatuses > 0 && statuses[httpStatuses - 1]?.kind !== 'HTTPRoute') inOrder = false;
  if (inOrder && httpStatuses < statuses.length && statuses[httpStatuses]?.kind === 'HTTPRoute') inOrder = false;
  return { routes, results, statuses, statusIndex, groups, positions, firstPosition, groupIds, groupKeys, counts, httpStatuses, inOrder };
}

/**
 * Every HTTPRoute and GRPCRoute, in list order. With a memo whose previous phase saw the
 * same number of routes, only routes that are new objects are looked at:
 * the rest of the phase (statuses, attachment groups, listener counts) is patched.
 */
function translateHttpFamily(ctx: RouteContext): RememberedHttpRoutes {
  // What this phase adds to each listener's attachedRoutes, read off the listeners at the end
  // rather than added up route by route (a map update per route when the phase is collected).
  const listeners: ListenerModel[] = [];
  for (const models of [ctx.gateways.values(), ctx.meshParents.values()]) {
    for (const model of models) {
      listeners.push(...model.listeners);
      for (const set of model.listenerSets) listeners.push(...set.listeners);
    }
  }
  const countsBefore = listeners.map((listener) => listener.attachedRoutes);
  const counts = (): Map<ListenerModel, number> => {
    const added = new Map<ListenerModel, number>();
    listeners.forEach((listener, i) => {
      const count = listener.attachedRoutes - (countsBefore[i] as number);
      if (count > 0) added.set(listener, count);
    });
    return added;
  };
  const collect = (routes: readonly object[], results: readonly HttpRouteResult[]): RememberedHttpRoutes => collectPhase(routes, results, counts());
  const httpRoutes = ctx.resources.list('HTTPRoute');
  const routes: object[] = [...httpRoutes, ...ctx.resources.list('GRPCRoute')];
  const translateOne = rememberingTranslator(ctx);
  const translateAt = (index: number): HttpRouteResult => {
    if (index < httpRoutes.length) return translateOne(routes[index], () => translateHttpRoute(ctx, httpRoutes[index]));
    const route = routes[index] as GRPCRoute;
    // GRPCRoutes share the HTTP listeners' virtual hosts, so they are translated as the
    // HTTPRoutes they are equivalent to (see grpcroute.ts).
    return translateOne(route, () => translateHttpRoute(ctx, grpcRouteAsHttpRoute(route), 'GRPCRoute'));
  };
  const previous = ctx.memo?.httpRoutes;
  if (previous) {
    const memo = ctx.memo;
    const stale = (route: object): boolean => memo?.lookupsChanged === true && memo.isStale(route);
    // Attachment counts of unchanged routes are added up front; translating a route adds its own.
    for (const [listener, count] of previous.counts) listener.attachedRoutes += count;
    if (previous.routes.length === routes.length) {
      const changed = new Map<number, HttpRouteResult>();
      for (let i = 0; i < routes.length; i++) {
        if (routes[i] === previous.routes[i] && !stale(routes[i])) continue;
        for (const listener of previous.results[i].counted) listener.attachedRoutes -= 1;
        changed.set(i, translateAt(i));
      }
      if (changed.size === 0) return { ...previous, routes };
      const patched = patch(previous, routes, changed);
      if (patched) return patched;
      const results = previous.results.slice();
      for (const [index, result] of changed) results[index] = result;
      return collect(routes, results);
    }
    // Routes added or removed: keep the results of the unchanged beginning and end.
    const run = differingRun(previous.routes, routes);
    const { start, endBefore, endAfter } = run;
    for (let i = start; i < endBefore; i++) for (const listener of previous.results[i].counted) listener.attachedRoutes -= 1;
    const results = previous.results.slice(0, start);
    for (let i = start; i < endAfter; i++) results.push(translateAt(i));
    for (let i = endBefore; i < previous.routes.length; i++) results.push(previous.results[i]);
    let restale = false;
    for (let i = 0; i < routes.length; i++) {
      if ((i < start || i >= endAfter) && stale(routes[i])) {
        const index = i < start ? i : i - endAfter + endBefore;
        for (const listener of previous.results[index].counted) listener.attachedRoutes -= 1;
        results[i] = translateAt(i);
        restale = true;
      }
    }
    return restale || endBefore - start + (endAfter - start) > SPLICE_LIMIT ? collect(routes, results) : splicePhase(previous, routes, results, run, counts());
  }
  return collect(routes, routes.map((_, index) => translateAt(index)));
}

export const httpRouteTranslator: RouteKindTranslator = {
  kind: 'HTTPRoute',
  translateAll(ctx) {
    const phase = translateHttpFamily(ctx);
    if (ctx.memo) ctx.memo.httpRoutes = phase;
    // The remembered phase stays as translated; each translation settles it again.
    const { statuses, groups } = settleKindConflicts(phase, ctx.clock);
    return {
      statuses,
      ...(phase.inOrder ? { sortedRuns: [statuses.slice(0, phase.httpStatuses), statuses.slice(phase.httpStatuses)] } : {}),
      chainsFor: (gatewayKey, port, listeners) => buildHttpChains(gatewayKey, port, listeners, groups.get(`${gatewayKey}|${port}`) ?? [], ctx.memo),
    };
  },
};
