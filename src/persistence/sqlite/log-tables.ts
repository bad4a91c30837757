import type BetterSqlite3 from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import { PayloadFormat } from '../../common/log-record';
import { legacyFragment } from '../../common/record-wire';
import {
  MissingPartitionError,
  type AppendRecord,
  type PartitionAppend,
  type PartitionBounds,
  type RecordPage,
  type RecordSummary,
} from '../port/log-storage';
import { keyHash } from '../key-hash';

/** A record row as read: offset, time, size, then `wire` or the legacy columns. */
type RecordRow = [
  offset: number,
  timestampMs: number,
  size: number,
  wire: string | null,
  keyFormat: number,
  key: Buffer | string | null,
  valueFormat: number,
  value: Buffer | string | null,
  headers: string | null,
];

/** A stored record as a copy needs it: its key bytes and its fragment. */
export interface SourceRecord {
  key: Buffer | null;
  wire: string;
}

const RECORD_COLUMNS =
  'record_offset, timestamp_ms, size, wire, key_format, key, value_format, value, headers';

const fragmentOf = (row: RecordRow): string =>
  row[3] ??
  legacyFragment({
    timestampMs: row[1],
    keyFormat: row[4] as PayloadFormat,
    key: row[5],
    valueFormat: row[6] as PayloadFormat,
    value: row[7],
    headers: row[8],
    sizeBytes: row[2],
  });

/** Packs rows into a page whose arrays and buffer own their memory (so they can be transferred). */
function toPage(rows: readonly RecordRow[]): RecordPage {
  const count = rows.length;
  const offsets = new Float64Array(count);
  const timestamps = new Float64Array(count);
  const sizes = new Float64Array(count);
  const keyHashes = new Float64Array(count);
  const wireStarts = new Uint32Array(count + 1);
  const fragments = new Array<string>(count);
  let total = 0;
  for (let i = 0; i < count; i++) {
    const row = rows[i]!;
    offsets[i] = row[0];
    timestamps[i] = row[1];
    sizes[i] = row[2];
    keyHashes[i] = keyHash(row[5]);
    const fragment = fragmentOf(row);
    fragments[i] = fragment;
    total += Buffer.byteLength(fragment);
    wireStarts[i + 1] = total;
  }
  const wire = Buffer.allocUnsafeSlow(total);
  for (let i = 0; i < count; i++) wire.write(fragments[i]!, wireStarts[i]!, 'utf8');
  return { count, offsets, timestamps, sizes, keyHashes, wireStarts, wire };
}

/**
 * The records and partition offsets of the log. Methods that write must run inside the
 * caller's transaction (the engine's operations open it).
 */
export class LogTables {
  /** INSERT statements of 64, 16, 4 and 1 rows: fewer native calls per append. */
  private readonly inserts: ReadonlyArray<{ rows: number; statement: Statement }>;
  private readonly partition: Statement<[number, number], [number, number, number]>;
  private readonly advanceEnd: Statement;
  private readonly page: Statement<[number, number, number, number], RecordRow>;
  private readonly atOffsets: Statement<[number, number, string], RecordRow>;
  private readonly allBounds: Statement<[], PartitionBounds>;
  private readonly head: Statement<[number, number, number, number], RecordSummary>;
  private readonly firstAtTime: Statement<[number, number, number], { offset: number }>;

  constructor(private readonly connection: BetterSqlite3.Database) {
    const c = connection;
    this.inserts = [64, 16, 4, 1].map((rows) => ({
      rows,
      statement: c.prepare(
        `INSERT INTO records (topic_id, partition, record_offset, timestamp_ms, key_format, key,
           value_format, value, headers, size, wire)
         VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, 0, NULL, NULL, ?, ?)').join(', ')}`,
      ),
    }));
    this.partition = c
      .prepare<[number, number], [number, number, number]>(
        'SELECT log_start_offset, log_end_offset, bytes FROM partitions WHERE topic_id = ? AND partition = ?',
      )
      .raw();
    this.advanceEnd = c.prepare(
      'UPDATE partitions SET log_end_offset = ?, bytes = bytes + ? WHERE topic_id = ? AND partition = ?',
    );
    this.page = c
      .prepare<[number, number, number, number], RecordRow>(
        `SELECT ${RECORD_COLUMNS} FROM records WHERE topic_id = ? AND partition = ? AND record_offset >= ?
         ORDER BY record_offset LIMIT ?`,
      )
      .raw();
    this.atOffsets = c
      .prepare<[number, number, string], RecordRow>(
        `SELECT ${RECORD_COLUMNS} FROM records WHERE topic_id = ? AND partition = ?
           AND record_offset IN (SELECT value FROM json_each(?)) ORDER BY record_offset`,
      )
      .raw();
    this.allBounds = c.prepare(
      `SELECT topic_id AS topicId, partition, log_start_offset AS logStartOffset,
         log_end_offset AS logEndOffset, bytes FROM partitions ORDER BY topic_id, partition`,
    );
    this.head = c.prepare(
      `SELECT record_offset AS offset, timestamp_ms AS timestampMs, size AS sizeBytes FROM records
       WHERE topic_id = ? AND partition = ? AND record_offset >= ? ORDER BY record_offset LIMIT ?`,
    );
    this.firstAtTime = c.prepare(
      `SELECT record_offset AS offset FROM records WHERE topic_id = ? AND partition = ? AND timestamp_ms >= ?
       ORDER BY record_offset LIMIT 1`,
    );
  }

