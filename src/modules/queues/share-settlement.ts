import { Inject, Injectable } from '@nestjs/common';
import { ShareGroupMetrics } from '../../metrics/share-group-metrics';
import { ShareGroupStore } from '../../persistence/share-group.store';
import { DeadLetterPosition, DeadLetterService } from '../dlq/dead-letter.service';
import { LogWaiters, partitionKey } from '../topics/log-waiters';
import { TopicsService } from '../topics/topics.service';
import { Archival, DeadLetterReason } from './domain/in-flight-record';
import { ShareGroup } from './domain/share-group';
import { deadLetterTopicFor } from './domain/share-group-config';
import { SharePartition } from './domain/share-partition';

/** The waiters key that wakes receivers of a share group (release, expiry, delay due). */
export const shareGroupKey = (groupId: number): string => `share:${groupId}`;

/**
 * Effects of a transaction that follow its commit, and only its commit: wake-ups, the readers
 * of dead-letter partitions, metrics. Built inside the transaction, applied by `afterCommit`.
 */
export interface AfterCommit {
  /** Ids of the share groups whose waiting receivers must be woken. */
  wakeGroups: Set<number>;
  deadLettered: DeadLetterPosition[];
  archived: Array<{ group: string; topic: string; reason: DeadLetterReason }>;
  lockExpirations: Array<{ group: string; topic: string; count: number }>;
}

export const noEffects = (): AfterCommit => ({
  wakeGroups: new Set(),
  deadLettered: [],
  archived: [],
  lockExpirations: [],
});

/** Adds `from` to `into` (a savepoint that committed into its transaction). */
export function mergeEffects(into: AfterCommit, from: AfterCommit): void {
  for (const id of from.wakeGroups) into.wakeGroups.add(id);
  into.deadLettered.push(...from.deadLettered);
  into.archived.push(...from.archived);
  into.lockExpirations.push(...from.lockExpirations);
}

/**
 * The shell around a share partition's outcomes: inside the transaction it dead-letters the
 * archivals and writes the changes; after the commit it wakes receivers and counts metrics.
 */
@Injectable()
export class ShareSettlement {
  constructor(
    @Inject(TopicsService) private readonly topics: TopicsService,
    @Inject(ShareGroupStore) private readonly store: ShareGroupStore,
    @Inject(DeadLetterService) private readonly deadLetters: DeadLetterService,
    @Inject(LogWaiters) private readonly waiters: LogWaiters,
    @Inject(ShareGroupMetrics) private readonly metrics: ShareGroupMetrics,
  ) {}

  /**
   * Dead-letters `archivals` of one share partition and writes its changes: the caller's
   * transaction commits the transitions and the copies together.
   */
  settle(
    group: ShareGroup,
    topicId: number,
    partition: number,
    state: SharePartition,
    archivals: readonly Archival[],
    nowMs: number,
    effects: AfterCommit,
  ): void {
    const topic = this.topics.findById(topicId);
    for (const archival of archivals) {
      const target = topic ? deadLetterTopicFor(group.name, group.config, topic.name) : null;
      if (topic && target !== null) {
        effects.deadLettered.push(
          this.deadLetters.append(
            {
              group: group.name,
              deadLetterTopic: target,
              source: topic,
              partition,
              offset: archival.offset,
              deliveryCount: archival.deliveryCount,
              reason: archival.reason,
              ...(archival.error !== undefined ? { error: archival.error } : {}),
            },
            nowMs,
          ),
        );
      }
      effects.archived.push({
        group: group.name,
        topic: this.topicName(topicId),
        reason: archival.reason,
      });
    }
    const changes = state.takeChanges();
    if (changes.upserts.length > 0 || changes.startMoved || changes.resetAll) {
      this.store.write(group.id, topicId, partition, changes);
    }
  }

  /**
   * Notes `count` expired locks, to be counted once committed: the one way every path that
   * finds an expired lock (the timer, a receive, a late acknowledgement) counts it.
   */
  lockExpired(effects: AfterCommit, group: ShareGroup, topicId: number, count: number): void {
    if (count > 0)
      effects.lockExpirations.push({ group: group.name, topic: this.topicName(topicId), count });
  }

  /** Wakes receivers and dead-letter readers and counts metrics, once a transaction committed. */
  afterCommit(effects: AfterCommit): void {
    for (const id of effects.wakeGroups) this.waiters.notify(shareGroupKey(id));
    for (const p of effects.deadLettered)
      this.waiters.notify(partitionKey(p.topic.id, p.partition));
    for (const a of effects.archived) this.metrics.deadLetteredRecord(a.group, a.topic, a.reason);
    for (const e of effects.lockExpirations) this.metrics.locksExpired(e.group, e.topic, e.count);
  }

  topicName(topicId: number): string {
    return this.topics.findById(topicId)?.name ?? String(topicId);
  }
}
