import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import {
  type AdminState,
  type ControlPlaneSnapshot,
  type NackError,
  type PorticoMetrics,
} from '@portico/admin';
import { ResourceSet, objectKey, type KindName } from '@portico/api';
import type { ProviderProblem, ProviderSnapshot } from '@portico/providers';
import { TranslationMemo, translate, type ObjectStatus, type TranslateOptions } from '@portico/translator';
import { FEATURES, buildXds, createXdsBuildMemo, type XdsBuildResult } from '@portico/xds';
import { isolateFailingObjects } from './isolate.js';

/** Where built snapshots go: the ADS server's cache (absent when no ADS server runs). */
export interface SnapshotSink {
  setSnapshot(result: XdsBuildResult): void;
  connectedProxies?(): readonly unknown[];
  nackErrors?(): readonly NackError[];
}

export interface ControlPlaneOptions {
  controllerName: string;
  /** Also translate service-mesh routes (Service parentRefs): TranslateOptions.mesh. */
  mesh?: boolean;
  logger: Logger;
  metrics: PorticoMetrics;
  sink?: SnapshotSink;
  /** Receives computed status (the provider's writeStatus). */
  onStatus?: (statuses: readonly ObjectStatus[]) => Promise<void>;
  clock?: () => Date;
}

interface Condition {
  type: string;
  status: string;
  lastTransitionTime?: string;
}

function conditionsOf(status: Record<string, unknown> | undefined): Condition[] {
  const list = status?.conditions;
  return Array.isArray(list) ? (list as Condition[]) : [];
}

/**
 * lastTransitionTime must change only when a condition's status changes, not
 * on every rebuild: carry the previous time over for unchanged conditions
 * (top level, listeners and route parents alike).
 */
export function carryTransitionTimes(
  previous: readonly ObjectStatus[],
  next: readonly ObjectStatus[],
  carried?: { last: ReadonlyMap<ObjectStatus, ObjectStatus>; next: Map<ObjectStatus, ObjectStatus> },
): ObjectStatus[] {
  let before: Map<string, Record<string, unknown>> | undefined;
  const keep = (old: Condition[], fresh: Condition[]) => {
    for (const condition of fresh) {
      const match = old.find((c) => c.type === condition.type && c.status === condition.status);
      if (match?.lastTransitionTime) condition.lastTransitionTime = match.lastTransitionTime;
    }
  };
  const nested = (status: Record<string, unknown>, field: string, key: (entry: Record<string, unknown>) => string) =>
    new Map(
      (Array.isArray(status[field]) ? (status[field] as Record<string, unknown>[]) : []).map((entry) => [
        key(entry),
        entry,
      ]),
    );
  const listenerKey = (entry: Record<string, unknown>) => String(entry.name);
  const parentKey = (entry: Record<string, unknown>) => JSON.stringify([entry.parentRef, entry.controllerName]);
  return next.map((object) => {
    // A status the translator handed back unchanged (its memo reused it) carries exactly
    // what it carried last time.
    const same = carried?.last.get(object);
    if (same) {
      carried?.next.set(object, same);
      return same;
    }
    const copy = structuredClone(object);
    carried?.next.set(object, copy);
    before ??= new Map(previous.map((s) => [`${s.kind}/${s.namespace ?? ''}/${s.name}`, s.status]));
    const old = before.get(`${object.kind}/${object.namespace ?? ''}/${object.name}`);
    if (!old) return copy;
    keep(conditionsOf(old), conditionsOf(copy.status));
    for (const [field, key] of [
      ['listeners', listenerKey],
      ['parents', parentKey],
      ['ancestors', parentKey],
    ] as const) {
      const oldEntries = nested(old, field, key);
      for (const [name, entry] of nested(copy.status, field, key)) {
        const oldEntry = oldEntries.get(name);
        if (oldEntry) keep(conditionsOf(oldEntry), conditionsOf(entry));
      }
    }
    return copy;
  });
}

/**
 * What a provider knows beside the resources, for the translator (the Kubernetes provider's
 * KubernetesSnapshot carries the Gateways' addresses and the CRDs' bundle versions); undefined
 * when the snapshot has none.
 */
function providerOption<K extends 'gatewayAddresses' | 'crdBundleVersions'>(snapshot: ProviderSnapshot, key: K): TranslateOptions[K] | undefined {
  const value = (snapshot as ProviderSnapshot & Partial<Pick<TranslateOptions, K>>)[key];
  return value && Object.keys(value).length > 0 ? value : undefined;
}

