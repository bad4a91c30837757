import { ClusterRuntime } from '../../cluster/cluster-runtime';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { BROKER_CONFIG } from '../../common/core.module';
import { BrokerError, ErrorCode } from '../../common/errors';
import { assertTopicName } from '../../common/names';
import type { BrokerConfig } from '../../config/broker-config';
import { BrokerMetrics } from '../../metrics/broker-metrics';
import { PartitionBoundsMirror } from '../../persistence/partition-bounds-mirror';
import { NameTakenError } from '../../persistence/port/catalogue-storage';
import type { TopicConfig, TopicRow } from '../../persistence/port/rows';
import { Storage } from '../../persistence/port/storage';
import { TopicView } from './topics.schemas';

/** Changes to a topic's settings; absent fields keep their value. */
export interface TopicChanges {
  partitions?: number;
  config?: Partial<TopicConfig>;
}

/**
 * Topic administration and the in-memory catalogue of topics. The catalogue is loaded at start
 * and adopts a change only after the storage write that makes it committed. A name this node
 * does not know is looked up in storage before it is answered as missing or created (another
 * node sharing the database may have created it).
 */
@Injectable()
export class TopicsService implements OnModuleInit {
  private readonly topics = new Map<string, TopicRow>();
  private readonly byId = new Map<number, TopicRow>();
  private readonly deletedListeners: Array<(topic: TopicRow) => void> = [];
  /** Auto-creations in flight by name: concurrent requests for one name create it once. */
  private readonly creating = new Map<string, Promise<TopicRow>>();
  /** The last change in flight per topic name: changes of one topic apply one after another. */
  private readonly changing = new Map<string, Promise<unknown>>();

