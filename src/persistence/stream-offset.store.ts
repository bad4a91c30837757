import { Statement } from 'better-sqlite3';
import { Database } from './database';

/** A streaming consumer group's committed offset in one partition: the next offset to read. */
export interface CommittedOffset {
  group: string;
  topicId: number;
  partition: number;
  committedOffset: number;
  committedAtMs: number;
}

/** An offset to commit in one partition. */
export interface OffsetCommit {
  topicId: number;
  partition: number;
  offset: number;
}

interface OffsetColumns {
  group_name: string;
  topic_id: number;
  partition: number;
  committed_offset: number;
  committed_at_ms: number;
}

const toCommittedOffset = (c: OffsetColumns): CommittedOffset => ({
  group: c.group_name,
  topicId: c.topic_id,
  partition: c.partition,
  committedOffset: c.committed_offset,
  committedAtMs: c.committed_at_ms,
});

/**
 * Committed offsets of streaming consumer groups, per (group, topic, partition). A commit
 * replaces the previous offset, which may move it back (a reset). The offsets of a partition are
 * deleted with it, so a re-created topic starts without them.
 */
export class StreamOffsetStore {
  private readonly upsertStatement: Statement;
  private readonly selectGroupStatement: Statement<[string], OffsetColumns>;
  private readonly selectAllStatement: Statement<[], OffsetColumns>;
  private readonly deleteGroupStatement: Statement<[string]>;

  constructor(private readonly db: Database) {
    const c = db.connection;
    this.upsertStatement = c.prepare(
      `INSERT INTO stream_offsets (group_name, topic_id, partition, committed_offset, committed_at_ms)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (group_name, topic_id, partition)
       DO UPDATE SET committed_offset = excluded.committed_offset, committed_at_ms = excluded.committed_at_ms`,
    );
    this.selectGroupStatement = c.prepare(
      'SELECT * FROM stream_offsets WHERE group_name = ? ORDER BY topic_id, partition',
    );
    this.selectAllStatement = c.prepare(
      'SELECT * FROM stream_offsets ORDER BY group_name, topic_id, partition',
    );
    this.deleteGroupStatement = c.prepare('DELETE FROM stream_offsets WHERE group_name = ?');
  }

  /**
   * Writes `offsets` for `group` in one transaction (a savepoint inside the caller's). The
   * partitions must exist.
   */
  save(group: string, offsets: readonly OffsetCommit[], committedAtMs: number): void {
    this.db.transaction(() => {
      for (const o of offsets) {
        this.upsertStatement.run(group, o.topicId, o.partition, o.offset, committedAtMs);
      }
    });
  }

  /** Deletes every committed offset of `group`; answers how many there were. */
  deleteGroup(group: string): number {
    return this.deleteGroupStatement.run(group).changes;
  }

  /** The committed offsets of one group. */
  list(group: string): CommittedOffset[] {
    return this.selectGroupStatement.all(group).map(toCommittedOffset);
  }

  /** The committed offsets of every group, by group. */
  listAll(): CommittedOffset[] {
    return this.selectAllStatement.all().map(toCommittedOffset);
  }
}
