import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { BrokerError, ErrorCode } from '../../common/errors';
import { DlqService } from '../dlq/dlq.service';
import { ShareGroupMetrics, SharePartitionSample } from '../../metrics/share-group-metrics';
import { Storage } from '../../persistence/port/storage';
import { PartitionBoundsMirror } from '../../persistence/partition-bounds-mirror';
import type { TopicRow } from '../../persistence/port/rows';
import { TopicsService } from '../topics/topics.service';
import { ShareGroup } from './domain/share-group';
import { SharePartition } from './domain/share-partition';
import { deadLetterTopicFor } from './domain/share-group-config';
import type { KeyOrderCounts } from './domain/share-partition-types';
import { PutShareGroupBody, ResetBody, ShareGroupList, ShareGroupView } from './queues.schemas';
import {
  shareGroupDeletedKey,
  shareGroupKey,
  ShareDeliveryService,
} from './share-delivery.service';
import { ShareGroupsService } from './share-groups.service';
import { SharePartitionRef, SharePartitionWriter } from './share-partition-writer';
import { noEffects } from './share-settlement';
import { LogWaiters } from '../topics/log-waiters';

/** Share-group administration and the operator's view: describe, lag, reset, delete. */
@Injectable()
export class QueuesService implements OnModuleInit {
  constructor(
    @Inject(ShareGroupsService) private readonly groups: ShareGroupsService,
    @Inject(ShareDeliveryService) private readonly delivery: ShareDeliveryService,
    @Inject(TopicsService) private readonly topics: TopicsService,
    @Inject(PartitionBoundsMirror) private readonly partitionBounds: PartitionBoundsMirror,
    @Inject(Storage) private readonly storage: Storage,
    @Inject(SharePartitionWriter) private readonly writer: SharePartitionWriter,
    @Inject(LogWaiters) private readonly waiters: LogWaiters,
    @Inject(ShareGroupMetrics) private readonly metrics: ShareGroupMetrics,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(DlqService) private readonly dlq: DlqService,
  ) {}

  onModuleInit(): void {
    this.metrics.collectFrom(async () =>
      (await Promise.all(this.groups.all().map((g) => this.samples(g)))).flat(),
    );
    this.dlq.includeNamedTopics(() => this.deadLetterTopics());
  }

  async put(name: string, body: PutShareGroupBody): Promise<ShareGroupView> {
    const group = await this.groups.put(name, body);
    this.waiters.notify(shareGroupKey(group.id));
    this.delivery.poke(); // new settings retry parked expiries at once
    return this.describe(group);
  }

  /** Every group by name, with lag and record counts summed over its share partitions. */
  async list(): Promise<ShareGroupList> {
    const groups = [...this.groups.all()].sort((a, b) => a.name.localeCompare(b.name));
    const samples = await Promise.all(groups.map((group) => this.samples(group)));
    return {
      groups: groups.map((group, i) => {
        const summary = { lag: 0, acquired: 0, available: 0 };
        let oldest: number | null = null;
        for (const s of samples[i]!) {
          summary.lag += s.lag;
          summary.acquired += s.acquired;
          summary.available += s.available;
          if (s.oldestAvailableAgeMs !== null)
            oldest = Math.max(oldest ?? 0, s.oldestAvailableAgeMs);
        }
        return {
          group: group.name,
          topics: [...group.config.topics],
          ...summary,
          oldestAvailableAgeMs: oldest,
        };
      }),
    };
  }

  describeByName(name: string): Promise<ShareGroupView> {
    return this.describe(this.groups.get(name));
  }

  /**
   * Moves the group's share partitions of `topic` (or all its topics) to `to`, forgetting their
   * in-flight records: one write, holding every one of those partitions.
   */
  async reset(name: string, body: ResetBody): Promise<ShareGroupView> {
    const group = this.groups.get(name);
    if (body.topic !== undefined && !group.config.topics.includes(body.topic)) {
      throw new BrokerError(
        ErrorCode.TOPIC_NOT_FOUND,
        `Share group '${group.name}' does not consume topic '${body.topic}'`,
      );
    }
    const names = body.topic !== undefined ? [body.topic] : group.config.topics;
    const targets: Array<SharePartitionRef & { topic: TopicRow; offset: number }> = [];
    for (const topic of names.map((n) => this.topics.get(n))) {
      for (let p = 0; p < topic.partitions; p++) {
        const offset = await this.groups.positionFor(topic, p, body.to);
        targets.push({ topic, topicId: topic.id, partition: p, offset });
      }
    }
    await this.writer.exclusive(group, targets, async () => {
      if (group.deleted) return;
      const parts = targets.map(({ topic, partition, offset }) => {
        const state = this.groups.partition(group, topic, partition);
        state.resetTo(offset);
        return { group, topicId: topic.id, partition, state, archivals: [] };
      });
      await this.writer.commit(parts, this.clock.now(), noEffects());
    });
    this.waiters.notify(shareGroupKey(group.id));
    this.delivery.poke();
    return this.describe(group);
  }

