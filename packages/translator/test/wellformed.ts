import type { IR } from '@portico/ir';
import { STATUS_SCHEMA_KINDS, statusSchemaProblem } from '@portico/test-support';
import type { TranslationResult } from '../src/index.js';

/**
 * Structural invariants every translation must satisfy, whatever the input.
 * Returns the list of violations (empty = well-formed).
 */
export function irProblems(result: TranslationResult): string[] {
  const problems: string[] = [];
  const ir: IR = result.ir;
  const sortedUnique = (names: string[], what: string): void => {
    for (let i = 1; i < names.length; i++) {
      if (!((names[i - 1] ?? '') < (names[i] ?? ''))) problems.push(`${what} not sorted/unique at ${names[i] ?? ''}`);
    }
  };
  sortedUnique(ir.clusters.map((c) => c.name), 'clusters');
  sortedUnique(ir.secrets.map((s) => s.name), 'secrets');
  sortedUnique(ir.gateways.map((g) => g.name), 'gateways');
  const clusters = new Set(ir.clusters.map((c) => c.name));
  const secrets = new Set(ir.secrets.map((s) => s.name));
  const usedClusters = new Set<string>();
  const needCluster = (name: string, where: string): void => {
    usedClusters.add(name);
    if (!clusters.has(name)) problems.push(`${where}: unknown cluster ${name}`);
  };
  for (const gateway of ir.gateways) {
    if (gateway.proxyGroup !== gateway.name) problems.push(`${gateway.name}: proxyGroup ${gateway.proxyGroup}`);
    // By port; a port's TCP and UDP listeners (one each at most) by name.
    const listeners = gateway.listeners;
    for (let i = 1; i < listeners.length; i++) {
      const [before, after] = [listeners[i - 1], listeners[i]];
      if (!before || !after) continue;
      if (before.port > after.port || (before.port === after.port && before.name >= after.name)) problems.push(`${gateway.name}: listeners not sorted by port`);
    }
    for (const listener of gateway.listeners) {
      if (listener.filterChains.length === 0) problems.push(`${listener.name}: no filter chains`);
      const chainNames = new Set<string>();
      for (const chain of listener.filterChains) {
        if (chainNames.has(chain.name)) problems.push(`${listener.name}: duplicate chain ${chain.name}`);
        chainNames.add(chain.name);
        if (chain.type !== 'udp' && chain.tls) {
          if (chain.tls.certificates.length === 0) problems.push(`${chain.name}: TLS without certificates`);
          for (const cert of chain.tls.certificates) if (!secrets.has(cert)) problems.push(`${chain.name}: unknown secret ${cert}`);
        }
        if (chain.type !== 'http') {
          for (const backend of chain.backends) needCluster(backend.cluster, chain.name);
          continue;
        }
        const domains = new Set<string>();
        const vhostNames = new Set<string>();
        for (const vhost of chain.routeConfig.virtualHosts) {
          if (vhostNames.has(vhost.name)) problems.push(`${chain.name}: duplicate vhost ${vhost.name}`);
          vhostNames.add(vhost.name);
          for (const domain of vhost.domains) {
            if (domains.has(domain)) problems.push(`${chain.name}: duplicate domain ${domain}`);
            domains.add(domain);
          }
          const routeNames = new Set<string>();
          for (const route of vhost.routes) {
            if (routeNames.has(route.name)) problems.push(`${vhost.name}: duplicate route ${route.name}`);
            routeNames.add(route.name);
            if (route.externalAuth) needCluster(route.externalAuth.cluster, route.name);
            const action = route.action;
            if (action.kind === 'forward') {
              if (action.backends.length === 0) problems.push(`${route.name}: forward without backends`);
              for (const backend of action.backends) {
                if (!(backend.weight > 0)) problems.push(`${route.name}: non-positive weight`);
                needCluster(backend.cluster, route.name);
              }
              for (const mirror of action.mirrors ?? []) needCluster(mirror.cluster, route.name);
            } else if (action.kind === 'redirect') {
              if (![301, 302, 303, 307, 308].includes(action.redirect.statusCode)) problems.push(`${route.name}: bad redirect code`);
            } else if (action.status < 100 || action.status > 599) problems.push(`${route.name}: bad status`);
          }
        }
      }
    }
  }
  for (const name of clusters) if (!usedClusters.has(name)) problems.push(`cluster ${name} is not referenced`);
  for (const status of result.statuses) {
    const record = status.status as { conditions?: Array<{ observedGeneration?: number }>; parents?: Array<{ conditions: Array<{ observedGeneration?: number }> }>; listeners?: Array<{ conditions: Array<{ observedGeneration?: number }> }> };
    const all = [
      ...(record.conditions ?? []),
      ...(record.parents ?? []).flatMap((p) => p.conditions),
      ...(record.listeners ?? []).flatMap((l) => l.conditions),
    ];
    for (const condition of all) {
      if (condition.observedGeneration !== status.generation) problems.push(`${status.kind} ${status.name}: observedGeneration mismatch`);
    }
    // What the API server would refuse to write (see statusSchemaProblem).
    if (STATUS_SCHEMA_KINDS.includes(status.kind)) {
      const problem = statusSchemaProblem(status.kind, status.status);
      if (problem) problems.push(`${status.kind} ${status.namespace ?? ''}/${status.name}: status refused by the ${status.kind} schema: ${problem}`);
    }
  }
  return problems;
}
