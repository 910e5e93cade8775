import { MAX_POLICY_ANCESTORS, MAX_ROUTE_PARENTS, type KubeObject } from '@portico/api';
import type { ObjectStatus } from '@portico/translator';
import type { ServedVersion } from './kinds.js';
import { apiVersionOf, objectPath } from './kinds.js';
import { isStatus, KubeApiError, type KubeRest } from './rest.js';
import { retryDelayMs } from '../backoff.js';
import type { Logger } from './logger.js';

type Json = Record<string, unknown>;

const ROUTE_KINDS = new Set(['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute']);
const POLICY_KINDS = new Set(['BackendTLSPolicy']);

/** JSON with object keys sorted, so equal values compare equal whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner && typeof inner === 'object' && !Array.isArray(inner)) {
      const sorted: Json = {};
      for (const key of Object.keys(inner as Json).sort()) {
        const field = (inner as Json)[key];
        if (field !== undefined) sorted[key] = field;
      }
      return sorted;
    }
    return inner;
  });
}

function asRecord(value: unknown): Json | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/**
 * Condition types another component owns: domain-prefixed ones (`special.io/SomeField`).
 * Gateway API: "Implementations MUST NOT remove or reorder Conditions that they are not
 * directly responsible for". Every unprefixed type on an object (or status entry) of ours is
 * Gateway API's, and ours to set or remove.
 */
function foreignCondition(type: string): boolean {
  return type.includes('/');
}

function numberOr(value: unknown, fallback: number | undefined): number | undefined {
  return typeof value === 'number' ? value : fallback;
}

/**
 * The conditions to write: the computed ones, each where the same type stood before (new
 * types after), and every foreign condition left as and where it was. A condition whose
 * status, reason and message are unchanged keeps its old lastTransitionTime: the time says
 * when the condition last *changed*, and rewriting it every translation would make every
 * status write a real change. One written for a newer generation than the computed one
 * stays as it is (Gateway API: "If the observedGeneration of a Condition is greater than the
 * value the implementation knows about, then it MUST NOT perform the update on that
 * Condition"), as when a retry after a conflict meets an object that changed meanwhile.
 */
function mergeConditions(previous: unknown, next: unknown, generation: number | undefined): unknown {
  if (!Array.isArray(next)) return next;
  const computed = new Map<string, Json>();
  const unnamed: unknown[] = [];
  for (const entry of next) {
    const condition = asRecord(entry);
    if (condition && typeof condition.type === 'string') computed.set(condition.type, condition);
    else unnamed.push(entry);
  }
  const merge = (condition: Json, before: Json | undefined): Json => {
    const merged: Json = { ...condition };
    if (merged.observedGeneration === undefined && generation !== undefined) merged.observedGeneration = generation;
    if (!before) return merged;
    const known = numberOr(merged.observedGeneration, generation);
    const theirs = numberOr(before.observedGeneration, undefined);
    if (known !== undefined && theirs !== undefined && theirs > known) return before;
    // metav1.Condition: "lastTransitionTime is the last time the condition transitioned from one
    // status to another": a new reason or message is no transition (as SetStatusCondition keeps it).
    if (before.status === condition.status && typeof before.lastTransitionTime === 'string') {
      merged.lastTransitionTime = before.lastTransitionTime;
    }
    return merged;
  };
  const result: unknown[] = [];
  const placed = new Set<string>();
  for (const entry of asArray(previous)) {
    const before = asRecord(entry);
    const type = before?.type;
    if (!before || typeof type !== 'string') continue;
    if (foreignCondition(type) && !computed.has(type)) {
      result.push(entry);
      continue;
    }
    const condition = computed.get(type);
    if (!condition || placed.has(type)) continue;
    result.push(merge(condition, before));
    placed.add(type);
  }
  for (const [type, condition] of computed) if (!placed.has(type)) result.push(merge(condition, undefined));
  return [...result, ...unnamed];
}

/** Listener entries (Gateway, ListenerSet) keep condition times per listener name. */
function mergeListeners(previous: unknown, next: unknown, generation: number | undefined): unknown {
  if (!Array.isArray(next)) return next;
  const old = new Map<string, Json>();
  for (const entry of asArray(previous)) {
    const listener = asRecord(entry);
    if (listener && typeof listener.name === 'string') old.set(listener.name, listener);
  }
  return next.map((entry) => {
    const listener = asRecord(entry);
    if (!listener) return entry;
    const before = typeof listener.name === 'string' ? old.get(listener.name) : undefined;
    return { ...listener, conditions: mergeConditions(before?.conditions, listener.conditions, generation) };
  });
}

