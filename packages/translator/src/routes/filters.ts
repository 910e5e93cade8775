import type { BackendRef, HTTPHeaderFilter, HTTPPathModifier, HTTPRequestMirrorFilter, HTTPRouteFilter } from '@portico/api';
import type { IRCors, IRHeaderMutation, IRRedirect, IRUrlRewrite } from '@portico/ir';
import type { BackendContext } from './backends.js';
import { resolveBackendRef } from './backends.js';
import { hasRefusedHeaderCharacters, headerNameProblem } from './headers.js';
import { hostnameProblem } from './hostnames.js';
import { isPortNumber } from '../util.js';

export interface FilterProblem {
  /** Condition type and reason the problem maps to. */
  kind: 'UnsupportedValue' | 'IncompatibleFilters' | 'ResolvedRefs';
  reason: string;
  message: string;
}

/** A RequestRedirect filter as written: finalizeRedirect fills in the listener's scheme and port. */
export type RedirectSpec = IRRedirect;

export interface CompiledFilters {
  requestHeaders?: IRHeaderMutation;
  responseHeaders?: IRHeaderMutation;
  redirect?: RedirectSpec;
  urlRewrite?: IRUrlRewrite;
  mirrors: Array<{ cluster: string; percent?: number }>;
  cors?: IRCors;
  externalAuth?: {
    protocol: 'HTTP' | 'GRPC';
    cluster: string;
    path?: string;
    allowedHeaders?: string[];
    allowedResponseHeaders?: string[];
    forwardBodyMaxSize?: number;
  };
  /** An ExtensionRef this controller cannot run: matching requests must get an error. */
  unresolvedExtension: boolean;
  problems: FilterProblem[];
}

/**
 * Envoy refuses a route table whose header additions or removals name Host (HeaderParser: "host
 * headers may not be modified"), so one such filter would take every route of the listener
 * down with it. It is refused here, with its rule; URLRewrite's hostname rewrites Host.
 */
function hostHeaderProblem(name: unknown): string | undefined {
  // By length first: lowercasing every header name of every build allocated a string for each.
  return typeof name === 'string' && name.length === 4 && name.toLowerCase() === 'host'
    ? 'Host cannot be set, added or removed by a header filter (Envoy refuses it); URLRewrite hostname rewrites it'
    : undefined;
}

/** What Envoy would refuse in a header modifier (naming the field), or undefined. */
function headerFilterProblem(filter: HTTPHeaderFilter | undefined, field: string): string | undefined {
  if (filter === undefined) return undefined;
  for (let list = 0; list < HEADER_LISTS.length; list++) {
    const count = headerCount(filter, list);
    for (let i = 0; i < count; i++) {
      const name = headerName(filter, list, i);
      const badName = headerNameProblem(name, 'header') ?? hostHeaderProblem(name);
      if (list === REMOVE) {
        if (badName !== undefined) return `${placeName(field, list, i)}: ${badName}`;
      } else {
        if (badName !== undefined) return `${placeName(field, list, i)}.name: ${badName}`;
        const value = (headerList(filter, list)?.[i] as { value?: unknown }).value;
        if (typeof value !== 'string') return `${placeName(field, list, i)}.value: missing`;
        if (hasRefusedHeaderCharacters(value)) return `${placeName(field, list, i)}.value: control characters are not allowed in a header value`;
      }
      const earlier = earlierAction(filter, field, list, i, name as string);
      if (earlier !== undefined) return `${placeName(field, list, i)}: header ${name as string} already has an action at ${earlier} (one action per header name)`;
    }
  }
  return undefined;
}

// Gateway API: "Only one action for a given header name is permitted" (names are
// case-insensitive; the CRD's list keys are not, so X-Foo and x-foo both get through).
// A filter has a few headers: each is compared in place with those before it, as this runs
// for every header filter of every build (lists of lowercased names were allocated for each).
const HEADER_LISTS = ['set', 'add', 'remove'] as const;
const REMOVE = 2;

/** The filter's list at HEADER_LISTS[list]: headers to set or add, or names to remove. */
function headerList(filter: HTTPHeaderFilter, list: number): readonly unknown[] | undefined {
  return list === 0 ? filter.set : list === 1 ? filter.add : filter.remove;
}

function headerCount(filter: HTTPHeaderFilter, list: number): number {
  return headerList(filter, list)?.length ?? 0;
}

function headerName(filter: HTTPHeaderFilter, list: number, index: number): unknown {
  const entry = headerList(filter, list)?.[index];
  return list === REMOVE ? entry : (entry as { name?: unknown }).name;
}

