// Turns CLI-style pieces into an ExplainRequest, e.g.
//   GET http://www.example.com:8080/api?x=1 -H 'x-canary: true' --sni foo --port 8443
import { ipLiteral, splitHostPort } from './util.js';
import type { ExplainRequest } from './types.js';

export class ExplainArgsError extends Error {}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

/**
 * Accepts: an optional METHOD, a URL (`http://`, `https://`, `tcp://`, `udp://`, or a bare
 * `host[:port]/path` taken as http), and options:
 *   -H/--header 'name: value' (repeatable), -X/--method M, --port N (destination port),
 *   --sni NAME / --no-sni, --alpn a,b, --client-cert valid|invalid, --cluster NAME, --source ADDR,
 *   --listener NAME (start at a listener by name, e.g. an api_listener), --destination IP (the
 *   address the client connected to, for ORIGINAL_DST passthrough clusters).
 */
export function parseExplainArgs(args: string[]): ExplainRequest {
  const request: ExplainRequest = {};
  const headers: Array<[string, string]> = [];
  let url: string | undefined;
  const next = (i: number, flag: string): string => {
    const v = args[i + 1];
    if (v === undefined) throw new ExplainArgsError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    switch (a) {
      case '-H':
      case '--header': {
        const v = next(i, a);
        i++;
        const colon = v.indexOf(':', v.startsWith(':') ? 1 : 0);
        if (colon <= 0) throw new ExplainArgsError(`header ${JSON.stringify(v)} must be "name: value"`);
        headers.push([v.slice(0, colon).trim().toLowerCase(), v.slice(colon + 1).trim()]);
        break;
      }
      case '-X':
      case '--method':
        request.method = next(i, a).toUpperCase();
        i++;
        break;
      case '--port': {
        const p = Number(next(i, a));
        i++;
        if (!Number.isInteger(p) || p <= 0 || p > 65535) throw new ExplainArgsError(`--port must be a port number`);
        request.port = p;
        break;
      }
      case '--sni':
        request.sni = next(i, a);
        i++;
        break;
      case '--no-sni':
        request.sni = null;
        break;
      case '--alpn':
        request.alpn = next(i, a).split(',').map((s) => s.trim()).filter(Boolean);
        i++;
        break;
      case '--client-cert': {
        const v = next(i, a);
        i++;
        if (v !== 'valid' && v !== 'invalid') throw new ExplainArgsError('--client-cert must be valid or invalid');
        request.clientCertificate = { valid: v === 'valid' };
        break;
      }
      case '--listener':
        request.listener = next(i, a);
        i++;
        break;
      case '--cluster':
        request.cluster = next(i, a);
        i++;
        break;
      case '--source':
        request.sourceAddress = next(i, a);
        i++;
        break;
      case '--destination':
        request.destinationAddress = next(i, a);
        i++;
        break;
      default:
        if (a.startsWith('-')) throw new ExplainArgsError(`unknown option ${a}`);
        if (url === undefined && request.method === undefined && METHODS.has(a.toUpperCase()) && !a.includes('/')) request.method = a.toUpperCase();
        else if (url === undefined) url = a;
        else throw new ExplainArgsError(`unexpected argument ${JSON.stringify(a)}`);
    }
  }
  if (url === undefined) throw new ExplainArgsError('a URL is required, e.g. http://www.example.com/path');
  const m = /^(?:([a-zA-Z][a-zA-Z0-9+.-]*):\/\/)?([^/?#]*)(.*)$/.exec(url);
  if (!m) throw new ExplainArgsError(`cannot parse URL ${url}`);
  const scheme = (m[1] ?? 'http').toLowerCase();
  if (scheme === 'tcp' || scheme === 'udp' || scheme === 'tls') {
    request.transport = scheme === 'udp' ? 'udp' : 'tcp';
    request.stream = true;
    if (scheme === 'tls') request.scheme = 'https';
  } else if (scheme === 'http' || scheme === 'https') request.scheme = scheme;
  else throw new ExplainArgsError(`unsupported scheme ${scheme}`);
  // user:password@ is no part of the authority: like curl, it becomes a Basic Authorization
  // header (unless one is given), and Host is what follows it.
  const at = (m[2] ?? '').lastIndexOf('@');
  if (at >= 0) {
    const userinfo = (m[2] as string).slice(0, at);
    m[2] = (m[2] as string).slice(at + 1);
    if (!headers.some(([name]) => name === 'authorization')) {
      let credentials = userinfo;
      try {
        credentials = decodeURIComponent(userinfo);
      } catch {
        // A stray % is sent as written, as curl does.
      }
      headers.push(['authorization', `Basic ${Buffer.from(credentials).toString('base64')}`]);
    }
  }
  if (!m[2]) throw new ExplainArgsError(`URL ${url} has no host`);
  const urlPort = splitHostPort(m[2]).port;
  if (urlPort !== undefined && (urlPort < 1 || urlPort > 65535)) throw new ExplainArgsError(`URL ${url}: port ${urlPort} is not a port number (1-65535)`);
  request.authority = m[2];
  let path = m[3] || '/';
  if (path.startsWith('?')) path = `/${path}`;
  request.path = path.split('#')[0];
  const hostHeader = headers.findIndex(([n]) => n === 'host');
  if (hostHeader >= 0) {
    // An explicit Host header overrides the URL's authority in the request only: like curl, the
    // connection still goes to the URL's port (else the scheme's), its address when it is one,
    // and TLS names the URL's host (no name for an address), whatever the Host header says.
    const urlHost = splitHostPort(m[2]).host;
    if (request.port === undefined) request.port = urlPort ?? (request.scheme === 'https' ? 443 : 80);
    const urlAddress = ipLiteral(urlHost);
    if (request.destinationAddress === undefined && urlAddress) request.destinationAddress = urlAddress;
    if (request.sni === undefined && request.scheme === 'https') request.sni = urlAddress || urlHost.startsWith('[') ? null : urlHost;
    request.authority = headers[hostHeader][1];
    headers.splice(hostHeader, 1);
  }
  if (headers.length) request.headers = headers;
  return request;
}
