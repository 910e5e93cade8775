// Fixed responses: invalid backends (500) and explicit direct responses.
import type { XdsFeature } from './feature.js';

export const directResponseFeature: XdsFeature = {
  name: 'direct_response',
  patchRoute(route, ir) {
    if (ir.action.kind !== 'directResponse') return;
    delete route.route;
    route.direct_response =
      ir.action.body !== undefined ? { status: ir.action.status, body: { inline_string: ir.action.body } } : { status: ir.action.status };
  },
};
