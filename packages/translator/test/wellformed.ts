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

interface RouteParentStatus {
  parentRef: { kind?: string; namespace?: string; name: string };
  controllerName: string;
  conditions: Array<{ type: string; status: string }>;
}

/**
 * Status and output must tell the same story (checked against each other, not recomputed):
 * a route Accepted=True by a Gateway of ours has routes in that Gateway's configuration, one
 * refused by every parentRef to it has none, and the Gateway's listeners count accepted routes
 * only: each at most all of them, together at least each once.
 */
export function statusIrProblems(result: TranslationResult, controllerName: string): string[] {
  const problems: string[] = [];
  const served = new Map<string, Set<string>>();
  for (const gateway of result.ir.gateways) {
    const sources = new Set<string>();
    for (const listener of gateway.listeners) {
      for (const chain of listener.filterChains) {
        if (chain.type !== 'http') continue;
        for (const host of chain.routeConfig.virtualHosts) for (const route of host.routes) sources.add(`${route.source.kind} ${route.source.namespace}/${route.source.name}`);
      }
    }
    served.set(gateway.name, sources);
  }
  // A listener that is not programmed (an HTTPS one without a usable certificate) still takes
  // routes (Accepted, counted), and serves none: such Gateways are not held to the first rule.
  const partlyServing = new Set<string>();
  for (const status of result.statuses) {
    if (status.kind !== 'Gateway') continue;
    const listeners = (status.status as { listeners?: Array<{ conditions: Array<{ type: string; status: string }> }> }).listeners ?? [];
    if (listeners.some((listener) => !listener.conditions.some((c) => c.type === 'Programmed' && c.status === 'True'))) partlyServing.add(`${status.namespace}/${status.name}`);
  }
  const acceptedByGateway = new Map<string, Set<string>>();
  for (const status of result.statuses) {
    if (status.kind !== 'HTTPRoute' && status.kind !== 'GRPCRoute') continue;
    const route = `${status.kind} ${status.namespace}/${status.name}`;
    const verdicts = new Map<string, boolean>();
    for (const parent of ((status.status as { parents?: RouteParentStatus[] }).parents ?? [])) {
      if (parent.controllerName !== controllerName || (parent.parentRef.kind ?? 'Gateway') !== 'Gateway') continue;
      const gateway = `${parent.parentRef.namespace ?? status.namespace}/${parent.parentRef.name}`;
      const accepted = parent.conditions.some((c) => c.type === 'Accepted' && c.status === 'True');
      verdicts.set(gateway, (verdicts.get(gateway) ?? false) || accepted);
    }
    for (const [gateway, accepted] of verdicts) {
      const has = served.get(gateway)?.has(route) ?? false;
      if (accepted && !has && !partlyServing.has(gateway)) problems.push(`${route}: Accepted by Gateway ${gateway}, which serves none of its routes`);
      if (!accepted && has) problems.push(`${route}: refused by Gateway ${gateway}, which serves its routes`);
      if (accepted) {
        const set = acceptedByGateway.get(gateway) ?? new Set<string>();
        set.add(route);
        acceptedByGateway.set(gateway, set);
      }
    }
  }
  for (const status of result.statuses) {
    if (status.kind !== 'Gateway') continue;
    const gateway = `${status.namespace}/${status.name}`;
    const accepted = acceptedByGateway.get(gateway)?.size ?? 0;
    const listeners = (status.status as { listeners?: Array<{ name: string; attachedRoutes: number }> }).listeners ?? [];
    for (const listener of listeners) {
      if (listener.attachedRoutes > accepted) problems.push(`Gateway ${gateway} listener ${listener.name}: attachedRoutes ${listener.attachedRoutes}, more than the ${accepted} routes it accepted`);
    }
    const total = listeners.reduce((sum, listener) => sum + listener.attachedRoutes, 0);
    if (total < accepted) problems.push(`Gateway ${gateway}: listeners count ${total} attached routes, fewer than the ${accepted} routes it accepted`);
  }
  return problems;
}
