// Gateway API HTTPRouteRetry → RetryPolicy: retriable status codes, attempts,
// exponential backoff base interval.
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
    // Connection failures are always retried (GEP-1731); codes add retriable-status-codes.
    const retryOn = ['connect-failure', 'refused-stream'];
    if (retry.codes.length > 0) retryOn.push('retriable-status-codes');
    const policy: EnvoyMessage = { ...((action.retry_policy as EnvoyMessage | undefined) ?? {}), retry_on: retryOn.join(','), num_retries: retry.attempts };
    if (retry.codes.length > 0) policy.retriable_status_codes = [...retry.codes];
    const backoff = retry.backoff ? goDurationToProto(retry.backoff) : undefined;
    if (backoff && backoff !== '0s') policy.retry_back_off = { base_interval: backoff };
    action.retry_policy = policy;
  },
};
