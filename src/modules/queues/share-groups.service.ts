import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { BROKER_CONFIG } from '../../common/core.module';
import { BrokerError, ErrorCode } from '../../common/errors';
import { assertGroupName, assertTopicName } from '../../common/names';
import type { BrokerConfig } from '../../config/broker-config';
import { ShareGroupMetrics } from '../../metrics/share-group-metrics';
import { Database } from '../../persistence/database';
import { RecordLogStore } from '../../persistence/record-log.store';
import { ShareGroupStore } from '../../persistence/share-group.store';
import { TopicRow, TopicStore } from '../../persistence/topic.store';
import { TopicsService } from '../topics/topics.service';
import { RecordState } from './domain/record-state';
import { ShareGroup } from './domain/share-group';
import {
  deadLetterTopicFor,
  SHARE_GROUP_DEFAULTS,
  ShareGroupConfig,
  StartFrom,
} from './domain/share-group-config';
import { SharePartition } from './domain/share-partition';
import type { PutShareGroupBody } from './queues.schemas';

/**
 * The share groups of the broker: their settings and, per topic partition, their share
 * partition state, loaded from SQLite at start. Changes are written before memory follows.
 */
@Injectable()
export class ShareGroupsService implements OnModuleInit {
  private readonly groups = new Map<string, ShareGroup>();
  /** Ids up to this one were issued; those not in `groups` belong to deleted groups. */
  private lastIssuedId = 0;

  constructor(
    @Inject(ShareGroupStore) private readonly store: ShareGroupStore,
    @Inject(TopicsService) private readonly topics: TopicsService,
    @Inject(TopicStore) private readonly topicStore: TopicStore,
    @Inject(RecordLogStore) private readonly log: RecordLogStore,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
    @Inject(Database) private readonly db: Database,
    @Inject(ShareGroupMetrics) private readonly metrics: ShareGroupMetrics,
  ) {}

  onModuleInit(): void {
    for (const row of this.store.listGroups()) {
      const group = new ShareGroup(
        row.id,
        row.name,
        JSON.parse(row.config) as ShareGroupConfig,
        row.createdAtMs,
      );
      for (const p of this.store.partitions(row.id))
        group.set(p.topicId, p.partition, this.load(group, p.topicId, p.partition));
      this.groups.set(row.name, group);
    }
    this.lastIssuedId = this.store.lastIssuedGroupId();
    // The topic's share-group rows went with it (TopicStore.delete): memory follows.
    this.topics.onDeleted((topic) => {
      for (const group of this.groups.values()) group.forgetTopic(topic.id);
    });
  }

  all(): ShareGroup[] {
    return [...this.groups.values()];
  }

  /** The group named `name`, or `GROUP_NOT_FOUND`. */
  get(name: string): ShareGroup {
    const group = this.groups.get(name);
    if (!group)
      throw new BrokerError(ErrorCode.GROUP_NOT_FOUND, `Share group '${name}' does not exist`);
    return group;
  }

  /** The group named `name`, if it exists. */
  find(name: string): ShareGroup | undefined {
    return this.groups.get(name);
  }

  /** True when `id` named a group that has been deleted since (its receipts are `LOCK_LOST`). */
  wasDeleted(id: number): boolean {
    return Number.isInteger(id) && id > 0 && id <= this.lastIssuedId && !this.findById(id);
  }

  findById(id: number): ShareGroup | undefined {
    for (const group of this.groups.values()) if (group.id === id) return group;
    return undefined;
  }

