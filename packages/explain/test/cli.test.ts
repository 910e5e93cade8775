import { describe, expect, it } from 'vitest';
import { ExplainArgsError, explainRequest, formatExplainTrace, parseExplainArgs } from '../src/index.js';
import { simple, toCluster, vhost } from './fixtures.js';

describe('parseExplainArgs', () => {
  it('method, URL with port and query, repeated -H headers', () => {
    const r = parseExplainArgs(['GET', 'http://www.example.com:8080/api?x=1', '-H', 'x-canary: true', '-H', 'x-canary: again']);
    expect(r).toEqual({ method: 'GET', scheme: 'http', authority: 'www.example.com:8080', path: '/api?x=1', headers: [['x-canary', 'true'], ['x-canary', 'again']] });
  });
  it('https with TLS options and the destination port', () => {
    const r = parseExplainArgs(['https://secure.test/', '--sni', 'other.test', '--client-cert', 'invalid', '--port', '8443', '--alpn', 'h2']);
    expect(r).toMatchObject({ scheme: 'https', authority: 'secure.test', sni: 'other.test', clientCertificate: { valid: false }, port: 8443, alpn: ['h2'] });
  });
  it('user:password@ in the URL is a Basic Authorization header, not part of the Host (as curl sends it)', () => {
    const r = parseExplainArgs(['GET', 'http://al%40x:pw@www.example.com:8080/api']);
    expect(r.authority).toBe('www.example.com:8080');
    expect(r.headers).toEqual([['authorization', `Basic ${Buffer.from('al@x:pw').toString('base64')}`]]);
    // A header given explicitly is the one sent.
    expect(parseExplainArgs(['http://u:p@a.example.com/', '-H', 'authorization: Bearer t']).headers).toEqual([['authorization', 'Bearer t']]);
  });
  it('a Host header overrides the authority; the URL port stays the destination port', () => {
    const r = parseExplainArgs(['http://10.0.0.1:8080/', '-H', 'Host: foo.test']);
    expect(r).toMatchObject({ authority: 'foo.test', port: 8080, destinationAddress: '10.0.0.1' });
    expect(parseExplainArgs(['http://www.test/', '-H', 'Host: foo.test']).destinationAddress).toBeUndefined();
  });
  it("a Host header changes neither the port connected to nor the TLS server name: the URL's host and port do (as with curl)", () => {
    // No port in the URL: the scheme's, not the Host header's.
    expect(parseExplainArgs(['http://www.example.com/', '-H', 'Host: www.example.com:8080'])).toMatchObject({ authority: 'www.example.com:8080', port: 80 });
    expect(parseExplainArgs(['https://www.example.com/', '-H', 'Host: foo.example.com'])).toMatchObject({ authority: 'foo.example.com', port: 443, sni: 'www.example.com' });
    // An address names no server: no SNI, as curl sends none for one.
    expect(parseExplainArgs(['https://192.0.2.4/', '-H', 'Host: foo.example.com'])).toMatchObject({ sni: null, destinationAddress: '192.0.2.4' });
    // --sni still wins.
    expect(parseExplainArgs(['https://www.example.com/', '-H', 'Host: foo.example.com', '--sni', 'bar.example.com']).sni).toBe('bar.example.com');
  });
  it('--destination gives the address the client connected to', () => {
    expect(parseExplainArgs(['http://api.example.com:8080/', '--destination', '203.0.113.7'])).toMatchObject({ destinationAddress: '203.0.113.7' });
  });
  it('a Host header keeps the URL\'s IP literal as the address connected to, brackets removed', () => {
    expect(parseExplainArgs(['http://[2001:db8::7]:8080/', '-H', 'Host: api.test'])).toMatchObject({ destinationAddress: '2001:db8::7', authority: 'api.test', port: 8080 });
    expect(parseExplainArgs(['http://192.0.2.4/', '-H', 'Host: api.test'])).toMatchObject({ destinationAddress: '192.0.2.4' });
    expect(parseExplainArgs(['http://web.test/', '-H', 'Host: api.test']).destinationAddress).toBeUndefined();
  });
  it('tcp:// and udp:// URLs select the transport', () => {
    expect(parseExplainArgs(['udp://dns.test:5300'])).toMatchObject({ transport: 'udp', authority: 'dns.test:5300' });
    expect(parseExplainArgs(['tls://db.test:5432'])).toMatchObject({ transport: 'tcp', scheme: 'https' });
  });
  it('--listener names the listener to start at', () => {
    expect(parseExplainArgs(['POST', 'http://echo:50051/pkg.Svc/M', '--listener', 'echo:50051'])).toMatchObject({ listener: 'echo:50051' });
  });
  it('bare host/path defaults to http and "/"', () => {
    expect(parseExplainArgs(['POST', 'foo.test'])).toMatchObject({ method: 'POST', scheme: 'http', authority: 'foo.test', path: '/' });
  });
  it('errors name the offending argument', () => {
    expect(() => parseExplainArgs(['GET'])).toThrow(ExplainArgsError);
    expect(() => parseExplainArgs(['http://x/', '-H', 'novalue'])).toThrow(/name: value/);
    expect(() => parseExplainArgs(['http://x/', '--bogus'])).toThrow(/--bogus/);
    expect(() => parseExplainArgs(['ftp://x/'])).toThrow(/scheme ftp/);
    expect(() => parseExplainArgs(['http://x:99999/'])).toThrow(/port 99999 is not a port number/);
    expect(() => parseExplainArgs(['http://[::1]:0/'])).toThrow(/port 0 is not a port number/);
  });
});

