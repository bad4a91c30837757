import { Clock, ScheduledTimer } from '../common/clock';
import { lapsedKeys, localExpiryMs, nextLapseMs, planLeases } from './lease-plan';
import {
  GrantedLease,
  HeldLease,
  LeaseStore,
  NodeRegistry,
  NotPartitionOwnerError,
  PartitionKey,
  partitionKeyOf,
} from './lease-store';

/** Why a node stopped serving a partition. */
export const LeaseLossReason = {
  /** A renewal touched no row: another node took the lease (higher epoch) or it is gone. */
  FENCED: 'fenced',
  /** The node's own clock says the lease may have lapsed (the database was not confirmed). */
  LAPSED: 'lapsed',
  /** Beyond this node's share: drained and released for its rightful node. */
  HANDED_OVER: 'handed-over',
  /** The keeper was closed. */
  CLOSED: 'closed',
} as const;
export type LeaseLossReason = (typeof LeaseLossReason)[keyof typeof LeaseLossReason];

/** A lease this node owns and serves. */
export interface OwnedLease extends HeldLease {
  /** Database time the lease was granted at this epoch. Epoch ms. */
  grantedAtMs: number;
  /** Database time the lease ends unless renewed, as last confirmed. Epoch ms. */
  expiresAtMs: number;
  /** Local time past which this node stops serving without a renewal. Epoch ms. */
  localExpiresAtMs: number;
}

/** A change of what this node serves. */
export type LeaseChange =
  | { kind: 'gained'; lease: OwnedLease }
  | { kind: 'lost'; lease: OwnedLease; reason: LeaseLossReason };

/** How a keeper behaves. */
export interface LeaseKeeperOptions {
  nodeId: string;
  /** How peers reach this node. */
  url: string;
  /** The lease period (`WEIR_LEASE_MS`). Ms. */
  leaseMs: number;
  /** Pause between ticks (heartbeat, renew, rebalance). Default a third of the lease. Ms. */
  tickMs?: number;
  /** Taken off the local expiry for clock rate differences. Default a tenth of the lease. Ms. */
  safetyMarginMs?: number;
  /** Called before a lease is handed over, while it is still owned; bounded by drainTimeoutMs. */
  drain?: (lease: OwnedLease) => Promise<void>;
  /** Bound on `drain`. Default the lease period. Ms. */
  drainTimeoutMs?: number;
  /** Called after each tick that reached the database, with how many leases it renewed. */
  onTick?: (summary: { renewed: number }) => void;
  /** Failures of a tick or a release (the next tick tries again). */
  onError?: (error: unknown) => void;
}

/**
 * Keeps this node's partition leases (DESIGN §7 "Ownership"): at each tick it heartbeats,
 * renews the leases it holds (a renewal that touches no row is a loss: it stops serving at
 * once), takes free or expired partitions of its fair share with epoch + 1, and hands over
 * those beyond its share after `drain`. Independently of the database, a timer stops serving
 * a lease when the local clock passes its conservative expiry. Listeners hear every gain and
 * loss; a gain is always followed, eventually, by exactly one loss of that epoch.
 */
export class LeaseKeeper {
  private readonly owned = new Map<string, OwnedLease>();
  private readonly handingOver = new Set<string>();
  private readonly listeners = new Set<(change: LeaseChange) => void>();
  private readonly background = new Set<Promise<void>>();
  private tickTimer: ScheduledTimer | null = null;
  private lapseTimer: ScheduledTimer | null = null;
  private ticking: Promise<void> | null = null;
  private closed = false;
  private readonly tickMs: number;
  private readonly safetyMarginMs: number;

  constructor(
    private readonly registry: NodeRegistry,
    private readonly store: LeaseStore,
    private readonly clock: Clock,
    private readonly options: LeaseKeeperOptions,
  ) {
    this.tickMs = options.tickMs ?? Math.max(1, Math.floor(options.leaseMs / 3));
    this.safetyMarginMs = options.safetyMarginMs ?? Math.floor(options.leaseMs / 10);
  }

  get nodeId(): string {
    return this.options.nodeId;
  }

  /** Registers the node and starts ticking; resolves after the first tick. */
  async start(): Promise<void> {
    await this.registry.register(this.options.nodeId, this.options.url);
    await this.runTick();
  }

  /**
   * Runs a tick now (after the one in flight, if any), so that partitions that just appeared
   * (a topic created here) are taken without waiting for the next period; resolves after it.
   */
  async tickNow(): Promise<void> {
    if (this.ticking) await this.ticking;
    if (this.closed) return;
    this.tickTimer?.cancel();
    await this.runTick();
  }

