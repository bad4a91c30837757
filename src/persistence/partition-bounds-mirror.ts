import type { PartitionState } from '../common/log-record';
import type { BoundsChange, PartitionBounds } from './port/log-storage';
import { Storage } from './port/storage';

/**
 * The partitions' bounds (log start, log end, bytes) in memory, for the hot paths that need
 * them synchronously (reads, long-polls, lag, share-partition starts, describe, metrics).
 * Loaded from `storage.log.bounds()` at start and changed only by what committed writes report
 * (`Storage.onBoundsChanged`), so it never runs ahead of the disk and no service has to tell it
 * about a write. Reports are adopted only when they are at least as new as what it holds (both
 * offsets only grow), so a report that arrives late never moves a partition back.
 */
export class PartitionBoundsMirror {
  private readonly topics = new Map<number, Map<number, PartitionState>>();
  private readonly deletedTopicIds = new Set<number>();

  private constructor(private readonly storage: Storage) {}

  /** Subscribes to `storage`'s reports, then loads every partition's bounds. */
  static async load(storage: Storage): Promise<PartitionBoundsMirror> {
    const mirror = new PartitionBoundsMirror(storage);
    storage.onBoundsChanged((change) => mirror.apply(change));
    for (const bounds of await storage.log.bounds()) mirror.adopt(bounds);
    return mirror;
  }

  /** One partition's bounds, or undefined when the topic has no such partition. */
  partitionState(topicId: number, partition: number): PartitionState | undefined {
    return this.topics.get(topicId)?.get(partition);
  }

  /** Every partition of a topic, in partition order. */
  partitionStates(topicId: number): PartitionState[] {
    const partitions = this.topics.get(topicId);
    if (!partitions) return [];
    return [...partitions.values()].sort((a, b) => a.partition - b.partition);
  }

  /**
   * Reads one partition's bounds from storage again and adopts them (a node that takes over a
   * partition another node wrote to); resolves with what the mirror holds afterwards.
   */
  async refresh(topicId: number, partition: number): Promise<PartitionState | undefined> {
    for (const bounds of await this.storage.log.bounds()) {
      if (bounds.topicId === topicId && bounds.partition === partition) this.adopt(bounds);
    }
    return this.partitionState(topicId, partition);
  }

  /**
   * Reads every partition's bounds from storage again and adopts them (what other nodes of a
   * cluster appended, topics they created); never moves a partition back.
   */
  async refreshAll(): Promise<void> {
    for (const bounds of await this.storage.log.bounds()) this.adopt(bounds);
  }

  private apply(change: BoundsChange): void {
    for (const topicId of change.deletedTopicIds) {
      this.deletedTopicIds.add(topicId);
      this.topics.delete(topicId);
    }
    for (const bounds of change.bounds) this.adopt(bounds);
  }

  private adopt(bounds: PartitionBounds): void {
    if (this.deletedTopicIds.has(bounds.topicId)) return;
    let partitions = this.topics.get(bounds.topicId);
    if (!partitions)
      this.topics.set(bounds.topicId, (partitions = new Map<number, PartitionState>()));
    const held = partitions.get(bounds.partition);
    if (
      held &&
      (bounds.logEndOffset < held.logEndOffset || bounds.logStartOffset < held.logStartOffset)
    ) {
      return;
    }
    partitions.set(bounds.partition, {
      partition: bounds.partition,
      logStartOffset: bounds.logStartOffset,
      logEndOffset: bounds.logEndOffset,
      bytes: bounds.bytes,
    });
  }
}
