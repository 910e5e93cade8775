// What Envoy accepts as a header name or value, which route matches and header filters check.

// Gateway API's HTTPHeaderName (the CRD pattern), which also names query parameters.
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;
// eslint-disable-next-line no-control-regex
const HEADER_VALUE_REFUSED = /[\u0000-\u0008\u000A-\u001F\u007F]/;

// HTTPHeaderName's maximum length in the CRDs. Envoy takes a query parameter name of at most 1024 bytes.
const HEADER_NAME_MAX = 256;

/**
 * Why `name` is not an HTTPHeaderName (the CRD's pattern and length), as `"x y" is not a valid
 * header name`, or undefined. `what` names it: header, query parameter, cookie.
 */
export function headerNameProblem(name: unknown, what: string): string | undefined {
  if (typeof name !== 'string') return `a ${what} name must be a string`;
  if (!HEADER_NAME.test(name)) return `"${name}" is not a valid ${what} name`;
  if (name.length > HEADER_NAME_MAX) return `${name.length} characters, more than the ${HEADER_NAME_MAX} a ${what} name may have`;
  return undefined;
}

/** Control characters Envoy refuses in a header value (tab aside); the CRDs bound only the length. */
export function hasRefusedHeaderCharacters(value: string): boolean {
  return HEADER_VALUE_REFUSED.test(value);
}
