// Hostname intersection between listeners and routes (Gateway API semantics):
// `*.example.com` matches any name with one or more labels before `.example.com`,
// never `example.com` itself; an absent hostname matches everything.
import { isIP } from 'node:net';

// Gateway API's Hostname: RFC 1123 labels, lowercase, an optional leading `*.` label.
const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Whether `hostname` is one the Gateway API CRDs would admit. The API server checks, but a
 * manifest file is not checked by anyone else, and a name with a space or a control character
 * becomes an Envoy domain Envoy refuses (with its whole route table).
 */
export function isValidHostname(hostname: string): boolean {
  // Gateway API Hostname: "IPs are not allowed" (an IPv4 address fits RFC 1123's pattern).
  return hostname.length <= 253 && HOSTNAME.test(hostname) && isIP(hostname) === 0;
}

/** A Gateway API PreciseHostname: a Hostname without a wildcard (redirects, rewrites, Gateway addresses). */
export function isPreciseHostname(hostname: string): boolean {
  return isValidHostname(hostname) && !isWildcard(hostname);
}

/**
 * Why `hostname` is not a Gateway API Hostname (a PreciseHostname, without a wildcard, when
 * `precise`), to follow the quoted value in a message; undefined when it is one.
 */
export function hostnameProblem(hostname: string, precise = false): string | undefined {
  if (precise ? isPreciseHostname(hostname) : isValidHostname(hostname)) return undefined;
  if (isIP(hostname) !== 0) return 'is an IP address; a hostname is required';
  return `is not a valid hostname (RFC 1123, lowercase, ${precise ? 'no wildcard' : 'optionally *. first'})`;
}

/** A problem per route hostname (spec.hostnames) that is not a Gateway API Hostname. */
export function routeHostnameProblems(hostnames: readonly string[] | undefined): string[] {
  const problems: string[] = [];
  for (const [i, hostname] of (hostnames ?? []).entries()) {
    const why = hostnameProblem(hostname);
    if (why !== undefined) problems.push(`spec.hostnames[${i}]: "${hostname}" ${why}`);
  }
  return problems;
}

/** An RFC 1123 label (a Kubernetes namespace or Service name, as DNS serves it). */
export function isDnsLabel(name: string): boolean {
  return name.length <= 63 && DNS_LABEL.test(name);
}

export function isWildcard(hostname: string): boolean {
  return hostname.startsWith('*.');
}

/** Does `pattern` (exact or wildcard) match the concrete-or-wildcard `name`? */
export function hostnameCovers(pattern: string, name: string): boolean {
  if (!isWildcard(pattern)) return pattern === name;
  const suffix = pattern.slice(1); // `.example.com`
  if (isWildcard(name)) return name.slice(1).endsWith(suffix) && name.length >= pattern.length;
  return name.endsWith(suffix) && name.length > suffix.length;
}

/**
 * The set of names both accept, expressed as one hostname, or undefined when disjoint.
 * `undefined` inputs mean "any hostname".
 */
export function intersectHostnames(listener: string | undefined, route: string | undefined): string | undefined | null {
  if (listener === undefined) return route;
  if (route === undefined) return listener;
  if (hostnameCovers(listener, route)) return route;
  if (hostnameCovers(route, listener)) return listener;
  return null;
}

/**
 * The hostnames a route serves through a listener: its own hostnames narrowed by the
 * listener's. `['*']` stands for "any host". Empty when nothing intersects.
 */
export function effectiveHostnames(listenerHostname: string | undefined, routeHostnames: readonly string[]): string[] {
  if (routeHostnames.length === 0) return [listenerHostname ?? '*'];
  // A list rather than a set: a route has one or a few hostnames, and this runs for every
  // route and listener it attaches to.
  const result: string[] = [];
  for (const raw of routeHostnames) {
    const hostname = raw.toLowerCase();
    const intersection = intersectHostnames(listenerHostname, hostname);
    if (intersection === null) continue;
    const name = intersection ?? '*';
    if (!result.includes(name)) result.push(name);
  }
  return result;
}

/**
 * Specificity of a listener hostname for request dispatch: exact names beat wildcards,
 * longer wildcard suffixes beat shorter ones, and the empty hostname comes last.
 */
export function hostnameSpecificity(hostname: string | undefined): number {
  if (hostname === undefined || hostname === '*') return 0;
  if (isWildcard(hostname)) return 1 + hostname.split('.').length;
  return 1000;
}

/** True when listener hostname `a` is strictly more specific than `b` for dispatch. */
export function moreSpecific(a: string | undefined, b: string | undefined): boolean {
  const sa = hostnameSpecificity(a);
  const sb = hostnameSpecificity(b);
  if (sa !== sb) return sa > sb;
  return false;
}

/**
 * Listener isolation: a listener is chosen by hostname, most specific first, before any of its
 * routes. True when `hostname`, served through a listener whose hostname is `owner.hostname`,
 * belongs to another, more specific listener of `peers` (those dispatched on the same port)
 * that covers it: its requests or connections never reach the routes of `owner`.
 */
export function shadowedByMoreSpecificListener<T extends { readonly hostname?: string | undefined }>(
  owner: T,
  hostname: string,
  peers: readonly T[],
): boolean {
  if (hostname === '*') return false;
  return peers.some(
    (other) => other !== owner && other.hostname !== undefined && moreSpecific(other.hostname, owner.hostname) && hostnameCovers(other.hostname, hostname),
  );
}
