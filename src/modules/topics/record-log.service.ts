import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { BROKER_CONFIG } from '../../common/core.module';
import { BrokerError, ErrorCode } from '../../common/errors';
import { encodeWireRecord, servePage, wireKeyBytes } from '../../common/record-wire';
import type { BrokerConfig } from '../../config/broker-config';
import { BrokerMetrics } from '../../metrics/broker-metrics';
import { PartitionBoundsMirror } from '../../persistence/partition-bounds-mirror';
import { AppendRecord, MissingPartitionError } from '../../persistence/port/log-storage';
import type { TopicRow } from '../../persistence/port/rows';
import { Storage } from '../../persistence/port/storage';
import { choosePartition, RoundRobin } from './domain/partitioner';
import { RecordInput, RecordView } from './domain/record-codec';
import { LogWaiters, partitionKey, topicNameKey } from './log-waiters';
import { TopicsService } from './topics.service';

/** A page stops before the record that would take it past this many bytes (at least one). */
const READ_MAX_BYTES = 8 * 1024 * 1024;
const RECORDS_HEAD = Buffer.from('{"records":');
const EMPTY_ARRAY = Buffer.from('[]');

/** Where a produced record landed. */
export interface RecordPosition {
  partition: number;
  offset: number;
}

/** A page of one partition, as `GET .../records` answers it. */
export interface PartitionPage {
  records: RecordView[];
  nextOffset: number;
  logStartOffset: number;
  logEndOffset: number;
}

/**
 * Produce and read: the log's data path. A produce is answered only after its group-commit
 * transaction committed; long-poll readers are woken right after that commit.
 */
@Injectable()
export class RecordLogService implements BeforeApplicationShutdown {
  private readonly roundRobin = new Map<number, RoundRobin>();

  constructor(
    @Inject(TopicsService) private readonly topics: TopicsService,
    @Inject(PartitionBoundsMirror) private readonly bounds: PartitionBoundsMirror,
    @Inject(Storage) private readonly storage: Storage,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
    @Inject(BrokerMetrics) private readonly metrics: BrokerMetrics,
    @Inject(LogWaiters) private readonly waiters: LogWaiters,
  ) {
    // Appends another node committed (a cluster): the bounds mirror has adopted them already
    // (it listened first); readers waiting on those partitions here wake as for a local one.
    storage.onBoundsChanged((change) => {
      if (!change.remote) return;
      const topicIds = new Set<number>();
      for (const { topicId, partition } of change.bounds) {
        this.waiters.notify(partitionKey(topicId, partition));
        topicIds.add(topicId);
      }
      for (const topicId of topicIds) {
        const name = this.topics.findById(topicId)?.name;
        if (name !== undefined) this.waiters.notify(topicNameKey(name));
      }
    });
  }

  /** Answers pending long-polls before the server closes, so that it can finish. */
  beforeApplicationShutdown(): void {
    this.waiters.close();
  }

  /**
   * Appends `inputs` to `topicName` and resolves with each record's position, in request order,
   * once they are durable. The request is all or nothing: a bad record fails it whole.
   */
  async produce(topicName: string, inputs: readonly RecordInput[]): Promise<RecordPosition[]> {
    if (inputs.length > this.config.maxBatchRecords) {
      throw new BrokerError(
        ErrorCode.BATCH_TOO_LARGE,
        `A produce request may hold at most ${this.config.maxBatchRecords} records, got ${inputs.length}`,
      );
    }
    const topic = await this.topics.getOrCreate(topicName);
    const byPartition = this.encodeBatch(topic, inputs);
    const partitions = [...byPartition.keys()];
    const positions = new Array<RecordPosition>(inputs.length);
    try {
      const bases = await this.storage.log.append(
        partitions.map((partition) => ({
          topicId: topic.id,
          partition,
          records: byPartition.get(partition)!.records,
        })),
      );
      partitions.forEach((partition, i) => {
        const base = bases[i]!;
        byPartition
          .get(partition)!
          .indexes.forEach((index, j) => (positions[index] = { partition, offset: base + j }));
      });
    } catch (error) {
      if (error instanceof MissingPartitionError) {
        throw new BrokerError(ErrorCode.TOPIC_NOT_FOUND, `Topic '${topicName}' was deleted`);
      }
      throw error;
    }
    let bytes = 0;
    for (const group of byPartition.values()) for (const r of group.records) bytes += r.sizeBytes;
    this.metrics.recordProduced(topic.name, inputs.length, bytes);
    for (const partition of byPartition.keys())
      this.waiters.notify(partitionKey(topic.id, partition));
    this.waiters.notify(topicNameKey(topic.name));
    return positions;
  }

  /**
   * Validates a produce request and picks each record's partition as `produce` would (creating
   * the topic when auto-creation is on), without appending: a cluster splits the request by the
   * partitions' owners and sends each part with explicit partitions.
   */
  async assignPartitions(
    topicName: string,
    inputs: readonly RecordInput[],
  ): Promise<{ topic: TopicRow; partitions: number[] }> {
    if (inputs.length > this.config.maxBatchRecords) {
      throw new BrokerError(
        ErrorCode.BATCH_TOO_LARGE,
        `A produce request may hold at most ${this.config.maxBatchRecords} records, got ${inputs.length}`,
      );
    }
    const topic = await this.topics.getOrCreate(topicName);
    const partitions = new Array<number>(inputs.length);
    for (const [partition, group] of this.encodeBatch(topic, inputs)) {
      for (const index of group.indexes) partitions[index] = partition;
    }
    return { topic, partitions };
  }

