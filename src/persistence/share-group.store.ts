import { Statement } from 'better-sqlite3';
import { Database } from './database';

/** A share group's row; `config` is the group's settings as JSON. */
export interface ShareGroupRow {
  id: number;
  name: string;
  config: string;
  createdAtMs: number;
}

/** A share partition's offsets: SPSO and the next offset never fetched. */
export interface SharePartitionRow {
  topicId: number;
  partition: number;
  startOffset: number;
  endOffset: number;
}

/** The state of one in-flight record, as the queues domain defines it. */
export interface ShareRecordRow {
  offset: number;
  state: number;
  deliveryCount: number;
  memberId: string | null;
  token: string | null;
  acquiredAtMs: number | null;
  lockExpiresAtMs: number | null;
  availableAtMs: number | null;
}

/** What one share partition writes after a change (see `SharePartition.takeChanges`). */
export interface SharePartitionWrite {
  startOffset: number;
  endOffset: number;
  upserts: readonly ShareRecordRow[];
  startMoved: boolean;
  resetAll: boolean;
}

interface RecordColumns {
  record_offset: number;
  state: number;
  delivery_count: number;
  member_id: string | null;
  receipt: string | null;
  acquired_at_ms: number | null;
  lock_expires_at_ms: number | null;
  available_at_ms: number | null;
}

/**
 * Share groups, their share partitions and every in-flight record state. Methods are
 * synchronous and join the caller's transaction, so a transition and its cause commit together.
 */
export class ShareGroupStore {
  private readonly upsertRecordStatement: Statement;
  private readonly upsertPartitionStatement: Statement;
  private readonly deleteBelowStatement: Statement;
  private readonly deletePartitionRecordsStatement: Statement;
  private readonly selectRecordsStatement: Statement<[number, number, number], RecordColumns>;

  constructor(private readonly db: Database) {
    const c = db.connection;
    this.upsertRecordStatement = c.prepare(
      `INSERT INTO share_records (group_id, topic_id, partition, record_offset, state, delivery_count, member_id, receipt,
         acquired_at_ms, lock_expires_at_ms, available_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (group_id, topic_id, partition, record_offset) DO UPDATE SET
         state = excluded.state, delivery_count = excluded.delivery_count, member_id = excluded.member_id,
         receipt = excluded.receipt, acquired_at_ms = excluded.acquired_at_ms,
         lock_expires_at_ms = excluded.lock_expires_at_ms, available_at_ms = excluded.available_at_ms`,
    );
    this.upsertPartitionStatement = c.prepare(
      `INSERT INTO share_partitions (group_id, topic_id, partition, start_offset, end_offset) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (group_id, topic_id, partition) DO UPDATE SET
         start_offset = excluded.start_offset, end_offset = excluded.end_offset`,
    );
    this.deleteBelowStatement = c.prepare(
      'DELETE FROM share_records WHERE group_id = ? AND topic_id = ? AND partition = ? AND record_offset < ?',
    );
    this.deletePartitionRecordsStatement = c.prepare(
      'DELETE FROM share_records WHERE group_id = ? AND topic_id = ? AND partition = ?',
    );
    this.selectRecordsStatement = c.prepare(
      `SELECT record_offset, state, delivery_count, member_id, receipt, acquired_at_ms, lock_expires_at_ms, available_at_ms
       FROM share_records WHERE group_id = ? AND topic_id = ? AND partition = ? ORDER BY record_offset`,
    );
  }

  insertGroup(name: string, config: string, createdAtMs: number): ShareGroupRow {
    const info = this.db.connection
      .prepare('INSERT INTO share_groups (name, config, created_at_ms) VALUES (?, ?, ?)')
      .run(name, config, createdAtMs);
    return { id: Number(info.lastInsertRowid), name, config, createdAtMs };
  }

  updateGroupConfig(groupId: number, config: string): void {
    this.db.connection
      .prepare('UPDATE share_groups SET config = ? WHERE id = ?')
      .run(config, groupId);
  }

  listGroups(): ShareGroupRow[] {
    return this.db.connection
      .prepare(
        'SELECT id, name, config, created_at_ms AS createdAtMs FROM share_groups ORDER BY name',
      )
      .all() as ShareGroupRow[];
  }

  /** The highest group id ever issued (ids never repeat, deleted groups' included), or 0. */
  lastIssuedGroupId(): number {
    const row = this.db.connection
      .prepare("SELECT seq FROM sqlite_sequence WHERE name = 'share_groups'")
      .get() as { seq: number } | undefined;
    return row?.seq ?? 0;
  }

  /** Removes the group with all of its share partitions and record states. */
  deleteGroup(groupId: number): void {
    this.db.transaction(() => {
      this.db.connection.prepare('DELETE FROM share_records WHERE group_id = ?').run(groupId);
      this.db.connection.prepare('DELETE FROM share_partitions WHERE group_id = ?').run(groupId);
      this.db.connection.prepare('DELETE FROM share_groups WHERE id = ?').run(groupId);
    });
  }

  partitions(groupId: number): SharePartitionRow[] {
    return this.db.connection
      .prepare(
        `SELECT topic_id AS topicId, partition, start_offset AS startOffset, end_offset AS endOffset
         FROM share_partitions WHERE group_id = ? ORDER BY topic_id, partition`,
      )
      .all(groupId) as SharePartitionRow[];
  }

  /** The in-flight records of one share partition, in offset order. */
  records(groupId: number, topicId: number, partition: number): ShareRecordRow[] {
    return this.selectRecordsStatement.all(groupId, topicId, partition).map((c) => ({
      offset: c.record_offset,
      state: c.state,
      deliveryCount: c.delivery_count,
      memberId: c.member_id,
      token: c.receipt,
      acquiredAtMs: c.acquired_at_ms,
      lockExpiresAtMs: c.lock_expires_at_ms,
      availableAtMs: c.available_at_ms,
    }));
  }

  /** Writes one share partition's changes. Must run inside the transaction of their cause. */
  write(groupId: number, topicId: number, partition: number, change: SharePartitionWrite): void {
    if (change.resetAll) this.deletePartitionRecordsStatement.run(groupId, topicId, partition);
    else if (change.startMoved)
      this.deleteBelowStatement.run(groupId, topicId, partition, change.startOffset);
    for (const r of change.upserts) {
      this.upsertRecordStatement.run(
        groupId,
        topicId,
        partition,
        r.offset,
        r.state,
        r.deliveryCount,
        r.memberId,
        r.token,
        r.acquiredAtMs,
        r.lockExpiresAtMs,
        r.availableAtMs,
      );
    }
    this.upsertPartitionStatement.run(
      groupId,
      topicId,
      partition,
      change.startOffset,
      change.endOffset,
    );
  }
}
