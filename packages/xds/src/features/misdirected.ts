// When HTTPS listeners share a port, a request whose Host matches none of the
// SNI-selected chain's virtual hosts is refused with 421 Misdirected Request
// (instead of 404) by a catch-all virtual host.
import type { EnvoyMessage } from '../types.js';
import type { XdsFeature } from './feature.js';

export const misdirectedFeature: XdsFeature = {
  name: 'misdirected',
  patchRouteConfig(routeConfig, ir) {
    if (!ir.detectMisdirected) return;
    const virtualHosts = routeConfig.virtual_hosts as EnvoyMessage[];
    if (virtualHosts.some((vh) => (vh.domains as string[]).includes('*'))) return;
    virtualHosts.push({
      name: `${ir.name}/misdirected`,
      domains: ['*'],
      routes: [{ name: `${ir.name}/misdirected`, match: { prefix: '/' }, direct_response: { status: 421 } }],
    });
  },
};
