// Gateway API sessionPersistence → the stateful_session HTTP filter (inert in
// the HCM) and a per-route StatefulSessionPerRoute with a cookie or header state.
// Envoy has no idle timeout for session state; idleTimeoutSeconds is not applied.
import type { IRRouteConfig, IRRouteMatch, IRSessionPersistence, IRVirtualHost } from '@portico/ir';
import type { BuildContext } from '../build/context.js';
import { anyTrue, typed } from '../build/util.js';
import type { EnvoyMessage } from '../types.js';
import type { XdsFeature } from './feature.js';

export const STATEFUL_SESSION_FILTER = 'envoy.filters.http.stateful_session';

function hostUsesSessions(vh: IRVirtualHost): boolean {
  return vh.routes.some((r) => r.action.kind === 'forward' && r.action.sessionPersistence);
}

/** Every listener build asks, for every table: kept per host and per table (see rememberEach). */
function usesSessions(routeConfig: IRRouteConfig, ctx: BuildContext): boolean {
  return ctx.rememberEach(hostUsesSessions, anyTrue, routeConfig.name, routeConfig.virtualHosts);
}

/**
 * The cookie's Path from the route's path match (GEP-1619: "the Path should be interpreted based
 * on the route path that was matched"; for a regex, its longest non-regex prefix): a session of
 * /shop is not sent to /cart.
 */
function cookiePath(path: IRRouteMatch['path'] | undefined): string {
  if (!path) return '/';
  let literal = path.value;
  if (path.type === 'RegularExpression') {
    // An alternative anywhere (/shop/x|/cart/y) may match outside any one literal prefix.
    if (literal.includes('|')) return '/';
    let special = literal.search(/[\\^$.|?*+()[\]{}]/);
    // A quantifier makes the character before it optional too (/a/?x matches /ax).
    if (special > 0 && '?*+{'.includes(literal[special] as string)) special -= 1;
    literal = special === -1 ? literal : literal.slice(0, special);
    literal = literal.slice(0, literal.lastIndexOf('/') + 1);
  }
  // A prefix's trailing slash is not significant in Gateway API (/foo/ matches /foo); a regex's
  // literal part ends at a segment (/p1/p2/.*/p3 gives /p1/p2, as the GEP's example).
  if (path.type !== 'Exact') literal = literal.replace(/\/+$/, '');
  return literal.startsWith('/') && literal.length > 0 ? literal : '/';
}

export function sessionState(session: IRSessionPersistence, path?: IRRouteMatch['path']): EnvoyMessage {
  if (session.type === 'Header') {
    return {
      name: 'envoy.http.stateful_session.header',
      typed_config: typed('envoy.extensions.http.stateful_session.header.v3.HeaderBasedSessionState', { name: session.name }),
    };
  }
  const cookie: EnvoyMessage = { name: session.name, path: cookiePath(path) };
  if (session.absoluteTimeoutSeconds !== undefined) cookie.ttl = `${session.absoluteTimeoutSeconds}s`;
  return {
    name: 'envoy.http.stateful_session.cookie',
    typed_config: typed('envoy.extensions.http.stateful_session.cookie.v3.CookieBasedSessionState', { cookie }),
  };
}

export const sessionPersistenceFeature: XdsFeature = {
  name: 'session_persistence',
  httpFilters(routeConfig, ctx) {
    if (!usesSessions(routeConfig, ctx)) return [];
    return [
      {
        name: STATEFUL_SESSION_FILTER,
        typed_config: typed('envoy.extensions.filters.http.stateful_session.v3.StatefulSession', {}),
      },
    ];
  },
  patchRoute(route, ir) {
    if (ir.action.kind !== 'forward' || !ir.action.sessionPersistence) return;
    const perFilter = (route.typed_per_filter_config as EnvoyMessage | undefined) ?? {};
    perFilter[STATEFUL_SESSION_FILTER] = typed('envoy.extensions.filters.http.stateful_session.v3.StatefulSessionPerRoute', {
      stateful_session: { session_state: sessionState(ir.action.sessionPersistence, ir.match.path) },
    });
    route.typed_per_filter_config = perFilter;
  },
};
