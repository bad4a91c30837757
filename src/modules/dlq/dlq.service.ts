import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { BrokerError, ErrorCode } from '../../common/errors';
import { EncodedRecord } from '../../common/log-record';
import { Database } from '../../persistence/database';
import { DeadLetterStore } from '../../persistence/dead-letter.store';
import { RecordLogStore } from '../../persistence/record-log.store';
import { TopicRow, TopicStore } from '../../persistence/topic.store';
import { DeadLetterMetrics } from '../../metrics/dead-letter-metrics';
import { choosePartition } from '../topics/domain/partitioner';
import { LogWaiters, partitionKey } from '../topics/log-waiters';
import { PartitionPage, RecordLogService } from '../topics/record-log.service';
import { TopicsService } from '../topics/topics.service';
import type { DlqList, PurgeBody, RedriveBody } from './dlq.schemas';

/** The header that names the dead-letter record a redriven record came from. */
export const REDRIVE_OF = 'weir-redrive-of';

const LINEAGE_PREFIX = 'weir-dlq-';
const REDRIVE_CHUNK = 1000;

/**
 * Dead-letter operations: list dead-letter topics with counts by reason, browse them, redrive
 * records back to their source (each at most once, whatever the number of calls) and purge.
 */
@Injectable()
export class DlqService implements OnModuleInit {
  constructor(
    @Inject(DeadLetterStore) private readonly index: DeadLetterStore,
    @Inject(TopicsService) private readonly topics: TopicsService,
    @Inject(TopicStore) private readonly topicStore: TopicStore,
    @Inject(RecordLogStore) private readonly log: RecordLogStore,
    @Inject(RecordLogService) private readonly recordLog: RecordLogService,
    @Inject(LogWaiters) private readonly waiters: LogWaiters,
    @Inject(Database) private readonly db: Database,
    @Inject(DeadLetterMetrics) private readonly metrics: DeadLetterMetrics,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.metrics.collectFrom(() => this.list().topics);
  }

  /** Every dead-letter topic with its live records, oldest age and counts by reason. */
  list(): DlqList {
    const now = this.clock.now();
    const byTopic = new Map<number, DlqList['topics'][number]>();
    const names = new Map(this.topics.list().map((t) => [t.id, t.name]));
    for (const id of this.index.topicIds()) {
      const name = names.get(id);
      if (name) byTopic.set(id, { topic: name, records: 0, oldestAgeMs: null, byReason: {} });
    }
    for (const s of this.index.summaries()) {
      const entry = byTopic.get(s.topicId);
      if (!entry) continue;
      entry.records += s.records;
      entry.byReason[s.reason] = (entry.byReason[s.reason] ?? 0) + s.records;
      const age = Math.max(0, now - s.oldestAtMs);
      entry.oldestAgeMs = Math.max(entry.oldestAgeMs ?? 0, age);
    }
    return { topics: [...byTopic.values()].sort((a, b) => a.topic.localeCompare(b.topic)) };
  }

  /** Reads a dead-letter topic's records, lineage headers included. */
  browse(
    topic: string,
    partition: number,
    offset: number | undefined,
    maxRecords: number,
  ): Promise<PartitionPage> {
    this.deadLetterTopic(topic);
    return this.recordLog.read(topic, partition, offset, maxRecords, 0);
  }

