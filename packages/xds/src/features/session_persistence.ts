// Gateway API sessionPersistence → the stateful_session HTTP filter (inert in
// the HCM) and a per-route StatefulSessionPerRoute with a cookie or header state.
// Envoy has no idle timeout for session state; idleTimeoutSeconds is not applied.
import type { IRRouteConfig, IRSessionPersistence, IRVirtualHost } from '@portico/ir';
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

export function sessionState(session: IRSessionPersistence): EnvoyMessage {
  if (session.type === 'Header') {
    return {
      name: 'envoy.http.stateful_session.header',
      typed_config: typed('envoy.extensions.http.stateful_session.header.v3.HeaderBasedSessionState', { name: session.name }),
    };
  }
  const cookie: EnvoyMessage = { name: session.name, path: '/' };
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
      stateful_session: { session_state: sessionState(ir.action.sessionPersistence) },
    });
    route.typed_per_filter_config = perFilter;
  },
};
