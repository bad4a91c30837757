import type BetterSqlite3 from 'better-sqlite3';
import { NameTakenError } from '../port/catalogue-storage';
import type { ShareGroupRow, TopicConfig, TopicRow } from '../port/rows';
import { TopicColumns, toTopicRow } from '../row-columns';

/**
 * Topics (with their partitions) and share-group rows. Writes join the caller's transaction; what
 * refers to a topic or group elsewhere (records, state, offsets) is deleted by the engine.
 */
export class CatalogueTables {
  constructor(private readonly connection: BetterSqlite3.Database) {}

  listTopics(): TopicRow[] {
    const rows = this.connection.prepare('SELECT * FROM topics ORDER BY name').all();
    return (rows as TopicColumns[]).map(toTopicRow);
  }

  /** Inserts a topic and its empty partitions; `NameTakenError` when the name exists. */
  createTopic(
    name: string,
    partitions: number,
    config: TopicConfig,
    createdAtMs: number,
  ): TopicRow {
    const c = this.connection;
    if (c.prepare('SELECT 1 FROM topics WHERE name = ?').get(name) !== undefined) {
      throw new NameTakenError(name);
    }
    const info = c
      .prepare(
        `INSERT INTO topics (name, partitions, retention_ms, retention_bytes, max_message_bytes, created_at_ms)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(
        name,
        partitions,
        config.retentionMs,
        config.retentionBytes,
        config.maxMessageBytes,
        createdAtMs,
      );
    const id = Number(info.lastInsertRowid);
    this.addPartitions(id, 0, partitions);
    return { id, name, partitions, config: { ...config }, createdAtMs };
  }

  /** Grows the topic to `partitions` (never shrinks) and replaces its config. */
  alterTopic(topicId: number, partitions: number, config: TopicConfig): void {
    const c = this.connection;
    const row = c.prepare('SELECT partitions FROM topics WHERE id = ?').get(topicId) as
      { partitions: number } | undefined;
    if (!row) throw new Error(`topic ${topicId} does not exist`);
    const grown = Math.max(row.partitions, partitions);
    this.addPartitions(topicId, row.partitions, grown);
    c.prepare(
      `UPDATE topics SET partitions = ?, retention_ms = ?, retention_bytes = ?, max_message_bytes = ?
       WHERE id = ?`,
    ).run(grown, config.retentionMs, config.retentionBytes, config.maxMessageBytes, topicId);
  }

  /** Deletes the topic row and its partitions and records. */
  deleteTopic(topicId: number): void {
    const c = this.connection;
    c.prepare('DELETE FROM records WHERE topic_id = ?').run(topicId);
    c.prepare('DELETE FROM partitions WHERE topic_id = ?').run(topicId);
    c.prepare('DELETE FROM topics WHERE id = ?').run(topicId);
  }

  listShareGroups(): ShareGroupRow[] {
    return this.connection
      .prepare(
        'SELECT id, name, config, created_at_ms AS createdAtMs FROM share_groups ORDER BY name',
      )
      .all() as ShareGroupRow[];
  }

  /** The highest share-group id issued (AUTOINCREMENT keeps it in `sqlite_sequence`), or 0. */
  lastShareGroupId(): number {
    const row = this.connection
      .prepare("SELECT seq FROM sqlite_sequence WHERE name = 'share_groups'")
      .get() as { seq: number } | undefined;
    return row?.seq ?? 0;
  }

  /** Inserts a share group row; `NameTakenError` when the name exists. */
  createShareGroup(name: string, config: string, createdAtMs: number): ShareGroupRow {
    const c = this.connection;
    if (c.prepare('SELECT 1 FROM share_groups WHERE name = ?').get(name) !== undefined) {
      throw new NameTakenError(name);
    }
    const info = c
      .prepare('INSERT INTO share_groups (name, config, created_at_ms) VALUES (?, ?, ?)')
      .run(name, config, createdAtMs);
    return { id: Number(info.lastInsertRowid), name, config, createdAtMs };
  }

  updateShareGroup(groupId: number, config: string): void {
    const info = this.connection
      .prepare('UPDATE share_groups SET config = ? WHERE id = ?')
      .run(config, groupId);
    if (info.changes === 0) throw new Error(`share group ${groupId} does not exist`);
  }

  deleteShareGroup(groupId: number): void {
    this.connection.prepare('DELETE FROM share_groups WHERE id = ?').run(groupId);
  }

  private addPartitions(topicId: number, from: number, to: number): void {
    const insert = this.connection.prepare(
      'INSERT INTO partitions (topic_id, partition) VALUES (?, ?)',
    );
    for (let p = from; p < to; p++) insert.run(topicId, p);
  }
}
