import { Inject, Injectable } from '@nestjs/common';
import { ShareGroup } from './domain/share-group';
import { PartitionLocks } from './partition-locks';
import { ShareGroupsService } from './share-groups.service';
import { AfterCommit, SettledPartition, ShareSettlement } from './share-settlement';

/** A share partition of a group, as operations name it. */
export interface SharePartitionRef {
  topicId: number;
  partition: number;
}

const lockKey = (group: ShareGroup, ref: SharePartitionRef): string =>
  `${group.id}/${ref.topicId}/${ref.partition}`;

/**
 * Runs operations on share partitions in the order memory must follow the disk (Kafka's
 * start/complete transition): an operation holds its partitions while it changes their memory
 * and awaits the write of those changes; when the write fails, the partitions are reloaded from
 * storage before the next operation on them runs. Answers, wake-ups, metrics and pushes follow
 * only a write that committed (the caller applies the `AfterCommit` it got).
 */
@Injectable()
export class SharePartitionWriter {
  private readonly locks = new PartitionLocks();

  constructor(
    @Inject(ShareGroupsService) private readonly groups: ShareGroupsService,
    @Inject(ShareSettlement) private readonly settlement: ShareSettlement,
  ) {}

  /**
   * Runs `operation` holding the partitions `refs` of `group` (in a fixed order); it starts at
   * once, within this call, when none of them is busy.
   */
  exclusive<T>(
    group: ShareGroup,
    refs: readonly SharePartitionRef[],
    operation: () => Promise<T>,
  ): Promise<T> {
    return this.locks.run(
      refs.map((r) => lockKey(group, r)),
      operation,
    );
  }

  /**
   * Resolves once no operation holds a share partition: every write started before (by the
   * lock timer, say) has committed or failed and its effects followed.
   */
  settled(): Promise<void> {
    return this.locks.whenIdle();
  }

  /** True while an operation holds the partition (its write may not have committed yet). */
  busy(group: ShareGroup, ref: SharePartitionRef): boolean {
    return this.locks.isHeld(lockKey(group, ref));
  }

  /**
   * Writes `parts` in one transaction (see `ShareSettlement.write`). The caller holds their
   * partitions. On failure every part's partition is reloaded from storage, then the error is
   * rethrown: nothing of the operation survives in memory, no effect follows.
   */
  async commit(
    parts: readonly SettledPartition[],
    nowMs: number,
    effects: AfterCommit,
  ): Promise<void> {
    try {
      await this.settlement.write(parts, nowMs, effects);
    } catch (error) {
      await this.reload(parts);
      throw error;
    }
  }

  /** Reloads the partitions of `parts` from storage (after a write that failed). */
  async reload(parts: ReadonlyArray<{ group: ShareGroup } & SharePartitionRef>): Promise<void> {
    const byGroup = new Map<ShareGroup, SharePartitionRef[]>();
    for (const part of parts) {
      const refs = byGroup.get(part.group) ?? [];
      refs.push({ topicId: part.topicId, partition: part.partition });
      byGroup.set(part.group, refs);
    }
    for (const [group, refs] of byGroup) await this.groups.reload(group, refs);
  }
}
