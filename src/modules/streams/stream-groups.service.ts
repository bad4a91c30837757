import { Inject, Injectable, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Clock } from '../../common/clock';
import { assertRoomForMember } from '../../common/limits';
import { BROKER_CONFIG } from '../../common/core.module';
import { DeadlineTimer } from '../../common/deadline-timer';
import { BrokerError, ErrorCode } from '../../common/errors';
import { assertGroupName, assertTopicName } from '../../common/names';
import type { BrokerConfig } from '../../config/broker-config';
import { ClusterRuntime } from '../../cluster/cluster-runtime';
import { Storage } from '../../persistence/port/storage';
import { PartitionBoundsMirror } from '../../persistence/partition-bounds-mirror';
import { LogWaiters } from '../topics/log-waiters';
import { TopicsService } from '../topics/topics.service';
import { ConsumerGroup, GroupChange } from './domain/consumer-group';
import { AutoOffsetReset, GroupMember, MemberKind } from './domain/group-member';
import { AssignedPartition, GroupPartition, groupPartitionKey } from './domain/group-partition';
import { startingOffset } from './domain/position';
import type { AssignmentAnswer, JoinAnswer } from './streams.schemas';

/** A committed offset as the broker holds it in memory, the same as on disk. */
export interface CommittedPosition {
  topicId: number;
  partition: number;
  offset: number;
}

/** A group and what the shell keeps beside it. */
export interface StreamGroupEntry {
  readonly group: ConsumerGroup;
  /** Committed offsets by partition key; changed only after the write has committed. */
  readonly committed: Map<string, CommittedPosition>;
  /** The subscribed topics' ids and partition counts when the group last looked. */
  topicsSignature: string;
}

/** What a member asks for when it joins. */
export interface JoinRequest {
  topics: readonly string[];
  memberId?: string;
  sessionTimeoutMs?: number;
  autoOffsetReset: AutoOffsetReset;
  autoCommit: boolean;
}

/** Told of a pushed member's new assignment, right after the change. */
export type AssignmentListener = (generation: number, assignment: AssignedPartition[]) => void;

/** Kafka's default session timeout. */
const DEFAULT_SESSION_TIMEOUT_MS = 45_000;

/**
 * The streaming consumer groups of the broker: membership, generations and ownership, held in
 * memory (a restart is like a coordinator failover: members join again), with committed
 * offsets loaded from disk. After every change it positions members on the partitions they
 * were given, tells pushed members their assignment, wakes waiting polls and re-arms the one
 * session reaper timer on the next session deadline.
 */
@Injectable()
export class StreamGroupsService implements OnModuleInit, OnModuleDestroy {
  private readonly groups = new Map<string, StreamGroupEntry>();
  private readonly listeners = new Map<string, AssignmentListener>();
  private readonly reaper: DeadlineTimer;
  private stopped = false;

  constructor(
    @Inject(TopicsService) private readonly topics: TopicsService,
    @Inject(PartitionBoundsMirror) private readonly partitionBounds: PartitionBoundsMirror,
    @Inject(Storage) private readonly storage: Storage,
    @Inject(LogWaiters) private readonly waiters: LogWaiters,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
    @Optional() @Inject(ClusterRuntime) private readonly cluster?: ClusterRuntime,
  ) {
    this.reaper = new DeadlineTimer(
      clock,
      () => this.nextSessionDeadlineMs(),
      () => this.expireSessions(),
    );
  }

  async onModuleInit(): Promise<void> {
    if (this.storage.kind === 'postgres' && this.cluster) {
      // A cluster (DESIGN §7 "State"): a node holds only the groups it coordinates, each
      // loaded from the database when it starts to coordinate it, dropped when it stops.
      this.cluster.onGroupPrepare((lease) => this.load(lease.group));
      this.cluster.onGroupChange((change) => {
        if (change.kind === 'lost') this.drop(change.lease.group);
      });
      return;
    }
    for (const row of await this.storage.offsets.list()) {
      this.ensure(row.group).committed.set(groupPartitionKey(row), {
        topicId: row.topicId,
        partition: row.partition,
        offset: row.committedOffset,
      });
    }
  }

  /** Starts coordinating a group: empty membership, committed offsets from the database. */
  private async load(groupName: string): Promise<void> {
    const rows = (await this.storage.offsets.list()).filter((row) => row.group === groupName);
    this.drop(groupName);
    if (rows.length === 0) return;
    const entry = this.ensure(groupName);
    for (const row of rows) {
      entry.committed.set(groupPartitionKey(row), {
        topicId: row.topicId,
        partition: row.partition,
        offset: row.committedOffset,
      });
    }
  }

