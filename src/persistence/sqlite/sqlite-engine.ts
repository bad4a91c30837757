import { SqliteDatabase, type DatabaseOptions } from './sqlite-database';
import type { InitialSharePartition } from '../port/catalogue-storage';
import type { RedriveItem } from '../port/dead-letter-storage';
import {
  MissingPartitionError,
  type PartitionAppend,
  type PartitionBounds,
  type RecordPage,
  type RecordSummary,
} from '../port/log-storage';
import type {
  DeadLetterAppend,
  SharePartitionWrite,
  StoredSharePartition,
} from '../port/share-storage';
import type {
  CommittedOffset,
  DeadLetterRow,
  DeadLetterSummary,
  OffsetCommit,
  ShareGroupRow,
  TopicConfig,
  TopicRow,
} from '../port/rows';
import { CatalogueTables } from './catalogue-tables';
import { DeadLetterTables } from './dead-letter-tables';
import { LogTables } from './log-tables';
import { ShareStateTables } from './share-state-tables';

/**
 * Every operation of the storage port, synchronously, on one better-sqlite3 connection (WAL,
 * the chosen synchronous level, foreign keys, the schema of `migrations.ts`). Each write is
 * atomic: it runs in its own transaction, or in a savepoint when the caller (the group commit
 * of the engine's thread) already opened one. Names match the operations the worker serves.
 */
export class SqliteEngine {
  readonly db: SqliteDatabase;
  private readonly catalogue: CatalogueTables;
  private readonly log: LogTables;
  private readonly shares: ShareStateTables;
  private readonly deadLetters: DeadLetterTables;

  constructor(options: DatabaseOptions) {
    this.db = new SqliteDatabase(options);
    const c = this.db.connection;
    this.catalogue = new CatalogueTables(c);
    this.log = new LogTables(c);
    this.shares = new ShareStateTables(c);
    this.deadLetters = new DeadLetterTables(c, this.log);
  }

  // Catalogue

  listTopics(): TopicRow[] {
    return this.catalogue.listTopics();
  }

  createTopic(
    name: string,
    partitions: number,
    config: TopicConfig,
    createdAtMs: number,
  ): TopicRow {
    return this.db.transaction(() =>
      this.catalogue.createTopic(name, partitions, config, createdAtMs),
    );
  }

  alterTopic(topicId: number, partitions: number, config: TopicConfig): void {
    this.db.transaction(() => this.catalogue.alterTopic(topicId, partitions, config));
  }

  /** Deletes the topic with its records, share state, dead-letter rows and committed offsets. */
  deleteTopic(topicId: number): void {
    this.db.transaction(() => {
      this.shares.deleteTopic(topicId);
      this.deadLetters.deleteTopic(topicId);
      this.db.connection.prepare('DELETE FROM stream_offsets WHERE topic_id = ?').run(topicId);
      this.catalogue.deleteTopic(topicId);
    });
  }

  listShareGroups(): ShareGroupRow[] {
    return this.catalogue.listShareGroups();
  }

  lastShareGroupId(): number {
    return this.catalogue.lastShareGroupId();
  }

  createShareGroup(
    name: string,
    config: string,
    createdAtMs: number,
    partitions: readonly InitialSharePartition[],
  ): ShareGroupRow {
    return this.db.transaction(() => {
      const row = this.catalogue.createShareGroup(name, config, createdAtMs);
      for (const p of partitions) this.shares.write({ ...p, groupId: row.id });
      return row;
    });
  }

  alterShareGroup(
    groupId: number,
    config: string,
    partitions: readonly InitialSharePartition[],
  ): void {
    this.db.transaction(() => {
      this.catalogue.updateShareGroup(groupId, config);
      for (const p of partitions) this.shares.write({ ...p, groupId });
    });
  }

  deleteShareGroup(groupId: number): void {
    this.db.transaction(() => {
      this.shares.deleteGroup(groupId);
      this.catalogue.deleteShareGroup(groupId);
    });
  }

  // Log

  append(batches: readonly PartitionAppend[]): number[] {
    return this.db.transaction(() => this.log.append(batches));
  }

