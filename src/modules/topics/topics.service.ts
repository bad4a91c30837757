import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { BROKER_CONFIG } from '../../common/core.module';
import { BrokerError, ErrorCode } from '../../common/errors';
import { assertTopicName } from '../../common/names';
import type { BrokerConfig } from '../../config/broker-config';
import { BrokerMetrics } from '../../metrics/broker-metrics';
import { Database } from '../../persistence/database';
import { TopicConfig, TopicRow, TopicStore } from '../../persistence/topic.store';
import { TopicView } from './topics.schemas';

/** Changes to a topic's settings; absent fields keep their value. */
export interface TopicChanges {
  partitions?: number;
  config?: Partial<TopicConfig>;
}

/**
 * Topic administration and the in-memory catalogue of topics. The catalogue is loaded at start
 * and changed only after the database transaction that changes a topic has committed.
 */
@Injectable()
export class TopicsService implements OnModuleInit {
  private readonly topics = new Map<string, TopicRow>();
  private readonly byId = new Map<number, TopicRow>();
  private readonly deletedListeners: Array<(topic: TopicRow) => void> = [];

  constructor(
    @Inject(TopicStore) private readonly store: TopicStore,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
    @Inject(BrokerMetrics) private readonly metrics: BrokerMetrics,
    @Inject(Database) private readonly db: Database,
  ) {}

  onModuleInit(): void {
    for (const row of this.store.list()) this.remember(row);
    this.metrics.addCollector(() => this.reportPartitions());
  }

  /** Creates a topic; `TOPIC_ALREADY_EXISTS` if the name is taken. */
  create(name: string, partitions?: number, config?: Partial<TopicConfig>): TopicRow {
    assertTopicName(name);
    if (this.topics.has(name)) {
      throw new BrokerError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists`);
    }
    const count = partitions ?? this.config.defaultPartitions;
    this.assertPartitionCount(count);
    const fullConfig = this.validConfig({
      retentionMs: this.config.defaultRetentionMs,
      retentionBytes: -1,
      maxMessageBytes: this.config.defaultMaxMessageBytes,
      ...config,
    });
    const row = this.store.insert(name, count, fullConfig, this.clock.now());
    this.remember(row);
    // Created inside a transaction (a dead-letter topic auto-created while archiving): the
    // catalogue must not keep a topic whose row a rollback removed.
    this.db.onRollback(() => this.forget(row));
    return row;
  }

  /** The topic named `name`, created with defaults when auto-creation is on. */
  getOrCreate(name: string): TopicRow {
    const row = this.topics.get(name);
    if (row) return row;
    if (!this.config.autoCreateTopics) return this.get(name);
    return this.create(name);
  }

  /** The topic named `name`, or `TOPIC_NOT_FOUND`. */
  get(name: string): TopicRow {
    const row = this.topics.get(name);
    if (!row) throw new BrokerError(ErrorCode.TOPIC_NOT_FOUND, `Topic '${name}' does not exist`);
    return row;
  }

  find(name: string): TopicRow | undefined {
    return this.topics.get(name);
  }

  /** The topic with internal id `id`, if it still exists. */
  findById(id: number): TopicRow | undefined {
    return this.byId.get(id);
  }

  list(): TopicRow[] {
    return [...this.topics.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Grows partitions and changes config. Fewer partitions than now: `INVALID_PARTITION_COUNT`. */
  update(name: string, changes: TopicChanges): TopicRow {
    const current = this.get(name);
    const partitions = changes.partitions ?? current.partitions;
    if (partitions < current.partitions) {
      throw new BrokerError(
        ErrorCode.INVALID_PARTITION_COUNT,
        `Topic '${name}' has ${current.partitions} partitions; partitions can grow but never shrink`,
      );
    }
    this.assertPartitionCount(partitions);
    const config = this.validConfig({ ...current.config, ...changes.config });
    this.store.updateTopic(current, partitions, config);
    const updated: TopicRow = { ...current, partitions, config };
    this.remember(updated);
    return updated;
  }

  /** Deletes the topic and all its records. */
  delete(name: string): void {
    const row = this.get(name);
    this.store.delete(row.id);
    this.topics.delete(name);
    this.byId.delete(row.id);
    this.metrics.topicDeleted(name);
    for (const listener of this.deletedListeners) listener(row);
  }

  /**
   * Runs `listener` after a topic's deletion committed, so that modules drop what they keep in
   * memory about it (the store already deleted their rows with the topic's).
   */
  onDeleted(listener: (topic: TopicRow) => void): void {
    this.deletedListeners.push(listener);
  }

  /** The API's description of a topic, with each partition's offsets and size. */
  describe(row: TopicRow): TopicView {
    return {
      name: row.name,
      config: { ...row.config },
      partitions: this.store.partitionStates(row.id).map((p) => ({
        partition: p.partition,
        logStartOffset: p.logStartOffset,
        logEndOffset: p.logEndOffset,
        records: p.logEndOffset - p.logStartOffset,
        bytes: p.bytes,
      })),
    };
  }

  private remember(row: TopicRow): void {
    this.topics.set(row.name, row);
    this.byId.set(row.id, row);
  }

  private forget(row: TopicRow): void {
    if (this.topics.get(row.name) === row) this.topics.delete(row.name);
    if (this.byId.get(row.id) === row) this.byId.delete(row.id);
  }

  private assertPartitionCount(count: number): void {
    if (!Number.isInteger(count) || count < 1 || count > this.config.maxPartitions) {
      throw new BrokerError(
        ErrorCode.INVALID_PARTITION_COUNT,
        `partitions must be an integer from 1 to ${this.config.maxPartitions}, got ${count}`,
      );
    }
  }

  private validConfig(config: TopicConfig): TopicConfig {
    if (config.maxMessageBytes > this.config.maxRequestBytes) {
      throw new BrokerError(
        ErrorCode.INVALID_CONFIG,
        `maxMessageBytes must not exceed the request limit of ${this.config.maxRequestBytes} bytes`,
      );
    }
    return config;
  }

  private reportPartitions(): void {
    this.metrics.reportPartitions(
      this.list().flatMap((row) =>
        this.store.partitionStates(row.id).map((p) => ({ topic: row.name, ...p })),
      ),
    );
  }
}