/** Where an earlier action on the same header name is, if any. */
function earlierAction(filter: HTTPHeaderFilter, field: string, list: number, index: number, name: string): string | undefined {
  for (let other = 0; other <= list; other++) {
    const end = other === list ? index : headerCount(filter, other);
    for (let i = 0; i < end; i++) if (sameHeaderName(headerName(filter, other, i) as string, name)) return placeName(field, other, i);
  }
  return undefined;
}

function placeName(field: string, list: number, index: number): string {
  return `${field}.${HEADER_LISTS[list] as string}[${index}]`;
}

function sameHeaderName(a: string, b: string): boolean {
  return a.length === b.length && (a === b || a.toLowerCase() === b.toLowerCase());
}

/** A redirect's or rewrite's hostname: a Gateway API PreciseHostname (no wildcard). */
function preciseHostnameProblem(hostname: string | undefined, field: string): string | undefined {
  const why = hostname === undefined ? undefined : hostnameProblem(hostname, true);
  return why === undefined ? undefined : `${field}: "${hostname}" ${why}`;
}

export function headerMutation(filter: HTTPHeaderFilter | undefined): IRHeaderMutation {
  return {
    set: (filter?.set ?? []).map((h) => ({ name: h.name, value: h.value })),
    add: (filter?.add ?? []).map((h) => ({ name: h.name, value: h.value })),
    remove: [...(filter?.remove ?? [])],
  };
}

function pathModifier(
  modifier: HTTPPathModifier | undefined,
  field: string,
  problems: FilterProblem[],
): RedirectSpec['path'] | undefined | null {
  if (!modifier) return undefined;
  if (modifier.type === 'ReplaceFullPath' || modifier.type === 'ReplacePrefixMatch') {
    const full = modifier.type === 'ReplaceFullPath';
    const given = full ? modifier.replaceFullPath : modifier.replacePrefixMatch;
    // An empty full path (the CRD sets no minimum length) is no request path: the root is the
    // only one it can mean. Envoy would leave the path as it was for an empty rewrite result.
    const value = given === undefined || (full && given === '') ? '/' : given;
    // Envoy writes it into the :path header: no control characters (the CRD bounds only the length).
    if (hasRefusedHeaderCharacters(value)) {
      problems.push({ kind: 'UnsupportedValue', reason: 'UnsupportedValue', message: `${field}.${full ? 'replaceFullPath' : 'replacePrefixMatch'}: control characters are not allowed in a path` });
      return null;
    }
    return { type: modifier.type, value };
  }
  problems.push({ kind: 'UnsupportedValue', reason: 'UnsupportedValue', message: `${field}.type: unknown path modifier ${modifier.type}` });
  return null;
}

const REDIRECT_CODES = [301, 302, 303, 307, 308] as const;

function redirectCode(code: number | undefined): RedirectSpec['statusCode'] | undefined {
  const value = code ?? 302;
  return (REDIRECT_CODES as readonly number[]).includes(value) ? (value as RedirectSpec['statusCode']) : undefined;
}

/**
 * The share of requests a RequestMirror copies, in percent (undefined: all of them), or what
 * is wrong with it. The CRD bounds percent to 0–100 and a fraction to numerator ≤ denominator,
 * denominator > 0; a file or an older CRD can hold anything.
 */
function mirrorPercent(spec: HTTPRequestMirrorFilter, field: string): number | string | undefined {
  if (spec.percent !== undefined) {
    return spec.percent >= 0 && spec.percent <= 100 ? spec.percent : `${field}.percent: ${spec.percent} is not between 0 and 100`;
  }
  if (!spec.fraction) return undefined;
  const { numerator } = spec.fraction;
  const denominator = spec.fraction.denominator ?? 100;
  if (typeof numerator !== 'number' || numerator < 0 || !(denominator > 0) || numerator > denominator) {
    return `${field}.fraction: ${numerator}/${denominator} is not a fraction of requests (0 ≤ numerator ≤ denominator, denominator > 0)`;
  }
  return (numerator / denominator) * 100;
}

export interface FilterContext extends BackendContext {
  routeKind: string;
  routeNamespace: string;
  /** Whether the rule's matches are all PathPrefix (required by ReplacePrefixMatch). */
  prefixMatchesOnly: boolean;
}

/**
 * What a rule without filters compiles to. Frozen and shared: most rules have no filters, and
 * nothing downstream writes to compiled filters.
 */
export const NO_FILTERS: CompiledFilters = Object.freeze({
  mirrors: Object.freeze([]) as Readonly<CompiledFilters['mirrors']> as CompiledFilters['mirrors'],
  unresolvedExtension: false,
  problems: Object.freeze([]) as readonly FilterProblem[] as FilterProblem[],
});

/** GRPCRouteFilterType: the filter types a GRPCRoute has. */
const GRPC_FILTER_TYPES: ReadonlySet<string> = new Set(['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestMirror', 'ExtensionRef']);

