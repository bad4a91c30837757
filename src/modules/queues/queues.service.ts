import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { DeadLetterMetrics } from '../../metrics/dead-letter-metrics';
import { ShareGroupMetrics, SharePartitionSample } from '../../metrics/share-group-metrics';
import { RecordLogStore } from '../../persistence/record-log.store';
import { TopicStore } from '../../persistence/topic.store';
import { TopicsService } from '../topics/topics.service';
import { ShareGroup } from './domain/share-group';
import { deadLetterTopicFor } from './domain/share-group-config';
import { PutShareGroupBody, ResetBody, ShareGroupList, ShareGroupView } from './queues.schemas';
import {
  shareGroupDeletedKey,
  shareGroupKey,
  ShareDeliveryService,
} from './share-delivery.service';
import { ShareGroupsService } from './share-groups.service';
import { LogWaiters } from '../topics/log-waiters';

/** Share-group administration and the operator's view: describe, lag, reset, delete. */
@Injectable()
export class QueuesService implements OnModuleInit {
  constructor(
    @Inject(ShareGroupsService) private readonly groups: ShareGroupsService,
    @Inject(ShareDeliveryService) private readonly delivery: ShareDeliveryService,
    @Inject(TopicsService) private readonly topics: TopicsService,
    @Inject(TopicStore) private readonly topicStore: TopicStore,
    @Inject(RecordLogStore) private readonly log: RecordLogStore,
    @Inject(LogWaiters) private readonly waiters: LogWaiters,
    @Inject(ShareGroupMetrics) private readonly metrics: ShareGroupMetrics,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(DeadLetterMetrics) private readonly deadLetterMetrics: DeadLetterMetrics,
  ) {}

  onModuleInit(): void {
    this.metrics.collectFrom(() => this.groups.all().flatMap((g) => this.samples(g)));
    this.deadLetterMetrics.includeTopics(() => this.deadLetterTopics());
  }

  put(name: string, body: PutShareGroupBody): ShareGroupView {
    const group = this.groups.put(name, body);
    this.waiters.notify(shareGroupKey(group.id));
    this.delivery.poke(); // new settings retry parked expiries at once
    return this.describe(group);
  }

  /** Every group by name, with lag and record counts summed over its share partitions. */
  list(): ShareGroupList {
    const groups = [...this.groups.all()].sort((a, b) => a.name.localeCompare(b.name));
    return {
      groups: groups.map((group) => {
        const summary = { lag: 0, acquired: 0, available: 0 };
        let oldest: number | null = null;
        for (const s of this.samples(group)) {
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

  describeByName(name: string): ShareGroupView {
    return this.describe(this.groups.get(name));
  }

  reset(name: string, body: ResetBody): ShareGroupView {
    const group = this.groups.get(name);
    this.groups.reset(group, body.topic, body.to);
    this.waiters.notify(shareGroupKey(group.id));
    this.delivery.poke();
    return this.describe(group);
  }

  /** Deletes the group and wakes what waits on it: receives answer empty, subscriptions end. */
  delete(name: string): void {
    const group = this.groups.delete(name);
    this.waiters.notify(shareGroupKey(group.id));
    this.waiters.notify(shareGroupDeletedKey(group.id));
    this.delivery.poke();
  }

  describe(group: ShareGroup): ShareGroupView {
    const c = group.config;
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
      },
      partitions: this.samples(group).map((s) => ({
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

  private samples(
    group: ShareGroup,
  ): Array<SharePartitionSample & { startOffset: number; endOffset: number }> {
    const now = this.clock.now();
    return group.config.topics.flatMap((name) => {
      const topic = this.topics.find(name);
      if (!topic) return [];
      return Array.from({ length: topic.partitions }, (_x, partition) => {
        const log = this.topicStore.partitionState(topic.id, partition);
        const logEnd = log?.logEndOffset ?? 0;
        const state = this.groups.view(group, topic, partition);
        const oldest = state.oldestAvailableOffset(logEnd);
        const oldestRecord =
          oldest !== undefined ? this.log.summaries(topic.id, partition, oldest, 1)[0] : undefined;
        return {
          group: group.name,
          topic: topic.name,
          partition,
          startOffset: state.start,
          endOffset: state.end,
          ...state.counts(logEnd),
          lag: state.lag(logEnd),
          oldestAvailableAgeMs: oldestRecord ? Math.max(0, now - oldestRecord.timestampMs) : null,
        };
      });
    });
  }
}
