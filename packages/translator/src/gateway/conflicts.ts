import { FEATURES } from '../features.js';
import type { ListenerModel } from './model.js';

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

function describe(listener: ListenerModel): string {
  return `${listener.source.kind} ${listener.source.namespace}/${listener.source.name} listener ${listener.name}`;
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

/**
 * Marks conflicted listeners per the Gateway spec: within one source every indistinct
 * listener is conflicted (no winner is picked); against a higher-priority source
 * (a Gateway over its ListenerSets, older ListenerSets over newer) the lower one loses.
 * Listeners that were not accepted for other reasons take no part.
 */
export function markConflicts(listeners: ListenerModel[]): void {
  const candidates = listeners.filter((l) => !l.notAccepted);
  for (const listener of candidates) {
    for (const other of candidates) {
      if (other === listener) continue;
      if (other.source.rank > listener.source.rank) continue;
      const sameSource =
        other.source.rank === listener.source.rank &&
        other.source.kind === listener.source.kind &&
        other.source.namespace === listener.source.namespace &&
        other.source.name === listener.source.name;
      if (!sameSource && other.source.rank === listener.source.rank) continue;
      const reason = conflictBetween(listener, other);
      if (!reason) continue;
      // A ProtocolConflict explains more than a hostname clash; keep it when both apply.
      if (listener.conflict?.reason === 'ProtocolConflict') continue;
      listener.supportedKinds = [];
      listener.conflict = {
        reason,
        message:
          reason === 'ProtocolConflict'
            ? `port ${listener.port} is also used by ${describe(other)} with incompatible protocol ${other.protocol}`
            : `port ${listener.port} and hostname "${listener.hostname ?? ''}" are also used by ${describe(other)}`,
      };
    }
  }
}
