// WebSocket upgrades: allowed on every HTTP connection manager (as Gateway API
// users expect), and stated explicitly on routes whose backends declare the
// kubernetes.io/ws protocol.
import type { EnvoyMessage } from '../types.js';
import type { XdsFeature } from './feature.js';

export const websocketFeature: XdsFeature = {
  name: 'websocket',
  patchHcm(hcm, _routeConfig, ctx) {
    if (ctx.proxyless) return;
    hcm.upgrade_configs = [{ upgrade_type: 'websocket' }];
  },
  patchRoute(route, ir, ctx) {
    if (ir.action.kind !== 'forward') return;
    const action = route.route as EnvoyMessage | undefined;
    if (!action) return;
    let websocket = false;
    for (const b of ir.action.backends) {
      if (ctx.clusters.get(b.cluster)?.protocol === 'websocket') {
        websocket = true;
        break;
      }
    }
    if (websocket) action.upgrade_configs = [{ upgrade_type: 'websocket', enabled: true }];
  },
};