  /** Creates the group, or changes the settings given (absent ones keep their value). */
  put(name: string, body: PutShareGroupBody): ShareGroup {
    assertGroupName(name);
    const existing = this.groups.get(name);
    const base: ShareGroupConfig = existing?.config ?? {
      topics: [],
      lockDurationMs: Math.min(
        Math.max(SHARE_GROUP_DEFAULTS.lockDurationMs, this.config.minLockMs),
        this.config.maxLockMs,
      ),
      maxDeliveryCount: SHARE_GROUP_DEFAULTS.maxDeliveryCount,
      backoffMs: null,
      deadLetterTopic: undefined,
      startFrom: SHARE_GROUP_DEFAULTS.startFrom,
      maxInFlightRecords: SHARE_GROUP_DEFAULTS.maxInFlightRecords,
      maxLockMs: Math.min(SHARE_GROUP_DEFAULTS.maxLockMs, this.config.maxLockMs),
    };
    const config: ShareGroupConfig = {
      topics: [...new Set(body.topics)],
      lockDurationMs: body.lockDurationMs ?? base.lockDurationMs,
      maxDeliveryCount: body.maxDeliveryCount ?? base.maxDeliveryCount,
      backoffMs: body.backoffMs !== undefined ? body.backoffMs : base.backoffMs,
      deadLetterTopic:
        body.deadLetterTopic !== undefined ? body.deadLetterTopic : base.deadLetterTopic,
      startFrom: body.startFrom ?? base.startFrom,
      maxInFlightRecords: body.maxInFlightRecords ?? base.maxInFlightRecords,
      maxLockMs: body.maxLockMs ?? base.maxLockMs,
    };
    this.validate(name, config);
    const topicRows = config.topics.map((t) => this.topics.getOrCreate(t));
    for (const t of config.topics) {
      const dlq = deadLetterTopicFor(name, config, t);
      if (dlq !== null) this.topics.getOrCreate(dlq);
    }
    if (existing) {
      const added = topicRows.filter((t) => !existing.config.topics.includes(t.name));
      this.db.transaction(() => {
        this.store.updateGroupConfig(existing.id, JSON.stringify(config));
        for (const topic of added) this.initializePartitions(existing, topic, config.startFrom);
      });
      existing.reconfigure(config);
      return existing;
    }
    const now = this.clock.now();
    const group = this.db.transaction(() => {
      const row = this.store.insertGroup(name, JSON.stringify(config), now);
      const created = new ShareGroup(row.id, name, config, now);
      for (const topic of topicRows) this.initializePartitions(created, topic, config.startFrom);
      return created;
    });
    this.groups.set(name, group);
    this.lastIssuedId = Math.max(this.lastIssuedId, group.id);
    return group;
  }

  /** The group, created with defaults for `topics` when it does not exist; topics missing from it are added. */
  ensure(name: string, topics: readonly string[]): ShareGroup {
    const existing = this.groups.get(name);
    if (existing && topics.every((t) => existing.config.topics.includes(t))) return existing;
    return this.put(name, { topics: [...(existing?.config.topics ?? []), ...topics] });
  }

  /**
   * Deletes the group's rows, then marks the object deleted: receives and subscriptions that
   * hold it end (the caller wakes them), its receipts answer `LOCK_LOST`, and nothing writes
   * for it again. Only a `put` or a new receive naming topics makes a new group of that name.
   */
  delete(name: string): ShareGroup {
    const group = this.get(name);
    this.store.deleteGroup(group.id);
    this.groups.delete(name);
    group.markDeleted();
    this.metrics.groupDeleted(name);
    return group;
  }

  /**
   * The share partition of `group` for `topic`/`partition`, created on first use: at the group's
   * start position for partitions that existed when the group was created, at the log start for
   * partitions that appeared later (all of their records are newer than the group).
   */
  partition(group: ShareGroup, topic: TopicRow, partition: number): SharePartition {
    const existing = group.get(topic.id, partition);
    if (existing) return existing;
    const created = this.unused(group, topic, partition);
    group.set(topic.id, partition, created);
    return created;
  }

  /**
   * The share partition of `group` for `topic`/`partition` for reading only (a scrape, a
   * describe): one not used yet is shown as `partition()` would create it, and is not kept.
   */
  view(group: ShareGroup, topic: TopicRow, partition: number): SharePartition {
    return group.get(topic.id, partition) ?? this.unused(group, topic, partition);
  }

