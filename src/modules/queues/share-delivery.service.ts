import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Clock } from '../../common/clock';
import { BROKER_CONFIG } from '../../common/core.module';
import { BrokerError, ErrorCode } from '../../common/errors';
import { joinJsonArrays } from '../../common/record-wire';
import type { BrokerConfig } from '../../config/broker-config';
import { TopicRow } from '../../persistence/port/rows';
import { LogWaiters, partitionKey, topicNameKey } from '../topics/log-waiters';
import { TopicsService } from '../topics/topics.service';
import { parseReceipt } from './domain/receipt';
import { ShareGroup } from './domain/share-group';
import { LockExpiryScheduler } from './lock-expiry.scheduler';
import { PartitionDelivery, ShareAcquirer } from './share-acquirer';
import { DeliveredRef, ShareDelivery } from './share-delivery.types';
import { ShareGroupsService } from './share-groups.service';
import { ShareOwnership } from './share-ownership';
import { SharePartitionRef, SharePartitionWriter } from './share-partition-writer';
import { AfterCommit, noEffects, shareGroupKey, ShareSettlement } from './share-settlement';

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

const EMPTY = Buffer.from('[]');

/**
 * The share-group data path: receive (acquire with locks) and member release. Each share
 * partition's transitions are written through the storage port holding that partition
 * (`SharePartitionWriter`); answers, wake-ups and metrics follow the commit; lock expiry is the
 * `LockExpiryScheduler`'s.
 */
@Injectable()
export class ShareDeliveryService {
  private rotation = 0;
  private readonly logger = new Logger('ShareDelivery');

