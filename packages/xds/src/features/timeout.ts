// Gateway API HTTPRouteTimeouts: `request` → route timeout (0s disables it); a GRPCRoute's
// calls are bounded by their gRPC deadline instead of Envoy's 15s default;
// `backendRequest` → per_try_timeout, and the route timeout when `request` is unset: one
// attempt's worth, or with retries every attempt's and the longest backoffs between them, so that an
// attempt that runs past backendRequest is retried (HTTPRouteRetryBackendTimeout) rather than
// ending the request.
import { goDurationToProto, nanosToProtoDuration } from '../build/util.js';
import { durationNanos } from '../codec.js';
import type { EnvoyMessage } from '../types.js';
import type { XdsFeature } from './feature.js';

/** About 285 years: the longest duration Envoy converts without overflow (int64 nanoseconds). */
const MAX_ENVOY_DURATION_NANOS = 9_000_000_000 * 1e9;

/** Envoy's retry base interval when the route sets none (router filter docs: 25ms). */
const ENVOY_DEFAULT_BACKOFF_NANOS = 25_000_000;

/**
 * `per` for the first attempt and each of `retries` retries, plus the longest wait Envoy may
 * take before each retry, as a proto duration. Envoy's backoff is fully jittered exponential:
 * the wait before retry N is below (2^N - 1) times the base interval, capped at its default
 * max_interval of 10 times the base. Taking one base interval per retry undercounted it, so the
 * route timeout could end the request before its last retry.
 */
function allAttempts(per: string, retries: number, backoff: string | undefined): string {
  const configured = backoff ? (durationNanos(backoff) ?? 0) : 0;
  const base = configured > 0 ? configured : ENVOY_DEFAULT_BACKOFF_NANOS;
  let waits = 0;
  for (let retry = 1; retry <= retries; retry++) waits += Math.min((2 ** retry - 1) * base, 10 * base);
  const total = (durationNanos(per) ?? 0) * (retries + 1) + waits;
  // Envoy refuses a duration whose nanoseconds pass a signed 64-bit integer (and with it the
  // route table); one that long bounds nothing anyway: no timeout then (each attempt keeps its own).
  return total >= MAX_ENVOY_DURATION_NANOS ? '0s' : nanosToProtoDuration(total);
}


export const timeoutFeature: XdsFeature = {
  name: 'timeout',
  patchRoute(route, ir) {
    if (ir.action.kind !== 'forward') return;
    const action = route.route as EnvoyMessage | undefined;
    if (!action) return;
    if (!ir.action.timeouts) {
      // GRPCRoute has no timeouts field. Envoy's default route timeout (15s) would end every
      // streaming call after 15 seconds: calls end when the client's deadline (grpc-timeout)
      // says, which is how gRPC bounds them.
      if (ir.source.kind === 'GRPCRoute') {
        action.timeout = '0s';
        action.max_stream_duration = { grpc_timeout_header_max: '0s' };
      }
      return;
    }
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
