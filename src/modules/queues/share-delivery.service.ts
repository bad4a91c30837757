import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Clock } from '../../common/clock';
import { BROKER_CONFIG } from '../../common/core.module';
import { BrokerError, ErrorCode } from '../../common/errors';
import type { BrokerConfig } from '../../config/broker-config';
import { BrokerMetrics } from '../../metrics/broker-metrics';
import { ShareGroupMetrics } from '../../metrics/share-group-metrics';
import { GroupCommit } from '../../persistence/group-commit';
import { TopicRow, TopicStore } from '../../persistence/topic.store';
import { LogWaiters, partitionKey } from '../topics/log-waiters';
import { TopicsService } from '../topics/topics.service';
import { Archival, InFlightRecord } from './domain/in-flight-record';
import { formatReceipt, parseReceipt } from './domain/receipt';
import { ShareGroup } from './domain/share-group';
import { SharePartition } from './domain/share-partition';
import { LockExpiryScheduler } from './lock-expiry.scheduler';
import { RecordFetcher } from './record-fetcher';
import { DeliveredRecord } from './share-delivery.types';
import { ShareGroupsService } from './share-groups.service';
import { AfterCommit, noEffects, shareGroupKey, ShareSettlement } from './share-settlement';
import { TokenIssuer } from './token-issuer';

export type { AfterCommit } from './share-settlement';
export { noEffects, shareGroupKey } from './share-settlement';

/** The waiters key notified once when a share group is deleted (wakes its idle subscriptions). */
export const shareGroupDeletedKey = (groupId: number): string => `share-deleted:${groupId}`;

/** What `receive` takes beyond the HTTP body: a way for a push subscription to stop it. */
export interface ReceiveOptions {
  memberId?: string;
  topics?: string[];
  maxRecords?: number;
  waitMs?: number;
  lockDurationMs?: number;
  /** Extra waiters key that ends the wait when notified (a closing subscription). */
  wakeKey?: string;
  cancelled?: () => boolean;
}

/**
 * The share-group data path: receive (acquire with locks) and member release. Every transition
 * is written in the group-commit transaction of its cause; answers, wake-ups and metrics follow
 * the commit (`ShareSettlement`); lock expiry is the `LockExpiryScheduler`'s.
 */
@Injectable()
export class ShareDeliveryService {
  private rotation = 0;
  private readonly tokens = new TokenIssuer();

  constructor(
    @Inject(ShareGroupsService) private readonly groups: ShareGroupsService,
    @Inject(TopicsService) private readonly topics: TopicsService,
    @Inject(TopicStore) private readonly topicStore: TopicStore,
    @Inject(RecordFetcher) private readonly fetcher: RecordFetcher,
    @Inject(GroupCommit) private readonly groupCommit: GroupCommit,
    @Inject(LogWaiters) private readonly waiters: LogWaiters,
    @Inject(ShareSettlement) private readonly settlement: ShareSettlement,
    @Inject(LockExpiryScheduler) private readonly scheduler: LockExpiryScheduler,
    @Inject(ShareGroupMetrics) private readonly metrics: ShareGroupMetrics,
    @Inject(BrokerMetrics) private readonly brokerMetrics: BrokerMetrics,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
  ) {}

  /** Tells the lock-expiry scheduler that deadlines may have changed. */
  poke(): void {
    this.scheduler.poke();
  }

  /**
   * Acquires up to `maxRecords` for the member across the group's topics (or the ones asked
   * for), waiting up to `waitMs` when nothing is deliverable. An unknown group is created with
   * defaults when `topics` are given.
   */
  receive(
    groupName: string,
    options: ReceiveOptions,
  ): Promise<{ memberId: string; records: DeliveredRecord[] }> {
    const group = options.topics
      ? this.groups.ensure(groupName, options.topics)
      : this.groups.get(groupName);
    return this.receiveFrom(group, options);
  }