  constructor(
    @Inject(ShareGroupsService) private readonly groups: ShareGroupsService,
    @Inject(TopicsService) private readonly topics: TopicsService,
    @Inject(ShareAcquirer) private readonly acquirer: ShareAcquirer,
    @Inject(SharePartitionWriter) private readonly writer: SharePartitionWriter,
    @Inject(LogWaiters) private readonly waiters: LogWaiters,
    @Inject(ShareSettlement) private readonly settlement: ShareSettlement,
    @Inject(LockExpiryScheduler) private readonly scheduler: LockExpiryScheduler,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
    @Inject(ShareOwnership) private readonly ownership: ShareOwnership,
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
  async receive(groupName: string, options: ReceiveOptions): Promise<ShareDelivery> {
    await this.groups.lookup(groupName);
    const group = options.topics
      ? await this.groups.ensure(groupName, options.topics)
      : this.groups.get(groupName);
    return this.receiveFrom(group, options);
  }

  /**
   * `receive` for another node, which forwarded it (DESIGN §7 "Routing"): `gone` aborts when
   * that node stopped waiting (its connection closed: another owner answered first, or its
   * subscription closed). The wait ends then, and records acquired by then are given back as
   * deliveries nobody saw, instead of staying locked to a receive nobody reads.
   */
  async receiveForwarded(
    groupName: string,
    options: ReceiveOptions,
    gone: AbortSignal,
  ): Promise<ShareDelivery> {
    const wakeKey = `forwarded:${randomUUID()}`;
    const wake = (): void => this.waiters.notify(wakeKey);
    gone.addEventListener('abort', wake, { once: true });
    try {
      const delivery = await this.receive(groupName, {
        ...options,
        wakeKey,
        cancelled: () => gone.aborted,
      });
      if (!gone.aborted || delivery.delivered.length === 0) return delivery;
      await this.releaseUnsent(this.groups.get(groupName), delivery.delivered);
      return { memberId: delivery.memberId, records: EMPTY, delivered: [] };
    } finally {
      gone.removeEventListener('abort', wake);
    }
  }

  /**
   * Gives back, at this node, deliveries of `memberId` in the group for a WebSocket worker
   * connected to another node: with `unsent` receipts (deliveries acquired here that the other
   * node could not send), only those, with their count restored (`releaseUnsent`); without,
   * everything the member holds here, as at a socket's close (`releaseMember`).
   */
  async releaseHere(groupName: string, memberId: string, unsent: readonly string[]): Promise<void> {
    await this.groups.lookup(groupName);
    const group = this.groups.get(groupName);
    if (unsent.length === 0) return this.releaseMember(group, memberId);
    const refs = unsent.flatMap((receipt) => {
      const parts = parseReceipt(receipt);
      return parts && parts.groupId === group.id ? [parts] : [];
    });
    await this.releaseUnsent(group, refs);
  }

  /**
   * `receive` for a group the caller already holds (a subscription): never creates a group, and
   * answers empty at once when the group is deleted, also while waiting (the delete wakes it).
   */
  async receiveFrom(group: ShareGroup, options: ReceiveOptions): Promise<ShareDelivery> {
    const memberId = options.memberId ?? randomUUID();
    const lockDurationMs = this.lockDuration(options.lockDurationMs ?? group.config.lockDurationMs);
    const maxRecords = Math.min(options.maxRecords ?? 100, this.config.maxReceiveRecords);
    const topicNames = options.topics ?? group.config.topics;
    const deadlineMs = this.clock.now() + Math.min(options.waitMs ?? 0, this.config.maxWaitMs);
    const empty: ShareDelivery = { memberId, records: EMPTY, delivered: [] };
    const findTopics = () =>
      topicNames.map((name) => this.topics.find(name)).filter((t) => t !== undefined);
    for (;;) {
      const topics: TopicRow[] = findTopics();
      if (options.cancelled?.() || group.deleted) return empty;
      const got = await this.acquireAcross(group, topics, memberId, maxRecords, lockDurationMs);
      if (got.length > 0) {
        return {
          memberId,
          records: got.length === 1 ? got[0]!.records : joinJsonArrays(got.map((d) => d.records)),
          delivered: got.flatMap((d) => d.delivered),
        };
      }
      const remainingMs = deadlineMs - this.clock.now();
      if (remainingMs <= 0 || this.waiters.isClosed) return empty;
      // A topic created (or re-created) while acquiring: try it before sleeping. One that does
      // not exist yet wakes the wait by its name when its first records are appended.
      const current = findTopics();
      if (current.length !== topics.length || current.some((t, i) => t !== topics[i])) continue;
      const keys = topics.flatMap((t) =>
        Array.from({ length: t.partitions }, (_x, p) => partitionKey(t.id, p)),
      );
      for (const name of topicNames)
        if (!topics.some((t) => t.name === name)) keys.push(topicNameKey(name));
      keys.push(shareGroupKey(group.id));
      if (options.wakeKey) keys.push(options.wakeKey);
      await this.waiters.waitForAny(keys, remainingMs);
    }
  }

  /** Ends the attempts of every record `memberId` holds in `group` (its socket closed). */
  async releaseMember(group: ShareGroup, memberId: string): Promise<void> {
    const refs: SharePartitionRef[] = [];
    for (const { topicId, partition, state } of group.partitions.values()) {
      // in a cluster, what other nodes serve is theirs to release
      if (!this.ownership.serves(topicId, partition)) continue;
      if (state.heldBy(memberId).length > 0) refs.push({ topicId, partition });
    }
    await Promise.all(
      refs.map(({ topicId, partition }) =>
        this.writer.exclusive(group, [{ topicId, partition }], async () => {
          const state = group.deleted ? undefined : group.get(topicId, partition);
          if (!state) return;
          const now = this.clock.now();
          const ends = state.releaseMember(memberId, now);
          const effects = noEffects();
          if (ends.madeDeliverable) effects.wakeGroups.add(group.id);
          await this.writer.commit(
            [{ group, topicId, partition, state, archivals: ends.archivals }],
            now,
            effects,
          );
          this.afterCommit(effects);
        }),
      ),
    );
  }

  /**
   * Gives back records acquired for a subscription that closed before they were sent: they are
   * AVAILABLE again at once with their delivery count restored (DESIGN §3 "Delivery count").
   */
  async releaseUnsent(group: ShareGroup, delivered: readonly DeliveredRef[]): Promise<void> {
    const byPartition = new Map<string, DeliveredRef[]>();
    for (const r of delivered) {
      const key = `${r.topicId}:${r.partition}`;
      const list = byPartition.get(key) ?? [];
      list.push(r);
      byPartition.set(key, list);
    }
    // in a cluster, what this node no longer serves waits for its lock to expire at its owner
    const served = [...byPartition.values()].filter((deliveries) =>
      this.ownership.serves(deliveries[0]!.topicId, deliveries[0]!.partition),
    );
    await Promise.all(
      served.map((deliveries) => {
        const { topicId, partition } = deliveries[0]!;
        return this.writer.exclusive(group, [{ topicId, partition }], async () => {
          const state = group.deleted ? undefined : group.get(topicId, partition);
          if (!state) return;
          const effects = noEffects();
          if (state.releaseUnsent(deliveries).length > 0) effects.wakeGroups.add(group.id);
          await this.writer.commit(
            [{ group, topicId, partition, state, archivals: [] }],
            this.clock.now(),
            effects,
          );
          this.afterCommit(effects);
        });
      }),
    );
  }

  /** Wakes receivers and dead-letter readers, counts metrics and re-arms the lock timer, once committed. */
  afterCommit(effects: AfterCommit): void {
    this.settlement.afterCommit(effects);
    this.scheduler.poke();
  }

  topicById(topicId: number): TopicRow | undefined {
    return this.topics.findById(topicId);
  }

  /**
   * Acquires partition by partition, starting at a rotating one, until `maxRecords`. A write
   * that fails after other partitions delivered ends the round with what they delivered.
   */
  private async acquireAcross(
    group: ShareGroup,
    topics: readonly TopicRow[],
    memberId: string,
    maxRecords: number,
    lockDurationMs: number,
  ): Promise<PartitionDelivery[]> {
    const slots = topics.flatMap((t) =>
      Array.from({ length: t.partitions }, (_x, p) => [t, p] as const),
    );
    const first = slots.length > 0 ? this.rotation++ % slots.length : 0;
    const got: PartitionDelivery[] = [];
    let count = 0;
    for (let i = 0; i < slots.length && count < maxRecords && !group.deleted; i++) {
      const [topic, partition] = slots[(first + i) % slots.length]!;
      // In a cluster, another node serves the share partitions of what it owns.
      if (!this.ownership.serves(topic.id, partition)) continue;
      // A partition with an operation in flight is waited for: what it writes may deliver.
      const busy = this.writer.busy(group, { topicId: topic.id, partition });
      if (!busy && !this.acquirer.deliverable(group, topic, partition)) continue;
      try {
        const delivery = await this.acquirer.acquire(
          group,
          topic,
          partition,
          memberId,
          maxRecords - count,
          lockDurationMs,
        );
        if (!delivery) continue;
        got.push(delivery);
        count += delivery.delivered.length;
      } catch (error) {
        // a group deleted meanwhile answers empty, as a receive it wakes does
        if (group.deleted) return got;
        if (got.length === 0) throw error;
        this.logger.error(`acquiring ${topic.name}/${partition} failed: ${String(error)}`);
        break;
      }
    }
    return got;
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