  readPage(
    topicId: number,
    partition: number,
    fromOffset: number,
    maxRecords: number,
    maxBytes: number,
  ): RecordPage {
    return this.log.readPage(topicId, partition, fromOffset, maxRecords, maxBytes);
  }

  readOffsets(topicId: number, partition: number, offsets: readonly number[]): RecordPage {
    return this.log.readOffsets(topicId, partition, offsets);
  }

  bounds(): PartitionBounds[] {
    return this.log.bounds();
  }

  summaries(
    topicId: number,
    partition: number,
    fromOffset: number,
    limit: number,
  ): RecordSummary[] {
    return this.log.summaries(topicId, partition, fromOffset, limit);
  }

  truncateHead(topicId: number, partition: number, newStartOffset: number): PartitionBounds {
    return this.db.transaction(() => this.log.truncateHead(topicId, partition, newStartOffset));
  }

  offsetAtTime(topicId: number, partition: number, timestampMs: number): number | null {
    return this.log.offsetAtTime(topicId, partition, timestampMs);
  }

  // Share state and dead letters

  loadShares(groupId: number): StoredSharePartition[] {
    return this.shares.load(groupId);
  }

  writeShares(
    writes: readonly SharePartitionWrite[],
    deadLetters: readonly DeadLetterAppend[],
  ): number[] {
    return this.db.transaction(() => {
      for (const w of writes) this.shares.write(w);
      return deadLetters.map((d) => this.deadLetters.copy(d));
    });
  }

  deadLetterSummaries(): DeadLetterSummary[] {
    return this.deadLetters.summaries();
  }

  deadLetterRange(topicId: number, partition: number, from: number, to: number): DeadLetterRow[] {
    return this.deadLetters.range(topicId, partition, from, to);
  }

  redrive(items: readonly RedriveItem[], atMs: number): Array<number | null> {
    return this.db.transaction(() => this.deadLetters.redrive(items, atMs));
  }

  // Committed offsets

  commitOffsets(group: string, offsets: readonly OffsetCommit[], committedAtMs: number): void {
    const c = this.db.connection;
    const exists = c.prepare('SELECT 1 FROM partitions WHERE topic_id = ? AND partition = ?');
    const upsert = c.prepare(
      `INSERT INTO stream_offsets (group_name, topic_id, partition, committed_offset, committed_at_ms)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (group_name, topic_id, partition)
       DO UPDATE SET committed_offset = excluded.committed_offset, committed_at_ms = excluded.committed_at_ms`,
    );
    this.db.transaction(() => {
      for (const o of offsets) {
        if (exists.get(o.topicId, o.partition) === undefined) {
          throw new MissingPartitionError(o.topicId, o.partition);
        }
        upsert.run(group, o.topicId, o.partition, o.offset, committedAtMs);
      }
    });
  }

  listOffsets(): CommittedOffset[] {
    return this.db.connection
      .prepare(
        `SELECT group_name AS "group", topic_id AS topicId, partition, committed_offset AS committedOffset,
           committed_at_ms AS committedAtMs FROM stream_offsets ORDER BY group_name, topic_id, partition`,
      )
      .all() as CommittedOffset[];
  }

  deleteOffsetGroup(group: string): void {
    this.db.transaction(() => {
      this.db.connection.prepare('DELETE FROM stream_offsets WHERE group_name = ?').run(group);
    });
  }

  // Lifecycle

  checkWritable(): void {
    this.db.checkWritable();
  }

  close(): void {
    this.db.close();
  }
}

/** The engine's operations, as the worker serves them by name. */
export type EngineOperation = Exclude<keyof SqliteEngine, 'db' | 'close'>;

/** Operations that write: the worker queues them for the next group commit. */
export const WRITE_OPERATIONS: ReadonlySet<EngineOperation> = new Set<EngineOperation>([
  'createTopic',
  'alterTopic',
  'deleteTopic',
  'createShareGroup',
  'alterShareGroup',
  'deleteShareGroup',
  'append',
  'truncateHead',
  'writeShares',
  'redrive',
  'commitOffsets',
  'deleteOffsetGroup',
]);
