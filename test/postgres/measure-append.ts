/**
 * Measures appends through PostgresStorage beside raw `INSERT … unnest` of the same batches on a
 * real PostgreSQL (fsync on, synchronous_commit on), in one run. Not a test. Run as root:
 *
 *   npx tsc -p tsconfig.json --outDir dist-bench && node dist-bench/test/postgres/measure-append.js
 *
 * Prints one JSON line per round (raw and storage interleaved), then the medians and their ratio.
 * RECORDS, BATCH and ROUNDS may be set in the environment.
 */
import { Client } from 'pg';
import type { AppendRecord } from '../../src/persistence/port/log-storage';
import { PostgresStorage } from '../../src/persistence/postgres/postgres-storage';
import { PostgresServer } from '../support/postgres-server';

const RECORDS = Number(process.env.RECORDS ?? 200_000);
const BATCH = Number(process.env.BATCH ?? 1_000);
const BATCHES = Math.ceil(RECORDS / BATCH);
const ROUNDS = Number(process.env.ROUNDS ?? 3);

/** A record whose value is 256 bytes of JSON. */
function makeRecord(i: number): AppendRecord {
  const head = `{"n":${i},"pad":"`;
  const json = `${head}${'x'.repeat(256 - head.length - 2)}"}`;
  return {
    timestampMs: 1_700_000_000_000 + i,
    key: null,
    wire: `"timestampMs":${1_700_000_000_000 + i},"value":${json},"headers":{}`,
    sizeBytes: Buffer.byteLength(json),
  };
}

const batches: AppendRecord[][] = Array.from({ length: BATCHES }, (_, b) =>
  Array.from({ length: BATCH }, (_, i) => makeRecord(b * BATCH + i)),
);

/** Appends every batch with `inFlight` appenders, appender k writing to partition k % partitions. */
async function throughStorage(url: string, inFlight: number, partitions: number): Promise<number> {
  const storage = await PostgresStorage.open({ urls: [url], poolSize: Math.max(2, inFlight) });
  const topic = await storage.catalogue.createTopic(
    'bench',
    partitions,
    {
      retentionMs: -1,
      retentionBytes: -1,
      maxMessageBytes: 1_048_576,
    },
    0,
  );
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: inFlight }, async (_, k) => {
      const partition = k % partitions;
      for (let b = next++; b < batches.length; b = next++) {
        await storage.log.append([{ topicId: topic.id, partition, records: batches[b]! }]);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const appended = (await storage.log.bounds()).reduce((sum, b) => sum + b.logEndOffset, 0);
  if (appended !== RECORDS) throw new Error(`appended ${appended}`);
  await storage.close();
  return RECORDS / seconds;
}

async function rawInserts(url: string): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  await client.query(`CREATE TABLE raw_records (
    topic_id bigint NOT NULL, record_offset bigint NOT NULL, timestamp_ms bigint NOT NULL,
    partition integer NOT NULL, size integer NOT NULL, key bytea, wire text NOT NULL,
    PRIMARY KEY (topic_id, partition, record_offset))`);
  const sql = `INSERT INTO raw_records (topic_id, partition, record_offset, timestamp_ms, size, key, wire)
    SELECT * FROM unnest($1::bigint[], $2::integer[], $3::bigint[], $4::bigint[], $5::integer[],
      $6::bytea[], $7::text[])`;
  const started = process.hrtime.bigint();
  for (let b = 0; b < batches.length; b++) {
    const records = batches[b]!;
    // One statement is one transaction of BATCH rows (autocommit).
    await client.query(sql, [
      records.map(() => 1),
      records.map(() => 0),
      records.map((_, i) => b * BATCH + i),
      records.map((r) => r.timestampMs),
      records.map((r) => r.sizeBytes),
      records.map((r) => r.key),
      records.map((r) => r.wire),
    ]);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await client.end();
  return RECORDS / seconds;
}

async function main(): Promise<void> {
  const server = await PostgresServer.start();
  try {
    const rounds: Array<{ storage: number; raw: number }> = [];
    for (let round = 0; round < ROUNDS; round++) {
      const raw = await rawInserts(await server.createDatabase(`raw_${round}`));
      const storage = await throughStorage(await server.createDatabase(`storage_${round}`), 1, 1);
      rounds.push({ storage, raw });
      console.log(
        JSON.stringify({ round, storageRecPerS: Math.round(storage), rawRecPerS: Math.round(raw) }),
      );
    }
    const onePartition = await throughStorage(await server.createDatabase('storage_4_on_1'), 4, 1);
    const fourPartitions = await throughStorage(
      await server.createDatabase('storage_4_on_4'),
      4,
      4,
    );
    console.log(
      JSON.stringify({
        storage4AppendersOnePartitionRecPerS: Math.round(onePartition),
        storage4AppendersFourPartitionsRecPerS: Math.round(fourPartitions),
      }),
    );
    const median = (pick: (r: { storage: number; raw: number }) => number) => {
      const sorted = rounds.map(pick).sort((a, b) => a - b);
      return sorted[Math.floor(sorted.length / 2)]!;
    };
    console.log(
      JSON.stringify({
        records: RECORDS,
        batch: BATCH,
        medianStorageRecPerS: Math.round(median((r) => r.storage)),
        medianRawRecPerS: Math.round(median((r) => r.raw)),
        ratio: Number((median((r) => r.storage) / median((r) => r.raw)).toFixed(3)),
      }),
    );
  } finally {
    await server.stop();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
