import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ClusterRuntime } from '../../cluster/cluster-runtime';
import { Clock } from '../../common/clock';
import { BROKER_CONFIG } from '../../common/core.module';
import { BrokerError, ErrorCode } from '../../common/errors';
import { assertGroupName } from '../../common/names';
import type { BrokerConfig } from '../../config/broker-config';
import { ShareGroupMetrics } from '../../metrics/share-group-metrics';
import {
  NameTakenError,
  type InitialSharePartition,
} from '../../persistence/port/catalogue-storage';
import type { StoredSharePartition } from '../../persistence/port/share-storage';
import { Storage } from '../../persistence/port/storage';
import { PartitionBoundsMirror } from '../../persistence/partition-bounds-mirror';
import type { ShareGroupRow, TopicRow } from '../../persistence/port/rows';
import { TopicsService } from '../topics/topics.service';
import { ShareGroup } from './domain/share-group';
import { deadLetterTopicFor, StartFrom, storedShareGroupConfig } from './domain/share-group-config';
import { SharePartition } from './domain/share-partition';
import { asRecordState, fromStateRuns } from './domain/state-runs';
import type { PutShareGroupBody } from './queues.schemas';
import { mergeShareGroupConfig } from './share-group-settings';

/** Where a share partition starts: an end of the log, an offset or the first record at a time. */
export type SharePosition = 'earliest' | 'latest' | { offset: number } | { timestampMs: number };

/**
 * The share groups of the broker: their settings and, per topic partition, their share
 * partition state, loaded through the storage port at start. Changes to groups are written
 * before memory follows; they run one at a time (two receives naming a new group create it once).
 */
@Injectable()
export class ShareGroupsService implements OnModuleInit {
  private readonly groups = new Map<string, ShareGroup>();
  /**
   * Ids up to this one were issued; those not in `groups` belong to deleted groups. Known from
   * the groups that exist at start and the ones created since.
   */
  private lastIssuedId = 0;
  /** The tail of the group changes (create, alter, delete), which run one at a time. */
  private changes: Promise<unknown> = Promise.resolve();
  private readonly logger = new Logger('ShareGroups');