  /** Moves the group's share partitions of `topic` (or all topics) to `to`, forgetting in-flight records. */
  reset(
    group: ShareGroup,
    topicName: string | undefined,
    to: 'earliest' | 'latest' | { offset: number } | { timestampMs: number },
  ): void {
    const names = topicName !== undefined ? [topicName] : group.config.topics;
    if (topicName !== undefined && !group.config.topics.includes(topicName)) {
      throw new BrokerError(
        ErrorCode.TOPIC_NOT_FOUND,
        `Share group '${group.name}' does not consume topic '${topicName}'`,
      );
    }
    this.db.transaction(() => {
      for (const topic of names.map((n) => this.topics.get(n))) {
        for (let p = 0; p < topic.partitions; p++) {
          const sp = this.partition(group, topic, p);
          sp.resetTo(this.positionFor(topic, p, to));
          this.store.write(group.id, topic.id, p, sp.takeChanges());
        }
      }
    });
  }

  /**
   * Replaces a share partition's memory with what the database holds (after a rollback),
   * keeping its parked expiries (they describe failures, not state).
   */
  reload(group: ShareGroup, topicId: number, partition: number): void {
    const fresh = this.load(group, topicId, partition);
    const previous = group.get(topicId, partition);
    if (previous) fresh.adoptHolds(previous);
    group.set(topicId, partition, fresh);
  }

  private unused(group: ShareGroup, topic: TopicRow, partition: number): SharePartition {
    const start = this.topicStore.partitionState(topic.id, partition)?.logStartOffset ?? 0;
    return new SharePartition(group.partitionSettings, {
      startOffset: start,
      endOffset: start,
      records: [],
    });
  }

  private load(group: ShareGroup, topicId: number, partition: number): SharePartition {
    const row = this.store
      .partitions(group.id)
      .find((p) => p.topicId === topicId && p.partition === partition);
    const records = this.store
      .records(group.id, topicId, partition)
      .map((r) => ({ ...r, state: r.state as RecordState }));
    return new SharePartition(group.partitionSettings, {
      startOffset: row?.startOffset ?? 0,
      endOffset: row?.endOffset ?? 0,
      records,
    });
  }

  private initializePartitions(group: ShareGroup, topic: TopicRow, startFrom: StartFrom): void {
    for (let p = 0; p < topic.partitions; p++) {
      if (group.get(topic.id, p)) continue;
      const offset = this.positionFor(topic, p, startFrom);
      const sp = new SharePartition(group.partitionSettings, {
        startOffset: offset,
        endOffset: offset,
        records: [],
      });
      group.set(topic.id, p, sp);
      this.store.write(group.id, topic.id, p, sp.takeChanges());
    }
  }

  private positionFor(
    topic: TopicRow,
    partition: number,
    to: 'earliest' | 'latest' | { offset: number } | { timestampMs: number },
  ): number {
    const state = this.topicStore.partitionState(topic.id, partition);
    const start = state?.logStartOffset ?? 0;
    const end = state?.logEndOffset ?? 0;
    if (to === 'earliest') return start;
    if (to === 'latest') return end;
    if ('offset' in to) return Math.min(Math.max(to.offset, start), end);
    return Math.max(
      this.log.firstOffsetAtOrAfter(topic.id, partition, to.timestampMs) ?? end,
      start,
    );
  }

  private validate(name: string, config: ShareGroupConfig): void {
    const { minLockMs, maxLockMs } = this.config;
    const problems: string[] = [];
    if (config.lockDurationMs < minLockMs || config.lockDurationMs > maxLockMs) {
      problems.push(`lockDurationMs must be within [${minLockMs}, ${maxLockMs}]`);
    }
    if (config.maxLockMs < config.lockDurationMs || config.maxLockMs > maxLockMs) {
      problems.push(`maxLockMs must be within [lockDurationMs, ${maxLockMs}]`);
    }
    if (config.maxDeliveryCount < 1 || config.maxDeliveryCount > 100)
      problems.push('maxDeliveryCount must be within [1, 100]');
    if (config.maxInFlightRecords < 1 || config.maxInFlightRecords > 100_000) {
      problems.push('maxInFlightRecords must be within [1, 100000]');
    }
    if (problems.length > 0)
      throw new BrokerError(ErrorCode.INVALID_CONFIG, problems.join('; '), { problems });
    for (const topic of config.topics) {
      assertTopicName(topic);
      const dlq = deadLetterTopicFor(name, config, topic);
      if (dlq !== null) assertTopicName(dlq);
    }
  }
}
