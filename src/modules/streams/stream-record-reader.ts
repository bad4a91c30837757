import { Inject, Injectable } from '@nestjs/common';
import { joinJsonArrays, servePage } from '../../common/record-wire';
import { BrokerMetrics } from '../../metrics/broker-metrics';
import { Storage } from '../../persistence/port/storage';
import { PartitionBoundsMirror } from '../../persistence/partition-bounds-mirror';
import { GroupMember } from './domain/group-member';
import { groupPartitionKey } from './domain/group-partition';
import { clampToLog, startingOffset } from './domain/position';
import { StreamGroupEntry } from './stream-groups.service';

/** A page stops before the record that would take it past this many bytes (at least one). */
const READ_MAX_BYTES = 8 * 1024 * 1024;

/** Records read for a member: how many, and the JSON array they are sent as. */
export interface ServedRecords {
  count: number;
  /** `[record, ...]`: the stored fragments concatenated, never decoded. */
  json: Buffer;
}

const NONE: ReadonlySet<string> = new Set();

/** How a poll names a paused partition. */
export const pausedKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/**
 * Reads a member's partitions from its positions through the storage port, as the JSON they are
 * sent as, and advances the positions past what it returns. Each partition's records come in
 * offset order; each read starts at another partition, so none is starved.
 */
@Injectable()
export class StreamRecordReader {
  constructor(
    @Inject(PartitionBoundsMirror) private readonly partitionBounds: PartitionBoundsMirror,
    @Inject(Storage) private readonly storage: Storage,
    @Inject(BrokerMetrics) private readonly metrics: BrokerMetrics,
  ) {}

  /**
   * Up to `maxRecords` records of the partitions `member` owns now, except those in `paused`
   * (keys of {@link pausedKey}), whose positions stay where they are.
   */
  async read(
    entry: StreamGroupEntry,
    member: GroupMember,
    maxRecords: number,
    paused: ReadonlySet<string> = NONE,
  ): Promise<ServedRecords> {
    const owned = entry.group.owned(member.memberId);
    const arrays: Buffer[] = [];
    let count = 0;
    if (owned.length === 0) return { count, json: joinJsonArrays(arrays) };
    const first = member.nextRotation() % owned.length;
    for (let i = 0; i < owned.length && count < maxRecords; i++) {
      const p = owned[(first + i) % owned.length]!;
      if (paused.has(pausedKey(p.topic, p.partition))) continue;
      const bounds = this.partitionBounds.partitionState(p.topicId, p.partition);
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
      const page = await this.storage.log.readPage(
        p.topicId,
        p.partition,
        from,
        maxRecords - count,
        READ_MAX_BYTES,
      );
      // While the page was read, the member may have lost the partition, or a reset or another
      // read moved its position: then these records are not its to take.
      if (page.count === 0 || member.position(key) !== from || !this.stillOwns(entry, member, key))
        continue;
      arrays.push(servePage(p.topic, p.partition, page));
      count += page.count;
      member.advance(key, page.offsets[page.count - 1]! + 1);
    }
    return { count, json: joinJsonArrays(arrays) };
  }

  private stillOwns(entry: StreamGroupEntry, member: GroupMember, key: string): boolean {
    return (
      entry.group.member(member.memberId) === member &&
      entry.group.owned(member.memberId).some((p) => groupPartitionKey(p) === key)
    );
  }
}