  /** Deletes the group and wakes what waits on it: receives answer empty, subscriptions end. */
  async delete(name: string): Promise<void> {
    const group = await this.groups.delete(name);
    this.waiters.notify(shareGroupKey(group.id));
    this.waiters.notify(shareGroupDeletedKey(group.id));
    this.delivery.poke();
  }

  async describe(group: ShareGroup): Promise<ShareGroupView> {
    const c = group.config;
    const samples = await this.samples(group);
    return {
      group: group.name,
      topics: [...c.topics],
      config: {
        lockDurationMs: c.lockDurationMs,
        maxDeliveryCount: c.maxDeliveryCount,
        backoffMs: c.backoffMs,
        deadLetterTopic:
          c.deadLetterTopic === undefined ? `dlq.${group.name}.<topic>` : c.deadLetterTopic,
        deadLetterTopics: Object.fromEntries(
          c.topics.map((t) => [t, deadLetterTopicFor(group.name, c, t)]),
        ),
        startFrom: c.startFrom,
        maxInFlightRecords: c.maxInFlightRecords,
        maxLockMs: c.maxLockMs,
        ordering: c.ordering,
      },
      partitions: samples.map((s) => ({
        topic: s.topic,
        partition: s.partition,
        startOffset: s.startOffset,
        endOffset: s.endOffset,
        available: s.available,
        acquired: s.acquired,
        acknowledged: s.acknowledged,
        archived: s.archived,
        lag: s.lag,
        oldestAvailableAgeMs: s.oldestAvailableAgeMs,
      })),
    };
  }

  /** The existing topics that the groups' settings name as dead-letter topics. */
  private deadLetterTopics(): Set<string> {
    const names = new Set<string>();
    for (const group of this.groups.all()) {
      for (const topic of group.config.topics) {
        const dlq = deadLetterTopicFor(group.name, group.config, topic);
        if (dlq !== null && this.topics.find(dlq)) names.add(dlq);
      }
    }
    return names;
  }

  /**
   * One sample per share partition of the group, from memory. Each partition is sampled
   * holding it (`SharePartitionWriter`), after the operations in flight on it, whose changes
   * are in memory before their write commits (a lock expiry that archives a record and writes
   * its dead-letter copy, say): a view never shows a record done before storage has it.
   */
  private async samples(
    group: ShareGroup,
  ): Promise<Array<SharePartitionSample & { startOffset: number; endOffset: number }>> {
    const now = this.clock.now();
    const samples: Array<SharePartitionSample & { startOffset: number; endOffset: number }> = [];
    for (const name of group.config.topics) {
      const topic = this.topics.find(name);
      if (!topic) continue;
      for (let partition = 0; partition < topic.partitions; partition++) {
        const { sample, oldest } = await this.writer.exclusive(
          group,
          [{ topicId: topic.id, partition }],
          () =>
            Promise.resolve(
              this.sampleOf(group, topic, partition, this.groups.view(group, topic, partition)),
            ),
        );
        const [oldestRecord] =
          oldest !== undefined
            ? await this.storage.log.summaries(topic.id, partition, oldest, 1)
            : [];
        samples.push({
          ...sample,
          oldestAvailableAgeMs: oldestRecord ? Math.max(0, now - oldestRecord.timestampMs) : null,
        });
      }
    }
    return samples;
  }

  /** A share partition's counts and lag, and the offset of its oldest available record. */
  private sampleOf(group: ShareGroup, topic: TopicRow, partition: number, state: SharePartition) {
    const log = this.partitionBounds.partitionState(topic.id, partition);
    const logEnd = log?.logEndOffset ?? 0;
    const sample = {
      group: group.name,
      topic: topic.name,
      partition,
      startOffset: state.start,
      endOffset: state.end,
      ...state.counts(logEnd),
      lag: state.lag(logEnd),
      ...(state.keyOrdered ? keyOrderSample(state.keyOrderCounts()) : {}),
    };
    return { sample, oldest: state.oldestAvailableOffset(logEnd) };
  }
}

/** The per-key ordering fields of a metrics sample. */
function keyOrderSample(
  counts: KeyOrderCounts,
): Pick<SharePartitionSample, 'keyWaiting' | 'keysInFlight'> {
  return { keyWaiting: counts.waiting, keysInFlight: counts.keysInFlight };
}