/**
 * The pipeline: provider snapshot → translate → buildXds →
 * snapshot cache, keeping the latest result for the admin API. Builds run one
 * at a time in arrival order; a failed build keeps the previous snapshot served.
 */
export class ControlPlane implements AdminState {
  private latest?: ControlPlaneSnapshot;
  private buildError?: string;
  private version = 0;
  private queue: Promise<void> = Promise.resolve();
  private readonly clock: () => Date;
  // Carried from build to build so that an edit costs what it changed, not the whole configuration.
  // Made anew after a build that threw, which may have left them half updated.
  private translationMemo = new TranslationMemo();
  private xdsMemo = createXdsBuildMemo();
  /** Diagnostics and rejected resources of the last build, already logged. */
  private loggedProblems = new Set<string>();
  /**
   * Objects left out because building with them threw, with the problem reported for each. A
   * later snapshot that holds the same object (providers hand over unchanged objects as they are)
   * leaves it out without searching again; a changed object is tried again.
   */
  private leftOut: Array<{ object: LeftOutObject; problem: ProviderProblem }> = [];
  /** Statuses of the last build as translated → as carried (see carryTransitionTimes). */
  private carried: ReadonlyMap<ObjectStatus, ObjectStatus> = new Map();

  constructor(private readonly options: ControlPlaneOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  current(): ControlPlaneSnapshot | undefined {
    return this.latest;
  }

  lastBuildError(): string | undefined {
    return this.buildError;
  }

  connectedProxies(): readonly unknown[] {
    return this.options.sink?.connectedProxies?.() ?? [];
  }

  nackErrors(): readonly NackError[] {
    return this.options.sink?.nackErrors?.() ?? [];
  }

  /** Queues a build of the snapshot; the promise settles when it is served (never rejects). */
  apply(snapshot: ProviderSnapshot): Promise<void> {
    this.queue = this.queue.then(() => this.build(snapshot));
    return this.queue;
  }

  private translateOptions(snapshot: ProviderSnapshot, now: string): TranslateOptions {
    const options: TranslateOptions = { controllerName: this.options.controllerName, now };
    const gatewayAddresses = providerOption(snapshot, 'gatewayAddresses');
    if (gatewayAddresses) options.gatewayAddresses = gatewayAddresses;
    const crdBundleVersions = providerOption(snapshot, 'crdBundleVersions');
    if (crdBundleVersions) options.crdBundleVersions = crdBundleVersions;
    if (this.options.mesh) options.mesh = true;
    return options;
  }

  private async build(snapshot: ProviderSnapshot, isolate = true): Promise<void> {
    if (isolate && this.leftOut.length > 0) {
      this.leftOut = this.leftOut.filter(({ object }) => snapshot.resources.get(object.kind as KindName, object.metadata.namespace, object.metadata.name) === object);
      if (this.leftOut.length > 0) snapshot = withoutObjects(snapshot, this.leftOut);
    }
    const { logger, metrics } = this.options;
    const started = performance.now();
    const builtAt = this.clock().toISOString();
    // Whether translate and buildXds got through: only their failures come from the input.
    let built = false;
    try {
      const result = translate(snapshot.resources, { ...this.translateOptions(snapshot, builtAt), memo: this.translationMemo });
      const carried = { last: this.carried, next: new Map<ObjectStatus, ObjectStatus>() };
      const statuses = carryTransitionTimes(this.latest?.statuses ?? [], result.statuses, carried);
      const xds = buildXds(result.ir, FEATURES, this.xdsMemo);
      built = true;
      this.options.sink?.setSnapshot(xds);
      this.carried = carried.next;
      this.version += 1;
      this.latest = {
        version: this.version,
        builtAt,
        resources: snapshot.resources,
        statuses,
        problems: snapshot.problems,
        diagnostics: result.diagnostics,
        xds,
      };
      this.buildError = undefined;
      const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
      metrics.recordBuild({
        seconds: (performance.now() - started) / 1000,
        errors,
        problems: snapshot.problems.length,
        xds,
      });
      // Each problem is logged when it appears, not again on every build while it lasts.
      const logged = new Set<string>();
      const firstTime = (key: string): boolean => {
        logged.add(key);
        return !this.loggedProblems.has(key);
      };
      for (const diagnostic of result.diagnostics) {
        if (!firstTime(`${diagnostic.severity}\u0000${diagnostic.object}\u0000${diagnostic.field ?? ''}\u0000${diagnostic.message}`)) continue;
        logger[diagnostic.severity === 'error' ? 'error' : 'warn'](
          { object: diagnostic.object, field: diagnostic.field },
          diagnostic.message,
        );
      }
      for (const rejected of xds.rejected) {
        if (!firstTime(`rejected\u0000${rejected.proxyGroup}\u0000${rejected.type}\u0000${rejected.name}\u0000${rejected.field}\u0000${rejected.message}`)) continue;
        logger.error(
          { type: rejected.type, name: rejected.name, gateway: rejected.proxyGroup, field: rejected.field },
          `Envoy resource rejected and not served: ${rejected.message}`,
        );
      }
      this.loggedProblems = logged;
      logger.info(
        {
          version: this.version,
          objects: snapshot.resources.size,
          gateways: Object.keys(xds.groups).length,
          problems: snapshot.problems.length,
          rejected: xds.rejected.length,
        },
        'configuration built',
      );
      await this.options.onStatus?.(statuses);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!built) {
        this.translationMemo = new TranslationMemo();
        this.xdsMemo = createXdsBuildMemo();
      }
      const leftOut = isolate && !built ? await this.objectsToLeaveOut(snapshot, builtAt, message) : undefined;
      if (leftOut) {
        // The failed attempt and its search count as a failed build; the build that follows is recorded on its own.
        metrics.recordBuild({ seconds: (performance.now() - started) / 1000, errors: 1, problems: snapshot.problems.length });
        if (leftOut.length === 0) {
          // Built from scratch it succeeds: the memos were at fault, and they are new now.
          logger.error({ err: message }, 'build failed with the memos of earlier builds; building again from scratch');
          await this.build(snapshot, false);
          return;
        }
        const entries = leftOut.map((object) => {
          const name = `${object.kind} ${objectKey(object.metadata.namespace, object.metadata.name)}`;
          const problem: ProviderProblem = { source: name, object: name, message: `left out of the configuration: building with it failed (${message}); everything else is served` };
          logger.error({ object: name }, problem.message);
          return { object, problem };
        });
        this.leftOut = [...this.leftOut, ...entries];
        await this.build(withoutObjects(snapshot, entries), false);
        return;
      }
      this.buildError = message;
      metrics.recordBuild({
        seconds: (performance.now() - started) / 1000,
        errors: 1,
        problems: snapshot.problems.length,
      });
      logger.error({ err: this.buildError }, 'build failed; the previous configuration keeps being served');
    }
  }

