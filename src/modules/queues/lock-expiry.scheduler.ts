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
import { Database } from '../../persistence/database';
import { AttemptEnds } from './domain/share-partition';
import { ShareGroup } from './domain/share-group';
import { ShareGroupsService } from './share-groups.service';
import { AfterCommit, mergeEffects, noEffects, ShareSettlement } from './share-settlement';

/**
 * How long the records whose attempt end failed to be written stay as they are before the
 * expiry is tried again. Long enough that a lasting failure (a deleted dead-letter topic with
 * auto-create off) costs nothing; short enough that a fix (the topic re-created) is seen soon.
 * Changing the group's settings retries at once.
 */
export const EXPIRY_RETRY_MS = 30_000;

/**
 * Lock expiry for every share group: one timer on the earliest lock end or release delay.
 * Each share partition expires in its own savepoint, so that one that cannot be written (its
 * dead-letter topic is gone) fails alone: its failing records stay where they are (memory
 * reloaded from the database), are reported once and parked until `EXPIRY_RETRY_MS` later, and
 * the other partitions and groups go on.
 */
@Injectable()
export class LockExpiryScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly timer: DeadlineTimer;
  private readonly logger = new Logger('LockExpiry');

  constructor(
    @Inject(ShareGroupsService) private readonly groups: ShareGroupsService,
    @Inject(ShareSettlement) private readonly settlement: ShareSettlement,
    @Inject(ShareGroupMetrics) private readonly metrics: ShareGroupMetrics,
    @Inject(Database) private readonly db: Database,
    @Inject(Clock) private readonly clock: Clock,
  ) {
    this.timer = new DeadlineTimer(
      clock,
      () => this.nextDeadline() ?? undefined,
      () => this.processDeadlines(),
    );
  }

  /** Locks that expired while the broker was down expire now, before anyone receives. */
  onApplicationBootstrap(): void {
    this.processDeadlines();
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
   * Expires what is due in one share partition, in a savepoint of the caller's transaction:
   * effects go to `effects` only when that savepoint succeeds. A failure parks the failing
   * records and touches nothing else. Used by the timer and by receives alike.
   */
  expirePartition(
    group: ShareGroup,
    topicId: number,
    partition: number,
    nowMs: number,
    effects: AfterCommit,
  ): void {
    for (let attempt = 0; attempt < 2; attempt++) {
      const state = group.get(topicId, partition);
      const deadline = state?.nextDeadline() ?? null;
      if (!state || deadline === null || deadline > nowMs) return;
      let ends: AttemptEnds | undefined;
      const local = noEffects();
      try {
        this.db.transaction(() => {
          ends = state.expireLocks(nowMs);
          this.settlement.lockExpired(local, group, topicId, ends.locksExpired);
          if (ends.madeDeliverable) local.wakeGroups.add(group.id);
          this.settlement.settle(group, topicId, partition, state, ends.archivals, nowMs, local);
        });
        mergeEffects(effects, local);
        return;
      } catch (error) {
        this.groups.reload(group, topicId, partition);
        const fresh = group.get(topicId, partition)!;
        // First blame the records being dead-lettered; if the rest fails too, park all that is due.
        const failing =
          attempt === 0 && ends && ends.archivals.length > 0
            ? ends.archivals.map((a) => a.offset)
            : fresh.dueOffsets(nowMs);
        const firstFailures = fresh.holdExpiry(failing, nowMs + EXPIRY_RETRY_MS);
        this.report(group, topicId, partition, firstFailures, error);
      }
    }
  }

  /** Runs when the earliest deadline is due: one transaction, one savepoint per partition. */
  private processDeadlines(): void {
    const now = this.clock.now();
    const effects = noEffects();
    const touched: Array<[ShareGroup, number, number]> = [];
    try {
      this.db.transaction(() => {
        for (const group of this.groups.all()) {
          for (const { topicId, partition, state } of group.partitions.values()) {
            const deadline = state.nextDeadline();
            if (deadline === null || deadline > now) continue;
            touched.push([group, topicId, partition]);
            this.expirePartition(group, topicId, partition, now, effects);
          }
        }
      });
    } catch (error) {
      // The commit itself failed (say, the disk is full): memory follows the database again;
      // the timer backs off instead of finding the same deadline due at once.
      for (const [group, topicId, partition] of touched)
        this.groups.reload(group, topicId, partition);
      this.logger.error(`lock expiry failed: ${stackOf(error)}`);
      return;
    }
    this.settlement.afterCommit(effects);
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

  private nextDeadline(): number | null {
    let earliest: number | null = null;
    for (const group of this.groups.all()) {
      const d = group.nextDeadline();
      if (d !== null && (earliest === null || d < earliest)) earliest = d;
    }
    return earliest;
  }
}

const stackOf = (error: unknown): string =>
  error instanceof Error ? (error.stack ?? error.message) : String(error);
