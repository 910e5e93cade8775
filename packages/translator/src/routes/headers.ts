// What Envoy accepts as a header name or value, which route matches and header filters check.

// Gateway API's HTTPHeaderName (the CRD pattern), which also names query parameters.
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;
// eslint-disable-next-line no-control-regex
const HEADER_VALUE_REFUSED = /[\u0000-\u0008\u000A-\u001F\u007F]/;

export function isHeaderName(name: string): boolean {
  return HEADER_NAME.test(name);
}

/** Control characters Envoy refuses in a header value (tab aside); the CRDs bound only the length. */
export function hasRefusedHeaderCharacters(value: string): boolean {
  return HEADER_VALUE_REFUSED.test(value);
}