  constructor(
    @Inject(Storage) private readonly storage: Storage,
    @Inject(PartitionBoundsMirror) private readonly bounds: PartitionBoundsMirror,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
    @Inject(BrokerMetrics) private readonly metrics: BrokerMetrics,
    @Inject(ClusterRuntime) private readonly runtime: ClusterRuntime,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const row of await this.storage.catalogue.listTopics()) this.remember(row);
    this.metrics.addCollector(() => this.reportPartitions());
  }

  /**
   * Creates a topic; `TOPIC_ALREADY_EXISTS` if the name is taken (here or on another node). In
   * a cluster this node takes its share of the new partitions before it answers.
   */
  async create(
    name: string,
    partitions?: number,
    config?: Partial<TopicConfig>,
  ): Promise<TopicRow> {
    assertTopicName(name);
    if (this.topics.has(name)) throw alreadyExists(name);
    const count = partitions ?? this.config.defaultPartitions;
    this.assertPartitionCount(count);
    const fullConfig = this.validConfig({
      retentionMs: this.config.defaultRetentionMs,
      retentionBytes: -1,
      maxMessageBytes: this.config.defaultMaxMessageBytes,
      ...config,
    });
    let row: TopicRow;
    try {
      row = await this.storage.catalogue.createTopic(name, count, fullConfig, this.clock.now());
      this.remember(row);
    } catch (error) {
      if (!(error instanceof NameTakenError)) throw error;
      await this.reload(name);
      throw alreadyExists(name);
    }
    await this.runtime.refresh();
    return row;
  }

  /**
   * The topic named `name`, created with defaults when auto-creation is on. Concurrent calls
   * for one name share one creation; a name another node created meanwhile is loaded instead.
   */
  async getOrCreate(name: string): Promise<TopicRow> {
    const row = this.topics.get(name);
    if (row) return row;
    let pending = this.creating.get(name);
    if (!pending) {
      pending = this.loadOrCreate(name).finally(() => this.creating.delete(name));
      this.creating.set(name, pending);
    }
    return pending;
  }

  /** The topic named `name`, or `TOPIC_NOT_FOUND`. */
  get(name: string): TopicRow {
    const row = this.topics.get(name);
    if (!row) throw notFound(name);
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

  /**
   * Grows partitions and changes config. Fewer partitions than now: `INVALID_PARTITION_COUNT`.
   * In a cluster this node takes its share of partitions added before it answers.
   */
  async update(name: string, changes: TopicChanges): Promise<TopicRow> {
    const updated = await this.inTurn(name, async () => {
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
      await this.storage.catalogue.alterTopic(current.id, partitions, config);
      const row: TopicRow = { ...current, partitions, config };
      this.remember(row);
      return row;
    });
    if (changes.partitions !== undefined) await this.runtime.refresh();
    return updated;
  }

  /** Deletes the topic and all its records. */
  delete(name: string): Promise<void> {
    return this.inTurn(name, async () => {
      const row = this.get(name);
      await this.storage.catalogue.deleteTopic(row.id);
      this.topics.delete(name);
      this.byId.delete(row.id);
      this.metrics.topicDeleted(name);
      for (const listener of this.deletedListeners) listener(row);
    });
  }

  /**
   * Adopts what other nodes sharing the storage changed in the catalogue (a cluster): topics
   * created or changed there are remembered, with their partitions' bounds read again; topics
   * deleted there are forgotten here as a deletion here would be (listeners included).
   */
  async syncFromStorage(): Promise<void> {
    // Only topics known before the read can have been deleted elsewhere: one created here
    // while the catalogue was being read is simply not in what was read.
    const before = new Map(this.topics);
    const rows = await this.storage.catalogue.listTopics();
    const stored = new Map(rows.map((row) => [row.name, row]));
    for (const [name, known] of before) {
      if (this.topics.get(name) !== known) continue;
      if (stored.get(name)?.id === known.id || this.changing.has(name)) continue;
      this.topics.delete(name);
      this.byId.delete(known.id);
      this.metrics.topicDeleted(name);
      for (const listener of this.deletedListeners) listener(known);
    }
    let changed = false;
    for (const row of rows) {
      const known = this.topics.get(row.name);
      if (this.changing.has(row.name)) continue;
      const same =
        known?.id === row.id &&
        known.partitions === row.partitions &&
        JSON.stringify(known.config) === JSON.stringify(row.config);
      if (same) continue;
      this.remember(row);
      changed = true;
    }
    if (changed) await this.bounds.refreshAll();
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
      partitions: this.bounds.partitionStates(row.id).map((p) => ({
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

  private async loadOrCreate(name: string): Promise<TopicRow> {
    const stored = await this.reload(name);
    if (stored) return stored;
    if (!this.config.autoCreateTopics) throw notFound(name);
    try {
      return await this.create(name);
    } catch (error) {
      // Created meanwhile by another node or a racing `create`: use that topic.
      const now = this.topics.get(name);
      if (error instanceof BrokerError && error.code === ErrorCode.TOPIC_ALREADY_EXISTS && now) {
        return now;
      }
      throw error;
    }
  }

  /** Looks `name` up in storage and remembers it when it exists. */
  private async reload(name: string): Promise<TopicRow | undefined> {
    const row = (await this.storage.catalogue.listTopics()).find((t) => t.name === name);
    if (row && !this.topics.has(name)) this.remember(row);
    return this.topics.get(name);
  }

  /** Runs `change` after the changes of `name` in flight before it. */
  private inTurn<T>(name: string, change: () => Promise<T>): Promise<T> {
    const previous = this.changing.get(name) ?? Promise.resolve();
    const next = previous.then(change, change);
    const settled = next.catch(() => undefined);
    this.changing.set(name, settled);
    void settled.then(() => {
      if (this.changing.get(name) === settled) this.changing.delete(name);
    });
    return next;
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
        this.bounds.partitionStates(row.id).map((p) => ({ topic: row.name, ...p })),
      ),
    );
  }
}

const notFound = (name: string) =>
  new BrokerError(ErrorCode.TOPIC_NOT_FOUND, `Topic '${name}' does not exist`);

const alreadyExists = (name: string) =>
  new BrokerError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists`);
