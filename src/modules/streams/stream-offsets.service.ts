import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { BrokerError, ErrorCode } from '../../common/errors';
import { assertGroupName } from '../../common/names';
import { BrokerMetrics, StreamPartitionSample } from '../../metrics/broker-metrics';
import { MissingPartitionError } from '../../persistence/port/log-storage';
import { Storage } from '../../persistence/port/storage';
import { PartitionBoundsMirror } from '../../persistence/partition-bounds-mirror';
import type { TopicRow } from '../../persistence/port/rows';
import { TopicsService } from '../topics/topics.service';
import { fenceCommit } from './domain/commit-fence';
import { GroupMember } from './domain/group-member';
import { comparePartitions, GroupPartition, groupPartitionKey } from './domain/group-partition';
import { resetOffset } from './domain/offset-reset';
import { StreamGroupEntry, StreamGroupsService } from './stream-groups.service';
import type { GroupList, GroupView, OffsetBody, ResetBody } from './streams.schemas';

interface OffsetWrite {
  partition: GroupPartition;
  offset: number;
}

/**
 * Committed offsets of streaming consumer groups: fenced commits, auto-commits, resets and the
 * views built on them (describe, lag metrics). Every write goes through the storage port; the
 * in-memory copy changes only after it committed.
 */
@Injectable()
export class StreamOffsetsService implements OnModuleInit {
  constructor(
    @Inject(StreamGroupsService) private readonly groups: StreamGroupsService,
    @Inject(TopicsService) private readonly topics: TopicsService,
    @Inject(PartitionBoundsMirror) private readonly partitionBounds: PartitionBoundsMirror,
    @Inject(Storage) private readonly storage: Storage,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(BrokerMetrics) private readonly metrics: BrokerMetrics,
  ) {}

  onModuleInit(): void {
    this.metrics.addCollector(() => this.reportMetrics());
  }

