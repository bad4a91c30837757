import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { BROKER_CONFIG } from '../../common/core.module';
import { BrokerError, ErrorCode } from '../../common/errors';
import type { BrokerConfig } from '../../config/broker-config';
import { LogWaiters, partitionKey } from '../topics/log-waiters';
import { GroupMember } from './domain/group-member';
import { groupPartitionKey } from './domain/group-partition';
import { StreamGroupEntry, StreamGroupsService } from './stream-groups.service';
import { StreamOffsetsService } from './stream-offsets.service';
import { pausedKey, ServedRecords, StreamRecordReader } from './stream-record-reader';
import type { AssignmentAnswer } from './streams.schemas';

/** A poll's answer: the records as the JSON they are sent as. */
export interface PollAnswer extends AssignmentAnswer {
  records: ServedRecords;
}

/**
 * How members take records: HTTP polls (with auto-commit, acknowledgement of revocations and a
 * long-poll that wakes on a new record in an owned partition or on a rebalance), leaves, and the
 * reads and waits of pushed (WebSocket) members.
 */
@Injectable()
export class StreamConsumerService {
  constructor(
    @Inject(StreamGroupsService) private readonly groups: StreamGroupsService,
    @Inject(StreamOffsetsService) private readonly offsets: StreamOffsetsService,
    @Inject(StreamRecordReader) private readonly reader: StreamRecordReader,
    @Inject(LogWaiters) private readonly waiters: LogWaiters,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
  ) {}

  /**
   * A poll: commits what the previous poll returned (with autoCommit), gives up what the member
   * was asked to revoke, then answers up to `maxRecords` records of its partitions, waiting up to
   * `waitMs` while there are none. A rebalance that changes the member's partitions ends the
   * wait, so that it learns its new assignment at once. `paused` partitions are not read.
   */
  async poll(
    groupName: string,
    memberId: string,
    maxRecords: number,
    waitMs: number,
    paused: ReadonlyArray<{ topic: string; partition: number }> = [],
  ): Promise<PollAnswer> {
    const entry = this.groups.get(groupName);
    const member = this.groups.member(entry, memberId);
    await this.offsets.autoCommit(entry, member);
    this.groups.acknowledge(entry, memberId);
    const limit = Math.min(maxRecords, this.config.maxReadRecords);
    const skipped = new Set(paused.map((p) => pausedKey(p.topic, p.partition)));
    const deadlineMs = this.clock.now() + Math.min(waitMs, this.config.maxWaitMs);
    const assignedAtStart = this.assignmentText(entry, memberId);
    member.pollStarted();
    try {
      for (;;) {
        const records = await this.reader.read(entry, member, limit, skipped);
        const remainingMs = deadlineMs - this.clock.now();
        const reassigned = this.assignmentText(entry, memberId) !== assignedAtStart;
        if (records.count > 0 || reassigned || remainingMs <= 0 || this.waiters.isClosed) {
          return { ...this.groups.assignment(entry, memberId), records };
        }
        await this.waitForWork(entry, memberId, true, remainingMs);
        if (entry.group.member(memberId) !== member) {
          throw new BrokerError(
            ErrorCode.MEMBER_NOT_FOUND,
            `Member '${memberId}' left consumer group '${groupName}' during its poll`,
          );
        }
        this.groups.acknowledge(entry, memberId); // waiting in a poll, it holds nothing unread
      }
    } finally {
      member.pollEnded(this.clock.now());
      this.groups.sessionsChanged();
    }
  }

  /** Leaves the group, first committing what the previous poll returned (with autoCommit). */
  async leave(groupName: string, memberId: string): Promise<void> {
    const entry = this.groups.get(groupName);
    await this.offsets.autoCommit(entry, this.groups.member(entry, memberId));
    this.groups.leave(entry, memberId);
  }

  /** Up to `maxRecords` records for a pushed member; none while it has no credit. */
  async readForPush(
    entry: StreamGroupEntry,
    member: GroupMember,
    maxRecords: number,
  ): Promise<ServedRecords | undefined> {
    if (maxRecords <= 0) return undefined;
    return this.reader.read(entry, member, Math.min(maxRecords, this.config.maxReadRecords));
  }

  /**
   * Sleeps until the member is woken (rebalance, reset, credit) or, with `forRecords`, a record
   * arrives in a partition it owns; at most `timeoutMs` (default and cap: WEIR_MAX_WAIT_MS).
   */
  async waitForWork(
    entry: StreamGroupEntry,
    memberId: string,
    forRecords: boolean,
    timeoutMs = this.config.maxWaitMs,
  ): Promise<void> {
    const keys = [this.groups.wakeKey(entry.group.name, memberId)];
    if (forRecords) {
      for (const p of entry.group.owned(memberId)) keys.push(partitionKey(p.topicId, p.partition));
    }
    await this.waiters.waitForAny(keys, Math.min(timeoutMs, this.config.maxWaitMs));
  }

  private assignmentText(entry: StreamGroupEntry, memberId: string): string {
    return entry.group
      .owned(memberId)
      .map((p) => groupPartitionKey(p))
      .join(',');
  }
}
