// Listener and filter chain selection (listener.proto, listener_components.proto FilterChainMatch,
// server/filter_chain_manager_impl.cc) and the downstream TLS handshake outcome.
import type { EnvoyResource, EnvoyResources } from '@portico/xds';
import type { CandidateNote, TraceStep } from './types.js';
import { arr, bool, obj, objs, str, num, typeName, type Obj } from './util.js';

export interface ConnectionContext {
  port: number;
  transport: 'tcp' | 'udp';
  tls: boolean;
  sni: string | null;
  alpn: string[];
  clientCertificate: 'none' | 'valid' | 'invalid';
  /** The client speaks HTTP (http, https); false for a raw byte stream (tcp), which http_inspector does not recognise. */
  http?: boolean;
}

function socketAddress(address: unknown): { address?: string; port?: number; protocol: string } | undefined {
  const sa = obj(obj(address)?.socket_address);
  if (!sa) return undefined;
  return { address: str(sa.address), port: num(sa.port_value), protocol: (str(sa.protocol) ?? 'TCP').toUpperCase() };
}

function listenerAddresses(listener: Obj): Array<{ address?: string; port?: number; protocol: string }> {
  const out = [];
  const main = socketAddress(listener.address);
  if (main) out.push(main);
  for (const extra of objs(listener.additional_addresses)) {
    const a = socketAddress(extra.address);
    if (a) out.push(a);
  }
  return out;
}

function isUdpListener(listener: Obj, protocol: string): boolean {
  return protocol === 'UDP' || obj(listener.udp_listener_config) !== undefined;
}

export function selectListener(resources: EnvoyResources, ctx: ConnectionContext, steps: TraceStep[]): EnvoyResource | undefined {
  const candidates: CandidateNote[] = [];
  let chosen: EnvoyResource | undefined;
  for (const resource of resources.listeners) {
    const listener = resource.message;
    if (obj(listener.api_listener)) {
      candidates.push({ name: resource.name, matched: false, reason: 'api_listener (used by proxyless gRPC clients, accepts no connections)' });
      continue;
    }
    const addresses = listenerAddresses(listener);
    if (addresses.length === 0) {
      candidates.push({ name: resource.name, matched: false, reason: 'no socket_address' });
      continue;
    }
    const hit = addresses.find((a) => a.port === ctx.port && (isUdpListener(listener, a.protocol) ? 'udp' : 'tcp') === ctx.transport);
    if (hit && !chosen) {
      if (bool(listener.bind_to_port) === false) {
        candidates.push({ name: resource.name, matched: false, reason: 'bind_to_port is false (only reachable through use_original_dst redirection)' });
        continue;
      }
      chosen = resource;
      candidates.push({ name: resource.name, matched: true, reason: `${ctx.transport.toUpperCase()} ${hit.address ?? '0.0.0.0'}:${hit.port}` });
    } else {
      const a = addresses.map((x) => `${isUdpListener(listener, x.protocol) ? 'UDP' : 'TCP'} ${x.address ?? ''}:${x.port}`).join(', ');
      candidates.push({ name: resource.name, matched: false, reason: hit ? `also binds ${a}; an earlier listener already matched` : `binds ${a}` });
    }
  }
  // A listener with use_original_dst is where a sidecar's outbound connections are redirected:
  // Envoy hands each to the listener for its original destination (chosen above when there is
  // one) and otherwise keeps it, on its own filter chains.
  const capture = chosen || ctx.transport !== 'tcp' ? undefined : resources.listeners.find((r) => bool(r.message.use_original_dst) === true && !obj(r.message.api_listener));
  if (capture) {
    steps.push({
      stage: 'listener',
      result: 'matched',
      name: capture.name,
      summary: `no listener binds TCP port ${ctx.port}; the connection, redirected to ${capture.name} (use_original_dst), stays on its filter chains`,
      candidates,
    });
    return capture;
  }
  steps.push({
    stage: 'listener',
    result: chosen ? 'matched' : 'no_match',
    name: chosen?.name,
    summary: chosen
      ? `listener ${chosen.name} accepts ${ctx.transport.toUpperCase()} port ${ctx.port}`
      : `no listener binds ${ctx.transport.toUpperCase()} port ${ctx.port}: the connection is refused`,
    candidates,
  });
  return chosen;
}

