import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { BrokerError, ErrorCode } from '../../common/errors';
import {
  buildFragment,
  pageFragment,
  parseFragment,
  partsSizeBytes,
  viewToParts,
} from '../../common/record-wire';
import type { RedriveItem } from '../../persistence/port/dead-letter-storage';
import type { AppendRecord } from '../../persistence/port/log-storage';
import { Storage } from '../../persistence/port/storage';
import { PartitionBoundsMirror } from '../../persistence/partition-bounds-mirror';
import type { TopicRow } from '../../persistence/port/rows';
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
  private readonly namedTopics: Array<() => Iterable<string>> = [];

  constructor(
    @Inject(TopicsService) private readonly topics: TopicsService,
    @Inject(PartitionBoundsMirror) private readonly partitionBounds: PartitionBoundsMirror,
    @Inject(Storage) private readonly storage: Storage,
    @Inject(RecordLogService) private readonly recordLog: RecordLogService,
    @Inject(LogWaiters) private readonly waiters: LogWaiters,
    @Inject(DeadLetterMetrics) private readonly metrics: DeadLetterMetrics,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.metrics.collectFrom(async () => (await this.list()).topics);
  }

  /**
   * Adds a source of the names of existing topics that are dead-letter topics whether or not
   * they hold records now (those a share group's settings name): they are listed, browsed,
   * redriven and purged like the others, before the first dead letter and after a purge.
   */
  includeNamedTopics(names: () => Iterable<string>): void {
    this.namedTopics.push(names);
  }

  /**
   * Every dead-letter topic (holding dead letters, or named by a share group's settings) with
   * its live records, oldest age and counts by reason.
   */
  async list(): Promise<DlqList> {
    const summaries = await this.storage.deadLetters.summaries();
    const now = this.clock.now();
    const byTopic = new Map<number, DlqList['topics'][number]>();
    for (const s of summaries) {
      const name = this.topics.findById(s.topicId)?.name;
      if (name === undefined) continue;
      let entry = byTopic.get(s.topicId);
      if (!entry) {
        byTopic.set(
          s.topicId,
          (entry = { topic: name, records: 0, oldestAgeMs: null, byReason: {} }),
        );
      }
      entry.records += s.records;
      entry.byReason[s.reason] = (entry.byReason[s.reason] ?? 0) + s.records;
      const age = Math.max(0, now - s.oldestAtMs);
      entry.oldestAgeMs = Math.max(entry.oldestAgeMs ?? 0, age);
    }
    for (const name of this.named()) {
      const topic = this.topics.find(name);
      if (topic && !byTopic.has(topic.id)) {
        byTopic.set(topic.id, { topic: name, records: 0, oldestAgeMs: null, byReason: {} });
      }
    }
    return { topics: [...byTopic.values()].sort((a, b) => a.topic.localeCompare(b.topic)) };
  }

  /** Reads a dead-letter topic's records, lineage headers included. */
  async browse(
    topic: string,
    partition: number,
    offset: number | undefined,
    maxRecords: number,
  ): Promise<PartitionPage> {
    await this.deadLetterTopic(topic);
    return this.recordLog.read(topic, partition, offset, maxRecords, 0);
  }

  /**
   * Appends the chosen dead-letter records (offsets in [fromOffset, toOffset) of every
   * partition, optionally of one reason) to their source topic or `targetTopic`, with a
   * `weir-redrive-of` header. Each chunk is one atomic write through the storage port that
   * skips records already redriven, so repeated or concurrent calls append each record once.
   */
  async redrive(topic: string, body: RedriveBody): Promise<{ redriven: number; skipped: number }> {
    const dlq = await this.deadLetterTopic(topic);
    const target =
      body.targetTopic !== undefined ? await this.topics.getOrCreate(body.targetTopic) : undefined;
    const now = this.clock.now();
    let redriven = 0;
    let skipped = 0;
    for (const state of this.partitionBounds.partitionStates(dlq.id)) {
      const from = Math.max(body.fromOffset ?? 0, state.logStartOffset);
      const to = Math.min(body.toOffset ?? state.logEndOffset, state.logEndOffset);
      for (let chunk = from; chunk < to; chunk += REDRIVE_CHUNK) {
        const end = Math.min(to, chunk + REDRIVE_CHUNK);
        const page = await this.storage.log.readPage(
          dlq.id,
          state.partition,
          chunk,
          end - chunk,
          Number.MAX_SAFE_INTEGER,
        );
        const fragments = new Map<number, string>();
        for (let i = 0; i < page.count; i++) fragments.set(page.offsets[i]!, pageFragment(page, i));
        const items: RedriveItem[] = [];
        for (const row of await this.storage.deadLetters.range(
          dlq.id,
          state.partition,
          chunk,
          end,
        )) {
          if (body.reason !== undefined && row.reason !== body.reason) continue;
          const fragment = fragments.get(row.offset);
          const destination = target ?? this.topics.find(row.sourceTopic);
          if (row.redrivenAtMs !== null || fragment === undefined || !destination) {
            skipped += 1;
            continue;
          }
          const copy = redrivenCopy(fragment, `${dlq.name}/${state.partition}/${row.offset}`, now);
          const partition =
            destination.name === row.sourceTopic && row.sourcePartition < destination.partitions
              ? row.sourcePartition
              : choosePartition(destination.partitions, 0, copy.key);
          items.push({
            from: { topicId: dlq.id, partition: state.partition, offset: row.offset },
            to: { topicId: destination.id, partition },
            record: copy,
          });
        }
        if (items.length === 0) continue;
        const offsets = await this.storage.deadLetters.redrive(items, now);
        offsets.forEach((offset, i) => {
          if (offset === null) {
            skipped += 1;
            return;
          }
          redriven += 1;
          const { to: where } = items[i]!;
          this.waiters.notify(partitionKey(where.topicId, where.partition));
        });
      }
    }
    return { redriven, skipped };
  }

  /** Deletes the dead-letter records below `beforeOffset` in every partition. */
  async purge(topic: string, body: PurgeBody): Promise<{ purged: number }> {
    const dlq = await this.deadLetterTopic(topic);
    let purged = 0;
    for (const state of this.partitionBounds.partitionStates(dlq.id)) {
      const before = Math.min(body.beforeOffset, state.logEndOffset);
      if (before <= state.logStartOffset) continue;
      const bounds = await this.storage.log.truncateHead(dlq.id, state.partition, before);
      purged += bounds.logStartOffset - state.logStartOffset;
    }
    return { purged };
  }

  /** The topic named `name` if it holds dead-letter records, else `TOPIC_NOT_FOUND`. */
  private named(): Set<string> {
    const names = new Set<string>();
    for (const source of this.namedTopics) for (const name of source()) names.add(name);
    return names;
  }

  private async deadLetterTopic(name: string): Promise<TopicRow> {
    const topic = this.topics.get(name);
    if (this.named().has(name)) return topic;
    const summaries = await this.storage.deadLetters.summaries();
    if (!summaries.some((s) => s.topicId === topic.id)) {
      throw new BrokerError(
        ErrorCode.TOPIC_NOT_FOUND,
        `Topic '${name}' is not a dead-letter topic`,
      );
    }
    return topic;
  }
}

/** The dead-letter record again: same key and value, lineage headers replaced by `weir-redrive-of`. */
function redrivenCopy(fragment: string, of: string, nowMs: number): AppendRecord {
  const parts = viewToParts(parseFragment(fragment));
  const headers = parts.headers.filter(
    ([name]) => !name.startsWith(LINEAGE_PREFIX) && name !== REDRIVE_OF,
  );
  headers.push([REDRIVE_OF, of]);
  const copy = { ...parts, timestampMs: nowMs, headers };
  const key =
    copy.key === null ? null : Buffer.isBuffer(copy.key) ? copy.key : Buffer.from(copy.key);
  return { timestampMs: nowMs, key, wire: buildFragment(copy), sizeBytes: partsSizeBytes(copy) };
}