function refIdentity(ref: unknown): string {
  const record = asRecord(ref) ?? {};
  return canonicalJson({
    group: record.group ?? 'gateway.networking.k8s.io',
    kind: record.kind ?? 'Gateway',
    namespace: record.namespace ?? '',
    name: record.name ?? '',
    sectionName: record.sectionName ?? '',
    port: record.port ?? 0,
  });
}

/** The lists' maxItems: the API server refuses a longer one, and the whole status would go unwritten. */
const SHARED_ENTRY_LIMITS = { parentRef: MAX_ROUTE_PARENTS, ancestorRef: MAX_POLICY_ANCESTORS } as const;

/**
 * Route `parents` and policy `ancestors` are shared by every controller that
 * handles the object: only entries with our controllerName are ours to
 * replace or remove; everyone else's stay exactly where they were. When ours and
 * theirs together pass the list's limit, ours give way, the last ones first.
 */
function mergeSharedEntries(
  previous: unknown,
  next: unknown,
  refField: 'parentRef' | 'ancestorRef',
  controllerName: string,
  generation: number | undefined,
): unknown[] {
  const computed = asArray(next)
    .map(asRecord)
    .filter((entry): entry is Json => entry !== undefined && entry.controllerName === controllerName);
  const byRef = new Map<string, Json>();
  for (const entry of computed) byRef.set(refIdentity(entry[refField]), entry);
  const placed = new Set<string>();
  const result: unknown[] = [];
  const withTimes = (entry: Json, before: Json | undefined): Json => ({
    ...entry,
    conditions: mergeConditions(before?.conditions, entry.conditions, generation),
  });
  for (const entry of asArray(previous)) {
    const existing = asRecord(entry);
    if (!existing || existing.controllerName !== controllerName) {
      result.push(entry);
      continue;
    }
    const identity = refIdentity(existing[refField]);
    const replacement = byRef.get(identity);
    if (replacement && !placed.has(identity)) {
      result.push(withTimes(replacement, existing));
      placed.add(identity);
    }
  }
  for (const entry of computed) {
    const identity = refIdentity(entry[refField]);
    if (!placed.has(identity)) {
      result.push(withTimes(entry, undefined));
      placed.add(identity);
    }
  }
  const limit = SHARED_ENTRY_LIMITS[refField];
  for (let i = result.length - 1; i >= 0 && result.length > limit; i--) {
    if (asRecord(result[i])?.controllerName === controllerName) result.splice(i, 1);
  }
  return result;
}

/** The `.status` to write: the computed one merged with what is there now. */
/**
 * `conditions` with the observedGeneration of those that claim a generation the object has not
 * reached taken off: they were written for another object of the same name (deleted and created
 * again), and must not win over what is computed for this one.
 */
function withoutFutureGenerations(conditions: unknown, objectGeneration: number): unknown {
  if (!Array.isArray(conditions)) return conditions;
  let changed = false;
  const out = conditions.map((entry) => {
    const condition = asRecord(entry);
    const claimed = condition ? numberOr(condition.observedGeneration, undefined) : undefined;
    if (!condition || claimed === undefined || claimed <= objectGeneration) return entry;
    changed = true;
    const { observedGeneration: _stale, ...rest } = condition;
    return rest;
  });
  return changed ? out : conditions;
}

/** The stored status with every condition's claim past `objectGeneration` taken off (see withoutFutureGenerations). */
function fromThisObject(previous: Json, objectGeneration: number | undefined): Json {
  if (objectGeneration === undefined) return previous;
  const clean = (entries: unknown): unknown =>
    Array.isArray(entries)
      ? entries.map((entry) => {
          const record = asRecord(entry);
          return record && 'conditions' in record ? { ...record, conditions: withoutFutureGenerations(record.conditions, objectGeneration) } : entry;
        })
      : entries;
  const out: Json = { ...previous };
  if ('conditions' in previous) out.conditions = withoutFutureGenerations(previous.conditions, objectGeneration);
  for (const list of ['listeners', 'parents', 'ancestors'] as const) if (list in previous) out[list] = clean(previous[list]);
  return out;
}