export function listenerFilterNames(listener: Obj): string[] {
  return objs(listener.listener_filters).map((f) => str(f.name) ?? typeName(obj(f.typed_config)) ?? '?');
}

function hasListenerFilter(listener: Obj, needle: string): boolean {
  return objs(listener.listener_filters).some((f) => {
    const name = str(f.name) ?? '';
    const type = typeName(obj(f.typed_config)) ?? '';
    return name.includes(needle) || type.includes(needle);
  });
}

export interface ChainSelection {
  chain?: Obj;
  name: string;
}

interface Indexed {
  chain: Obj;
  name: string;
  match: Obj;
}

/** Most specific server_names entry of a chain for this SNI: exact beats any wildcard, longer wildcard suffix beats shorter. */
function serverNameSpecificity(names: string[], sni: string): number {
  let best = -1;
  const lower = sni.toLowerCase();
  for (const raw of names) {
    const n = raw.toLowerCase();
    if (n === lower) best = Math.max(best, Number.MAX_SAFE_INTEGER);
    else if (n.startsWith('*.') && lower.endsWith(n.slice(1)) && lower.length > n.length - 1) best = Math.max(best, n.length);
  }
  return best;
}

/**
 * FilterChainMatch: the candidates are pruned criterion by criterion (destination port, destination
 * IP, server name, transport protocol, application protocols, then source criteria). At every step
 * only the chains that match most specifically survive; chains without the criterion are the
 * fallback when none matches specifically. There is no backtracking to an earlier step.
 */