  /**
   * Stops coordinating a group: every member is removed (its waits end; its next call gets
   * `MEMBER_NOT_FOUND` from the new coordinator and joins again) and the group is forgotten.
   */
  private drop(groupName: string): void {
    const entry = this.groups.get(groupName);
    if (!entry) return;
    for (const memberId of entry.group.memberIds()) this.apply(entry, entry.group.leave(memberId));
    this.groups.delete(groupName);
  }

  /** Stops the reaper; from now on, membership changes (sockets closing) touch nothing else. */
  onModuleDestroy(): void {
    this.stopped = true;
    this.reaper.stop();
  }

  /** The group named `name`, or `GROUP_NOT_FOUND`: it has no members and no committed offsets. */
  get(name: string): StreamGroupEntry {
    assertGroupName(name);
    const entry = this.groups.get(name);
    if (!entry) {
      throw new BrokerError(ErrorCode.GROUP_NOT_FOUND, `Consumer group '${name}' does not exist`);
    }
    return entry;
  }

  /** The group named `name`, created empty if needed. */
  ensure(name: string): StreamGroupEntry {
    assertGroupName(name);
    let entry = this.groups.get(name);
    if (!entry) {
      entry = { group: new ConsumerGroup(name), committed: new Map(), topicsSignature: '' };
      this.groups.set(name, entry);
    }
    return entry;
  }

  /** Drops an empty group whose committed offsets were deleted. */
  forget(entry: StreamGroupEntry): void {
    if (!entry.group.isEmpty) return;
    entry.committed.clear();
    if (this.groups.get(entry.group.name) === entry) this.groups.delete(entry.group.name);
  }

  all(): StreamGroupEntry[] {
    return [...this.groups.values()];
  }

  /** The member, or `MEMBER_NOT_FOUND` (it left, or its session expired: join again). */
  member(entry: StreamGroupEntry, memberId: string): GroupMember {
    const member = entry.group.member(memberId);
    if (!member) {
      throw new BrokerError(
        ErrorCode.MEMBER_NOT_FOUND,
        `Consumer group '${entry.group.name}' has no member '${memberId}'; join again`,
      );
    }
    return member;
  }

  /** Adds a member (or updates one joining again under its id) and rebalances. */
  async join(groupName: string, request: JoinRequest, kind: MemberKind): Promise<JoinAnswer> {
    assertGroupName(groupName);
    const sessionTimeoutMs = this.sessionTimeoutMs(request.sessionTimeoutMs);
    const topics = [...new Set(request.topics)].sort();
    for (const topic of topics) assertTopicName(topic);
    for (const topic of topics) await this.topics.getOrCreate(topic);
    const entry = this.ensure(groupName);
    const memberId = request.memberId ?? randomUUID();
    assertRoomForMember(entry.group, memberId, this.config.maxGroupMembers);
    const settings = {
      kind,
      topics,
      sessionTimeoutMs,
      autoOffsetReset: request.autoOffsetReset,
      autoCommit: kind === MemberKind.POLLING && request.autoCommit,
    };
    // the rebalance drops the partitions of topics nobody subscribes to any more
    const partitions = this.partitionsOf([
      ...new Set([...entry.group.subscribedTopics(), ...topics]),
    ]);
    this.apply(entry, entry.group.join(memberId, settings, this.clock.now(), partitions));
    entry.topicsSignature = this.signatureOf(entry.group.subscribedTopics());
    return { memberId, ...this.assignment(entry, memberId) };
  }

  /**
   * A heartbeat: the member is alive. With `owned` (the partitions it still reads), it gives up
   * every partition it was asked to revoke that the list does not name; without, nothing moves.
   */
  heartbeat(
    groupName: string,
    memberId: string,
    owned?: readonly AssignedPartition[],
  ): AssignmentAnswer {
    const entry = this.get(groupName);
    this.member(entry, memberId);
    this.refresh(entry);
    const keys = owned?.flatMap((p) => {
      const topic = this.topics.find(p.topic);
      return topic ? [groupPartitionKey({ topicId: topic.id, partition: p.partition })] : [];
    });
    this.apply(entry, entry.group.heartbeat(memberId, this.clock.now(), keys));
    return this.assignment(entry, memberId);
  }

  /** Removes a member at once; its partitions go to their new owners. */
  leave(entry: StreamGroupEntry, memberId: string): void {
    this.apply(entry, entry.group.leave(memberId));
  }

  /**
   * The member polled again (it finished the batch it was given): notices changed partition
   * counts or topics, then hands over every partition it was asked to revoke.
   */
  acknowledge(entry: StreamGroupEntry, memberId: string): void {
    this.refresh(entry);
    this.apply(entry, entry.group.polled(memberId, this.clock.now()));
  }