  /**
   * Reads up to `maxRecords` from `offset` (default: the log start). When there is nothing at
   * `offset` yet, waits up to `waitMs` for a produce to it. Below the log start or beyond the
   * log end: `OFFSET_OUT_OF_RANGE`.
   */
  async read(
    topicName: string,
    partition: number,
    offset: number | undefined,
    maxRecords: number,
    waitMs: number,
  ): Promise<PartitionPage> {
    const body = await this.readServed(topicName, partition, offset, maxRecords, waitMs);
    return JSON.parse(body.toString('utf8')) as PartitionPage;
  }

  /**
   * `read` answered as the JSON body it is sent as, built by concatenating the records' stored
   * fragments (no per-record decode and re-encode).
   */
  async readServed(
    topicName: string,
    partition: number,
    offset: number | undefined,
    maxRecords: number,
    waitMs: number,
  ): Promise<Buffer> {
    const topic = this.topics.get(topicName);
    const at = await this.awaitReadable(topic, partition, offset, waitMs);
    const limit = Math.min(maxRecords, this.config.maxReadRecords);
    const page =
      at.from < at.logEndOffset
        ? await this.storage.log.readPage(topic.id, partition, at.from, limit, READ_MAX_BYTES)
        : undefined;
    const last = page && page.count > 0 ? page.offsets[page.count - 1]! : undefined;
    const tail = `,"nextOffset":${last !== undefined ? last + 1 : at.from},"logStartOffset":${at.logStartOffset},"logEndOffset":${at.logEndOffset}}`;
    return Buffer.concat([
      RECORDS_HEAD,
      page ? servePage(topic.name, partition, page) : EMPTY_ARRAY,
      Buffer.from(tail, 'latin1'),
    ]);
  }

  /**
   * Where a read of `topic`/`partition` from `offset` (default: the log start) starts, once
   * there is a record there or `waitMs` passed. Below the log start or beyond the log end:
   * `OFFSET_OUT_OF_RANGE`.
   */
  private async awaitReadable(
    topic: TopicRow,
    partition: number,
    offset: number | undefined,
    waitMs: number,
  ): Promise<{ from: number; logStartOffset: number; logEndOffset: number }> {
    const deadlineMs = this.clock.now() + Math.min(waitMs, this.config.maxWaitMs);
    for (;;) {
      const state = this.bounds.partitionState(topic.id, partition);
      if (!state) {
        throw new BrokerError(
          ErrorCode.PARTITION_NOT_FOUND,
          `Topic '${topic.name}' has no partition ${partition}`,
        );
      }
      const from = offset ?? state.logStartOffset;
      if (from < state.logStartOffset || from > state.logEndOffset) {
        throw new BrokerError(
          ErrorCode.OFFSET_OUT_OF_RANGE,
          `Offset ${from} is outside [${state.logStartOffset}, ${state.logEndOffset}] of ${topic.name}/${partition}`,
          { logStartOffset: state.logStartOffset, logEndOffset: state.logEndOffset },
        );
      }
      const remainingMs = deadlineMs - this.clock.now();
      if (from < state.logEndOffset || remainingMs <= 0 || this.waiters.isClosed) {
        return { from, logStartOffset: state.logStartOffset, logEndOffset: state.logEndOffset };
      }
      await this.waiters.waitForAny([partitionKey(topic.id, partition)], remainingMs);
      if (this.topics.find(topic.name)?.id !== topic.id) {
        throw new BrokerError(ErrorCode.TOPIC_NOT_FOUND, `Topic '${topic.name}' was deleted`);
      }
    }
  }

  /** Number of reads sleeping in a long-poll. */
  get waitingReads(): number {
    return this.waiters.size;
  }

  /** Sleeps until any of the partitions gets a record, or `timeoutMs` passes. */
  waitForRecords(
    partitions: ReadonlyArray<{ topicId: number; partition: number }>,
    timeoutMs: number,
  ): Promise<void> {
    return this.waiters.waitForAny(
      partitions.map((p) => partitionKey(p.topicId, p.partition)),
      Math.min(timeoutMs, this.config.maxWaitMs),
    );
  }

  private encodeBatch(
    topic: TopicRow,
    inputs: readonly RecordInput[],
  ): Map<number, { records: AppendRecord[]; indexes: number[] }> {
    const appendTimeMs = this.clock.now();
    let rr = this.roundRobin.get(topic.id);
    if (!rr) this.roundRobin.set(topic.id, (rr = new RoundRobin()));
    const sticky = rr.take(topic.partitions);
    const byPartition = new Map<number, { records: AppendRecord[]; indexes: number[] }>();
    inputs.forEach((input, index) => {
      if (input.partition !== undefined && input.partition >= topic.partitions) {
        throw new BrokerError(
          ErrorCode.PARTITION_NOT_FOUND,
          `records[${index}]: topic '${topic.name}' has ${topic.partitions} partitions, no partition ${input.partition}`,
          { index },
        );
      }
      const key = wireKeyBytes(input);
      const encoded = encodeWireRecord(input, appendTimeMs, key);
      if (encoded.sizeBytes > topic.config.maxMessageBytes) {
        throw new BrokerError(
          ErrorCode.RECORD_TOO_LARGE,
          `records[${index}] is ${encoded.sizeBytes} bytes; topic '${topic.name}' accepts at most ${topic.config.maxMessageBytes}`,
          { index, sizeBytes: encoded.sizeBytes, maxMessageBytes: topic.config.maxMessageBytes },
        );
      }
      const partition = choosePartition(topic.partitions, sticky, key, input.partition);
      let group = byPartition.get(partition);
      if (!group) byPartition.set(partition, (group = { records: [], indexes: [] }));
      group.records.push(encoded);
      group.indexes.push(index);
    });
    return byPartition;
  }
}