export function mergeStatus(
  kind: string,
  current: unknown,
  computed: Json,
  controllerName: string,
  generation: number | undefined,
  /** metadata.generation of the object written to (see fromThisObject). */
  objectGeneration?: number,
): Json {
  const previous = fromThisObject(asRecord(current) ?? {}, objectGeneration);
  if (ROUTE_KINDS.has(kind)) {
    return {
      ...previous,
      parents: mergeSharedEntries(previous.parents, computed.parents, 'parentRef', controllerName, generation),
    };
  }
  if (POLICY_KINDS.has(kind)) {
    return {
      ...previous,
      ancestors: mergeSharedEntries(previous.ancestors, computed.ancestors, 'ancestorRef', controllerName, generation),
    };
  }
  const merged: Json = { ...computed };
  if ('conditions' in computed) merged.conditions = mergeConditions(previous.conditions, computed.conditions, generation);
  if ('listeners' in computed) merged.listeners = mergeListeners(previous.listeners, computed.listeners, generation);
  return merged;
}

export interface StatusWriterOptions {
  rest: KubeRest;
  controllerName: string;
  /** The served version of a kind, or undefined when its CRD is not installed. */
  resolve: (kind: string) => ServedVersion | undefined;
  /** The object as the informer cache has it now. */
  lookup: (kind: string, namespace: string | undefined, name: string) => KubeObject | undefined;
  logger: Logger;
  /** Statuses arriving within this window go out as one batch. Default 50 ms. */
  batchMs?: number;
  /** Attempts per object when the server answers 409 Conflict. Default 6. */
  maxAttempts?: number;
  /** First conflict backoff, doubled each retry. Default 50 ms. */
  backoffMs?: number;
  /** Objects written in parallel. Default 4. */
  concurrency?: number;
  /**
   * Whether this replica may still write: checked before every write, so that a batch under
   * way when leadership is lost stops there. Default: always.
   */
  mayWrite?: () => boolean;
  /** First wait before writing again a status the server failed to take (5xx, 429, no answer). Default 1 s, doubled per failure, at most 1 min. */
  retryMs?: number;
}

/** Whether a failed write may succeed later: the server's trouble, not the status's (4xx but 429). */
function worthRetrying(error: unknown): boolean {
  const code = error instanceof KubeApiError ? error.statusCode : undefined;
  return code === undefined || code === 429 || code >= 500;
}

interface Written {
  /** The resourceVersion the write replaced: while the cache still shows it, the cache is stale. */
  basedOn: string | undefined;
  object: KubeObject;
}

function statusKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}

export interface StatusWriteStats {
  writes: number;
  conflicts: number;
  skipped: number;
  failures: number;
  /** Of `skipped`: the same computed status object against the same stored object as last time, not compared again. */
  reused: number;
}

