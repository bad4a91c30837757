import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { Clock } from '../../common/clock';
import { DeadlineTimer } from '../../common/deadline-timer';
import { ShareGroupMetrics } from '../../metrics/share-group-metrics';
import { SharePartition } from './domain/share-partition';
import { AttemptEnds, SharePartitionSnapshot } from './domain/share-partition-types';
import { ShareGroup } from './domain/share-group';
import { ShareGroupsService } from './share-groups.service';
import { ShareOwnership } from './share-ownership';
import { SharePartitionWriter } from './share-partition-writer';
import { AfterCommit, noEffects, ShareSettlement } from './share-settlement';

/**
 * How long the records whose attempt end failed to be written stay as they are before the
 * expiry is tried again. Long enough that a lasting failure (a deleted dead-letter topic with
 * auto-create off) costs nothing; short enough that a fix (the topic re-created) is seen soon.
 * Changing the group's settings retries at once.
 */
export const EXPIRY_RETRY_MS = 30_000;

/**
 * Lock expiry for every share group: one timer on the earliest lock end or release delay.
 * Each share partition expires in its own write, holding its partition (`SharePartitionWriter`),
 * so that one that cannot be written (its dead-letter topic is gone) fails alone: its failing
 * records stay where they are (memory restored), are reported once and parked until
 * `EXPIRY_RETRY_MS` later, and the other partitions and groups go on.
 */
@Injectable()
export class LockExpiryScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly timer: DeadlineTimer;
  private readonly logger = new Logger('LockExpiry');

  constructor(
    @Inject(ShareGroupsService) private readonly groups: ShareGroupsService,
    @Inject(ShareSettlement) private readonly settlement: ShareSettlement,
    @Inject(SharePartitionWriter) private readonly writer: SharePartitionWriter,
    @Inject(ShareGroupMetrics) private readonly metrics: ShareGroupMetrics,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(ShareOwnership) private readonly ownership: ShareOwnership,
  ) {
    this.timer = new DeadlineTimer(
      clock,
      () => this.nextDeadline() ?? undefined,
      () => void this.processDeadlines(),
    );
    this.ownership.onChange(() => this.timer.poke());
  }

  /** Locks that expired while the broker was down expire now, before anyone receives. */
  async onApplicationBootstrap(): Promise<void> {
    await this.processDeadlines();
    this.timer.poke();
  }

  beforeApplicationShutdown(): void {
    this.timer.stop();
  }

  /** Tells the timer that deadlines may have changed. */
  poke(): void {
    this.timer.poke();
  }

  /**
   * Expires what is due in one share partition, which the caller holds, in a write of its own;
   * resolves with the effects to apply (those of a write that committed). A failure parks the
   * failing records and touches nothing else; it does not reject. Used by the timer and by
   * receives alike. A failure found before anything was sent (a dead-letter topic that cannot
   * be had) restores the partition's memory from before the attempt.
   */
  async expireHolding(
    group: ShareGroup,
    topicId: number,
    partition: number,
    nowMs: number,
  ): Promise<AfterCommit> {
    const effects = noEffects();
    for (let attempt = 0; attempt < 2; attempt++) {
      const state = group.get(topicId, partition);
      const deadline = state?.nextDeadline() ?? null;
      if (!state || group.deleted || deadline === null || deadline > nowMs) return effects;
      const before = state.snapshot();
      let ends: AttemptEnds | undefined;
      let sent = false;
      try {
        ends = state.expireLocks(nowMs);
        const prepared = await this.settlement.prepare(
          [{ group, topicId, partition, state, archivals: ends.archivals }],
          nowMs,
        );
        this.settlement.lockExpired(prepared.effects, group, topicId, ends.locksExpired);
        if (ends.madeDeliverable) prepared.effects.wakeGroups.add(group.id);
        sent = true;
        await this.settlement.send(prepared, effects);
        return effects;
      } catch (error) {
        if (sent) await this.groups.reload(group, [{ topicId, partition }]);
        else this.restore(group, topicId, partition, state, before);
        const fresh = group.get(topicId, partition);
        if (!fresh) return effects;
        // First blame the records being dead-lettered; if the rest fails too, park all that is due.
        const failing =
          attempt === 0 && ends && ends.archivals.length > 0
            ? ends.archivals.map((a) => a.offset)
            : fresh.dueOffsets(nowMs);
        const firstFailures = fresh.holdExpiry(failing, nowMs + EXPIRY_RETRY_MS);
        this.report(group, topicId, partition, firstFailures, error);
      }
    }
    return effects;
  }

  /**
   * Runs when the earliest deadline is due: each due share partition expires on its own, at
   * once when it is free, else after the operation that holds it.
   */
  private processDeadlines(): Promise<void> {
    const now = this.clock.now();
    const runs: Array<Promise<void>> = [];
    for (const group of this.groups.all()) {
      for (const { topicId, partition, state } of [...group.partitions.values()]) {
        const deadline = state.nextDeadline();
        if (deadline === null || deadline > now) continue;
        if (!this.ownership.serves(topicId, partition)) continue;
        runs.push(
          this.writer
            .exclusive(group, [{ topicId, partition }], async () => {
              const effects = await this.expireHolding(
                group,
                topicId,
                partition,
                Math.max(now, this.clock.now()),
              );
              this.settlement.afterCommit(effects);
            })
            .catch((error: unknown) => this.logger.error(`lock expiry failed: ${stackOf(error)}`))
            .finally(() => this.timer.poke()),
        );
      }
    }
    return Promise.all(runs).then(() => undefined);
  }

  /** Puts back the memory of a partition whose change was not sent. */
  private restore(
    group: ShareGroup,
    topicId: number,
    partition: number,
    changed: SharePartition,
    before: SharePartitionSnapshot,
  ): void {
    const restored = new SharePartition(group.partitionSettings, before);
    restored.adoptHolds(changed);
    group.set(topicId, partition, restored);
  }

  /**
   * Logs each record whose attempt end failed for the first time, once, and counts it. Counted
   * at once, not after a commit: it counts a failure that happened, not a write.
   */
  private report(
    group: ShareGroup,
    topicId: number,
    partition: number,
    offsets: readonly number[],
    error: unknown,
  ): void {
    if (offsets.length === 0) return;
    const topic = this.settlement.topicName(topicId);
    const reason = error instanceof Error ? error.message : String(error);
    for (const offset of offsets) {
      this.logger.error(
        `share group '${group.name}': ending the attempt of ${topic}/${partition}@${offset} failed, ` +
          `it stays as it is and is retried every ${EXPIRY_RETRY_MS} ms: ${reason}`,
      );
    }
    this.metrics.expiryFailed(group.name, topic, offsets.length);
  }

  /** The earliest deadline of the share partitions this node serves. */
  private nextDeadline(): number | null {
    let earliest: number | null = null;
    for (const group of this.groups.all()) {
      for (const { topicId, partition, state } of group.partitions.values()) {
        const d = state.nextDeadline();
        if (d === null || (earliest !== null && d >= earliest)) continue;
        if (this.ownership.serves(topicId, partition)) earliest = d;
      }
    }
    return earliest;
  }
}

const stackOf = (error: unknown): string =>
  error instanceof Error ? (error.stack ?? error.message) : String(error);
