import { Statement } from 'better-sqlite3';
import { PartitionState } from '../common/log-record';
import { Database } from './database';
import { TopicColumns, toTopicRow } from './row-columns';

/** Per-topic settings; -1 disables a retention limit. */
export interface TopicConfig {
  retentionMs: number;
  retentionBytes: number;
  maxMessageBytes: number;
}

/** A topic's row: its internal id never repeats, so a re-created topic never sees old records. */
export interface TopicRow {
  id: number;
  name: string;
  partitions: number;
  config: TopicConfig;
  createdAtMs: number;
}

interface PartitionColumns {
  partition: number;
  log_start_offset: number;
  log_end_offset: number;
  bytes: number;
}

const toPartitionState = (c: PartitionColumns): PartitionState => ({
  partition: c.partition,
  logStartOffset: c.log_start_offset,
  logEndOffset: c.log_end_offset,
  bytes: c.bytes,
});

/** Topics and their partitions' offsets. Methods are synchronous and join the caller's transaction. */
export class TopicStore {
  private readonly insertTopicStatement: Statement;
  private readonly insertPartitionStatement: Statement;
  private readonly selectAllStatement: Statement<[], TopicColumns>;
  private readonly selectPartitionsStatement: Statement<[number], PartitionColumns>;
  private readonly selectPartitionStatement: Statement<[number, number], PartitionColumns>;
  private readonly updateTopicStatement: Statement;

  constructor(private readonly db: Database) {
    const c = db.connection;
    this.insertTopicStatement = c.prepare(
      `INSERT INTO topics (name, partitions, retention_ms, retention_bytes, max_message_bytes, created_at_ms)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.insertPartitionStatement = c.prepare(
      'INSERT INTO partitions (topic_id, partition) VALUES (?, ?)',
    );
    this.selectAllStatement = c.prepare('SELECT * FROM topics ORDER BY name');
    this.selectPartitionsStatement = c.prepare(
      'SELECT partition, log_start_offset, log_end_offset, bytes FROM partitions WHERE topic_id = ? ORDER BY partition',
    );
    this.selectPartitionStatement = c.prepare(
      'SELECT partition, log_start_offset, log_end_offset, bytes FROM partitions WHERE topic_id = ? AND partition = ?',
    );
    this.updateTopicStatement = c.prepare(
      'UPDATE topics SET partitions = ?, retention_ms = ?, retention_bytes = ?, max_message_bytes = ? WHERE id = ?',
    );
  }

  /** Inserts a topic and its partitions, all starting empty at offset 0. */
  insert(name: string, partitions: number, config: TopicConfig, createdAtMs: number): TopicRow {
    return this.db.transaction(() => {
      const info = this.insertTopicStatement.run(
        name,
        partitions,
        config.retentionMs,
        config.retentionBytes,
        config.maxMessageBytes,
        createdAtMs,
      );
      const id = Number(info.lastInsertRowid);
      for (let p = 0; p < partitions; p++) this.insertPartitionStatement.run(id, p);
      return { id, name, partitions, config: { ...config }, createdAtMs };
    });
  }

  /** Every topic, by name. */
  list(): TopicRow[] {
    return this.selectAllStatement.all().map(toTopicRow);
  }

  /** Grows a topic to `partitions` (never shrinks) and replaces its config, in one transaction. */
  updateTopic(topic: TopicRow, partitions: number, config: TopicConfig): void {
    this.db.transaction(() => {
      for (let p = topic.partitions; p < partitions; p++) {
        this.insertPartitionStatement.run(topic.id, p);
      }
      this.updateTopicStatement.run(
        partitions,
        config.retentionMs,
        config.retentionBytes,
        config.maxMessageBytes,
        topic.id,
      );
    });
  }

  /**
   * Removes the topic, its partitions and all of its records, with what refers to them by id:
   * share groups' state for its partitions and the dead-letter index of its records (committed
   * offsets go by the partitions' foreign key). Ids never repeat, so nothing could use them again.
   */
  delete(topicId: number): void {
    this.db.transaction(() => {
      for (const table of [
        'share_records',
        'share_state_batches',
        'share_partitions',
        'dead_letters',
        'records',
      ]) {
        this.db.connection.prepare(`DELETE FROM ${table} WHERE topic_id = ?`).run(topicId);
      }
      this.db.connection.prepare('DELETE FROM partitions WHERE topic_id = ?').run(topicId);
      this.db.connection.prepare('DELETE FROM topics WHERE id = ?').run(topicId);
    });
  }

  partitionStates(topicId: number): PartitionState[] {
    return this.selectPartitionsStatement.all(topicId).map(toPartitionState);
  }

  /** One partition's offsets, or undefined when the topic has no such partition. */
  partitionState(topicId: number, partition: number): PartitionState | undefined {
    const row = this.selectPartitionStatement.get(topicId, partition);
    return row ? toPartitionState(row) : undefined;
  }
}
