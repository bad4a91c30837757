import { Inject, Injectable, Logger } from '@nestjs/common';
import { ClusterRuntime } from '../../cluster/cluster-runtime';
import type { OwnedLease } from '../../cluster/lease-keeper';
import { partitionKeyOf } from '../../cluster/lease-store';
import { Clock, ScheduledTimer } from '../../common/clock';
import { LogWaiters } from '../topics/log-waiters';
import { ShareGroupsService } from './share-groups.service';
import { SharePartitionWriter } from './share-partition-writer';
import { shareGroupKey } from './share-settlement';

/** Pause before loading a gained partition's share state again after a failure. Ms. */
const RELOAD_RETRY_MS = 500;

/**
 * Which share partitions this node serves (DESIGN §7 "State"): in a cluster, those of the
 * topic partitions whose lease it holds, once their state has been loaded from the database
 * after the gain (the previous owner may have changed it); on a single node, all. A gained
 * partition is loaded for every group while holding it (`SharePartitionWriter`), so no
 * operation sees it before; then its receivers are woken and listeners (the lock-expiry timer)
 * told. A lost partition is no longer served at once. At each keeper tick, share groups
 * created, changed or deleted on other nodes are adopted.
 */
@Injectable()
export class ShareOwnership {
  private readonly loaded = new Set<string>();
  private readonly listeners = new Set<() => void>();
  private readonly retries = new Map<string, ScheduledTimer>();
  private readonly logger = new Logger('ShareOwnership');
  private syncing: Promise<void> | null = null;

  constructor(
    @Inject(ClusterRuntime) private readonly runtime: ClusterRuntime,
    @Inject(ShareGroupsService) private readonly groups: ShareGroupsService,
    @Inject(SharePartitionWriter) private readonly writer: SharePartitionWriter,
    @Inject(LogWaiters) private readonly waiters: LogWaiters,
    @Inject(Clock) private readonly clock: Clock,
  ) {
    // Subscribed before the runtime starts its keeper (bootstrap), so that no gain is missed;
    // the groups were loaded at module init, before any gain.
    this.runtime.onChange((change) => {
      const key = partitionKeyOf(change.lease);
      this.retries.get(key)?.cancel();
      this.retries.delete(key);
      if (change.kind === 'lost') this.loaded.delete(key);
      this.notify();
    });
    this.runtime.onGain((lease) => this.load(lease));
    this.runtime.onTick(() => this.syncGroups());
  }

  /** True when this node serves the share partitions of the topic partition now. */
  serves(topicId: number, partition: number): boolean {
    if (!this.runtime.clustered) return true;
    return (
      this.loaded.has(partitionKeyOf({ topicId, partition })) &&
      this.runtime.serves(topicId, partition)
    );
  }

  /**
   * True when this node holds the lease of the topic partition (always on a single node), even
   * if the share state is not loaded yet: its share partitions' metrics are reported here.
   */
  holds(topicId: number, partition: number): boolean {
    return !this.runtime.clustered || this.runtime.serves(topicId, partition);
  }

  /** Resolves once this node has joined its cluster (at once on a single node). */
  joined(): Promise<void> {
    return this.runtime.joined();
  }

  /** Listens to changes of what is served. */
  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }

  /** Adopts share groups created, changed or deleted on other nodes (one sync at a time). */
  private syncGroups(): void {
    this.syncing ??= this.groups
      .syncFromStorage()
      .catch((error: unknown) => this.logger.warn(`share groups sync: ${String(error)}`))
      .finally(() => (this.syncing = null));
  }

  private async load(lease: OwnedLease): Promise<void> {
    const key = partitionKeyOf(lease);
    const ref = { topicId: lease.topicId, partition: lease.partition };
    const groups = this.groups.all();
    try {
      await Promise.all(
        groups.map((group) =>
          this.writer.exclusive(group, [ref], () => this.groups.reloadOrFail(group, [ref])),
        ),
      );
    } catch (error) {
      if (!this.runtime.serves(lease.topicId, lease.partition)) return;
      this.logger.warn(`loading share state of ${key} failed, retrying: ${String(error)}`);
      this.retries.set(
        key,
        this.clock.schedule(RELOAD_RETRY_MS, () => void this.load(lease)),
      );
      return;
    }
    if (!this.runtime.serves(lease.topicId, lease.partition)) return;
    this.loaded.add(key);
    for (const group of groups) this.waiters.notify(shareGroupKey(group.id));
    this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}