/** Writes computed statuses to the status subresource, batching bursts and only when they differ. */
export class StatusWriter {
  private pending = new Map<string, ObjectStatus>();
  private flushTimer: NodeJS.Timeout | undefined;
  private flushWaiters: Array<() => void> = [];
  private inFlight: Promise<void> = Promise.resolve();
  private readonly written = new Map<string, Written>();
  readonly stats: StatusWriteStats = { writes: 0, conflicts: 0, skipped: 0, failures: 0, reused: 0 };
  /**
   * Computed status → the stored object it was found already written in. The control plane hands
   * over the same status object while nothing about it changed, so a large configuration is
   * not merged and compared object by object on every build.
   */
  private readonly settled = new WeakMap<ObjectStatus, KubeObject>();
  /** The last status queued per object until it is written, and how many writes of it failed in a row (see retryLater). */
  private readonly latest = new Map<string, ObjectStatus>();
  private readonly failuresInRow = new Map<string, number>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: StatusWriterOptions) {}

  /** Queues statuses; resolves once they have been written (or found unchanged). */
  enqueue(statuses: readonly ObjectStatus[]): Promise<void> {
    for (const status of statuses) {
      const key = statusKey(status.kind, status.namespace, status.name);
      this.pending.set(key, status);
      this.latest.set(key, status);
    }
    const done = new Promise<void>((resolve) => this.flushWaiters.push(resolve));
    if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = undefined;
        const batch = [...this.pending.values()];
        const waiters = this.flushWaiters;
        this.pending = new Map();
        this.flushWaiters = [];
        this.inFlight = this.inFlight
          .then(() => this.writeBatch(batch))
          .finally(() => waiters.forEach((resolve) => resolve()));
      }, this.options.batchMs ?? 50);
    }
    return done;
  }

  /** Drops queued work (shutdown or leadership lost). */
  cancel(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.pending.clear();
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    this.failuresInRow.clear();
    const waiters = this.flushWaiters;
    this.flushWaiters = [];
    waiters.forEach((resolve) => resolve());
  }

  async idle(): Promise<void> {
    await this.inFlight;
  }

  private async writeBatch(batch: ObjectStatus[]): Promise<void> {
    const queue = [...batch];
    const workers = Array.from({ length: Math.max(1, this.options.concurrency ?? 4) }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const key = statusKey(next.kind, next.namespace, next.name);
        let retry = false;
        try {
          await this.writeOne(next);
        } catch (error) {
          this.stats.failures++;
          retry = worthRetrying(error);
          this.options.logger.warn(
            { object: `${next.kind} ${next.namespace ? `${next.namespace}/` : ''}${next.name}`, err: String(error), retry },
            'status write failed',
          );
        }
        if (retry) this.retryLater(key, next);
        else {
          this.failuresInRow.delete(key);
          // Kept only while a write of it may still be retried.
          if (this.latest.get(key) === next) this.latest.delete(key);
        }
      }
    });
    await Promise.all(workers);
  }

  /**
   * Writes `status` again after a backoff, unless a newer one for the object was queued since:
   * builds write status only when something changes, so a write the server failed to take
   * would otherwise stay unwritten however long the cluster stays quiet.
   */
  private retryLater(key: string, status: ObjectStatus): void {
    const failures = (this.failuresInRow.get(key) ?? 0) + 1;
    this.failuresInRow.set(key, failures);
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      if (this.latest.get(key) !== status) return;
      void this.enqueue([status]);
    }, retryDelayMs(failures, this.options.retryMs ?? 1_000, 60_000));
    timer.unref();
    this.retryTimers.add(timer);
  }

  /** The freshest copy we know: our own last write while the cache has not caught up. */
  private known(key: string, fromCache: KubeObject | undefined): KubeObject | undefined {
    const written = this.written.get(key);
    if (!written) return fromCache;
    if (!fromCache) {
      this.written.delete(key);
      return undefined;
    }
    const cacheVersion = fromCache.metadata.resourceVersion;
    if (cacheVersion === written.basedOn) return written.object;
    this.written.delete(key);
    return fromCache;
  }

  private async writeOne(computed: ObjectStatus): Promise<void> {
    const served = this.options.resolve(computed.kind);
    if (!served) {
      this.stats.skipped++;
      return;
    }
    const key = statusKey(computed.kind, computed.namespace, computed.name);
    const path = `${objectPath(served, computed.namespace, computed.name)}/status`;
    let current = this.known(key, this.options.lookup(computed.kind, computed.namespace, computed.name));
    if (current && this.settled.get(computed) === current) {
      this.stats.skipped++;
      this.stats.reused++;
      return;
    }
    const attempts = this.options.maxAttempts ?? 6;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (!current) return; // deleted since translation: nothing to report on
      if (this.options.mayWrite && !this.options.mayWrite()) {
        this.stats.skipped++;
        return;
      }
      // Computed for a generation this object never had: for another object of the same name,
      // since deleted and created again. The next build computes this one's.
      const objectGeneration = current.metadata.generation;
      if (computed.generation !== undefined && objectGeneration !== undefined && computed.generation > objectGeneration) {
        this.stats.skipped++;
        return;
      }
      const generation = computed.generation ?? objectGeneration;
      const desired = mergeStatus(computed.kind, current.status, computed.status, this.options.controllerName, generation, objectGeneration);
      if (canonicalJson(desired) === canonicalJson(current.status ?? {})) {
        this.stats.skipped++;
        this.settled.set(computed, current);
        return;
      }
      const body = { ...current, apiVersion: apiVersionOf(served), kind: served.serverKind, status: desired };
      try {
        const updated = await this.options.rest.replace<KubeObject>(path, body);
        this.stats.writes++;
        this.written.set(key, { basedOn: current.metadata.resourceVersion, object: updated });
        return;
      } catch (error) {
        if (isStatus(error, 404)) return;
        if (!isStatus(error, 409)) throw error;
        this.stats.conflicts++;
        const base = this.options.backoffMs ?? 50;
        await sleep(base * 2 ** attempt * (0.5 + Math.random() / 2));
        try {
          current = await this.options.rest.get<KubeObject>(path);
        } catch (reread) {
          if (isStatus(reread, 404)) return;
          throw reread;
        }
      }
    }
    throw new Error(`${computed.kind} ${computed.namespace ?? ''}/${computed.name}: status still conflicting after ${attempts} attempts`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
