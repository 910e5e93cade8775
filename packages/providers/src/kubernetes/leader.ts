import { EventEmitter } from 'node:events';
import os from 'node:os';
import { isStatus, type KubeRest } from './rest.js';
import type { Logger } from './logger.js';

export interface LeaderElectionOptions {
  namespace: string;
  leaseName: string;
  /** Unique per replica; default `<hostname>_<random>`. */
  identity?: string;
  /** How long a lease is valid without renewal. Default 15 s. */
  leaseDurationMs?: number;
  /** A leader that cannot renew within this time steps down. Default 10 s. */
  renewDeadlineMs?: number;
  /** Time between attempts to acquire or renew. Default 2 s. */
  retryPeriodMs?: number;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, the same protocol as
 * client-go's leaderelection: expiry is judged from when *this* replica last
 * saw the record change, not from the holder's clock, so clock skew between
 * nodes cannot make two leaders.
 *
 * Events: `leading` when this replica becomes leader, `lost` when it stops.
 */
export class LeaderElector extends EventEmitter {
  readonly identity: string;
  private leading = false;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  private observed: { record: string; at: number } | undefined;
  private lastRenewal = 0;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly rest: KubeRest,
    private readonly options: LeaderElectionOptions,
    private readonly logger: Logger,
  ) {
    super();
    this.identity = options.identity ?? `${os.hostname()}_${Math.random().toString(36).slice(2, 10)}`;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  private get leaseDurationMs(): number {
    return this.options.leaseDurationMs ?? 15_000;
  }

  private get path(): string {
    const { namespace, leaseName } = this.options;
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases/${encodeURIComponent(leaseName)}`;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /**
   * Stops campaigning. With `release` (the default) a leader empties the
   * lease so another replica takes over at once instead of after expiry.
   */
  async stop(release = true): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.loop.catch(() => undefined);
    if (this.leading && release) {
      try {
        const lease = await this.rest.get<Lease>(this.path);
        if (lease.spec?.holderIdentity === this.identity) {
          await this.rest.replace(this.path, {
            ...lease,
            spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(new Date()) },
          });
        }
      } catch (error) {
        this.logger.warn({ lease: this.options.leaseName, err: String(error) }, 'could not release leader lease');
      }
    }
    this.setLeading(false);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.loop = this.tryAcquireOrRenew().finally(() => this.schedule(this.options.retryPeriodMs ?? 2_000));
    }, delayMs);
  }

  private setLeading(leading: boolean): void {
    if (this.leading === leading) return;
    this.leading = leading;
    this.logger.info({ identity: this.identity, lease: this.options.leaseName }, leading ? 'became leader' : 'stopped leading');
    this.emit(leading ? 'leading' : 'lost');
  }

  private async tryAcquireOrRenew(): Promise<void> {
    const now = new Date();
    const durationSeconds = Math.max(1, Math.ceil(this.leaseDurationMs / 1000));
    try {
      let lease: Lease | undefined;
      try {
        lease = await this.rest.get<Lease>(this.path);
      } catch (error) {
        if (!isStatus(error, 404)) throw error;
      }
      if (!lease) {
        await this.rest.create(this.path.replace(/\/[^/]+$/, ''), {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.options.leaseName, namespace: this.options.namespace },
          spec: {
            holderIdentity: this.identity,
            leaseDurationSeconds: durationSeconds,
            acquireTime: microTime(now),
            renewTime: microTime(now),
            leaseTransitions: 0,
          },
        } satisfies Lease);
        this.lastRenewal = Date.now();
        this.setLeading(true);
        return;
      }
      const spec = lease.spec ?? {};
      const record = JSON.stringify([spec.holderIdentity, spec.renewTime, spec.leaseDurationSeconds]);
      if (!this.observed || this.observed.record !== record) this.observed = { record, at: Date.now() };
      const holder = spec.holderIdentity ?? '';
      const heldByUs = holder === this.identity;
      const recordDurationMs =
        holder === '' ? 0 : Math.min(this.leaseDurationMs, (spec.leaseDurationSeconds ?? durationSeconds) * 1000);
      const expired = Date.now() - this.observed.at >= recordDurationMs;
      if (!heldByUs && !expired) {
        this.setLeading(false);
        return;
      }
      const next: Lease = {
        ...lease,
        spec: {
          ...spec,
          holderIdentity: this.identity,
          leaseDurationSeconds: durationSeconds,
          renewTime: microTime(now),
          acquireTime: heldByUs ? spec.acquireTime : microTime(now),
          leaseTransitions: heldByUs ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1,
        },
      };
      await this.rest.replace(this.path, next);
      this.lastRenewal = Date.now();
      this.setLeading(true);
    } catch (error) {
      if (!isStatus(error, 409)) {
        this.logger.warn({ lease: this.options.leaseName, err: String(error) }, 'leader election attempt failed');
      }
      // A leader that has not renewed within the deadline must assume another replica took over.
      if (this.leading && Date.now() - this.lastRenewal > (this.options.renewDeadlineMs ?? 10_000)) this.setLeading(false);
      if (!this.leading) return;
      if (isStatus(error, 409)) this.setLeading(false);
    }
  }
}
