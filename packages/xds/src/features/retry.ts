// Gateway API HTTPRouteRetry → RetryPolicy: retriable status codes, attempts,
// exponential backoff base interval, and connection errors and backend timeouts
// (HTTPRouteRetryConnectionError, HTTPRouteRetryBackendTimeout) whatever the codes.
import { goDurationToProto } from '../build/util.js';
import type { EnvoyMessage } from '../types.js';
import type { XdsFeature } from './feature.js';

export const retryFeature: XdsFeature = {
  name: 'retry',
  patchRoute(route, ir) {
    if (ir.action.kind !== 'forward' || !ir.action.retry) return;
    const action = route.route as EnvoyMessage | undefined;
    if (!action) return;
    const retry = ir.action.retry;
    // GEP-1731: connection errors are retried even without codes. connect-failure covers
    // connecting; reset covers an upstream that disconnects, resets or does not answer in
    // time, which includes the per-try timeout timeouts.backendRequest sets (Envoy retries a
    // per-try timeout as a reset). Codes add retriable-status-codes.
    const retryOn = ['connect-failure', 'refused-stream', 'reset'];
    if (retry.codes.length > 0) retryOn.push('retriable-status-codes');
    const policy: EnvoyMessage = { ...((action.retry_policy as EnvoyMessage | undefined) ?? {}), retry_on: retryOn.join(','), num_retries: retry.attempts };
    if (retry.codes.length > 0) policy.retriable_status_codes = [...retry.codes];
    const backoff = retry.backoff ? goDurationToProto(retry.backoff) : undefined;
    if (backoff && backoff !== '0s') policy.retry_back_off = { base_interval: backoff };
    action.retry_policy = policy;
  },
};
