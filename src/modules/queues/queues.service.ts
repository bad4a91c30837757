import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { NotPartitionOwnerError } from '../../cluster/lease-store';
import { ResetTarget, ShareResetRouter } from '../../cluster/share-reset-router';
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
import { SharePartitionWriter } from './share-partition-writer';
import { ShareOwnership } from './share-ownership';
import { noEffects } from './share-settlement';
import { LogWaiters } from '../topics/log-waiters';

/** A share partition's sample, but for the age of its oldest available record. */
interface PartitionSample {
  sample: Omit<SharePartitionSample, 'oldestAvailableAgeMs'> & {
    startOffset: number;
    endOffset: number;
  };
  oldest: number | undefined;
}

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
    @Inject(ShareOwnership) private readonly ownership: ShareOwnership,
    @Inject(ShareResetRouter) private readonly resetRouter: ShareResetRouter,
  ) {}

  onModuleInit(): void {
    this.metrics.collectFrom(
      async () => {
        await this.ownership.joined(); // what it owns is known then
        return (await Promise.all(this.groups.all().map((g) => this.samples(g, 'served')))).flat();
      },
      () =>
        this.groups
          .all()
          .flatMap((g) =>
            g.config.topics
              .filter((topic) => this.topics.find(topic) !== undefined)
              .map((topic) => ({ group: g.name, topic })),
          ),
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

  async describeByName(name: string): Promise<ShareGroupView> {
    await this.groups.lookup(name);
    return this.describe(this.groups.get(name));
  }

  /**
   * Moves the group's share partitions of `topic` (or all its topics; `partitions` of it) to
   * `to`, forgetting their in-flight records. In a cluster each owner resets the partitions it
   * serves (`ShareResetRouter`); a reset `forwarded` by another node resets only partitions
   * served here, else it fails with `NOT_PARTITION_OWNER` (the sender routes it again).
   */
  async reset(
    name: string,
    body: ResetBody,
    caller: { authorization?: string; forwarded?: boolean } = {},
  ): Promise<ShareGroupView> {
    await this.groups.lookup(name);
    const group = this.groups.get(name);
    const targets = this.resetTargets(group, body);
    const here = (part: ResetTarget[]) => this.resetHere(group, part, body.to);
    if (caller.forwarded) await here(targets);
    else await this.resetRouter.reset(group.name, body.to, targets, here, caller);
    this.waiters.notify(shareGroupKey(group.id));
    this.delivery.poke();
    return this.describe(group);
  }

  private resetTargets(group: ShareGroup, body: ResetBody): ResetTarget[] {
    if (body.topic !== undefined && !group.config.topics.includes(body.topic)) {
      throw new BrokerError(
        ErrorCode.TOPIC_NOT_FOUND,
        `Share group '${group.name}' does not consume topic '${body.topic}'`,
      );
    }
    const targets: ResetTarget[] = [];
    for (const name of body.topic !== undefined ? [body.topic] : group.config.topics) {
      const topic = this.topics.get(name);
      const all = [...Array(topic.partitions).keys()];
      for (const partition of body.partitions ? [...new Set(body.partitions)] : all) {
        if (partition >= topic.partitions) {
          throw new BrokerError(
            ErrorCode.PARTITION_NOT_FOUND,
            `Topic '${topic.name}' has ${topic.partitions} partitions, no partition ${partition}`,
          );
        }
        targets.push({ topic: topic.name, topicId: topic.id, partition });
      }
    }
    return targets;
  }

  /** Resets share partitions this node serves: one write, holding every one of them. */
  private async resetHere(
    group: ShareGroup,
    targets: readonly ResetTarget[],
    to: ResetBody['to'],
  ): Promise<void> {
    for (const { topicId, partition } of targets) {
      if (!this.ownership.serves(topicId, partition)) {
        throw new NotPartitionOwnerError(topicId, partition);
      }
    }
    const positioned: Array<ResetTarget & { row: TopicRow; offset: number }> = [];
    for (const target of targets) {
      const row = this.topics.get(target.topic);
      const offset = await this.groups.positionFor(row, target.partition, to);
      positioned.push({ ...target, row, offset });
    }
    await this.writer.exclusive(group, positioned, async () => {
      if (group.deleted) return;
      const parts = positioned.map(({ row, partition, offset }) => {
        const state = this.groups.partition(group, row, partition);
        state.resetTo(offset);
        return { group, topicId: row.id, partition, state, archivals: [] };
      });
      await this.writer.commit(parts, this.clock.now(), noEffects());
    });
  }

  /** Deletes the group and wakes what waits on it: receives answer empty, subscriptions end. */
  async delete(name: string): Promise<void> {
    await this.groups.lookup(name);
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
   * One sample per share partition of the group. The partitions this node serves are read from
   * memory. In a cluster the others live at their owners, who write every change before
   * answering: they are read from storage. The metrics (`served`) report only the partitions
   * whose lease this node holds (loaded or being loaded), so that no series is reported twice.
   */
  private async samples(
    group: ShareGroup,
    scope: 'all' | 'served' = 'all',
  ): Promise<Array<SharePartitionSample & { startOffset: number; endOffset: number }>> {
    const now = this.clock.now();
    const samples: Array<SharePartitionSample & { startOffset: number; endOffset: number }> = [];
    let stored: Promise<Map<string, SharePartition>> | undefined;
    for (const name of group.config.topics) {
      const topic = this.topics.find(name);
      if (!topic) continue;
      for (let partition = 0; partition < topic.partitions; partition++) {
        let sampled: PartitionSample;
        if (this.ownership.serves(topic.id, partition)) {
          // held: after the operations in flight on it, whose changes are in memory before
          // their write commits, so that only what storage has is shown
          sampled = await this.writer.exclusive(group, [{ topicId: topic.id, partition }], () =>
            Promise.resolve(
              this.sampleOf(group, topic, partition, this.groups.view(group, topic, partition)),
            ),
          );
        } else if (scope === 'served' && !this.ownership.holds(topic.id, partition)) {
          continue;
        } else {
          // the owner's state, and log ends as fresh as it (this node's mirror of other
          // owners' partitions follows at each lease tick)
          stored ??= this.partitionBounds.refreshAll().then(() => this.groups.storedViews(group));
          const state =
            (await stored).get(`${topic.id}/${partition}`) ??
            this.groups.unusedView(group, topic, partition);
          sampled = this.sampleOf(group, topic, partition, state);
        }
        const { sample, oldest } = sampled;
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
  private sampleOf(
    group: ShareGroup,
    topic: TopicRow,
    partition: number,
    state: SharePartition,
  ): PartitionSample {
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
