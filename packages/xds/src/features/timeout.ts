// Gateway API HTTPRouteTimeouts: `request` → route timeout (0s disables it);
// `backendRequest` → per_try_timeout (and the route timeout when `request` is unset).
import { goDurationToProto } from '../build/util.js';
import type { EnvoyMessage } from '../types.js';
import type { XdsFeature } from './feature.js';

export const timeoutFeature: XdsFeature = {
  name: 'timeout',
  patchRoute(route, ir) {
    if (ir.action.kind !== 'forward' || !ir.action.timeouts) return;
    const action = route.route as EnvoyMessage | undefined;
    if (!action) return;
    const request = ir.action.timeouts.request ? goDurationToProto(ir.action.timeouts.request) : undefined;
    const backend = ir.action.timeouts.backendRequest ? goDurationToProto(ir.action.timeouts.backendRequest) : undefined;
    if (request) action.timeout = request;
    else if (backend) action.timeout = backend;
    if (backend && backend !== '0s') {
      const existing = (action.retry_policy as EnvoyMessage | undefined) ?? { num_retries: 0 };
      action.retry_policy = { ...existing, per_try_timeout: backend };
    }
  },
};
