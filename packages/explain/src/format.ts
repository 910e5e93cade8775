// Compact, readable rendering of an ExplainTrace (what `portico explain` prints).
import type { ExplainTrace, TraceStep } from './types.js';

const MARK: Record<TraceStep['result'], string> = {
  matched: '✔',
  applied: '✔',
  no_match: '✘',
  rejected: '✘',
  skipped: '·',
  info: '·',
  unsupported: '?',
  unknown: '?',
};

function sourceLabel(source: Record<string, unknown> | undefined): string {
  if (!source) return '';
  const kind = typeof source.kind === 'string' ? source.kind : '';
  const ns = typeof source.namespace === 'string' ? source.namespace : '';
  const name = typeof source.name === 'string' ? source.name : '';
  const extra: string[] = [];
  for (const key of ['rule', 'ruleIndex', 'rule_index', 'ruleName', 'rule_name', 'match', 'matchIndex', 'match_index', 'port']) {
    if (source[key] !== undefined) extra.push(`${key}=${String(source[key])}`);
  }
  return ` [${kind} ${ns ? `${ns}/` : ''}${name}${extra.length ? ` ${extra.join(' ')}` : ''}]`;
}

function headerLines(headers: Record<string, string[]>, indent: string): string[] {
  return Object.entries(headers).map(([n, v]) => `${indent}${n}: ${v.join(',')}`);
}

/** `GET http://host/path`, or for a byte stream `TCP tcp://host:port`, `TLS tls://host:port`, `UDP udp://host:port`. */
function requestLine(r: ExplainTrace['request']): string {
  if (!r.stream) return `${r.method} ${r.scheme}://${r.authority}${r.path}`;
  const scheme = r.transport === 'udp' ? 'udp' : r.scheme === 'https' ? 'tls' : 'tcp';
  return `${scheme.toUpperCase()} ${scheme}://${r.authority}`;
}

export function formatExplainTrace(trace: ExplainTrace, options: { verbose?: boolean } = {}): string {
  const r = trace.request;
  const lines: string[] = [];
  const tlsPart = r.scheme === 'https' ? ` (SNI ${r.sni ?? 'none'}, client cert ${r.clientCertificate})` : '';
  lines.push(`${requestLine(r)} → port ${r.port}${tlsPart}`);
  for (const step of trace.steps) {
    lines.push(`${MARK[step.result]} ${step.stage.padEnd(15)} ${step.summary}${sourceLabel(step.source)}`);
    const showCandidates = options.verbose || step.result === 'no_match' || step.stage === 'virtual_host' || step.stage === 'route' || step.stage === 'filter_chain';
    if (step.candidates && showCandidates) {
      for (const c of step.candidates) {
        if (!options.verbose && c.matched && step.result === 'matched' && step.candidates.length === 1) continue;
        lines.push(`    ${c.matched ? '+' : '-'} ${c.name}: ${c.reason}`);
      }
    }
    for (const n of step.notes ?? []) lines.push(`    · ${n}`);
  }
  lines.push('');
  lines.push(`Outcome: ${trace.outcome}: ${trace.summary}`);
  if (trace.route) lines.push(`Route: ${trace.route.routeConfig} / ${trace.route.virtualHost} / ${trace.route.name ?? `#${trace.route.index}`}${sourceLabel(trace.route.source)}`);
  if (trace.clusters.length) {
    lines.push('Clusters:');
    for (const c of trace.clusters) {
      const eps = c.endpoints.map((e) => `${e.address}${e.port !== undefined ? `:${e.port}` : ''}`).join(', ');
      lines.push(`  ${c.name === trace.selectedCluster ? '*' : ' '} ${c.name} weight ${c.weight} (${(c.share * 100).toFixed(1)}%)${sourceLabel(c.source)}${c.localReplyStatus ? ` → ${c.localReplyStatus} ${c.localReplyReason}` : ''}${eps ? ` endpoints ${eps}` : ''}${c.upstreamTls ? ` TLS${c.upstreamTlsServerName ? ` SNI ${c.upstreamTlsServerName}` : ''}` : ''}`);
    }
  }
  if (trace.upstreamRequest) {
    const u = trace.upstreamRequest;
    lines.push(`Upstream request (${u.cluster}${trace.selection === 'highest_weight' ? ', highest weight shown' : ''}):`);
    lines.push(`  ${u.method} ${u.path}`);
    lines.push(`  :authority: ${u.authority}`);
    lines.push(...headerLines(u.headers, '  '));
    for (const [n, d] of Object.entries(u.dynamicHeaders)) lines.push(`  ${n}: <${d}>`);
  }
  if (trace.response) {
    const resp = trace.response;
    if (resp.from === 'envoy') {
      lines.push(`Response from Envoy: ${resp.status}${resp.reason ? ` (${resp.reason})` : ''}`);
      lines.push(...headerLines(resp.headers, '  '));
      if (resp.body !== undefined) lines.push(`  body: ${JSON.stringify(resp.body)}`);
    } else {
      const chosen = trace.clusters.find((c) => c.name === trace.selectedCluster);
      const muts = (chosen?.responseHeaderMutations ?? []).filter((l) => l.level !== 'hcm:server');
      lines.push('Response: from the upstream' + (muts.length ? ', then:' : ''));
      for (const l of muts) {
        const parts = [...l.remove.map((n) => `-${n}`), ...l.add.map((a) => `${a.name}: ${a.value} (${a.appendAction})`)];
        lines.push(`  ${l.level}: ${parts.join('; ')}`);
      }
    }
  }
  if (trace.mirrors.length) lines.push(`Mirrors: ${trace.mirrors.map((m) => `${m.cluster} ${m.percent}%${sourceLabel(m.source)}`).join(', ')}`);
  if (trace.timeout) lines.push(`Timeout: ${trace.timeout.route}${trace.timeout.idle ? `, idle ${trace.timeout.idle}` : ''}`);
  if (trace.retry) lines.push(`Retry: on ${trace.retry.retryOn.join(',') || '(nothing)'} x${trace.retry.numRetries}${trace.retry.perTryTimeout ? ` per try ${trace.retry.perTryTimeout}` : ''}${trace.retry.retriableStatusCodes.length ? ` codes ${trace.retry.retriableStatusCodes.join(',')}` : ''}`);
  if (trace.unknowns.length) lines.push(`Unknown: ${trace.unknowns.join('; ')}`);
  if (trace.unsupported.length) lines.push(`Not simulated: ${trace.unsupported.join('; ')}`);
  return lines.join('\n');
}