  /**
   * After a build threw: the objects without which it succeeds (see isolate.ts), found with cold
   * builds (no memo) of parts of the input, or undefined when there are none to find in time.
   */
  private objectsToLeaveOut(snapshot: ProviderSnapshot, now: string, message: string): Promise<ReturnType<ResourceSet['all']> | undefined> {
    const { logger } = this.options;
    logger.error({ err: message }, 'build failed; looking for the objects that set it off');
    const options = this.translateOptions(snapshot, now);
    // Each trial is a cold build; the servers (ADS keepalives, the admin API) get their turn
    // between them.
    const fails = async (objects: readonly object[]): Promise<boolean> => {
      await new Promise((resolve) => setImmediate(resolve));
      try {
        buildXds(translate(ResourceSet.from(objects as Array<{ kind: string }>), options).ir, FEATURES);
        return false;
      } catch {
        return true;
      }
    };
    return isolateFailingObjects(snapshot.resources.all(), fails, { maxLeftOut: MAX_LEFT_OUT, deadline: performance.now() + ISOLATION_BUDGET_MS });
  }
}

type LeftOutObject = ReturnType<ResourceSet['all']>[number];

/** The snapshot without these objects, each reported among its problems. */
function withoutObjects(snapshot: ProviderSnapshot, leftOut: ReadonlyArray<{ object: LeftOutObject; problem: ProviderProblem }>): ProviderSnapshot {
  const keep = new Set(snapshot.resources.all());
  for (const { object } of leftOut) keep.delete(object);
  return { ...snapshot, resources: ResourceSet.from(keep), problems: [...snapshot.problems, ...leftOut.map(({ problem }) => problem)] };
}

// How far the search for the objects behind a failed build goes: a few objects, within two minutes
// (a cold build of 10,000 routes takes ~1.2 s, and one culprit costs ~15 of them).
const MAX_LEFT_OUT = 8;
const ISOLATION_BUDGET_MS = 120_000;