  /** Rebalances if a subscribed topic grew, was deleted or was created again. */
  refresh(entry: StreamGroupEntry): void {
    const topics = entry.group.subscribedTopics();
    const signature = this.signatureOf(topics);
    if (signature === entry.topicsSignature) return;
    entry.topicsSignature = signature;
    this.apply(entry, entry.group.refresh(this.partitionsOf(topics)));
  }

  assignment(entry: StreamGroupEntry, memberId: string): AssignmentAnswer {
    return { generation: entry.group.generation, assignment: entry.group.assignmentOf(memberId) };
  }

  /** Moves the owners of `keys` to the (new) committed offset and wakes them. */
  positionsReset(entry: StreamGroupEntry, keys: readonly string[]): void {
    entry.group.resetPositions(keys);
    this.resolvePositions(entry);
    for (const key of keys) {
      const owner = entry.group.ownerOf(key);
      if (owner !== undefined) this.wake(entry.group.name, owner);
    }
  }

  /** The key a member's waits are woken with: rebalances, resets, credit. */
  wakeKey(groupName: string, memberId: string): string {
    return `stream:${groupName}:${memberId}`;
  }

  wake(groupName: string, memberId: string): void {
    this.waiters.notify(this.wakeKey(groupName, memberId));
  }

  /** Re-arms the session reaper after a member's session may have started to run again. */
  sessionsChanged(): void {
    this.reaper.poke();
  }

  /** Tells `listener` of each new assignment of a pushed member; undefined stops it. */
  listen(groupName: string, memberId: string, listener: AssignmentListener | undefined): void {
    const key = `${groupName}\u0000${memberId}`;
    if (listener) this.listeners.set(key, listener);
    else this.listeners.delete(key);
  }

  private apply(entry: StreamGroupEntry, change: GroupChange): void {
    if (change.changed && !this.stopped) {
      const name = entry.group.name;
      this.resolvePositions(entry);
      for (const memberId of change.reassigned) {
        this.listeners.get(`${name}\u0000${memberId}`)?.(
          change.generation,
          entry.group.assignmentOf(memberId),
        );
      }
      for (const memberId of [...entry.group.memberIds(), ...change.removed]) {
        this.wake(name, memberId);
      }
      this.reaper.poke(); // a heartbeat alone only moves a deadline later: no poke needed
    }
    if (entry.group.isEmpty && entry.committed.size === 0) this.groups.delete(entry.group.name);
  }

  /** Gives every owned partition without a position its starting offset. */
  private resolvePositions(entry: StreamGroupEntry): void {
    for (const { member, partition } of entry.group.unpositioned()) {
      const bounds = this.partitionBounds.partitionState(partition.topicId, partition.partition);
      if (!bounds) continue;
      const key = groupPartitionKey(partition);
      const committed = entry.committed.get(key)?.offset;
      member.seek(key, startingOffset(committed, member.settings.autoOffsetReset, bounds));
    }
  }

  private expireSessions(): void {
    const nowMs = this.clock.now();
    for (const entry of this.all()) this.apply(entry, entry.group.expireSessions(nowMs));
  }

  private nextSessionDeadlineMs(): number | undefined {
    let earliest: number | undefined;
    for (const entry of this.groups.values()) {
      const deadline = entry.group.nextSessionDeadlineMs();
      if (deadline !== undefined && (earliest === undefined || deadline < earliest)) {
        earliest = deadline;
      }
    }
    return earliest;
  }

  private sessionTimeoutMs(requested: number | undefined): number {
    const { minSessionTimeoutMs: min, maxSessionTimeoutMs: max } = this.config;
    if (requested === undefined) return Math.min(Math.max(DEFAULT_SESSION_TIMEOUT_MS, min), max);
    if (requested < min || requested > max) {
      throw new BrokerError(
        ErrorCode.INVALID_SESSION_TIMEOUT,
        `sessionTimeoutMs must be from ${min} to ${max}, got ${requested}`,
      );
    }
    return requested;
  }

  private partitionsOf(topicNames: readonly string[]): GroupPartition[] {
    return topicNames.flatMap((topic) => {
      const row = this.topics.find(topic);
      if (!row) return [];
      return Array.from({ length: row.partitions }, (_x, partition) => ({
        topicId: row.id,
        topic,
        partition,
      }));
    });
  }

  private signatureOf(topicNames: readonly string[]): string {
    return topicNames
      .map((topic) => {
        const row = this.topics.find(topic);
        return row ? `${topic}:${row.id}:${row.partitions}` : `${topic}:-`;
      })
      .join('|');
  }
}
