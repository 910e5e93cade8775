// Regular expressions both stages write from literal text (gRPC method paths in the
// translator, CORS origins and path rewrites in xds).

/** `text` as a regular expression that matches exactly it (RE2 and JS alike). */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
