import { Statement } from 'better-sqlite3';
import { EncodedRecord, PayloadFormat, StoredRecord } from '../common/log-record';
import { legacyColumns } from '../common/record-wire';
import { Database } from './database';

interface RecordColumns {
  record_offset: number;
  timestamp_ms: number;
  key_format: number;
  key: Buffer | string | null;
  value_format: number;
  value: Buffer | string | null;
  headers: string | null;
  size: number;
  /** The fragment of a record appended through the storage port, else null. */
  wire: string | null;
}

/** The head of a partition as retention sees it. */
export interface RecordSummary {
  offset: number;
  timestampMs: number;
  sizeBytes: number;
}

const toStoredRecord = (c: RecordColumns): StoredRecord =>
  c.wire !== null
    ? { ...legacyColumns(c.wire), offset: c.record_offset, sizeBytes: c.size }
    : {
        offset: c.record_offset,
        timestampMs: c.timestamp_ms,
        keyFormat: c.key_format as PayloadFormat,
        key: c.key,
        valueFormat: c.value_format as PayloadFormat,
        value: c.value,
        headers: c.headers,
        sizeBytes: c.size,
      };

/** Thrown by `append` when the partition does not exist (the topic was deleted meanwhile). */
export class MissingPartitionError extends Error {
  constructor(
    readonly topicId: number,
    readonly partition: number,
  ) {
    super(`partition ${topicId}/${partition} does not exist`);
  }
}

/**
 * The append-only records of every partition. Offsets are dense per partition: `append`
 * assigns them from the partition's log end offset inside the caller's transaction.
 */
export class RecordLogStore {
  /** INSERT statements of 64, 16, 4 and 1 rows: fewer native calls per append. */
  private readonly insertStatements: ReadonlyArray<{ rows: number; statement: Statement }>;
  private readonly endOffsetStatement: Statement<[number, number], { log_end_offset: number }>;
  private readonly advanceEndStatement: Statement;
  private readonly readStatement: Statement<[number, number, number, number], RecordColumns>;
  private readonly headStatement: Statement<
    [number, number, number, number],
    { record_offset: number; timestamp_ms: number; size: number }
  >;
  private readonly deleteHeadStatement: Statement;
  private readonly advanceStartStatement: Statement;
  private readonly firstAtTimeStatement: Statement<
    [number, number, number],
    { record_offset: number }
  >;

  constructor(private readonly db: Database) {
    const c = db.connection;
    this.insertStatements = [64, 16, 4, 1].map((rows) => ({
      rows,
      statement: c.prepare(
        `INSERT INTO records (topic_id, partition, record_offset, timestamp_ms, key_format, key, value_format, value, headers, size)
         VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      ),
    }));
    this.endOffsetStatement = c.prepare(
      'SELECT log_end_offset FROM partitions WHERE topic_id = ? AND partition = ?',
    );
    this.advanceEndStatement = c.prepare(
      'UPDATE partitions SET log_end_offset = ?, bytes = bytes + ? WHERE topic_id = ? AND partition = ?',
    );
    this.readStatement = c.prepare(
      `SELECT record_offset, timestamp_ms, key_format, key, value_format, value, headers, size, wire
       FROM records WHERE topic_id = ? AND partition = ? AND record_offset >= ?
       ORDER BY record_offset LIMIT ?`,
    );
    this.headStatement = c.prepare(
      `SELECT record_offset, timestamp_ms, size FROM records
       WHERE topic_id = ? AND partition = ? AND record_offset >= ? ORDER BY record_offset LIMIT ?`,
    );
    this.deleteHeadStatement = c.prepare(
      'DELETE FROM records WHERE topic_id = ? AND partition = ? AND record_offset < ?',
    );
    this.advanceStartStatement = c.prepare(
      'UPDATE partitions SET log_start_offset = ?, bytes = bytes - ? WHERE topic_id = ? AND partition = ?',
    );
    this.firstAtTimeStatement = c.prepare(
      `SELECT record_offset FROM records WHERE topic_id = ? AND partition = ? AND timestamp_ms >= ?
       ORDER BY record_offset LIMIT 1`,
    );
  }

  /**
   * Appends `records` to one partition and returns the offset of the first. Must run inside a
   * transaction so that the records and the new log end offset commit together.
   */
  append(topicId: number, partition: number, records: readonly EncodedRecord[]): number {
    const row = this.endOffsetStatement.get(topicId, partition);
    if (!row) throw new MissingPartitionError(topicId, partition);
    const baseOffset = row.log_end_offset;
    let bytes = 0;
    let next = 0;
    for (const { rows, statement } of this.insertStatements) {
      while (records.length - next >= rows) {
        const params: unknown[] = [];
        for (let i = next; i < next + rows; i++) {
          const r = records[i]!;
          params.push(
            topicId,
            partition,
            baseOffset + i,
            r.timestampMs,
            r.keyFormat,
            r.key,
            r.valueFormat,
            r.value,
            r.headers,
            r.sizeBytes,
          );
          bytes += r.sizeBytes;
        }
        statement.run(params);
        next += rows;
      }
    }
    this.advanceEndStatement.run(baseOffset + records.length, bytes, topicId, partition);
    return baseOffset;
  }

  /** Up to `maxRecords` records from `fromOffset` on, in offset order. */
  read(topicId: number, partition: number, fromOffset: number, maxRecords: number): StoredRecord[] {
    return this.readStatement.all(topicId, partition, fromOffset, maxRecords).map(toStoredRecord);
  }

  /** Offsets, timestamps and sizes of up to `limit` records from `fromOffset` on. */
  summaries(
    topicId: number,
    partition: number,
    fromOffset: number,
    limit: number,
  ): RecordSummary[] {
    return this.headStatement.all(topicId, partition, fromOffset, limit).map((c) => ({
      offset: c.record_offset,
      timestampMs: c.timestamp_ms,
      sizeBytes: c.size,
    }));
  }

  /** Deletes every record below `newStartOffset` and moves the log start offset there. */
  truncateHead(
    topicId: number,
    partition: number,
    newStartOffset: number,
    bytesRemoved: number,
  ): void {
    this.db.transaction(() => {
      this.deleteHeadStatement.run(topicId, partition, newStartOffset);
      this.advanceStartStatement.run(newStartOffset, bytesRemoved, topicId, partition);
    });
  }

  /** Total size of the records with `from <= offset < to`. */
  bytesBetween(topicId: number, partition: number, from: number, to: number): number {
    const row = this.db.connection
      .prepare(
        'SELECT coalesce(sum(size), 0) AS bytes FROM records WHERE topic_id = ? AND partition = ? AND record_offset >= ? AND record_offset < ?',
      )
      .get(topicId, partition, from, to) as { bytes: number };
    return row.bytes;
  }

  /** The offset of the first record whose timestamp is at or after `timestampMs`, if any. */
  firstOffsetAtOrAfter(
    topicId: number,
    partition: number,
    timestampMs: number,
  ): number | undefined {
    return this.firstAtTimeStatement.get(topicId, partition, timestampMs)?.record_offset;
  }
}