export function selectFilterChain(listenerResource: EnvoyResource, ctx: ConnectionContext, steps: TraceStep[], unsupported: string[]): ChainSelection | undefined {
  const listener = listenerResource.message;
  const chains: Indexed[] = objs(listener.filter_chains).map((chain, i) => ({
    chain,
    name: str(chain.name) ?? `filter_chains[${i}]`,
    match: obj(chain.filter_chain_match) ?? {},
  }));
  const notes: string[] = [];
  const candidates: CandidateNote[] = [];
  const tlsInspector = hasListenerFilter(listener, 'tls_inspector');
  const httpInspector = hasListenerFilter(listener, 'http_inspector');
  const transportProtocol = ctx.tls && tlsInspector ? 'tls' : 'raw_buffer';
  const sni = ctx.tls && tlsInspector ? ctx.sni : null;
  let alpn: string[] = [];
  if (ctx.tls && tlsInspector) alpn = ctx.alpn;
  else if (!ctx.tls && httpInspector && ctx.http !== false) alpn = [ctx.alpn.includes('h2c') ? 'h2c' : 'http/1.1'];
  if (ctx.tls && !tlsInspector) notes.push('no tls_inspector listener filter: SNI and ALPN are not read, transport protocol stays raw_buffer');
  notes.push(`connection: destination port ${ctx.port}, transport_protocol ${transportProtocol}, server name ${sni ?? '(none)'}, application protocols [${alpn.join(', ')}]`);

  let remaining = chains;
  const prune = (criterion: string, specific: (c: Indexed) => number | undefined) => {
    // specific(c): undefined = criterion not set on this chain; -1 = set but does not match; >=0 = specificity.
    let best = -1;
    for (const c of remaining) best = Math.max(best, specific(c) ?? -1);
    const next: Indexed[] = [];
    for (const c of remaining) {
      const s = specific(c);
      if (best >= 0) {
        if (s === best) next.push(c);
        else candidates.push({ name: c.name, matched: false, reason: s === undefined ? `${criterion}: a chain with a more specific ${criterion} matched` : s < 0 ? `${criterion} does not match` : `${criterion}: a more specific chain matched` });
      } else if (s === undefined) next.push(c);
      else candidates.push({ name: c.name, matched: false, reason: `${criterion} does not match` });
    }
    remaining = next;
  };

  prune('destination_port', (c) => {
    const p = num(c.match.destination_port);
    return p === undefined ? undefined : p === ctx.port ? 0 : -1;
  });
  if (remaining.some((c) => arr(c.match.prefix_ranges).length > 0)) {
    notes.push('prefix_ranges (destination IP) are not evaluated: the request has no destination address; all chains are kept at this step');
    unsupported.push(`listener ${listenerResource.name}: filter_chain_match.prefix_ranges not evaluated`);
  }
  prune('server_names', (c) => {
    const names = arr(c.match.server_names).filter((n): n is string => typeof n === 'string');
    if (names.length === 0) return undefined;
    return sni ? serverNameSpecificity(names, sni) : -1;
  });
  prune('transport_protocol', (c) => {
    const t = str(c.match.transport_protocol);
    if (!t) return undefined;
    return t === transportProtocol ? 0 : -1;
  });
  {
    // application_protocols: the first client protocol (in client order) that some chain lists wins.
    const chosenProtocol = alpn.find((p) => remaining.some((c) => arr(c.match.application_protocols).includes(p)));
    prune('application_protocols', (c) => {
      const list = arr(c.match.application_protocols);
      if (list.length === 0) return undefined;
      return chosenProtocol !== undefined && list.includes(chosenProtocol) ? 0 : -1;
    });
  }
  for (const field of ['direct_source_prefix_ranges', 'source_type', 'source_prefix_ranges', 'source_ports']) {
    if (remaining.some((c) => { const v = c.match[field]; return Array.isArray(v) ? v.length > 0 : v !== undefined && v !== 'ANY'; })) {
      notes.push(`${field} is not evaluated (unknown client address); chains without it are preferred`);
      unsupported.push(`listener ${listenerResource.name}: filter_chain_match.${field} not evaluated`);
      const without = remaining.filter((c) => { const v = c.match[field]; return Array.isArray(v) ? v.length === 0 : v === undefined || v === 'ANY'; });
      if (without.length > 0) remaining = without;
    }
  }

  let selected: Indexed | undefined = remaining[0];
  if (remaining.length > 1) notes.push(`${remaining.length} chains have identical matches (Envoy rejects such a listener); the first is shown`);
  for (const c of remaining) candidates.push({ name: c.name, matched: c === selected, reason: c === selected ? describeMatch(c.match) : 'duplicate match' });
  if (!selected) {
    const fallback = obj(listener.default_filter_chain);
    if (fallback) {
      selected = { chain: fallback, name: str(fallback.name) ?? 'default_filter_chain', match: {} };
      steps.push({ stage: 'filter_chain', result: 'matched', name: selected.name, summary: `no filter chain matched; default_filter_chain is used`, candidates, notes });
      return { chain: selected.chain, name: selected.name };
    }
    steps.push({ stage: 'filter_chain', result: 'no_match', summary: 'no filter chain matches and there is no default_filter_chain: Envoy closes the connection', candidates, notes });
    return undefined;
  }
  steps.push({ stage: 'filter_chain', result: 'matched', name: selected.name, summary: `filter chain ${selected.name} (${describeMatch(selected.match)})`, candidates, notes });
  return { chain: selected.chain, name: selected.name };
}

function describeMatch(match: Obj): string {
  const parts: string[] = [];
  if (num(match.destination_port) !== undefined) parts.push(`destination_port ${num(match.destination_port)}`);
  const names = arr(match.server_names);
  if (names.length) parts.push(`server_names [${names.join(', ')}]`);
  if (str(match.transport_protocol)) parts.push(`transport_protocol ${str(match.transport_protocol)}`);
  const ap = arr(match.application_protocols);
  if (ap.length) parts.push(`application_protocols [${ap.join(', ')}]`);
  return parts.length ? parts.join(', ') : 'matches any connection';
}

export interface TlsOutcome {
  ok: boolean;
  reason: string;
}

