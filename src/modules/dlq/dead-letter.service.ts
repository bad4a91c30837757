import { Inject, Injectable } from '@nestjs/common';
import { EncodedRecord, payloadBytes, PayloadFormat } from '../../common/log-record';
import { DeadLetterStore } from '../../persistence/dead-letter.store';
import { RecordLogStore } from '../../persistence/record-log.store';
import { TopicRow } from '../../persistence/topic.store';
import { TopicsService } from '../topics/topics.service';

/** Why a record was dead-lettered (DESIGN §4). */
export type DeadLetterCause = 'CLIENT_REJECT' | 'DELIVERY_COUNT_EXCEEDED';

/** One record to copy to a dead-letter topic, with its lineage. */
export interface DeadLetterEntry {
  group: string;
  deadLetterTopic: string;
  source: TopicRow;
  partition: number;
  offset: number;
  deliveryCount: number;
  reason: DeadLetterCause;
  error?: string;
}

/** Where the copy landed, so that readers of the dead-letter topic can be woken after commit. */
export interface DeadLetterPosition {
  topic: TopicRow;
  partition: number;
  offset: number;
}

/** The lineage header names (DESIGN §4). */
export const LINEAGE = {
  sourceTopic: 'weir-dlq-source-topic',
  sourcePartition: 'weir-dlq-source-partition',
  sourceOffset: 'weir-dlq-source-offset',
  sourceTimestamp: 'weir-dlq-source-timestamp',
  group: 'weir-dlq-group',
  deliveryCount: 'weir-dlq-delivery-count',
  reason: 'weir-dlq-reason',
  error: 'weir-dlq-error',
  deadLetteredAt: 'weir-dlq-dead-lettered-at',
} as const;

/**
 * Appends dead-letter copies: key, value and headers of the source record plus lineage headers.
 * `append` joins the caller's transaction, so the archive and its copy commit together.
 */
@Injectable()
export class DeadLetterService {
  constructor(
    @Inject(TopicsService) private readonly topics: TopicsService,
    @Inject(RecordLogStore) private readonly log: RecordLogStore,
    @Inject(DeadLetterStore) private readonly index: DeadLetterStore,
  ) {}

  /** Copies `entry`'s record to its dead-letter topic. Must run inside a transaction. */
  append(entry: DeadLetterEntry, nowMs: number): DeadLetterPosition {
    const target = this.topics.getOrCreate(entry.deadLetterTopic);
    const [source] = this.log.read(entry.source.id, entry.partition, entry.offset, 1);
    const original = source?.offset === entry.offset ? source : undefined;
    const headers: Array<[string, string]> = original?.headers
      ? (JSON.parse(original.headers) as Array<[string, string]>).filter(
          ([name]) => !name.startsWith('weir-dlq-'),
        )
      : [];
    headers.push(
      [LINEAGE.sourceTopic, entry.source.name],
      [LINEAGE.sourcePartition, String(entry.partition)],
      [LINEAGE.sourceOffset, String(entry.offset)],
      [LINEAGE.group, entry.group],
      [LINEAGE.deliveryCount, String(entry.deliveryCount)],
      [LINEAGE.reason, entry.reason],
      [LINEAGE.deadLetteredAt, String(nowMs)],
    );
    if (original) headers.push([LINEAGE.sourceTimestamp, String(original.timestampMs)]);
    if (entry.error !== undefined) headers.push([LINEAGE.error, entry.error]);
    let headerBytes = 0;
    for (const [name, value] of headers)
      headerBytes += Buffer.byteLength(name) + Buffer.byteLength(value);
    const copy: EncodedRecord = {
      timestampMs: nowMs,
      keyFormat: original?.keyFormat ?? PayloadFormat.NULL,
      key: original?.key ?? null,
      valueFormat: original?.valueFormat ?? PayloadFormat.NULL,
      value: original?.value ?? null,
      headers: JSON.stringify(headers),
      sizeBytes: payloadBytes(original?.key) + payloadBytes(original?.value) + headerBytes,
    };
    const partition = entry.partition % target.partitions;
    const offset = this.log.append(target.id, partition, [copy]);
    this.index.insert({
      topicId: target.id,
      partition,
      offset,
      reason: entry.reason,
      deadLetteredAtMs: nowMs,
      sourceTopic: entry.source.name,
      sourcePartition: entry.partition,
      sourceOffset: entry.offset,
    });
    return { topic: target, partition, offset };
  }
}
