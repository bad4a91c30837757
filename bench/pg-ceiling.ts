import { Client } from 'pg';
import { buildFragment } from '../src/common/record-wire';
import { RECORD_VALUE, secondsSince, throughput, VALUE_BYTES } from './util';

/** Shaped like Weir's `records` table on PostgreSQL (src/persistence/postgres/postgres-schema.ts). */
const SCHEMA = `CREATE TABLE bench_records (
  topic_id bigint NOT NULL,
  record_offset bigint NOT NULL,
  timestamp_ms bigint NOT NULL,
  partition integer NOT NULL,
  size integer NOT NULL,
  key bytea,
  wire text NOT NULL,
  PRIMARY KEY (topic_id, partition, record_offset))`;

/** The statement Weir's adapter appends with (record-rows.ts): one multi-row unnest insert. */
const INSERT = `INSERT INTO bench_records
  (topic_id, partition, record_offset, timestamp_ms, size, key, wire)
  SELECT * FROM unnest($1::bigint[], $2::integer[], $3::bigint[], $4::bigint[], $5::integer[],
    $6::bytea[], $7::text[])`;

/**
 * The raw PostgreSQL ceiling: node-postgres alone, in this process, on the cluster's server,
 * inserting `total` records (the bench's 256-byte value, stored as Weir stores it: its JSON
 * fragment) with `INSERT … SELECT … FROM unnest(…)` of `perTransaction` rows, one transaction
 * each, spread round-robin over `partitions` partitions. One connection, sequential
 * transactions: the yardstick is what one writer gets from this server. The table is dropped
 * at the end.
 */
export async function postgresCeiling(
  url: string,
  total: number,
  perTransaction: number,
  partitions: number,
  timeLimitMs: number,
) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('DROP TABLE IF EXISTS bench_records');
    await client.query(SCHEMA);
    const wire = buildFragment({
      timestampMs: Date.now(),
      key: null,
      value: { json: JSON.stringify(RECORD_VALUE) },
      headers: [],
    });
    const next = new Array<number>(partitions).fill(0);
    const start = process.hrtime.bigint();
    let written = 0;
    let transactions = 0;
    while (written < total && secondsSince(start) * 1000 < timeLimitMs) {
      const count = Math.min(perTransaction, total - written);
      const partition = transactions % partitions;
      const base = next[partition]!;
      const now = Date.now();
      const offsets = Array.from({ length: count }, (_, i) => base + i);
      await client.query('BEGIN');
      await client.query(INSERT, [
        new Array<number>(count).fill(1),
        new Array<number>(count).fill(partition),
        offsets,
        new Array<number>(count).fill(now),
        new Array<number>(count).fill(VALUE_BYTES),
        new Array<null>(count).fill(null),
        new Array<string>(count).fill(wire),
      ]);
      await client.query('COMMIT');
      next[partition] = base + count;
      written += count;
      transactions++;
    }
    const run = throughput(written, secondsSince(start));
    await client.query('DROP TABLE bench_records');
    return { ...run, rowsPerTransaction: perTransaction, transactions, partitions };
  } finally {
    await client.end();
  }
}