  /**
   * `receive` for a group the caller already holds (a subscription): never creates a group, and
   * answers empty at once when the group is deleted, also while waiting (the delete wakes it).
   */
  async receiveFrom(
    group: ShareGroup,
    options: ReceiveOptions,
  ): Promise<{ memberId: string; records: DeliveredRecord[] }> {
    const memberId = options.memberId ?? randomUUID();
    const lockDurationMs = this.lockDuration(options.lockDurationMs ?? group.config.lockDurationMs);
    const maxRecords = Math.min(options.maxRecords ?? 100, this.config.maxReceiveRecords);
    const topicNames = options.topics ?? group.config.topics;
    const deadlineMs = this.clock.now() + Math.min(options.waitMs ?? 0, this.config.maxWaitMs);
    for (;;) {
      const topics = topicNames
        .map((name) => this.topics.find(name))
        .filter((t): t is TopicRow => t !== undefined);
      if (options.cancelled?.() || group.deleted) return { memberId, records: [] };
      if (this.anyDeliverable(group, topics)) {
        const touched: Array<[number, number]> = [];
        const { records, effects } = await this.groupCommit.submit(
          () => this.acquireNow(group, topics, memberId, maxRecords, lockDurationMs, touched),
          () => touched.forEach(([topicId, p]) => this.groups.reload(group, topicId, p)),
        );
        this.afterCommit(effects);
        if (records.length > 0) {
          this.countDeliveries(group, records);
          return { memberId, records };
        }
      }
      const remainingMs = deadlineMs - this.clock.now();
      if (remainingMs <= 0 || this.waiters.isClosed) return { memberId, records: [] };
      const keys = topics.flatMap((t) =>
        Array.from({ length: t.partitions }, (_x, p) => partitionKey(t.id, p)),
      );
      keys.push(shareGroupKey(group.id));
      if (options.wakeKey) keys.push(options.wakeKey);
      await this.waiters.waitForAny(keys, remainingMs);
    }
  }

  /** Ends the attempts of every record `memberId` holds in `group` (its socket closed). */
  async releaseMember(group: ShareGroup, memberId: string): Promise<void> {
    const touched: Array<[number, number]> = [];
    const after = await this.groupCommit.submit(
      () => {
        const effects = noEffects();
        if (group.deleted) return effects;
        const now = this.clock.now();
        for (const { topicId, partition, state } of group.partitions.values()) {
          if (state.heldBy(memberId).length === 0) continue;
          touched.push([topicId, partition]);
          const ends = state.releaseMember(memberId, now);
          if (ends.madeDeliverable) effects.wakeGroups.add(group.id);
          this.settle(group, topicId, partition, state, ends.archivals, now, effects);
        }
        return effects;
      },
      () => touched.forEach(([topicId, p]) => this.groups.reload(group, topicId, p)),
    );
    this.afterCommit(after);
  }

  /**
   * Gives back records acquired for a subscription that closed before they were sent: they are
   * AVAILABLE again at once with their delivery count restored (DESIGN §3 "Delivery count").
   */
  async releaseUnsent(group: ShareGroup, records: readonly DeliveredRecord[]): Promise<void> {
    const byPartition = new Map<string, Array<{ offset: number; token: string }>>();
    for (const r of records) {
      const parts = parseReceipt(r.receipt);
      if (!parts) continue;
      const key = `${parts.topicId}:${parts.partition}`;
      const list = byPartition.get(key) ?? [];
      list.push({ offset: parts.offset, token: parts.token });
      byPartition.set(key, list);
    }
    const touched: Array<[number, number]> = [];
    const after = await this.groupCommit.submit(
      () => {
        const effects = noEffects();
        if (group.deleted) return effects;
        for (const [key, deliveries] of byPartition) {
          const [topicId, partition] = key.split(':').map(Number) as [number, number];
          const state = group.get(topicId, partition);
          if (!state) continue;
          touched.push([topicId, partition]);
          if (state.releaseUnsent(deliveries).length > 0) effects.wakeGroups.add(group.id);
          this.settle(group, topicId, partition, state, [], this.clock.now(), effects);
        }
        return effects;
      },
      () => touched.forEach(([topicId, p]) => this.groups.reload(group, topicId, p)),
    );
    this.afterCommit(after);
  }

  /** See `ShareSettlement.settle`: joins the caller's transaction. */
  settle(
    group: ShareGroup,
    topicId: number,
    partition: number,
    state: SharePartition,
    archivals: readonly Archival[],
    nowMs: number,
    effects: AfterCommit,
  ): void {
    this.settlement.settle(group, topicId, partition, state, archivals, nowMs, effects);
  }

  /** Wakes receivers and dead-letter readers, counts metrics and re-arms the lock timer, once committed. */
  afterCommit(effects: AfterCommit): void {
    this.settlement.afterCommit(effects);
    this.scheduler.poke();
  }

