import type BetterSqlite3 from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import {
  buildFragment,
  parseFragment,
  partsSizeBytes,
  viewToParts,
  type FragmentParts,
} from '../../common/record-wire';
import type { DeadLetterRow, DeadLetterSummary } from '../port/rows';
import type { RedriveItem } from '../port/dead-letter-storage';
import type { DeadLetterAppend } from '../port/share-storage';
import type { LogTables } from './log-tables';
import { DeadLetterColumns, toDeadLetterRow } from '../row-columns';

/** The header that carries the source record's timestamp (only the transaction knows it). */
export const SOURCE_TIMESTAMP_HEADER = 'weir-dlq-source-timestamp';

/**
 * Dead-letter copies and their index (`dead_letters`), and redrive. Writes join the caller's
 * transaction, so a copy, its index row and the archive that caused it commit together.
 */
export class DeadLetterTables {
  private readonly insertRow: Statement;
  private readonly rangeRows: Statement<[number, number, number, number], DeadLetterColumns>;

  constructor(
    private readonly connection: BetterSqlite3.Database,
    private readonly log: LogTables,
  ) {
    this.insertRow = connection.prepare(
      `INSERT INTO dead_letters (topic_id, partition, record_offset, reason, dead_lettered_at_ms, source_topic,
         source_partition, source_offset) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.rangeRows = connection.prepare(
      `SELECT * FROM dead_letters WHERE topic_id = ? AND partition = ? AND record_offset >= ? AND record_offset < ?
       ORDER BY record_offset`,
    );
  }

  /**
   * Appends the copy of the source record (key, value, its headers but `weir-dlq-*`, then the
   * lineage and the source timestamp) to the target partition and indexes it; the copy's offset.
   */
  copy(entry: DeadLetterAppend): number {
    const { source, target } = entry;
    const stored = this.log.source(source.topicId, source.partition, source.offset);
    const original: FragmentParts = stored
      ? viewToParts(parseFragment(stored.wire))
      : { timestampMs: 0, key: null, value: null, headers: [] };
    const headers = original.headers.filter(([name]) => !name.startsWith('weir-dlq-'));
    headers.push(...entry.lineage);
    if (stored) headers.push([SOURCE_TIMESTAMP_HEADER, String(original.timestampMs)]);
    const parts: FragmentParts = { ...original, timestampMs: entry.deadLetteredAtMs, headers };
    const offset = this.log.appendTo(target.topicId, target.partition, [
      {
        timestampMs: entry.deadLetteredAtMs,
        key: stored?.key ?? null,
        wire: buildFragment(parts),
        sizeBytes: partsSizeBytes(parts),
      },
    ]);
    this.insertRow.run(
      target.topicId,
      target.partition,
      offset,
      entry.reason,
      entry.deadLetteredAtMs,
      source.topicName,
      source.partition,
      source.offset,
    );
    return offset;
  }

  /** Marks each item redriven and appends its copy; null for an item already redriven or gone. */
  redrive(items: readonly RedriveItem[], atMs: number): Array<number | null> {
    const c = this.connection;
    const mark = c.prepare(
      `UPDATE dead_letters SET redriven_at_ms = ?, redriven_to = ?
       WHERE topic_id = ? AND partition = ? AND record_offset = ? AND redriven_at_ms IS NULL`,
    );
    const pending = c.prepare(
      `SELECT 1 FROM dead_letters WHERE topic_id = ? AND partition = ? AND record_offset = ?
         AND redriven_at_ms IS NULL`,
    );
    const topicName = c.prepare('SELECT name FROM topics WHERE id = ?').pluck();
    return items.map(({ from, to, record }) => {
      if (pending.get(from.topicId, from.partition, from.offset) === undefined) return null;
      const offset = this.log.appendTo(to.topicId, to.partition, [record]);
      const name = topicName.get(to.topicId) as string;
      mark.run(
        atMs,
        `${name}/${to.partition}/${offset}`,
        from.topicId,
        from.partition,
        from.offset,
      );
      return offset;
    });
  }

  /** Counts and oldest time by topic and reason, over records at or above each log start. */
  summaries(): DeadLetterSummary[] {
    return this.connection
      .prepare(
        `SELECT d.topic_id AS topicId, d.reason AS reason, count(*) AS records, min(d.dead_lettered_at_ms) AS oldestAtMs
         FROM dead_letters d JOIN partitions p ON p.topic_id = d.topic_id AND p.partition = d.partition
         WHERE d.record_offset >= p.log_start_offset
         GROUP BY d.topic_id, d.reason ORDER BY d.topic_id, d.reason`,
      )
      .all() as DeadLetterSummary[];
  }

  range(topicId: number, partition: number, from: number, to: number): DeadLetterRow[] {
    return this.rangeRows.all(topicId, partition, from, to).map(toDeadLetterRow);
  }

  deleteTopic(topicId: number): void {
    this.connection.prepare('DELETE FROM dead_letters WHERE topic_id = ?').run(topicId);
  }
}
