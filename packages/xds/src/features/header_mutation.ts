// Gateway API RequestHeaderModifier / ResponseHeaderModifier, rule level and
// per backendRef: set = OVERWRITE_IF_EXISTS_OR_ADD, add = APPEND_IF_EXISTS_OR_ADD,
// remove = *_headers_to_remove. Expressed as route / weighted-cluster header
// options (no HTTP filter needed).
import type { IRHeaderMutation } from '@portico/ir';
import type { EnvoyMessage } from '../types.js';
import type { XdsFeature } from './feature.js';

/**
 * Envoy reads a header value as a format string (`%DOWNSTREAM_REMOTE_ADDRESS%`): a Gateway API
 * value is literal, so each `%` is written `%%`. Unescaped, `50%` made Envoy refuse the whole
 * route table, and `%HOSTNAME%` was expanded.
 */
function literal(value: string): string {
  return value.includes('%') ? value.replaceAll('%', '%%') : value;
}

function headerValueOption(header: { name: string; value: string }, appendAction: string): EnvoyMessage {
  return { header: { key: header.name, value: literal(header.value) }, append_action: appendAction };
}

export function headerValueOptions(mutation: IRHeaderMutation): EnvoyMessage[] {
  // One list of its final size: this runs for every route with a header filter on every build.
  const { set, add } = mutation;
  const options = new Array<EnvoyMessage>(set.length + add.length);
  for (let i = 0; i < set.length; i++) options[i] = headerValueOption(set[i], 'OVERWRITE_IF_EXISTS_OR_ADD');
  for (let i = 0; i < add.length; i++) options[set.length + i] = headerValueOption(add[i], 'APPEND_IF_EXISTS_OR_ADD');
  return options;
}

/** Writes `<prefix>_headers_to_add` / `<prefix>_headers_to_remove` onto `target`. */
function apply(target: EnvoyMessage, prefix: 'request' | 'response', mutation: IRHeaderMutation | undefined): void {
  if (!mutation) return;
  // Field names written out rather than built from the prefix: a computed key is a new string
  // the object has to look up on every route.
  if (mutation.set.length + mutation.add.length > 0) {
    const options = headerValueOptions(mutation);
    if (prefix === 'request') target.request_headers_to_add = options;
    else target.response_headers_to_add = options;
  }
  if (mutation.remove.length > 0) {
    const remove = mutation.remove.slice();
    if (prefix === 'request') target.request_headers_to_remove = remove;
    else target.response_headers_to_remove = remove;
  }
}

function hasMutation(mutation: IRHeaderMutation | undefined): boolean {
  return !!mutation && mutation.set.length + mutation.add.length + mutation.remove.length > 0;
}

export const headerMutationFeature: XdsFeature = {
  name: 'header_mutation',
  patchRoute(route, ir) {
    apply(route, 'request', ir.requestHeaders);
    apply(route, 'response', ir.responseHeaders);
    if (ir.action.kind !== 'forward') return;
    const action = route.route as EnvoyMessage | undefined;
    if (!action) return;
    // Most routes have no per-backend mutation: find that out without building a list.
    let any = false;
    for (const b of ir.action.backends) {
      if (b.weight > 0 && (hasMutation(b.requestHeaders) || hasMutation(b.responseHeaders))) {
        any = true;
        break;
      }
    }
    if (!any) return;
    const backends = ir.action.backends.filter((b) => b.weight > 0);
    // Per-backend filters need a ClusterWeight to hang on, even for a single backend.
    if (typeof action.cluster === 'string') {
      action.weighted_clusters = { clusters: [{ name: action.cluster, weight: backends[0].weight }] };
      delete action.cluster;
    }
    const weighted = action.weighted_clusters as { clusters: EnvoyMessage[] };
    backends.forEach((backend, i) => {
      const entry = weighted.clusters[i];
      if (!entry || entry.name !== backend.cluster) return;
      apply(entry, 'request', backend.requestHeaders);
      apply(entry, 'response', backend.responseHeaders);
    });
  },
};