  /**
   * Appends the chosen dead-letter records (offsets in [fromOffset, toOffset) of every
   * partition, optionally of one reason) to their source topic or `targetTopic`, with a
   * `weir-redrive-of` header. One transaction: a record already redriven is skipped, so
   * repeated or concurrent calls append each record once.
   */
  redrive(topic: string, body: RedriveBody): { redriven: number; skipped: number } {
    const dlq = this.deadLetterTopic(topic);
    const target =
      body.targetTopic !== undefined ? this.topics.getOrCreate(body.targetTopic) : undefined;
    const now = this.clock.now();
    const woken = new Set<string>();
    const result = this.db.transaction(() => {
      let redriven = 0;
      let skipped = 0;
      for (const state of this.topicStore.partitionStates(dlq.id)) {
        const from = Math.max(body.fromOffset ?? 0, state.logStartOffset);
        const to = Math.min(body.toOffset ?? state.logEndOffset, state.logEndOffset);
        if (from >= to) continue;
        for (let chunk = from; chunk < to; chunk += REDRIVE_CHUNK) {
          const end = Math.min(to, chunk + REDRIVE_CHUNK);
          const stored = new Map(
            this.log.read(dlq.id, state.partition, chunk, end - chunk).map((r) => [r.offset, r]),
          );
          for (const row of this.index.range(dlq.id, state.partition, chunk, end)) {
            if (body.reason !== undefined && row.reason !== body.reason) continue;
            const record = stored.get(row.offset);
            const destination = target ?? this.topics.find(row.sourceTopic);
            if (row.redrivenAtMs !== null || !record || !destination) {
              skipped += 1;
              continue;
            }
            const copy = this.redrivenCopy(
              record,
              `${dlq.name}/${state.partition}/${row.offset}`,
              now,
            );
            const partition =
              destination.name === row.sourceTopic && row.sourcePartition < destination.partitions
                ? row.sourcePartition
                : choosePartition(
                    destination.partitions,
                    0,
                    record.key === null ? null : Buffer.from(record.key),
                  );
            const offset = this.log.append(destination.id, partition, [copy]);
            this.index.markRedriven(
              dlq.id,
              state.partition,
              row.offset,
              now,
              `${destination.name}/${partition}/${offset}`,
            );
            woken.add(partitionKey(destination.id, partition));
            redriven += 1;
          }
        }
      }
      return { redriven, skipped };
    });
    for (const key of woken) this.waiters.notify(key);
    return result;
  }

  /** Deletes the dead-letter records below `beforeOffset` in every partition. */
  purge(topic: string, body: PurgeBody): { purged: number } {
    const dlq = this.deadLetterTopic(topic);
    return this.db.transaction(() => {
      let purged = 0;
      for (const state of this.topicStore.partitionStates(dlq.id)) {
        const before = Math.min(body.beforeOffset, state.logEndOffset);
        if (before <= state.logStartOffset) continue;
        const bytes = this.log.bytesBetween(dlq.id, state.partition, state.logStartOffset, before);
        this.log.truncateHead(dlq.id, state.partition, before, bytes);
        this.index.deleteBelow(dlq.id, state.partition, before);
        purged += before - state.logStartOffset;
      }
      return { purged };
    });
  }

  private deadLetterTopic(name: string): TopicRow {
    const topic = this.topics.get(name);
    if (!this.index.topicIds().includes(topic.id)) {
      throw new BrokerError(
        ErrorCode.TOPIC_NOT_FOUND,
        `Topic '${name}' is not a dead-letter topic`,
      );
    }
    return topic;
  }

  /** The source record again: same key and value, lineage headers replaced by `weir-redrive-of`. */
  private redrivenCopy(record: EncodedRecord, of: string, nowMs: number): EncodedRecord {
    const pairs = record.headers ? (JSON.parse(record.headers) as Array<[string, string]>) : [];
    const kept = pairs.filter(([name]) => !name.startsWith(LINEAGE_PREFIX) && name !== REDRIVE_OF);
    const removedBytes = pairs
      .filter((pair) => !kept.includes(pair))
      .reduce((n, [name, value]) => n + Buffer.byteLength(name) + Buffer.byteLength(value), 0);
    kept.push([REDRIVE_OF, of]);
    return {
      ...record,
      timestampMs: nowMs,
      headers: JSON.stringify(kept),
      sizeBytes:
        record.sizeBytes - removedBytes + Buffer.byteLength(REDRIVE_OF) + Buffer.byteLength(of),
    };
  }
}