  /**
   * Commits `offsets` (each the next offset to read) for `memberId`, all or nothing: the member
   * must own every partition in `generation` (undefined: the current one, for pushed members),
   * and no offset may lie beyond its partition's log end.
   */
  async commit(
    groupName: string,
    memberId: string,
    generation: number | undefined,
    offsets: readonly OffsetBody[],
  ): Promise<OffsetBody[]> {
    const entry = this.groups.get(groupName);
    this.groups.refresh(entry);
    const writes = offsets.map((o) => ({
      partition: this.groupPartition(o.topic, o.partition),
      offset: o.offset,
    }));
    const verdict = fenceCommit(
      entry.group,
      memberId,
      generation,
      writes.map((w) => w.partition),
    );
    if (!verdict.ok) {
      const details = verdict.partitions ? { partitions: verdict.partitions } : undefined;
      throw new BrokerError(ErrorCode[verdict.code], verdict.message, details);
    }
    for (const w of writes) {
      const { topicId, partition } = w.partition;
      let bounds = this.partitionBounds.partitionState(topicId, partition);
      if (this.storage.kind === 'postgres' && w.offset > (bounds?.logEndOffset ?? 0)) {
        // In a cluster, other nodes append: the mirror may lag the log this member read.
        bounds = await this.partitionBounds.refresh(topicId, partition);
      }
      const logEndOffset = bounds?.logEndOffset ?? 0;
      if (w.offset > logEndOffset) {
        throw new BrokerError(
          ErrorCode.OFFSET_OUT_OF_RANGE,
          `Offset ${w.offset} is beyond the log end ${logEndOffset} of ${w.partition.topic}/${w.partition.partition}`,
          { topic: w.partition.topic, partition: w.partition.partition, logEndOffset },
        );
      }
    }
    await this.write(entry, writes);
    return offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset }));
  }

  /** Commits what the member's previous poll returned, in the partitions it still owns. */
  async autoCommit(entry: StreamGroupEntry, member: GroupMember): Promise<void> {
    const owned = new Map(entry.group.owned(member.memberId).map((p) => [groupPartitionKey(p), p]));
    const writes: OffsetWrite[] = [];
    for (const [key, offset] of member.takeReturned()) {
      const partition = owned.get(key);
      if (partition) writes.push({ partition, offset });
    }
    if (writes.length > 0) await this.write(entry, writes);
  }

  /**
   * Sets the group's committed offsets in a topic's partitions to `to`, creating the group if
   * it has none yet. Live members move there on their next read.
   */
  async reset(groupName: string, body: ResetBody): Promise<GroupView> {
    assertGroupName(groupName);
    const topic = this.topics.get(body.topic);
    const numbers = [...new Set(body.partitions ?? [...Array(topic.partitions).keys()])];
    const writes: OffsetWrite[] = [];
    for (const partition of numbers) {
      const bounds = this.partitionBounds.partitionState(topic.id, partition);
      if (!bounds) {
        throw new BrokerError(
          ErrorCode.PARTITION_NOT_FOUND,
          `Topic '${topic.name}' has ${topic.partitions} partitions, no partition ${partition}`,
        );
      }
      const atTimestamp =
        typeof body.to === 'object' && 'timestampMs' in body.to
          ? ((await this.storage.log.offsetAtTime(topic.id, partition, body.to.timestampMs)) ??
            undefined)
          : undefined;
      const outcome = resetOffset(body.to, bounds, atTimestamp);
      if (!outcome.ok) {
        throw new BrokerError(
          ErrorCode.OFFSET_OUT_OF_RANGE,
          `${topic.name}/${partition}: ${outcome.message}`,
          { partition, logStartOffset: bounds.logStartOffset, logEndOffset: bounds.logEndOffset },
        );
      }
      writes.push({
        partition: { topicId: topic.id, topic: topic.name, partition },
        offset: outcome.offset,
      });
    }
    const entry = this.groups.ensure(groupName);
    await this.write(entry, writes);
    this.groups.positionsReset(
      entry,
      writes.map((w) => groupPartitionKey(w.partition)),
    );
    return this.describe(groupName);
  }

  /** Members, assignment, committed offsets and lag of a group. */
  describe(groupName: string): GroupView {
    const entry = this.groups.get(groupName);
    this.groups.refresh(entry);
    const { group } = entry;
    const partitions = new Map(group.knownPartitions().map((p) => [groupPartitionKey(p), p]));
    const topicsById = this.topicsById();
    for (const [key, c] of entry.committed) {
      const topic = topicsById.get(c.topicId);
      if (topic && !partitions.has(key)) {
        partitions.set(key, { topicId: c.topicId, topic: topic.name, partition: c.partition });
      }
    }
    return {
      group: group.name,
      generation: group.generation,
      members: group
        .memberIds()
        .map((memberId) => ({ memberId, assignment: group.assignmentOf(memberId) })),
      partitions: [...partitions.values()].sort(comparePartitions).map((p) => {
        const key = groupPartitionKey(p);
        const logEndOffset =
          this.partitionBounds.partitionState(p.topicId, p.partition)?.logEndOffset ?? 0;
        const committedOffset = entry.committed.get(key)?.offset ?? null;
        return {
          topic: p.topic,
          partition: p.partition,
          committedOffset,
          logEndOffset,
          lag: committedOffset === null ? null : logEndOffset - committedOffset,
          memberId: group.ownerOf(key) ?? null,
        };
      }),
    };
  }

  /** Every group (members or committed offsets) with its member count, topics and total lag. */
  list(): GroupList {
    const topicsById = this.topicsById();
    const groups = this.groups
      .all()
      .map((entry) => {
        const topics = new Set(entry.group.subscribedTopics());
        let lag = 0;
        for (const c of entry.committed.values()) {
          const topic = topicsById.get(c.topicId);
          const bounds = topic && this.partitionBounds.partitionState(c.topicId, c.partition);
          if (!topic || !bounds) continue;
          topics.add(topic.name);
          lag += Math.max(0, bounds.logEndOffset - c.offset);
        }
        return {
          group: entry.group.name,
          generation: entry.group.generation,
          members: entry.group.memberIds().length,
          topics: [...topics].sort(),
          lag,
        };
      })
      .sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
    return { groups };
  }

  /**
   * Deletes a group and its committed offsets: `GROUP_NOT_FOUND` when it has neither members
   * nor committed offsets, `GROUP_NOT_EMPTY` while it has members (as Kafka's DeleteGroups).
   */
  async deleteGroup(groupName: string): Promise<void> {
    const entry = this.groups.get(groupName);
    if (!entry.group.isEmpty) {
      throw new BrokerError(
        ErrorCode.GROUP_NOT_EMPTY,
        `Consumer group '${groupName}' has ${entry.group.memberIds().length} members; they must leave first`,
      );
    }
    await this.storage.offsets.deleteGroup(groupName);
    this.groups.forget(entry);
  }

  private async write(entry: StreamGroupEntry, writes: readonly OffsetWrite[]): Promise<void> {
    const rows = writes.map((w) => ({
      topicId: w.partition.topicId,
      partition: w.partition.partition,
      offset: w.offset,
    }));
    try {
      await this.storage.offsets.commit(entry.group.name, rows, this.clock.now());
    } catch (error) {
      if (error instanceof MissingPartitionError) {
        throw new BrokerError(
          ErrorCode.PARTITION_NOT_FOUND,
          `A partition of this commit no longer exists (its topic was deleted)`,
        );
      }
      throw error;
    }
    for (const row of rows) entry.committed.set(groupPartitionKey(row), row);
  }

  /** The group's view of `topic`/`partition`; a partition it does not know has no owner. */
  private groupPartition(topic: string, partition: number): GroupPartition {
    return { topicId: this.topics.find(topic)?.id ?? -1, topic, partition };
  }

  private topicsById(): Map<number, TopicRow> {
    return new Map(this.topics.list().map((row) => [row.id, row]));
  }

  private reportMetrics(): void {
    const topicsById = this.topicsById();
    const partitions: StreamPartitionSample[] = [];
    const entries = this.groups.all();
    for (const entry of entries) {
      for (const c of entry.committed.values()) {
        const topic = topicsById.get(c.topicId);
        const bounds = topic && this.partitionBounds.partitionState(c.topicId, c.partition);
        if (!topic || !bounds) continue;
        partitions.push({
          group: entry.group.name,
          topic: topic.name,
          partition: c.partition,
          committedOffset: c.offset,
          lag: bounds.logEndOffset - c.offset,
        });
      }
    }
    this.metrics.reportStreamGroups(
      entries.map((e) => ({
        group: e.group.name,
        members: e.group.memberIds().length,
        rebalances: e.group.rebalances,
        topics: e.group.subscribedTopics().filter((t) => this.topics.find(t) !== undefined),
      })),
      partitions,
    );
  }
}