/** Downstream TLS: certificates must be available, and the client certificate must satisfy the validation context. */
export function evaluateDownstreamTls(resources: EnvoyResources, chainSel: ChainSelection, ctx: ConnectionContext, terminatesHttp: boolean, steps: TraceStep[], unsupported: string[]): TlsOutcome {
  const socket = obj(chainSel.chain?.transport_socket);
  const tlsContext = obj(socket?.typed_config);
  const isTls = tlsContext !== undefined && (typeName(tlsContext) ?? '').endsWith('DownstreamTlsContext');
  if (socket && !isTls) {
    unsupported.push(`filter chain ${chainSel.name}: transport socket ${str(socket.name) ?? typeName(tlsContext) ?? '?'}`);
    steps.push({ stage: 'tls', result: 'unsupported', summary: `transport socket ${str(socket.name) ?? '?'} is not simulated` });
    return { ok: true, reason: 'unsupported transport socket' };
  }
  if (!isTls) {
    if (ctx.tls && terminatesHttp) {
      const reason = 'the filter chain is plaintext but the client speaks TLS: the HTTP codec cannot parse a ClientHello and the connection fails';
      steps.push({ stage: 'tls', result: 'rejected', summary: reason });
      return { ok: false, reason };
    }
    if (ctx.tls) steps.push({ stage: 'tls', result: 'info', summary: 'TLS is not terminated here; the encrypted stream is passed through' });
    return { ok: true, reason: 'plaintext' };
  }
  const ctxCommon = obj(tlsContext.common_tls_context) ?? {};
  if (!ctx.tls) {
    const reason = 'the filter chain terminates TLS but the client sent plaintext: the TLS handshake fails';
    steps.push({ stage: 'tls', result: 'rejected', summary: reason });
    return { ok: false, reason };
  }
  const secretNames = new Set(resources.secrets.map((s) => s.name));
  const certNames = objs(ctxCommon.tls_certificate_sds_secret_configs).map((c) => str(c.name) ?? '');
  const inlineCerts = objs(ctxCommon.tls_certificates).length;
  const missing = certNames.filter((n) => !secretNames.has(n));
  const notes: string[] = [];
  if (certNames.length) notes.push(`certificates from SDS secrets: ${certNames.join(', ')}`);
  if (inlineCerts) notes.push(`${inlineCerts} inline certificate(s)`);
  if (missing.length) {
    const reason = `SDS secret(s) ${missing.join(', ')} are not served: the listener cannot finish warming and does not accept this handshake`;
    steps.push({ stage: 'tls', result: 'rejected', summary: reason, notes });
    return { ok: false, reason };
  }
  if (certNames.length === 0 && inlineCerts === 0) {
    const reason = 'DownstreamTlsContext has no certificate: the handshake fails';
    steps.push({ stage: 'tls', result: 'rejected', summary: reason, notes });
    return { ok: false, reason };
  }
  if (certNames.length + inlineCerts > 1) notes.push('several certificates: Envoy picks by SNI and key type (not simulated)');

  const combined = obj(ctxCommon.combined_validation_context);
  const validationSds = obj(ctxCommon.validation_context_sds_secret_config) ?? obj(combined?.validation_context_sds_secret_config);
  const validation = obj(ctxCommon.validation_context) ?? obj(combined?.default_validation_context);
  const validates = validationSds !== undefined || validation !== undefined;
  if (validationSds && !secretNames.has(str(validationSds.name) ?? '')) {
    const reason = `validation context secret ${str(validationSds.name)} is not served: the listener cannot finish warming`;
    steps.push({ stage: 'tls', result: 'rejected', summary: reason, notes });
    return { ok: false, reason };
  }
  const required = bool(tlsContext.require_client_certificate) ?? false;
  const acceptUntrusted = str(validation?.trust_chain_verification) === 'ACCEPT_UNTRUSTED';
  if (validates) notes.push(`client certificates are validated${validationSds ? ` against secret ${str(validationSds.name)}` : ''}${required ? ' and required' : ''}`);
  if (required && ctx.clientCertificate === 'none') {
    const reason = 'require_client_certificate is set and the client presented none: the handshake fails';
    steps.push({ stage: 'tls', result: 'rejected', summary: reason, notes });
    return { ok: false, reason };
  }
  if (ctx.clientCertificate === 'invalid' && validates && !acceptUntrusted) {
    const reason = 'the client certificate does not validate against the configured trust anchors: the handshake fails';
    steps.push({ stage: 'tls', result: 'rejected', summary: reason, notes });
    return { ok: false, reason };
  }
  if (obj(tlsContext.session_ticket_keys_sds_secret_config)) unsupported.push(`filter chain ${chainSel.name}: session ticket keys`);
  steps.push({ stage: 'tls', result: 'applied', summary: `TLS terminated (SNI ${ctx.sni ?? 'none'}, client certificate ${ctx.clientCertificate})`, notes });
  return { ok: true, reason: 'handshake completes' };
}
