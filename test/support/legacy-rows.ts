import type BetterSqlite3 from 'better-sqlite3';
import type { EncodedRecord } from '../../src/common/log-record';

/**
 * Rows as the code before the storage port wrote them, straight into a SQLite file: records in
 * the legacy columns (no stored fragment) and one `share_records` row per in-flight record. Tests
 * use them to prove that such files keep working.
 */

/** Appends `records` to a partition in the legacy columns; returns the first offset. */
export function writeLegacyRecords(
  connection: BetterSqlite3.Database,
  topicId: number,
  partition: number,
  records: readonly EncodedRecord[],
): number {
  return connection.transaction(() => {
    const { base } = connection
      .prepare('SELECT log_end_offset AS base FROM partitions WHERE topic_id = ? AND partition = ?')
      .get(topicId, partition) as { base: number };
    const insert = connection.prepare(
      `INSERT INTO records (topic_id, partition, record_offset, timestamp_ms, key_format, key,
         value_format, value, headers, size) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    let bytes = 0;
    records.forEach((r, i) => {
      insert.run(
        topicId,
        partition,
        base + i,
        r.timestampMs,
        r.keyFormat,
        r.key,
        r.valueFormat,
        r.value,
        r.headers,
        r.sizeBytes,
      );
      bytes += r.sizeBytes;
    });
    connection
      .prepare(
        'UPDATE partitions SET log_end_offset = ?, bytes = bytes + ? WHERE topic_id = ? AND partition = ?',
      )
      .run(base + records.length, bytes, topicId, partition);
    return base;
  })();
}

/** The state of one in-flight record, one row per record. */
export interface LegacyShareRecord {
  offset: number;
  state: number;
  deliveryCount: number;
  memberId: string | null;
  token: string | null;
  acquiredAtMs: number | null;
  lockExpiresAtMs: number | null;
  availableAtMs: number | null;
}

/** Writes a share partition's offsets and one `share_records` row per record. */
export function writeLegacyShareRecords(
  connection: BetterSqlite3.Database,
  where: { groupId: number; topicId: number; partition: number },
  offsets: { startOffset: number; endOffset: number },
  records: readonly LegacyShareRecord[],
): void {
  const { groupId, topicId, partition } = where;
  connection.transaction(() => {
    const insert = connection.prepare(
      `INSERT INTO share_records (group_id, topic_id, partition, record_offset, state, delivery_count,
         member_id, receipt, acquired_at_ms, lock_expires_at_ms, available_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const r of records) {
      insert.run(
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
    connection
      .prepare(
        `INSERT INTO share_partitions (group_id, topic_id, partition, start_offset, end_offset)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (group_id, topic_id, partition) DO UPDATE SET
           start_offset = excluded.start_offset, end_offset = excluded.end_offset`,
      )
      .run(groupId, topicId, partition, offsets.startOffset, offsets.endOffset);
  })();
}
