// Gateway API RequestMirror → request_mirror_policies with runtime_fraction
// (per-million precision) when less than 100%.
import type { EnvoyMessage } from '../types.js';
import type { XdsFeature } from './feature.js';

export const mirrorFeature: XdsFeature = {
  name: 'mirror',
  patchRoute(route, ir, ctx) {
    if (ir.action.kind !== 'forward' || !ir.action.mirrors?.length) return;
    const action = route.route as EnvoyMessage | undefined;
    if (!action) return;
    action.request_mirror_policies = ir.action.mirrors.map((mirror) => {
      ctx.referencedClusters.add(mirror.cluster);
      const policy: EnvoyMessage = { cluster: mirror.cluster };
      const percent = mirror.percent ?? 100;
      if (percent < 100) {
        policy.runtime_fraction = {
          default_value: { numerator: Math.max(0, Math.round(percent * 10_000)), denominator: 'MILLION' },
        };
      }
      return policy;
    });
  },
};
