// Gateway API RequestRedirect → RedirectAction.
import type { IRRedirect } from '@portico/ir';
import type { EnvoyMessage } from '../types.js';
import type { XdsFeature } from './feature.js';
import { prefixReplacement } from './rewrite.js';

const RESPONSE_CODES: Record<IRRedirect['statusCode'], string> = {
  301: 'MOVED_PERMANENTLY',
  302: 'FOUND',
  303: 'SEE_OTHER',
  307: 'TEMPORARY_REDIRECT',
  308: 'PERMANENT_REDIRECT',
};

export const redirectFeature: XdsFeature = {
  name: 'redirect',
  patchRoute(route, ir) {
    if (ir.action.kind !== 'redirect') return;
    const r = ir.action.redirect;
    const redirect: EnvoyMessage = {};
    if (r.scheme) redirect.scheme_redirect = r.scheme;
    if (r.hostname) redirect.host_redirect = r.hostname;
    if (r.port !== undefined) redirect.port_redirect = r.port;
    if (r.path?.type === 'ReplaceFullPath') redirect.path_redirect = r.path.value;
    if (r.path?.type === 'ReplacePrefixMatch') Object.assign(redirect, prefixReplacement(ir.match.path, r.path.value));
    // MOVED_PERMANENTLY is the proto default (0); state it anyway for readable dumps.
    redirect.response_code = RESPONSE_CODES[r.statusCode];
    delete route.route;
    route.redirect = redirect;
  },
};