describe('formatExplainTrace', () => {
  it('prints a byte-stream request as its transport, not as an HTTP request', () => {
    const none = { listeners: [], routes: [], clusters: [], endpoints: [], secrets: [] };
    const firstLine = (args: string[]) => formatExplainTrace(explainRequest(none, parseExplainArgs(args))).split('\n')[0];
    expect(firstLine(['tcp://db.test:5432'])).toBe('TCP tcp://db.test:5432 → port 5432');
    expect(firstLine(['tls://db.test:5432'])).toMatch(/^TLS tls:\/\/db\.test:5432 → port 5432 \(SNI db\.test/);
    expect(firstLine(['udp://dns.test:5300'])).toBe('UDP udp://dns.test:5300 → port 5300');
    expect(firstLine(['POST', 'http://web.test/x'])).toBe('POST http://web.test/x → port 80');
  });

  it('prints every stage, candidates that lost, the upstream request and the source metadata', () => {
    const r = simple([
      vhost('other', ['other.test'], [toCluster('b')]),
      vhost('vh', ['*.example.com'], [toCluster('b', {}, { path: '/nope' }), { ...toCluster('a', { prefix_rewrite: '/v2' }, { prefix: '/v1' }), metadata: { filter_metadata: { portico: { kind: 'HTTPRoute', namespace: 'ns', name: 'web', rule: 1 } } } }]),
    ]);
    const text = formatExplainTrace(explainRequest(r, parseExplainArgs(['GET', 'http://www.example.com/v1/x', '--port', '8080', '-H', 'x-canary: true'])));
    expect(text).toContain('listener');
    expect(text).toContain('virtual host vh');
    expect(text).toContain('- other: domains [other.test]');
    expect(text).toContain('suffix wildcard');
    expect(text).toContain('is not exactly /nope');
    expect(text).toContain('[HTTPRoute ns/web rule=1]');
    expect(text).toContain('GET /v2/x');
    expect(text).toContain('x-canary: true');
    expect(text).toContain('[Service default/a port=8080]');
  });
  it('prints Envoy-generated responses with their headers', () => {
    const r = simple([vhost('vh', ['*'], [{ match: { prefix: '/' }, redirect: { https_redirect: true } }])]);
    const text = formatExplainTrace(explainRequest(r, { authority: 'w.test', port: 8080 }));
    expect(text).toContain('Response from Envoy: 301');
    expect(text).toContain('location: https://w.test/');
  });
});
