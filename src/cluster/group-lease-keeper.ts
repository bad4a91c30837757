import { Clock, ScheduledTimer } from '../common/clock';
import { GroupLeasePlanInput, planGroupLeases } from './group-lease-plan';
import {
  GrantedGroupLease,
  GroupLeaseRow,
  GroupLeaseStore,
  NotGroupCoordinatorError,
} from './group-lease-store';
import { LeaseLossReason } from './lease-keeper';
import { localExpiryMs } from './lease-plan';

/** A group this node coordinates. */
export interface OwnedGroupLease {
  group: string;
  epoch: number;
  /** Database time the lease ends unless renewed. Epoch ms. */
  expiresAtMs: number;
  /** Local time past which this node stops coordinating without a renewal. Epoch ms. */
  localExpiresAtMs: number;
}

/** A change of what this node coordinates. */
export type GroupLeaseChange =
  | { kind: 'gained'; lease: OwnedGroupLease }
  | { kind: 'lost'; lease: OwnedGroupLease; reason: LeaseLossReason };

export interface GroupLeaseKeeperOptions {
  nodeId: string;
  leaseMs: number;
  /** Taken off the local expiry for clock rate differences. Default a tenth of the lease. Ms. */
  safetyMarginMs?: number;
  /**
   * Work a gained group needs before it is served (its committed offsets loaded); the lease
   * counts as held only once it resolved.
   */
  prepare?: (lease: OwnedGroupLease) => Promise<void>;
}

/**
 * Keeps this node's streaming-group coordinator leases (DESIGN §7 "State"), on the partition
 * keeper's tick: renews what it holds (a renewal that touches no row is a loss), reads the
 * group lease table and takes the expired groups whose rightful coordinator it is. A group
 * used for the first time is claimed at once by the node that settles it (`claim`). As for
 * partitions, a timer on the local clock stops coordinating a lease that may have lapsed
 * without a confirmed renewal, even when the database cannot be reached.
 */
export class GroupLeaseKeeper {
  private readonly owned = new Map<string, OwnedGroupLease>();
  private readonly preparing = new Map<string, Promise<boolean>>();
  private readonly listeners = new Set<(change: GroupLeaseChange) => void>();
  private rows = new Map<string, GroupLeaseRow>();
  private lapseTimer: ScheduledTimer | null = null;
  private closed = false;
  private readonly safetyMarginMs: number;

  constructor(
    private readonly store: GroupLeaseStore,
    private readonly clock: Clock,
    private readonly options: GroupLeaseKeeperOptions,
  ) {
    this.safetyMarginMs = options.safetyMarginMs ?? Math.floor(options.leaseMs / 10);
  }