  topicById(topicId: number): TopicRow | undefined {
    return this.topics.findById(topicId);
  }

  private acquireNow(
    group: ShareGroup,
    topics: readonly TopicRow[],
    memberId: string,
    maxRecords: number,
    lockDurationMs: number,
    touched: Array<[number, number]>,
  ): { records: DeliveredRecord[]; effects: AfterCommit } {
    if (group.deleted) return { records: [], effects: noEffects() };
    const now = this.clock.now();
    const slots = topics.flatMap((t) =>
      Array.from({ length: t.partitions }, (_x, p) => [t, p] as const),
    );
    const first = slots.length > 0 ? this.rotation++ % slots.length : 0;
    const delivered: DeliveredRecord[] = [];
    const effects = noEffects();
    for (let i = 0; i < slots.length && delivered.length < maxRecords; i++) {
      const [topic, partition] = slots[(first + i) % slots.length]!;
      const log = this.topicStore.partitionState(topic.id, partition);
      if (!log) continue;
      this.groups.partition(group, topic, partition);
      touched.push([topic.id, partition]);
      // Locks that ended before the timer ran end here, exactly as the timer would end them.
      this.scheduler.expirePartition(group, topic.id, partition, now, effects);
      const state = this.groups.partition(group, topic, partition);
      const acquired = state.acquire(
        memberId,
        maxRecords - delivered.length,
        log.logStartOffset,
        log.logEndOffset,
        now,
        lockDurationMs,
        () => this.tokens.next(),
      );
      this.brokerMetrics.groupSkippedByRetention(
        group.name,
        topic.name,
        state.takeSkippedByRetention(),
      );
      delivered.push(...this.views(group, topic, partition, acquired));
      this.settlement.settle(group, topic.id, partition, state, [], now, effects);
    }
    return { records: delivered, effects };
  }

  private views(
    group: ShareGroup,
    topic: TopicRow,
    partition: number,
    acquired: readonly InFlightRecord[],
  ): DeliveredRecord[] {
    if (acquired.length === 0) return [];
    const records = this.fetcher.fetch(
      topic,
      partition,
      acquired.map((r) => r.offset),
    );
    return acquired.flatMap((r) => {
      const view = records.get(r.offset);
      if (!view) return [];
      const receipt = formatReceipt({
        groupId: group.id,
        topicId: topic.id,
        partition,
        offset: r.offset,
        token: r.token!,
      });
      return [
        { ...view, deliveryCount: r.deliveryCount, receipt, lockExpiresAtMs: r.lockExpiresAtMs! },
      ];
    });
  }

  private anyDeliverable(group: ShareGroup, topics: readonly TopicRow[]): boolean {
    const now = this.clock.now();
    for (const topic of topics) {
      for (let p = 0; p < topic.partitions; p++) {
        const log = this.topicStore.partitionState(topic.id, p);
        if (!log) continue;
        const state = group.get(topic.id, p);
        if (!state) {
          if (log.logEndOffset > log.logStartOffset) return true;
          continue;
        }
        if (state.hasDeliverable(now, log.logEndOffset)) return true;
        const deadline = state.nextDeadline();
        if (deadline !== null && deadline <= now) return true;
      }
    }
    return false;
  }

  private countDeliveries(group: ShareGroup, records: readonly DeliveredRecord[]): void {
    const byTopic = new Map<string, { total: number; again: number }>();
    for (const r of records) {
      const counts = byTopic.get(r.topic) ?? { total: 0, again: 0 };
      counts.total += 1;
      if (r.deliveryCount > 1) counts.again += 1;
      byTopic.set(r.topic, counts);
    }
    for (const [topic, c] of byTopic) this.metrics.delivered(group.name, topic, c.total, c.again);
  }

  /** Checks a lock duration against the broker's range. */
  lockDuration(lockDurationMs: number): number {
    const { minLockMs, maxLockMs } = this.config;
    if (lockDurationMs < minLockMs || lockDurationMs > maxLockMs) {
      throw new BrokerError(
        ErrorCode.INVALID_LOCK_DURATION,
        `lockDurationMs must be within [${minLockMs}, ${maxLockMs}], got ${lockDurationMs}`,
      );
    }
    return lockDurationMs;
  }
}