/** The backend a filter sends to (a mirror, an auth service), over HTTP/2 when it carries gRPC. */
function resolveFilterBackend(ctx: FilterContext, ref: BackendRef | undefined, field: string, grpc: boolean): ReturnType<typeof resolveBackendRef> {
  return resolveBackendRef(ctx, { kind: ctx.routeKind, namespace: ctx.routeNamespace }, ref, field, grpc ? 'http2' : undefined);
}

/** Compiles rule-level (or backendRef-level) filters; every problem names its field. */
export function compileFilters(ctx: FilterContext, filters: readonly HTTPRouteFilter[], field: string): CompiledFilters {
  if (filters.length === 0) return NO_FILTERS;
  const out: CompiledFilters = { mirrors: [], unresolvedExtension: false, problems: [] };
  const problems = out.problems;
  for (let index = 0; index < filters.length; index++) {
    const filter = filters[index] as HTTPRouteFilter;
    const f = `${field}[${index}]`;
    // A GRPCRoute's filters are a subset of an HTTPRoute's (GRPCRouteFilterType): the others are
    // unknown to it, as any unknown type is to an HTTPRoute.
    if (ctx.routeKind === 'GRPCRoute' && typeof filter.type === 'string' && !GRPC_FILTER_TYPES.has(filter.type)) {
      problems.push({ kind: 'UnsupportedValue', reason: 'UnsupportedValue', message: `${f}.type: ${filter.type} is not a GRPCRoute filter type (${[...GRPC_FILTER_TYPES].join(', ')})` });
      continue;
    }
    switch (filter.type) {
      case 'RequestHeaderModifier':
      case 'ResponseHeaderModifier': {
        const request = filter.type === 'RequestHeaderModifier';
        const spec = request ? filter.requestHeaderModifier : filter.responseHeaderModifier;
        const problem = headerFilterProblem(spec, `${f}.${request ? 'requestHeaderModifier' : 'responseHeaderModifier'}`);
        if (problem) {
          problems.push({ kind: 'UnsupportedValue', reason: 'UnsupportedValue', message: problem });
          break;
        }
        if (request) out.requestHeaders = headerMutation(spec);
        else out.responseHeaders = headerMutation(spec);
        break;
      }
      case 'RequestRedirect': {
        const spec = filter.requestRedirect ?? {};
        const statusCode = redirectCode(spec.statusCode);
        if (!statusCode) {
          problems.push({ kind: 'UnsupportedValue', reason: 'UnsupportedValue', message: `${f}.requestRedirect.statusCode: ${String(spec.statusCode)} is not a supported redirect code` });
          break;
        }
        if (spec.scheme !== undefined && spec.scheme !== 'http' && spec.scheme !== 'https') {
          problems.push({ kind: 'UnsupportedValue', reason: 'UnsupportedValue', message: `${f}.requestRedirect.scheme: ${spec.scheme} is not supported (http, https)` });
          break;
        }
        const badHost = preciseHostnameProblem(spec.hostname, `${f}.requestRedirect.hostname`);
        if (badHost) {
          problems.push({ kind: 'UnsupportedValue', reason: 'UnsupportedValue', message: badHost });
          break;
        }
        const path = pathModifier(spec.path, `${f}.requestRedirect.path`, problems);
        if (path === null) break;
        if (path?.type === 'ReplacePrefixMatch' && !ctx.prefixMatchesOnly) {
          problems.push({ kind: 'UnsupportedValue', reason: 'UnsupportedValue', message: `${f}.requestRedirect.path: ReplacePrefixMatch needs every match of the rule to be a PathPrefix match` });
          break;
        }
        if (spec.port !== undefined && !isPortNumber(spec.port)) {
          problems.push({ kind: 'UnsupportedValue', reason: 'UnsupportedValue', message: `${f}.requestRedirect.port: ${spec.port} is not a port number (1-65535)` });
          break;
        }
        const redirect: RedirectSpec = { statusCode };
        if (spec.scheme) redirect.scheme = spec.scheme;
        if (spec.hostname) redirect.hostname = spec.hostname;
        if (spec.port !== undefined) redirect.port = spec.port;
        if (path) redirect.path = path;
        out.redirect = redirect;
        break;
      }
      case 'URLRewrite': {
        const spec = filter.urlRewrite ?? {};
        const badHost = preciseHostnameProblem(spec.hostname, `${f}.urlRewrite.hostname`);
        if (badHost) {
          problems.push({ kind: 'UnsupportedValue', reason: 'UnsupportedValue', message: badHost });
          break;
        }
        const path = pathModifier(spec.path, `${f}.urlRewrite.path`, problems);
        if (path === null) break;
        if (path?.type === 'ReplacePrefixMatch' && !ctx.prefixMatchesOnly) {
          problems.push({ kind: 'UnsupportedValue', reason: 'UnsupportedValue', message: `${f}.urlRewrite.path: ReplacePrefixMatch needs every match of the rule to be a PathPrefix match` });
          break;
        }
        const rewrite: IRUrlRewrite = {};
        if (spec.hostname) rewrite.hostname = spec.hostname;
        if (path) rewrite.path = path;
        out.urlRewrite = rewrite;
        break;
      }
      case 'RequestMirror': {
        const spec = filter.requestMirror;
        if (!spec) {
          problems.push({ kind: 'UnsupportedValue', reason: 'UnsupportedValue', message: `${f}.requestMirror: missing` });
          break;
        }
        const share = mirrorPercent(spec, `${f}.requestMirror`);
        if (typeof share === 'string') {
          problems.push({ kind: 'UnsupportedValue', reason: 'UnsupportedValue', message: share });
          break;
        }
        // A GRPCRoute's copy is gRPC like the request it copies: over HTTP/2, as its backends.
        const resolved = resolveFilterBackend(ctx, spec.backendRef, `${f}.requestMirror.backendRef`, ctx.routeKind === 'GRPCRoute');
        if (!resolved.ok) {
          problems.push({ kind: 'ResolvedRefs', reason: resolved.reason, message: resolved.message });
          break;
        }
        const mirror: { cluster: string; percent?: number } = { cluster: resolved.cluster };
        if (share !== undefined && share < 100) mirror.percent = share;
        out.mirrors.push(mirror);
        break;
      }
      case 'CORS': {
        const spec = filter.cors ?? {};
        out.cors = {
          allowOrigins: [...(spec.allowOrigins ?? [])],
          allowCredentials: spec.allowCredentials ?? false,
          allowMethods: [...(spec.allowMethods ?? [])],
          allowHeaders: [...(spec.allowHeaders ?? [])],
          exposeHeaders: [...(spec.exposeHeaders ?? [])],
          maxAgeSeconds: spec.maxAge ?? 5,
        };
        break;
      }
      case 'ExternalAuth': {
        const spec = filter.externalAuth;
        if (!spec || (spec.protocol !== 'HTTP' && spec.protocol !== 'GRPC')) {
          problems.push({ kind: 'UnsupportedValue', reason: 'UnsupportedValue', message: `${f}.externalAuth.protocol: must be HTTP or GRPC` });
          break;
        }
        // Envoy's gRPC client speaks HTTP/2 only: a GRPC auth service gets an HTTP/2 cluster
        // whatever its port's appProtocol says (envoyproxy/envoy#19246).
        const resolved = resolveFilterBackend(ctx, spec.backendRef, `${f}.externalAuth.backendRef`, spec.protocol === 'GRPC');
        if (!resolved.ok) {
          problems.push({ kind: 'ResolvedRefs', reason: resolved.reason, message: resolved.message });
          // Requests must not bypass authorization because its service is missing.
          out.unresolvedExtension = true;
          break;
        }
        const auth: NonNullable<CompiledFilters['externalAuth']> = { protocol: spec.protocol, cluster: resolved.cluster };
        if (spec.protocol === 'HTTP') {
          if (spec.http?.path) auth.path = spec.http.path;
          if (spec.http?.allowedHeaders) auth.allowedHeaders = [...spec.http.allowedHeaders];
          if (spec.http?.allowedResponseHeaders) auth.allowedResponseHeaders = [...spec.http.allowedResponseHeaders];
        } else if (spec.grpc?.allowedHeaders) {
          auth.allowedHeaders = [...spec.grpc.allowedHeaders];
        }
        if (spec.forwardBody?.maxSize !== undefined) auth.forwardBodyMaxSize = spec.forwardBody.maxSize;
        out.externalAuth = auth;
        break;
      }
      case 'ExtensionRef': {
        const ref = filter.extensionRef;
        out.unresolvedExtension = true;
        problems.push({
          kind: 'ResolvedRefs',
          reason: 'InvalidKind',
          message: `${f}.extensionRef: ${ref ? `${ref.group || 'core'}/${ref.kind} ${ref.name}` : 'reference'} is not an extension this controller supports; matching requests get a 500`,
        });
        break;
      }
      default:
        problems.push({
          kind: 'UnsupportedValue',
          reason: 'UnsupportedValue',
          message: typeof filter.type === 'string' ? `${f}.type: unknown filter type ${filter.type}` : `${f}.type: a filter needs a type`,
        });
    }
  }
  if (out.redirect && out.urlRewrite) {
    problems.push({ kind: 'IncompatibleFilters', reason: 'IncompatibleFilters', message: `${field}: RequestRedirect and URLRewrite cannot be combined in one rule` });
  }
  return out;
}
