import { Statement } from 'better-sqlite3';
import { Database } from './database';
import { DeadLetterColumns, toDeadLetterRow } from './row-columns';

/** One dead-letter record's lineage, as indexed beside the record itself. */
export interface DeadLetterRow {
  topicId: number;
  partition: number;
  offset: number;
  reason: string;
  deadLetteredAtMs: number;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: number;
  /** When it was redriven, or null. */
  redrivenAtMs: number | null;
  /** `topic/partition/offset` of the redriven copy, or null. */
  redrivenTo: string | null;
}

/** What a dead-letter topic holds, by reason. */
export interface DeadLetterSummary {
  topicId: number;
  reason: string;
  records: number;
  oldestAtMs: number;
}

/**
 * The index of dead-letter records (which topics are dead-letter topics, by reason, and what was
 * redriven). Written in the transaction that appends the record, so the two never disagree.
 */
export class DeadLetterStore {
  private readonly insertStatement: Statement;
  private readonly rangeStatement: Statement<[number, number, number, number], DeadLetterColumns>;
  private readonly markStatement: Statement;

  constructor(private readonly db: Database) {
    const c = db.connection;
    this.insertStatement = c.prepare(
      `INSERT INTO dead_letters (topic_id, partition, record_offset, reason, dead_lettered_at_ms, source_topic,
         source_partition, source_offset) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.rangeStatement = c.prepare(
      `SELECT * FROM dead_letters WHERE topic_id = ? AND partition = ? AND record_offset >= ? AND record_offset < ?
       ORDER BY record_offset`,
    );
    this.markStatement = c.prepare(
      `UPDATE dead_letters SET redriven_at_ms = ?, redriven_to = ?
       WHERE topic_id = ? AND partition = ? AND record_offset = ? AND redriven_at_ms IS NULL`,
    );
  }

  insert(row: Omit<DeadLetterRow, 'redrivenAtMs' | 'redrivenTo'>): void {
    this.insertStatement.run(
      row.topicId,
      row.partition,
      row.offset,
      row.reason,
      row.deadLetteredAtMs,
      row.sourceTopic,
      row.sourcePartition,
      row.sourceOffset,
    );
  }

  /** Rows of one partition with `from <= offset < to`, in offset order. */
  range(topicId: number, partition: number, from: number, to: number): DeadLetterRow[] {
    return this.rangeStatement.all(topicId, partition, from, to).map(toDeadLetterRow);
  }

  /** Marks a row redriven; false when it already was (so a second redrive appends nothing). */
  markRedriven(
    topicId: number,
    partition: number,
    offset: number,
    atMs: number,
    to: string,
  ): boolean {
    return this.markStatement.run(atMs, to, topicId, partition, offset).changes === 1;
  }

  /** Counts and oldest time by topic and reason, over records at or above each log start. */
  summaries(): DeadLetterSummary[] {
    return this.db.connection
      .prepare(
        `SELECT d.topic_id AS topicId, d.reason AS reason, count(*) AS records, min(d.dead_lettered_at_ms) AS oldestAtMs
         FROM dead_letters d JOIN partitions p ON p.topic_id = d.topic_id AND p.partition = d.partition
         WHERE d.record_offset >= p.log_start_offset
         GROUP BY d.topic_id, d.reason ORDER BY d.topic_id, d.reason`,
      )
      .all() as DeadLetterSummary[];
  }

  /** Topic ids that ever received a dead-letter record and still exist. */
  topicIds(): number[] {
    return (
      this.db.connection
        .prepare(
          'SELECT DISTINCT d.topic_id AS id FROM dead_letters d JOIN topics t ON t.id = d.topic_id',
        )
        .all() as Array<{ id: number }>
    ).map((r) => r.id);
  }

  /** Forgets the rows of records deleted below `beforeOffset`. */
  deleteBelow(topicId: number, partition: number, beforeOffset: number): void {
    this.db.connection
      .prepare(
        'DELETE FROM dead_letters WHERE topic_id = ? AND partition = ? AND record_offset < ?',
      )
      .run(topicId, partition, beforeOffset);
  }
}
