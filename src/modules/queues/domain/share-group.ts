import { ShareGroupConfig, toBackoffPolicy } from './share-group-config';
import { SharePartition } from './share-partition';
import { SharePartitionSettings } from './share-partition-types';

/** The key of a share partition inside its group. */
export const sharePartitionKey = (topicId: number, partition: number): string =>
  `${topicId}:${partition}`;

/**
 * A share group: its settings and one share partition per topic partition it has touched.
 * Receives and subscriptions hold on to this object; once the group is deleted it says so
 * (`deleted`), and they end instead of acquiring for it or re-creating it.
 */
export class ShareGroup {
  readonly partitions = new Map<
    string,
    { topicId: number; partition: number; state: SharePartition }
  >();
  private deletedFlag = false;

  constructor(
    readonly id: number,
    readonly name: string,
    private currentConfig: ShareGroupConfig,
    readonly createdAtMs: number,
  ) {}

  /** True once the group was deleted: nothing may acquire, release or write for it any more. */
  get deleted(): boolean {
    return this.deletedFlag;
  }

  /** Called once the group's rows are gone; the object stays inert from then on. */
  markDeleted(): void {
    this.deletedFlag = true;
  }

  get config(): ShareGroupConfig {
    return this.currentConfig;
  }

  /** The settings every share partition of this group applies. */
  get partitionSettings(): SharePartitionSettings {
    return {
      maxDeliveryCount: this.currentConfig.maxDeliveryCount,
      maxInFlightRecords: this.currentConfig.maxInFlightRecords,
      maxLockMs: this.currentConfig.maxLockMs,
      backoff: toBackoffPolicy(this.currentConfig.backoffMs),
      ordering: this.currentConfig.ordering,
    };
  }

  reconfigure(config: ShareGroupConfig): void {
    this.currentConfig = config;
    const settings = this.partitionSettings;
    for (const entry of this.partitions.values()) entry.state.updateSettings(settings);
  }

  get(topicId: number, partition: number): SharePartition | undefined {
    return this.partitions.get(sharePartitionKey(topicId, partition))?.state;
  }

  set(topicId: number, partition: number, state: SharePartition): void {
    this.partitions.set(sharePartitionKey(topicId, partition), { topicId, partition, state });
  }

  /** Forgets one share partition (storage does not know it; it starts afresh when used). */
  remove(topicId: number, partition: number): void {
    this.partitions.delete(sharePartitionKey(topicId, partition));
  }

  /** Forgets the share partitions of a deleted topic. */
  forgetTopic(topicId: number): void {
    for (const [key, entry] of this.partitions)
      if (entry.topicId === topicId) this.partitions.delete(key);
  }

  /** The earliest deadline over all share partitions, or null. */
  nextDeadline(): number | null {
    let earliest: number | null = null;
    for (const { state } of this.partitions.values()) {
      const d = state.nextDeadline();
      if (d !== null && (earliest === null || d < earliest)) earliest = d;
    }
    return earliest;
  }
}
