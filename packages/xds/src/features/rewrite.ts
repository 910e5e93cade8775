// Gateway API URLRewrite: hostname → host_rewrite_literal; ReplaceFullPath →
// regex_rewrite of the whole path; ReplacePrefixMatch → prefix_rewrite, or a
// regex when the replacement is `/` (Envoy would otherwise produce `//rest`).
import type { IRRouteMatch } from '@portico/ir';
import { escapeRegex } from '@portico/ir';
import type { EnvoyMessage } from '../types.js';
import type { XdsFeature } from './feature.js';

/** The literal prefix a ReplacePrefixMatch replaces, trailing slashes trimmed. */
export function matchedPrefix(path: IRRouteMatch['path']): string {
  return path.value.replace(/\/+$/, '');
}

/** Envoy rewrite fields (prefix_rewrite or regex_rewrite) replacing the matched prefix by `replacement`. */
export function prefixReplacement(path: IRRouteMatch['path'], replacement: string): EnvoyMessage {
  const prefix = matchedPrefix(path);
  const trimmed = replacement.replace(/\/+$/, '');
  if (trimmed === '' || trimmed !== replacement) {
    // `/prefix/rest` → `<replacement>/rest` and `/prefix` → `<replacement or />` without doubled slashes.
    return {
      regex_rewrite: {
        pattern: { regex: `^${escapeRegex(prefix)}/*` },
        substitution: trimmed === '' ? '/' : `${trimmed}/`,
      },
    };
  }
  if (prefix === '') {
    // Prefix `/`: every path gets the replacement in front.
    return { regex_rewrite: { pattern: { regex: '^/' }, substitution: `${trimmed}/` } };
  }
  return { prefix_rewrite: trimmed };
}

export function fullPathReplacement(value: string): EnvoyMessage {
  return { regex_rewrite: { pattern: { regex: '^/.*$' }, substitution: value } };
}

export const rewriteFeature: XdsFeature = {
  name: 'rewrite',
  patchRoute(route, ir) {
    if (ir.action.kind !== 'forward' || !ir.action.urlRewrite) return;
    const action = route.route as EnvoyMessage | undefined;
    if (!action) return;
    const { hostname, path } = ir.action.urlRewrite;
    if (hostname) action.host_rewrite_literal = hostname;
    if (path?.type === 'ReplaceFullPath') Object.assign(action, fullPathReplacement(path.value));
    if (path?.type === 'ReplacePrefixMatch') Object.assign(action, prefixReplacement(ir.match.path, path.value));
  },
};