  /** Appends every batch; each batch's base offset, in order. Inside a transaction. */
  append(batches: readonly PartitionAppend[]): number[] {
    return batches.map((b) => this.appendTo(b.topicId, b.partition, b.records));
  }

  /** Appends `records` to one partition at its log end offset; the base offset. */
  appendTo(topicId: number, partition: number, records: readonly AppendRecord[]): number {
    const row = this.partition.get(topicId, partition);
    if (!row) throw new MissingPartitionError(topicId, partition);
    const baseOffset = row[1];
    let bytes = 0;
    let next = 0;
    for (const { rows, statement } of this.inserts) {
      while (records.length - next >= rows) {
        const params: unknown[] = [];
        for (let i = next; i < next + rows; i++) {
          const r = records[i]!;
          const keyFormat = r.key === null ? PayloadFormat.NULL : PayloadFormat.BINARY;
          params.push(topicId, partition, baseOffset + i, r.timestampMs, keyFormat, r.key);
          params.push(r.sizeBytes, r.wire);
          bytes += r.sizeBytes;
        }
        statement.run(params);
        next += rows;
      }
    }
    this.advanceEnd.run(baseOffset + records.length, bytes, topicId, partition);
    return baseOffset;
  }

  /** Up to `maxRecords` records from `fromOffset`, cut before `maxBytes` of sizes (at least one). */
  readPage(
    topicId: number,
    partition: number,
    fromOffset: number,
    maxRecords: number,
    maxBytes: number,
  ): RecordPage {
    const rows = this.page.all(topicId, partition, fromOffset, Math.max(0, maxRecords));
    let bytes = 0;
    let keep = 0;
    while (keep < rows.length) {
      bytes += rows[keep]![2];
      if (keep > 0 && bytes > maxBytes) break;
      keep += 1;
    }
    return toPage(keep === rows.length ? rows : rows.slice(0, keep));
  }

  /** The records at exactly `offsets` that still exist, in offset order. */
  readOffsets(topicId: number, partition: number, offsets: readonly number[]): RecordPage {
    if (offsets.length === 0) return toPage([]);
    return toPage(this.atOffsets.all(topicId, partition, JSON.stringify(offsets)));
  }

  /** One stored record (a dead-letter or redrive source), or undefined when gone. */
  source(topicId: number, partition: number, offset: number): SourceRecord | undefined {
    const row = this.page.get(topicId, partition, offset, 1);
    if (!row || row[0] !== offset) return undefined;
    const key = row[5];
    return {
      key: key === null ? null : typeof key === 'string' ? Buffer.from(key) : key,
      wire: fragmentOf(row),
    };
  }

  bounds(): PartitionBounds[] {
    return this.allBounds.all();
  }

  /** One partition's bounds; `MissingPartitionError` when it does not exist. */
  boundsOf(topicId: number, partition: number): PartitionBounds {
    const row = this.partition.get(topicId, partition);
    if (!row) throw new MissingPartitionError(topicId, partition);
    return { topicId, partition, logStartOffset: row[0], logEndOffset: row[1], bytes: row[2] };
  }

  summaries(
    topicId: number,
    partition: number,
    fromOffset: number,
    limit: number,
  ): RecordSummary[] {
    return this.head.all(topicId, partition, fromOffset, Math.max(0, limit));
  }

  /** Deletes records and dead-letter index rows below `newStartOffset` (clamped to the log end). */
  truncateHead(topicId: number, partition: number, newStartOffset: number): PartitionBounds {
    const before = this.boundsOf(topicId, partition);
    const start = Math.min(Math.max(newStartOffset, before.logStartOffset), before.logEndOffset);
    if (start === before.logStartOffset) return before;
    const c = this.connection;
    const { bytes } = c
      .prepare(
        `SELECT coalesce(sum(size), 0) AS bytes FROM records
         WHERE topic_id = ? AND partition = ? AND record_offset < ?`,
      )
      .get(topicId, partition, start) as { bytes: number };
    c.prepare('DELETE FROM records WHERE topic_id = ? AND partition = ? AND record_offset < ?').run(
      topicId,
      partition,
      start,
    );
    c.prepare(
      'DELETE FROM dead_letters WHERE topic_id = ? AND partition = ? AND record_offset < ?',
    ).run(topicId, partition, start);
    c.prepare(
      'UPDATE partitions SET log_start_offset = ?, bytes = bytes - ? WHERE topic_id = ? AND partition = ?',
    ).run(start, bytes, topicId, partition);
    return { ...before, logStartOffset: start, bytes: before.bytes - bytes };
  }

  offsetAtTime(topicId: number, partition: number, timestampMs: number): number | null {
    return this.firstAtTime.get(topicId, partition, timestampMs)?.offset ?? null;
  }
}
