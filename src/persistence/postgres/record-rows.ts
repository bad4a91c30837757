import { PoolClient } from 'pg';
import { keyHash } from '../key-hash';
import {
  MissingPartitionError,
  PartitionAppend,
  PartitionBounds,
  RecordPage,
} from '../port/log-storage';

interface LockedRow {
  topic_id: number;
  partition: number;
  base: number;
  log_start_offset: number;
  log_end_offset: number;
  bytes: number;
}

/** A row of a page query in array mode: offset, timestamp, size, fragment, key bytes. */
export type PageRow = [number, number, number, string, Buffer | null];

/** The columns a page query selects, in `PageRow` order. */
export const PAGE_COLUMNS = 'record_offset, timestamp_ms, size, wire, key';

const LOCK_ONE = `
  UPDATE partitions SET log_end_offset = log_end_offset + $3, bytes = bytes + $4
  WHERE topic_id = $1 AND partition = $2
  RETURNING topic_id, partition, log_end_offset - $3 AS base, log_start_offset, log_end_offset, bytes`;

// Rows are locked in (topic, partition) order, so that concurrent appends to the same
// partitions never deadlock; the UPDATE then only touches rows this transaction holds.
const LOCK_MANY = `
  WITH wanted AS (
    SELECT * FROM unnest($1::bigint[], $2::integer[], $3::bigint[], $4::bigint[])
      AS w (topic_id, partition, n, bytes)
  ), locked AS MATERIALIZED (
    SELECT p.topic_id, p.partition FROM partitions p
    JOIN wanted w ON w.topic_id = p.topic_id AND w.partition = p.partition
    ORDER BY p.topic_id, p.partition
    FOR NO KEY UPDATE OF p
  )
  UPDATE partitions p SET log_end_offset = p.log_end_offset + w.n, bytes = p.bytes + w.bytes
  FROM wanted w, locked l
  WHERE p.topic_id = w.topic_id AND p.partition = w.partition
    AND l.topic_id = p.topic_id AND l.partition = p.partition
  RETURNING p.topic_id, p.partition, p.log_end_offset - w.n AS base, p.log_start_offset,
    p.log_end_offset, p.bytes`;

const INSERT_RECORDS = `
  INSERT INTO records (topic_id, partition, record_offset, timestamp_ms, size, key, wire)
  SELECT * FROM unnest($1::bigint[], $2::integer[], $3::bigint[], $4::bigint[], $5::integer[],
    $6::bytea[], $7::text[])`;

interface PartitionTotal {
  topicId: number;
  partition: number;
  records: number;
  bytes: number;
}

const partitionKey = (topicId: number, partition: number) => `${topicId}/${partition}`;

/**
 * Appends `batches` inside the caller's transaction: moves each partition's log end offset
 * under its row lock (`UPDATE … RETURNING`, never a sequence), then inserts every record with
 * one multi-row statement. Resolves with each batch's base offset, in the order given; several
 * batches for one partition get consecutive ranges in that order. Throws
 * `MissingPartitionError` for the first batch whose partition does not exist (the caller's
 * transaction then rolls back, so nothing is appended). Pushes each partition's new bounds to
 * `touched`, for the report after the commit.
 */
export async function appendBatches(
  client: PoolClient,
  batches: readonly PartitionAppend[],
  touched: PartitionBounds[] = [],
): Promise<number[]> {
  if (batches.length === 0) return [];
  const totals = new Map<string, PartitionTotal>();
  for (const batch of batches) {
    const key = partitionKey(batch.topicId, batch.partition);
    const total = totals.get(key) ?? {
      topicId: batch.topicId,
      partition: batch.partition,
      records: 0,
      bytes: 0,
    };
    total.records += batch.records.length;
    for (const record of batch.records) total.bytes += record.sizeBytes;
    totals.set(key, total);
  }
  const sorted = [...totals.values()].sort(
    (a, b) => a.topicId - b.topicId || a.partition - b.partition,
  );
  const { rows } =
    sorted.length === 1
      ? await client.query<LockedRow>(LOCK_ONE, [
          sorted[0]!.topicId,
          sorted[0]!.partition,
          sorted[0]!.records,
          sorted[0]!.bytes,
        ])
      : await client.query<LockedRow>(LOCK_MANY, [
          sorted.map((t) => t.topicId),
          sorted.map((t) => t.partition),
          sorted.map((t) => t.records),
          sorted.map((t) => t.bytes),
        ]);
  const next = new Map<string, number>();
  for (const row of rows) {
    next.set(partitionKey(row.topic_id, row.partition), row.base);
    touched.push({
      topicId: row.topic_id,
      partition: row.partition,
      logStartOffset: row.log_start_offset,
      logEndOffset: row.log_end_offset,
      bytes: row.bytes,
    });
  }

  const bases: number[] = [];
  const columns = {
    topicIds: [] as number[],
    partitions: [] as number[],
    offsets: [] as number[],
    timestamps: [] as number[],
    sizes: [] as number[],
    keys: [] as Array<Buffer | null>,
    wires: [] as string[],
  };
  for (const batch of batches) {
    const key = partitionKey(batch.topicId, batch.partition);
    const base = next.get(key);
    if (base === undefined) throw new MissingPartitionError(batch.topicId, batch.partition);
    bases.push(base);
    next.set(key, base + batch.records.length);
    batch.records.forEach((record, i) => {
      columns.topicIds.push(batch.topicId);
      columns.partitions.push(batch.partition);
      columns.offsets.push(base + i);
      columns.timestamps.push(record.timestampMs);
      columns.sizes.push(record.sizeBytes);
      columns.keys.push(record.key);
      columns.wires.push(record.wire);
    });
  }
  if (columns.wires.length > 0) {
    await client.query(INSERT_RECORDS, [
      columns.topicIds,
      columns.partitions,
      columns.offsets,
      columns.timestamps,
      columns.sizes,
      columns.keys,
      columns.wires,
    ]);
  }
  return bases;
}

/** A page from rows in offset order: fragments laid end to end in one buffer. */
export function toRecordPage(rows: readonly PageRow[]): RecordPage {
  const count = rows.length;
  const offsets = new Float64Array(count);
  const timestamps = new Float64Array(count);
  const sizes = new Float64Array(count);
  const keyHashes = new Float64Array(count);
  const wireStarts = new Uint32Array(count + 1);
  let total = 0;
  for (let i = 0; i < count; i++) {
    const [offset, timestampMs, size, wire, key] = rows[i]!;
    offsets[i] = offset;
    timestamps[i] = timestampMs;
    sizes[i] = size;
    keyHashes[i] = keyHash(key);
    wireStarts[i] = total;
    total += Buffer.byteLength(wire);
  }
  wireStarts[count] = total;
  const wire = Buffer.allocUnsafe(total);
  for (let i = 0; i < count; i++) wire.write(rows[i]![3], wireStarts[i]!, 'utf8');
  return { count, offsets, timestamps, sizes, keyHashes, wireStarts, wire };
}
