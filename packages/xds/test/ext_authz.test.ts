import { describe, expect, it } from 'vitest';
import { AUTH_RESPONSE_HEADERS_NOT_COPIED, headerNamesExcept } from '../src/features/ext_authz.js';

// The regex is checked with another engine (JavaScript's, anchored as Envoy matches RE2 patterns
// whole) against names written out here.
describe('ext_authz: every auth response header but a few', () => {
  const regex = new RegExp(`^(?:${headerNamesExcept(AUTH_RESPONSE_HEADERS_NOT_COPIED)})$`);

  it('leaves out Host, pseudo-headers and the headers that describe the auth response itself', () => {
    for (const name of [...AUTH_RESPONSE_HEADERS_NOT_COPIED, ':status', ':authority', ':path', ':method', ':scheme']) {
      expect(regex.test(name), name).toBe(false);
    }
  });

  it('copies every other name, including prefixes and extensions of the ones left out', () => {
    for (const name of [
      'x-user-id', 'authorization', 'cookie', 'x-auth-request-email', 'set-cookie', 'server',
      'hos', 'hosts', 'x-host', 'content', 'content-', 'content-lengths', 'content-language', 'content-encodings', 'dat', 'dates',
      't', 'tee', 'trailers', 'transfer', 'x-envoy-upstream', 'x-envoy-upstream-service-time-x', 'upgrade-insecure-requests',
      'a', 'x', 'keep', '0', '-',
    ]) {
      expect(regex.test(name), name).toBe(true);
    }
  });

  it('has no exclusions but the pseudo-headers when given no names', () => {
    const all = new RegExp(`^(?:${headerNamesExcept([])})$`);
    expect(all.test('host')).toBe(true);
    expect(all.test(':status')).toBe(false);
  });
});
