import { Inject, Injectable } from '@nestjs/common';
import { BrokerMetrics } from '../../metrics/broker-metrics';
import { RecordLogStore } from '../../persistence/record-log.store';
import { TopicStore } from '../../persistence/topic.store';
import { decodeRecord, RecordView } from '../topics/domain/record-codec';
import { GroupMember } from './domain/group-member';
import { groupPartitionKey } from './domain/group-partition';
import { clampToLog, startingOffset } from './domain/position';
import { StreamGroupEntry } from './stream-groups.service';

const NONE: ReadonlySet<string> = new Set();

/** How a poll names a paused partition. */
export const pausedKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/**
 * Reads a member's partitions from its positions, straight from the log store (records are
 * never copied), and advances the positions past what it returns. Each partition's records
 * come in offset order; each read starts at another partition, so none is starved.
 */
@Injectable()
export class StreamRecordReader {
  constructor(
    @Inject(TopicStore) private readonly topicStore: TopicStore,
    @Inject(RecordLogStore) private readonly log: RecordLogStore,
    @Inject(BrokerMetrics) private readonly metrics: BrokerMetrics,
  ) {}

  /**
   * Up to `maxRecords` records of the partitions `member` owns now, except those in `paused`
   * (keys of {@link pausedKey}), whose positions stay where they are.
   */
  read(
    entry: StreamGroupEntry,
    member: GroupMember,
    maxRecords: number,
    paused: ReadonlySet<string> = NONE,
  ): RecordView[] {
    const owned = entry.group.owned(member.memberId);
    const records: RecordView[] = [];
    if (owned.length === 0) return records;
    const first = member.nextRotation() % owned.length;
    for (let i = 0; i < owned.length && records.length < maxRecords; i++) {
      const p = owned[(first + i) % owned.length]!;
      if (paused.has(pausedKey(p.topic, p.partition))) continue;
      const bounds = this.topicStore.partitionState(p.topicId, p.partition);
      if (!bounds) continue; // the topic was deleted; the next refresh drops the partition
      const key = groupPartitionKey(p);
      const position = member.position(key);
      const from =
        position === undefined
          ? startingOffset(
              entry.committed.get(key)?.offset,
              member.settings.autoOffsetReset,
              bounds,
            )
          : clampToLog(position, bounds); // retention may have deleted what it had not read
      if (position !== undefined && from > position) {
        this.metrics.groupSkippedByRetention(entry.group.name, p.topic, from - position);
      }
      if (from !== position) member.seek(key, from);
      if (from >= bounds.logEndOffset) continue;
      const stored = this.log.read(p.topicId, p.partition, from, maxRecords - records.length);
      for (const record of stored) records.push(decodeRecord(p.topic, p.partition, record));
      const last = stored[stored.length - 1];
      if (last) member.advance(key, last.offset + 1);
    }
    return records;
  }
}