  constructor(
    @Inject(Storage) private readonly storage: Storage,
    @Inject(TopicsService) private readonly topics: TopicsService,
    @Inject(PartitionBoundsMirror) private readonly partitionBounds: PartitionBoundsMirror,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
    @Inject(ShareGroupMetrics) private readonly metrics: ShareGroupMetrics,
    @Inject(ClusterRuntime) private readonly runtime: ClusterRuntime,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const row of await this.storage.catalogue.listShareGroups()) {
      this.groups.set(row.name, await this.loadGroup(row));
      this.lastIssuedId = Math.max(this.lastIssuedId, row.id);
    }
    // Deleted groups' ids count too: their receipts answer LOCK_LOST after a restart.
    this.lastIssuedId = Math.max(
      this.lastIssuedId,
      await this.storage.catalogue.lastShareGroupId(),
    );
    // The topic's share-group rows went with it (the catalogue deletes them with the topic): memory follows.
    this.topics.onDeleted((topic) => {
      for (const group of this.groups.values()) group.forgetTopic(topic.id);
    });
  }

  /**
   * Adopts what other nodes sharing the storage changed (a cluster): groups created there are
   * loaded with their state, changed settings are taken, groups deleted there are marked
   * deleted here. Runs in turn with this node's own changes.
   */
  syncFromStorage(): Promise<void> {
    return this.oneAtATime(() => this.syncNow());
  }

  /** `syncFromStorage`, for a caller already in turn. */
  private async syncNow(): Promise<void> {
    const rows = await this.storage.catalogue.listShareGroups();
    const stored = new Map(rows.map((row) => [row.name, row]));
    for (const [name, group] of this.groups) {
      if (stored.get(name)?.id === group.id) continue;
      this.groups.delete(name);
      group.markDeleted();
      this.metrics.groupDeleted(name);
    }
    for (const row of rows) {
      this.lastIssuedId = Math.max(this.lastIssuedId, row.id);
      const known = this.groups.get(row.name);
      if (!known) this.groups.set(row.name, await this.loadGroup(row));
      else {
        const config = storedShareGroupConfig(row.config);
        if (JSON.stringify(known.config) !== JSON.stringify(config)) known.reconfigure(config);
      }
    }
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

  /**
   * Makes sure a group another node just created is known here before a request names it: in
   * a cluster, a name not known in memory is looked up in storage (`syncFromStorage`) rather
   * than answered `GROUP_NOT_FOUND` until the next lease tick. On a single node memory is all.
   */
  async lookup(name: string): Promise<ShareGroup | undefined> {
    const known = this.groups.get(name);
    if (known || !this.runtime.clustered) return known;
    await this.syncFromStorage();
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
  put(name: string, body: PutShareGroupBody): Promise<ShareGroup> {
    assertGroupName(name);
    return this.oneAtATime(() => this.putNow(name, body));
  }

  private async putNow(name: string, body: PutShareGroupBody, synced = false): Promise<ShareGroup> {
    const existing = this.groups.get(name);
    const config = mergeShareGroupConfig(name, body, existing?.config, this.config);
    const topicRows: TopicRow[] = [];
    for (const t of config.topics) topicRows.push(await this.topics.getOrCreate(t));
    for (const t of config.topics) {
      const dlq = deadLetterTopicFor(name, config, t);
      if (dlq !== null) await this.topics.getOrCreate(dlq);
    }
    if (existing) {
      const added = topicRows.filter((t) => !existing.config.topics.includes(t.name));
      const initial = await this.initialPartitions(existing, added, config.startFrom);
      await this.storage.catalogue.alterShareGroup(existing.id, JSON.stringify(config), initial);
      existing.reconfigure(config);
      this.adopt(existing, initial);
      return existing;
    }
    const now = this.clock.now();
    const initial = await this.initialPartitions(undefined, topicRows, config.startFrom);
    let row: ShareGroupRow;
    try {
      row = await this.storage.catalogue.createShareGroup(
        name,
        JSON.stringify(config),
        now,
        initial,
      );
    } catch (error) {
      // Created meanwhile by another node sharing the storage: adopt it, then change it.
      if (!(error instanceof NameTakenError) || synced) throw error;
      await this.syncNow();
      return this.putNow(name, body, true);
    }
    const group = new ShareGroup(row.id, name, config, now);
    this.adopt(group, initial);
    this.groups.set(name, group);
    this.lastIssuedId = Math.max(this.lastIssuedId, group.id);
    return group;
  }

  /** The group, created with defaults for `topics` when it does not exist; topics missing from it are added. */
  async ensure(name: string, topics: readonly string[]): Promise<ShareGroup> {
    const covers = (group: ShareGroup | undefined): boolean =>
      group !== undefined && topics.every((t) => group.config.topics.includes(t));
    const existing = this.groups.get(name);
    if (existing && covers(existing)) return existing;
    assertGroupName(name);
    return this.oneAtATime(() => {
      // an earlier change (another receive naming the group) may have done it meanwhile
      const now = this.groups.get(name);
      if (now && covers(now)) return Promise.resolve(now);
      return this.putNow(name, { topics: [...(now?.config.topics ?? []), ...topics] });
    });
  }

  /**
   * Deletes the group's rows, then marks the object deleted: receives and subscriptions that
   * hold it end (the caller wakes them), its receipts answer `LOCK_LOST`, and nothing writes
   * for it again. Only a `put` or a new receive naming topics makes a new group of that name.
   */
  delete(name: string): Promise<ShareGroup> {
    this.get(name);
    return this.oneAtATime(async () => {
      const group = this.get(name);
      await this.storage.catalogue.deleteShareGroup(group.id);
      this.groups.delete(name);
      group.markDeleted();
      this.metrics.groupDeleted(name);
      return group;
    });
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

  /**
   * The share partitions of `group` as storage holds them now, by `topicId/partition`, for
   * reading only: how a node shows partitions whose owner is another node (every change is
   * written before it is answered). Nothing is adopted into memory.
   */
  async storedViews(group: ShareGroup): Promise<Map<string, SharePartition>> {
    const views = new Map<string, SharePartition>();
    for (const stored of await this.storage.shares.load(group.id)) {
      views.set(`${stored.topicId}/${stored.partition}`, this.fromStored(group, stored));
    }
    return views;
  }

  /** A share partition of `group` not used yet, as `partition()` would create it; not kept. */
  unusedView(group: ShareGroup, topic: TopicRow, partition: number): SharePartition {
    return this.unused(group, topic, partition);
  }

  /**
   * Replaces the memory of share partitions with what storage holds (after a write failed),
   * keeping their parked expiries (they describe failures, not state). A partition storage does
   * not know is forgotten: it is created afresh when next used. If storage cannot be read (it
   * is closing), the error is logged and memory stays as it is.
   */
  async reload(
    group: ShareGroup,
    refs: ReadonlyArray<{ topicId: number; partition: number }>,
  ): Promise<void> {
    try {
      await this.reloadOrFail(group, refs);
    } catch (error) {
      this.logger.error(`reloading share group '${group.name}' failed: ${String(error)}`);
    }
  }

  /** `reload` that rejects when the state cannot be read (a partition gained in a cluster). */
  async reloadOrFail(
    group: ShareGroup,
    refs: ReadonlyArray<{ topicId: number; partition: number }>,
  ): Promise<void> {
    if (group.deleted || refs.length === 0) return;
    const stored: StoredSharePartition[] = await this.storage.shares.load(group.id);
    for (const { topicId, partition } of refs) {
      const previous = group.get(topicId, partition);
      const row = stored.find((p) => p.topicId === topicId && p.partition === partition);
      if (!row) {
        group.remove(topicId, partition);
        continue;
      }
      const fresh = this.fromStored(group, row);
      if (previous) fresh.adoptHolds(previous);
      group.set(topicId, partition, fresh);
    }
  }

  /**
   * Where a share partition of `topic` starts for `to`: the log start (`earliest`), the log end
   * (`latest`), an offset kept within the log, or the first record at or after a time.
   */
  async positionFor(topic: TopicRow, partition: number, to: SharePosition): Promise<number> {
    const state = this.partitionBounds.partitionState(topic.id, partition);
    const start = state?.logStartOffset ?? 0;
    const end = state?.logEndOffset ?? 0;
    if (to === 'earliest') return start;
    if (to === 'latest') return end;
    if ('offset' in to) return Math.min(Math.max(to.offset, start), end);
    const at = await this.storage.log.offsetAtTime(topic.id, partition, to.timestampMs);
    return Math.max(at ?? end, start);
  }

  private unused(group: ShareGroup, topic: TopicRow, partition: number): SharePartition {
    const start = this.partitionBounds.partitionState(topic.id, partition)?.logStartOffset ?? 0;
    return new SharePartition(group.partitionSettings, {
      startOffset: start,
      endOffset: start,
      records: [],
    });
  }

  private async loadGroup(row: ShareGroupRow): Promise<ShareGroup> {
    const group = new ShareGroup(
      row.id,
      row.name,
      storedShareGroupConfig(row.config),
      row.createdAtMs,
    );
    for (const stored of await this.storage.shares.load(row.id))
      group.set(stored.topicId, stored.partition, this.fromStored(group, stored));
    return group;
  }

  private fromStored(group: ShareGroup, stored: StoredSharePartition): SharePartition {
    return new SharePartition(group.partitionSettings, {
      startOffset: stored.startOffset,
      endOffset: stored.endOffset,
      records: fromStateRuns(stored.batches.map((b) => ({ ...b, state: asRecordState(b.state) }))),
    });
  }

  /** The first write of the share partitions of `topics` that `group` does not have yet. */
  private async initialPartitions(
    group: ShareGroup | undefined,
    topics: readonly TopicRow[],
    startFrom: StartFrom,
  ): Promise<InitialSharePartition[]> {
    const initial: InitialSharePartition[] = [];
    for (const topic of topics) {
      for (let p = 0; p < topic.partitions; p++) {
        if (group?.get(topic.id, p)) continue;
        const offset = await this.positionFor(topic, p, startFrom);
        initial.push({
          topicId: topic.id,
          partition: p,
          startOffset: offset,
          endOffset: offset,
          resetAll: false,
          batches: [],
        });
      }
    }
    return initial;
  }

  /** Memory follows the committed first writes (a partition used meanwhile is kept). */
  private adopt(group: ShareGroup, initial: readonly InitialSharePartition[]): void {
    for (const p of initial) {
      if (group.get(p.topicId, p.partition)) continue;
      group.set(
        p.topicId,
        p.partition,
        new SharePartition(group.partitionSettings, {
          startOffset: p.startOffset,
          endOffset: p.endOffset,
          records: [],
        }),
      );
    }
  }

  private oneAtATime<T>(change: () => Promise<T>): Promise<T> {
    const run = this.changes.then(change, change);
    this.changes = run.catch(() => undefined);
    return run;
  }
}
