import { FEATURES } from '../features.js';
import { intersectHostnames } from '../routes/hostnames.js';
import { listenerProgrammed, type ListenerModel } from './model.js';

function tlsMode(listener: ListenerModel): string {
  return listener.spec.tls?.mode ?? 'Terminate';
}

/** Listeners on one port are told apart by transport family; different families over TCP cannot share a port. */
function family(protocol: string): 'http' | 'tls' | 'tcp' | 'udp' {
  switch (protocol) {
    case 'HTTP':
      return 'http';
    case 'HTTPS':
    case 'TLS':
      return 'tls';
    case 'UDP':
      return 'udp';
    default:
      return 'tcp';
  }
}

function transport(protocol: string): 'udp' | 'tcp' {
  return protocol === 'UDP' ? 'udp' : 'tcp';
}

/**
 * The other listener of a conflict, as `listener`'s owner may be told of it: by name within
 * its own Gateway or ListenerSet, and otherwise without naming another team's objects
 * (GEP-1713: "The controller should avoid setting any condition that exposes information from
 * other users").
 */
function describe(other: ListenerModel, listener: ListenerModel): string {
  if (other.source === listener.source) return `listener ${other.name}`;
  if (other.source.kind === 'Gateway') return `listener ${other.name} of the parent Gateway`;
  if (listener.source.kind === 'Gateway') return 'a listener of a ListenerSet attached to this Gateway';
  return 'a listener of another ListenerSet attached to the same Gateway';
}

function conflictBetween(a: ListenerModel, b: ListenerModel): 'HostnameConflict' | 'ProtocolConflict' | undefined {
  if (a.port !== b.port) return undefined;
  if (transport(a.protocol) !== transport(b.protocol)) return undefined;
  if (family(a.protocol) !== family(b.protocol)) return 'ProtocolConflict';
  const fam = family(a.protocol);
  if (fam === 'tcp' || fam === 'udp') return 'ProtocolConflict';
  // TLS passthrough and TLS termination on one port need TLSRouteModeMixed.
  if (a.protocol === 'TLS' && b.protocol === 'TLS' && tlsMode(a) !== tlsMode(b) && !FEATURES.includes('TLSRouteModeMixed')) {
    return 'ProtocolConflict';
  }
  // HTTP, HTTPS and TLS listeners on one port are distinct by hostname (SNI or Host).
  if ((a.hostname ?? '') === (b.hostname ?? '')) return 'HostnameConflict';
  return undefined;
}

function conflictWith(listener: ListenerModel, other: ListenerModel, reason: 'HostnameConflict' | 'ProtocolConflict'): void {
  // A ProtocolConflict explains more than a hostname clash; keep it when both apply.
  if (listener.conflict?.reason === 'ProtocolConflict') return;
  listener.conflict = {
    reason,
    message:
      reason === 'ProtocolConflict'
        ? other.protocol === listener.protocol && (other.protocol === 'TCP' || other.protocol === 'UDP')
          ? `port ${listener.port} is also used by ${describe(other, listener)}, also ${other.protocol}: ${other.protocol} listeners have no hostname to tell them apart`
          : other.protocol === listener.protocol
            ? `port ${listener.port} is also used by ${describe(other, listener)}, also ${other.protocol}, in another TLS mode`
            : `port ${listener.port} is also used by ${describe(other, listener)} with incompatible protocol ${other.protocol}`
        : listener.hostname === undefined
          ? `port ${listener.port} without a hostname is also used by ${describe(other, listener)}`
          : `port ${listener.port} and hostname "${listener.hostname}" are also used by ${describe(other, listener)}`,
  };
}

/**
 * Marks conflicted listeners per the Gateway spec, source by source in merge order (the
 * Gateway, then its ListenerSets oldest first). A listener that clashes with one already
 * admitted from an earlier source loses and takes no further part; among the rest of one
 * source every indistinct listener is conflicted (no winner is picked). Listeners that
 * were not accepted for other reasons take no part.
 */
export function markConflicts(listeners: ListenerModel[]): void {
  const sourceKey = (l: ListenerModel): string => `${l.source.rank}|${l.source.kind}|${l.source.namespace}/${l.source.name}`;
  const bySource = new Map<string, ListenerModel[]>();
  for (const listener of listeners) {
    if (listener.notAccepted) continue;
    const key = sourceKey(listener);
    const group = bySource.get(key) ?? [];
    group.push(listener);
    bySource.set(key, group);
  }
  const ordered = [...bySource.values()].sort((a, b) => a[0]!.source.rank - b[0]!.source.rank);
  const admitted: ListenerModel[] = [];
  for (const group of ordered) {
    const remaining: ListenerModel[] = [];
    for (const listener of group) {
      let lost = false;
      for (const other of admitted) {
        const reason = conflictBetween(listener, other);
        if (!reason) continue;
        conflictWith(listener, other, reason);
        lost = true;
        break;
      }
      if (!lost) remaining.push(listener);
    }
    for (const listener of remaining) {
      for (const other of remaining) {
        if (other === listener) continue;
        const reason = conflictBetween(listener, other);
        if (reason) conflictWith(listener, other, reason);
      }
    }
    // Every listener of an earlier source counts, conflicted or not: the merged list is validated
    // "the same as if the list were part of a single Gateway" (GEP-1713), where a listener that
    // clashes with a conflicted one is conflicted too.
    admitted.push(...remaining);
  }
}

/** Whether a listener terminates TLS with certificates of its own (HTTPS, TLS in Terminate mode). */
function terminatesTls(listener: ListenerModel): boolean {
  return listener.protocol === 'HTTPS' || (listener.protocol === 'TLS' && tlsMode(listener) === 'Terminate');
}

/**
 * Whether some hostname matches both listener hostnames (Gateway API listener semantics: no
 * hostname matches every name, `*.example.com` every name under example.com).
 */
export function hostnamesOverlap(a: string | undefined, b: string | undefined): boolean {
  return intersectHostnames(a, b) !== null;
}

/**
 * OverlappingTLSConfig (Gateway API: "Controllers MUST detect the presence of overlapping
 * hostnames ... This condition MUST be set on all Listeners with overlapping TLS config"):
 * every pair of served listeners terminating TLS on one port whose hostnames overlap, such as
 * `*.example.com` and `foo.example.com`, or a listener without a hostname and any other. A
 * client reusing a connection (HTTP/2 coalescing) can then reach one listener over another's
 * TLS configuration. Overlapping certificates are not looked for (a MAY).
 */
export function markOverlappingTls(listeners: readonly ListenerModel[]): void {
  const candidates = listeners.filter((l) => terminatesTls(l) && listenerProgrammed(l));
  for (const listener of candidates) {
    const others = candidates.filter((other) => other !== listener && other.port === listener.port && hostnamesOverlap(listener.hostname, other.hostname));
    if (others.length === 0) continue;
    // Named only within the listener's own Gateway or ListenerSet: another source may belong to another team.
    const named = others.map((other) =>
      other.source === listener.source ? `listener ${other.name} (${other.hostname ?? 'no hostname'})` : describe(other, listener),
    );
    const unique = [...new Set(named)];
    listener.overlappingTls = {
      message: `hostname ${listener.hostname ?? '(none: every hostname)'} on port ${listener.port} overlaps with ${unique.join(', ')}`,
    };
  }
}