  onChange(listener: (change: GroupLeaseChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** True while this node coordinates the group (its own clock says the lease holds). */
  holds(group: string): boolean {
    this.dropLapsed();
    return this.owned.has(group);
  }

  /** The epoch a commit of the group is fenced with; `NotGroupCoordinatorError` if not held. */
  fence(group: string): number {
    this.dropLapsed();
    const lease = this.owned.get(group);
    if (!lease) throw new NotGroupCoordinatorError(group, this.rowDetails(group));
    return lease.epoch;
  }

  leases(): OwnedGroupLease[] {
    this.dropLapsed();
    return [...this.owned.values()].map((lease) => ({ ...lease }));
  }

  /** The group's lease row as last read (another node's, or a lapsed one), if any. */
  row(group: string): GroupLeaseRow | undefined {
    return this.rows.get(group);
  }

  /** Every group lease row as last read. */
  table(): GroupLeaseRow[] {
    return [...this.rows.values()];
  }

  /** One tick: renew, read the table, take the expired groups of this node. */
  async tick(liveNodeIds: readonly string[]): Promise<void> {
    if (this.closed) return;
    const { nodeId, leaseMs } = this.options;
    const held = [...this.owned.values()];
    const renewSentMs = this.clock.now();
    const renewed = await this.store.renew(nodeId, held, leaseMs);
    this.adoptRenewals(held, renewed, renewSentMs);
    await this.readTable();
    if (this.closed) return;
    const input: GroupLeasePlanInput = {
      nodeId,
      liveNodeIds,
      table: [...this.rows.values()],
      held: new Set([...this.owned.keys(), ...this.preparing.keys()]),
    };
    const wanted = planGroupLeases(input);
    if (wanted.length === 0) return;
    const sentMs = this.clock.now();
    const granted = await this.store.acquire(nodeId, wanted, leaseMs);
    await Promise.all(granted.map((grant) => this.gain(grant, sentMs)));
  }

  /** Reads the group lease table again. */
  async readTable(): Promise<void> {
    const rows = await this.store.table();
    this.rows = new Map(rows.map((row) => [row.group, row]));
  }

  /**
   * Takes the group's lease if it is missing or expired (a group used for the first time, or
   * whose coordinator is gone); answers true when this node coordinates it afterwards.
   */
  async claim(group: string): Promise<boolean> {
    if (this.closed) return false;
    if (this.holds(group)) return true;
    const pending = this.preparing.get(group);
    if (pending) return pending;
    const sentMs = this.clock.now();
    const [grant] = await this.store.acquire(this.options.nodeId, [group], this.options.leaseMs);
    if (grant) return this.gain(grant, sentMs);
    await this.readTable();
    return this.holds(group);
  }

  /** Stops coordinating everything (`closed`); with `release`, ends the leases in the database. */
  async close(options: { release: boolean }): Promise<void> {
    this.closed = true;
    this.lapseTimer?.cancel();
    const held = [...this.owned.values()];
    for (const lease of held) this.drop(lease, LeaseLossReason.CLOSED);
    if (options.release && held.length > 0) await this.store.release(this.options.nodeId, held);
  }

  private gain(grant: GrantedGroupLease, sentMs: number): Promise<boolean> {
    const lease: OwnedGroupLease = {
      group: grant.group,
      epoch: grant.epoch,
      expiresAtMs: grant.expiresAtMs,
      localExpiresAtMs: localExpiryMs(sentMs, this.options.leaseMs, this.safetyMarginMs),
    };
    this.rows.set(grant.group, {
      group: grant.group,
      owner: this.options.nodeId,
      epoch: grant.epoch,
      expired: false,
    });
    const prepared = (this.options.prepare?.({ ...lease }) ?? Promise.resolve()).then(
      () => {
        if (this.closed || lease.localExpiresAtMs <= this.clock.now()) return false;
        this.owned.set(lease.group, lease);
        this.emit({ kind: 'gained', lease: { ...lease } });
        this.scheduleLapse();
        return true;
      },
      () => false,
    );
    this.preparing.set(grant.group, prepared);
    void prepared.finally(() => {
      if (this.preparing.get(grant.group) === prepared) this.preparing.delete(grant.group);
    });
    return prepared;
  }

  private adoptRenewals(
    held: OwnedGroupLease[],
    renewed: GrantedGroupLease[],
    sentMs: number,
  ): void {
    const confirmed = new Map(renewed.map((grant) => [grant.group, grant]));
    for (const lease of held) {
      if (this.owned.get(lease.group) !== lease) continue;
      const grant = confirmed.get(lease.group);
      if (grant === undefined || grant.epoch !== lease.epoch) {
        this.drop(lease, LeaseLossReason.FENCED);
        continue;
      }
      lease.expiresAtMs = grant.expiresAtMs;
      lease.localExpiresAtMs = localExpiryMs(sentMs, this.options.leaseMs, this.safetyMarginMs);
    }
    this.scheduleLapse();
  }

  private dropLapsed(): void {
    const now = this.clock.now();
    for (const lease of [...this.owned.values()]) {
      if (lease.localExpiresAtMs <= now) this.drop(lease, LeaseLossReason.LAPSED);
    }
  }

  private drop(lease: OwnedGroupLease, reason: LeaseLossReason): void {
    if (this.owned.get(lease.group) !== lease) return;
    this.owned.delete(lease.group);
    const row = this.rows.get(lease.group);
    if (row && row.owner === this.options.nodeId)
      this.rows.set(lease.group, { ...row, expired: true });
    this.emit({ kind: 'lost', lease: { ...lease }, reason });
  }

  private scheduleLapse(): void {
    this.lapseTimer?.cancel();
    this.lapseTimer = null;
    if (this.closed || this.owned.size === 0) return;
    const next = Math.min(...[...this.owned.values()].map((lease) => lease.localExpiresAtMs));
    this.lapseTimer = this.clock.schedule(next - this.clock.now(), () => {
      this.dropLapsed();
      this.scheduleLapse();
    });
  }

  private rowDetails(group: string): { owner: string | null; epoch: number | null } {
    const row = this.rows.get(group);
    return row && !row.expired
      ? { owner: row.owner, epoch: row.epoch }
      : { owner: null, epoch: null };
  }

  private emit(change: GroupLeaseChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // a listener's failure must not stop the others
      }
    }
  }
}
