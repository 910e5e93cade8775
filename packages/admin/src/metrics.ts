import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { XdsBuildResult } from '@portico/xds';

/**
 * Portico's Prometheus metrics, on a registry of their own so tests and
 * several control planes in one process never collide.
 */
export class PorticoMetrics {
  readonly registry = new Registry();
  readonly buildDuration: Histogram;
  readonly translateErrors: Counter;
  readonly resources: Gauge;
  readonly rejectedResources: Gauge;
  readonly inputProblems: Gauge;
  readonly connectedProxies: Gauge;
  readonly pushes: Counter;
  readonly acks: Counter;
  readonly nacks: Counter;

  constructor(options: { connectedProxies?: () => number; defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.buildDuration = new Histogram({
      name: 'portico_build_duration_seconds',
      help: 'Time from a provider snapshot to a new xDS snapshot (translate + build), in seconds',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.translateErrors = new Counter({
      name: 'portico_translate_errors_total',
      help: 'Translation errors: error diagnostics and failed builds',
      registers,
    });
    this.resources = new Gauge({
      name: 'portico_xds_resources',
      help: 'Envoy resources in the current snapshot, all proxy groups, by type',
      labelNames: ['type'],
      registers,
    });
    this.rejectedResources = new Gauge({
      name: 'portico_xds_rejected_resources',
      help: 'Envoy resources that failed validation in the current snapshot and are not served',
      registers,
    });
    this.inputProblems = new Gauge({
      name: 'portico_input_problems',
      help: 'Problems with the input objects (parse and validation errors) in the current snapshot',
      registers,
    });
    const countProxies = options.connectedProxies;
    this.connectedProxies = new Gauge({
      name: 'portico_connected_proxies',
      help: 'Proxies with an open ADS stream',
      registers,
      collect() {
        if (countProxies) this.set(countProxies());
      },
    });
    this.pushes = new Counter({
      name: 'portico_xds_pushes_total',
      help: 'xDS responses sent to proxies, by resource type',
      labelNames: ['type_url'],
      registers,
    });
    this.acks = new Counter({
      name: 'portico_xds_acks_total',
      help: 'xDS responses acknowledged by proxies, by resource type',
      labelNames: ['type_url'],
      registers,
    });
    this.nacks = new Counter({
      name: 'portico_xds_nacks_total',
      help: 'xDS responses rejected by proxies, by resource type',
      labelNames: ['type_url'],
      registers,
    });
  }

  /** Records one pipeline run. */
  recordBuild(result: {
    seconds: number;
    errors: number;
    problems: number;
    xds?: XdsBuildResult;
  }): void {
    this.buildDuration.observe(result.seconds);
    if (result.errors > 0) this.translateErrors.inc(result.errors);
    this.inputProblems.set(result.problems);
    if (!result.xds) return;
    const counts: Record<string, number> = { listener: 0, route: 0, cluster: 0, endpoint: 0, secret: 0 };
    for (const group of Object.values(result.xds.groups)) {
      counts.listener += group.listeners.length;
      counts.route += group.routes.length;
      counts.cluster += group.clusters.length;
      counts.endpoint += group.endpoints.length;
      counts.secret += group.secrets.length;
    }
    for (const [type, count] of Object.entries(counts)) this.resources.set({ type }, count);
    this.rejectedResources.set(result.xds.rejected.length);
  }
}