  /** Listens to gains and losses; answers a function that stops listening. */
  onChange(listener: (change: LeaseChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The leases this node serves now (lapsed ones are dropped first). */
  leases(): OwnedLease[] {
    this.dropLapsed();
    return [...this.owned.values()].map((lease) => ({ ...lease }));
  }

  /**
   * The epoch a write to the partition must be fenced with (`assertLease` in its transaction).
   * Throws `NotPartitionOwnerError` when this node does not serve the partition now, including
   * when its own clock says the lease may have lapsed.
   */
  fence(topicId: number, partition: number): number {
    this.dropLapsed();
    const lease = this.owned.get(partitionKeyOf({ topicId, partition }));
    if (!lease) throw new NotPartitionOwnerError(topicId, partition);
    return lease.epoch;
  }

  /**
   * Stops ticking and serving: every lease is lost (`closed`). With `release` (a clean
   * shutdown) the leases are released and the node leaves the registry, so the others take
   * over at once; without it (a crash, as the tests use it) they expire in the database.
   */
  async close(options: { release?: boolean } = {}): Promise<void> {
    this.closed = true;
    this.tickTimer?.cancel();
    this.lapseTimer?.cancel();
    await this.ticking;
    await Promise.all([...this.background]);
    const leases = [...this.owned.values()];
    for (const lease of leases) this.drop(lease, LeaseLossReason.CLOSED);
    if (options.release ?? true) {
      try {
        await this.store.release(this.options.nodeId, leases);
        await this.registry.leave(this.options.nodeId);
      } catch (error) {
        this.options.onError?.(error);
      }
    }
  }

  private runTick(): Promise<void> {
    if (this.closed) return Promise.resolve();
    const startedMs = this.clock.now();
    this.ticking = this.tick()
      .catch((error: unknown) => this.options.onError?.(error))
      .finally(() => {
        this.ticking = null;
        if (this.closed) return;
        const delayMs = Math.max(0, startedMs + this.tickMs - this.clock.now());
        this.tickTimer = this.clock.schedule(delayMs, () => void this.runTick());
      });
    return this.ticking;
  }

  private async tick(): Promise<void> {
    const { nodeId, url, leaseMs } = this.options;
    const held = [...this.owned.values()];
    const renewSentMs = this.clock.now();
    const renewed = await this.store.renew(nodeId, held, leaseMs);
    this.adoptRenewals(held, renewed, renewSentMs);
    await this.registry.heartbeat(nodeId, url);
    const [liveNodeIds, table] = await Promise.all([
      this.registry.liveNodeIds(leaseMs),
      this.store.table(),
    ]);
    if (this.closed) return;
    this.dropLapsed();
    const plan = planLeases({
      nodeId,
      liveNodeIds,
      table,
      held: new Set(this.owned.keys()),
      handingOver: this.handingOver,
    });
    for (const partition of plan.handOver) this.startHandOver(partition);
    const acquireSentMs = this.clock.now();
    const granted = await this.store.acquire(nodeId, plan.acquire, leaseMs);
    for (const grant of granted) this.gain(grant, acquireSentMs);
    this.options.onTick?.({ renewed: renewed.length });
  }

  private adoptRenewals(held: OwnedLease[], renewed: GrantedLease[], sentMs: number): void {
    const confirmed = new Map(renewed.map((grant) => [partitionKeyOf(grant), grant]));
    for (const lease of held) {
      const key = partitionKeyOf(lease);
      // Dropped meanwhile (lapsed by the local clock): never revived at the same epoch.
      if (this.owned.get(key) !== lease) continue;
      const grant = confirmed.get(key);
      if (grant === undefined || grant.epoch !== lease.epoch) {
        this.drop(lease, LeaseLossReason.FENCED);
        continue;
      }
      lease.expiresAtMs = grant.expiresAtMs;
      lease.localExpiresAtMs = localExpiryMs(sentMs, this.options.leaseMs, this.safetyMarginMs);
    }
    this.scheduleLapse();
  }

  private gain(grant: GrantedLease, sentMs: number): void {
    const lease: OwnedLease = {
      topicId: grant.topicId,
      partition: grant.partition,
      epoch: grant.epoch,
      grantedAtMs: grant.atMs,
      expiresAtMs: grant.expiresAtMs,
      localExpiresAtMs: localExpiryMs(sentMs, this.options.leaseMs, this.safetyMarginMs),
    };
    this.owned.set(partitionKeyOf(lease), lease);
    this.emit({ kind: 'gained', lease: { ...lease } });
    this.scheduleLapse();
  }

  private drop(lease: OwnedLease, reason: LeaseLossReason): void {
    const key = partitionKeyOf(lease);
    if (this.owned.get(key) !== lease) return;
    this.owned.delete(key);
    this.handingOver.delete(key);
    this.emit({ kind: 'lost', lease: { ...lease }, reason });
  }

  private dropLapsed(): void {
    for (const key of lapsedKeys(this.owned, this.clock.now())) {
      this.drop(this.owned.get(key)!, LeaseLossReason.LAPSED);
    }
  }

  private scheduleLapse(): void {
    this.lapseTimer?.cancel();
    this.lapseTimer = null;
    const next = nextLapseMs(this.owned.values());
    if (next === null || this.closed) return;
    this.lapseTimer = this.clock.schedule(next - this.clock.now(), () => {
      this.dropLapsed();
      this.scheduleLapse();
    });
  }

  private startHandOver(partition: PartitionKey): void {
    const key = partitionKeyOf(partition);
    const lease = this.owned.get(key);
    if (!lease) return;
    this.handingOver.add(key);
    const done = this.handOver(lease).catch((error: unknown) => this.options.onError?.(error));
    this.background.add(done);
    void done.finally(() => this.background.delete(done));
  }

  private async handOver(lease: OwnedLease): Promise<void> {
    const drainTimeoutMs = this.options.drainTimeoutMs ?? this.options.leaseMs;
    if (this.options.drain)
      await this.withTimeout(this.options.drain({ ...lease }), drainTimeoutMs);
    // Lost meanwhile (fenced, lapsed or closed): nothing left to hand over.
    if (this.owned.get(partitionKeyOf(lease)) !== lease) return;
    this.drop(lease, LeaseLossReason.HANDED_OVER);
    await this.store.release(this.options.nodeId, [lease]);
  }

  private async withTimeout(work: Promise<void>, timeoutMs: number): Promise<void> {
    let timer: ScheduledTimer | null = null;
    const timeout = new Promise<void>(
      (resolve) => (timer = this.clock.schedule(timeoutMs, resolve)),
    );
    try {
      await Promise.race([work.catch((error: unknown) => this.options.onError?.(error)), timeout]);
    } finally {
      (timer as ScheduledTimer | null)?.cancel();
    }
  }

  private emit(change: LeaseChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.options.onError?.(error);
      }
    }
  }
}
