// Gateway API HTTPRouteTimeouts: `request` → route timeout (0s disables it);
// `backendRequest` → per_try_timeout, and the route timeout when `request` is unset: one
// attempt's worth, or with retries every attempt's and the backoffs between them, so that an
// attempt that runs past backendRequest is retried (HTTPRouteRetryBackendTimeout) rather than
// ending the request.
import { goDurationToProto, nanosToProtoDuration } from '../build/util.js';
import { durationNanos } from '../codec.js';
import type { EnvoyMessage } from '../types.js';
import type { XdsFeature } from './feature.js';

/** `per` for each of `attempts` attempts plus `backoff` before each retry, as a proto duration. */
function allAttempts(per: string, attempts: number, backoff: string | undefined): string {
  return nanosToProtoDuration((durationNanos(per) ?? 0) * (attempts + 1) + (backoff ? (durationNanos(backoff) ?? 0) * attempts : 0));
}

export const timeoutFeature: XdsFeature = {
  name: 'timeout',
  patchRoute(route, ir) {
    if (ir.action.kind !== 'forward' || !ir.action.timeouts) return;
    const action = route.route as EnvoyMessage | undefined;
    if (!action) return;
    const request = ir.action.timeouts.request ? goDurationToProto(ir.action.timeouts.request) : undefined;
    const backend = ir.action.timeouts.backendRequest ? goDurationToProto(ir.action.timeouts.backendRequest) : undefined;
    const retries = ir.action.retry?.attempts ?? 0;
    if (request) action.timeout = request;
    else if (backend && backend !== '0s' && retries > 0) {
      const backoff = ir.action.retry?.backoff ? goDurationToProto(ir.action.retry.backoff) : undefined;
      action.timeout = allAttempts(backend, retries, backoff);
    } else if (backend) action.timeout = backend;
    if (backend && backend !== '0s') {
      const existing = (action.retry_policy as EnvoyMessage | undefined) ?? { num_retries: 0 };
      action.retry_policy = { ...existing, per_try_timeout: backend };
    }
  },
};
