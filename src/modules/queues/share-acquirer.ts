import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { servePage } from '../../common/record-wire';
import { BrokerMetrics } from '../../metrics/broker-metrics';
import { ShareGroupMetrics } from '../../metrics/share-group-metrics';
import type { RecordPage } from '../../persistence/port/log-storage';
import { Storage } from '../../persistence/port/storage';
import { PartitionBoundsMirror } from '../../persistence/partition-bounds-mirror';
import type { TopicRow } from '../../persistence/port/rows';
import { InFlightRecord } from './domain/in-flight-record';
import { formatReceipt } from './domain/receipt';
import { ShareGroup } from './domain/share-group';
import { LockExpiryScheduler } from './lock-expiry.scheduler';
import { DeliveredRef } from './share-delivery.types';
import { ShareGroupsService } from './share-groups.service';
import { AcquireSome, ShareKeyReader } from './share-key-reader';
import { SharePartitionWriter } from './share-partition-writer';
import { noEffects, ShareSettlement } from './share-settlement';
import { TokenIssuer } from './token-issuer';

/** Records acquired, and the page of the log that holds them. */
interface Acquired {
  records: InFlightRecord[];
  page: RecordPage;
}

/** What one share partition delivered: its records as a JSON array, and which deliveries. */
export interface PartitionDelivery {
  records: Buffer;
  delivered: DeliveredRef[];
}

/**
 * Acquisition on one share partition: holding the partition, it ends the locks that are due,
 * acquires and writes the acquisition; the acquired records are read from the log while that
 * write commits, and served as stored (zero-copy), each with its delivery's fields, only once
 * it committed.
 */
@Injectable()
export class ShareAcquirer {
  private readonly tokens = new TokenIssuer();

  constructor(
    @Inject(ShareGroupsService) private readonly groups: ShareGroupsService,
    @Inject(SharePartitionWriter) private readonly writer: SharePartitionWriter,
    @Inject(ShareSettlement) private readonly settlement: ShareSettlement,
    @Inject(LockExpiryScheduler) private readonly scheduler: LockExpiryScheduler,
    @Inject(PartitionBoundsMirror) private readonly partitionBounds: PartitionBoundsMirror,
    @Inject(Storage) private readonly storage: Storage,
    @Inject(ShareGroupMetrics) private readonly metrics: ShareGroupMetrics,
    @Inject(BrokerMetrics) private readonly brokerMetrics: BrokerMetrics,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(ShareKeyReader) private readonly keys: ShareKeyReader,
  ) {}

  /** True when `group` may get something from `topic`/`partition` now. */
  deliverable(group: ShareGroup, topic: TopicRow, partition: number): boolean {
    const log = this.partitionBounds.partitionState(topic.id, partition);
    if (!log) return false;
    const state = group.get(topic.id, partition);
    if (!state) return log.logEndOffset > log.logStartOffset;
    const now = this.clock.now();
    if (state.hasDeliverable(now, log.logEndOffset)) return true;
    const deadline = state.nextDeadline();
    return deadline !== null && deadline <= now;
  }

  /** Acquires up to `maxRecords` of one partition for `memberId` and serves them. */
  async acquire(
    group: ShareGroup,
    topic: TopicRow,
    partition: number,
    memberId: string,
    maxRecords: number,
    lockDurationMs: number,
  ): Promise<PartitionDelivery | undefined> {
    const acquired = await this.writer.exclusive(
      group,
      [{ topicId: topic.id, partition }],
      async (): Promise<Acquired | undefined> => {
        const log = this.partitionBounds.partitionState(topic.id, partition);
        if (group.deleted || !log || !this.deliverable(group, topic, partition)) return undefined;
        const now = this.clock.now();
        // Locks that ended before the timer ran end here, exactly as the timer would end them.
        const expired = await this.scheduler.expireHolding(group, topic.id, partition, now);
        this.settlement.afterCommit(expired);
        const state = this.groups.partition(group, topic, partition);
        const acquireSome: AcquireSome = (max, keyOf) =>
          state.acquire(
            memberId,
            max,
            log.logStartOffset,
            log.logEndOffset,
            now,
            lockDurationMs,
            () => this.tokens.next(),
            keyOf,
          );
        const ahead: RecordPage[] = []; // pages read ahead for their keys (ordering 'key')
        const records = state.keyOrdered
          ? await this.keys.acquire(
              state,
              topic.id,
              partition,
              maxRecords,
              log.logEndOffset,
              acquireSome,
              ahead,
            )
          : acquireSome(maxRecords, undefined);
        const skipped = state.takeSkippedByRetention();
        const effects = noEffects();
        const write = this.writer.commit(
          [{ group, topicId: topic.id, partition, state, archivals: [] }],
          now,
          effects,
        );
        // The records are read while the acquisition commits (they are immutable); nothing is
        // served unless that commit succeeded. Saves a round trip to the engine per receive.
        const offsets = records.map((r) => r.offset);
        const page =
          records.length === 0
            ? undefined
            : state.keyOrdered
              ? this.keys.pageOf(topic.id, partition, offsets, ahead)
              : this.storage.log.readOffsets(topic.id, partition, offsets);
        page?.catch(() => undefined); // awaited below only if the write committed
        await write;
        this.brokerMetrics.groupSkippedByRetention(group.name, topic.name, skipped);
        this.settlement.afterCommit(effects);
        return page ? { records, page: await page } : undefined;
      },
    );
    this.scheduler.poke();
    return acquired && this.serve(group, topic, partition, acquired);
  }

  /** Serves the acquired records still in the log, each with its delivery's fields. */
  private serve(
    group: ShareGroup,
    topic: TopicRow,
    partition: number,
    { records, page }: Acquired,
  ): PartitionDelivery | undefined {
    const byOffset = new Map(records.map((r) => [r.offset, r]));
    const extras: string[] = [];
    const delivered: DeliveredRef[] = [];
    let again = 0;
    for (let i = 0; i < page.count; i++) {
      const r = byOffset.get(page.offsets[i]!)!;
      const receipt = formatReceipt({
        groupId: group.id,
        topicId: topic.id,
        partition,
        offset: r.offset,
        token: r.token!,
      });
      extras.push(
        `,"deliveryCount":${r.deliveryCount},"receipt":"${receipt}","lockExpiresAtMs":${r.lockExpiresAtMs!}`,
      );
      delivered.push({ topicId: topic.id, partition, offset: r.offset, token: r.token! });
      if (r.deliveryCount > 1) again += 1;
    }
    if (page.count === 0) return undefined;
    this.metrics.delivered(group.name, topic.name, page.count, again);
    return { records: servePage(topic.name, partition, page, extras), delivered };
  }
}
