import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { HttpClient, offsetCount } from './http-client';
import {
  log,
  makeTempDir,
  RECORD_VALUE,
  recordsJson,
  removeDir,
  secondsSince,
  throughput,
  Throughput,
} from './util';
import { WsProducer } from './ws-producer';

/** Stop a throughput run after this many failed requests: the figures would mean nothing. */
const MAX_ERRORS = 10;

export interface ProduceRun extends Throughput {
  requests: number;
  errors: number;
  timedOut: boolean;
}

/** Limits of one produce run: it stops at `totalRecords` or after `timeLimitMs`. */
export interface ProducePlan {
  topic: string;
  totalRecords: number;
  batchSize: number;
  timeLimitMs: number;
}

export const SCHEMA = `CREATE TABLE records (topic_id INTEGER NOT NULL, partition INTEGER NOT NULL,
  record_offset INTEGER NOT NULL, timestamp_ms INTEGER NOT NULL, key_format INTEGER NOT NULL,
  key BLOB, value_format INTEGER NOT NULL, value BLOB, headers TEXT, size INTEGER NOT NULL,
  PRIMARY KEY (topic_id, partition, record_offset)) WITHOUT ROWID;`;

/**
 * The ceiling: better-sqlite3 alone, in this process, with the broker's pragmas and records
 * table, inserting `total` 256-byte values in transactions of `perTransaction` rows. Best of
 * `trials` runs, each on a fresh file, so that one noisy run does not lower the yardstick.
 */
export function sqliteCeiling(
  total: number,
  perTransaction: number,
  timeLimitMs: number,
  trials: number,
) {
  const runs = Array.from({ length: trials }, () =>
    sqliteCeilingTrial(total, perTransaction, timeLimitMs),
  );
  const best = runs.reduce((a, b) => (b.recordsPerSec > a.recordsPerSec ? b : a));
  return {
    ...best,
    rowsPerTransaction: perTransaction,
    trialsRecordsPerSec: runs.map((r) => r.recordsPerSec),
  };
}

function sqliteCeilingTrial(total: number, perTransaction: number, timeLimitMs: number) {
  const dir = makeTempDir('ceiling');
  const db = new BetterSqlite3(join(dir, 'ceiling.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.exec(SCHEMA);
    const insert = db.prepare(
      `INSERT INTO records (topic_id, partition, record_offset, timestamp_ms, key_format, key,
       value_format, value, headers, size) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const value = Buffer.from(JSON.stringify(RECORD_VALUE), 'utf8');
    const insertMany = db.transaction((from: number, count: number) => {
      const now = Date.now();
      for (let i = 0; i < count; i++) {
        insert.run(1, 0, from + i, now, 0, null, 1, value, null, value.length);
      }
    });
    const start = process.hrtime.bigint();
    let written = 0;
    while (written < total && secondsSince(start) * 1000 < timeLimitMs) {
      const count = Math.min(perTransaction, total - written);
      insertMany(written, count);
      written += count;
    }
    return throughput(written, secondsSince(start));
  } finally {
    db.close();
    removeDir(dir);
  }
}

/**
 * `clients` concurrent HTTP producers posting batches of `plan.batchSize` records; given several
 * ports (the nodes of a cluster), producer i posts to `ports[i % ports.length]`.
 */
export async function httpProduceBatch(
  port: number | readonly number[],
  plan: ProducePlan,
  clients: number,
): Promise<ProduceRun> {
  const ports = typeof port === 'number' ? [port] : port;
  const pool = ports.map((p) => new HttpClient(p, Math.ceil(clients / ports.length)));
  const path = `/topics/${encodeURIComponent(plan.topic)}/records`;
  const fullBody = Buffer.from(`{"records":${recordsJson(plan.batchSize)}}`, 'utf8');
  let claimed = 0;
  let produced = 0;
  let requests = 0;
  let errors = 0;
  let timedOut = false;
  const start = process.hrtime.bigint();
  const worker = async (index: number): Promise<void> => {
    const client = pool[index % pool.length]!;
    while (claimed < plan.totalRecords && errors < MAX_ERRORS) {
      if (secondsSince(start) * 1000 >= plan.timeLimitMs) {
        timedOut = true;
        return;
      }
      const count = Math.min(plan.batchSize, plan.totalRecords - claimed);
      claimed += count;
      const body = count === plan.batchSize ? fullBody : `{"records":${recordsJson(count)}}`;
      try {
        const answer = await client.request('POST', path, body);
        requests++;
        const n = offsetCount(answer.body);
        if (answer.status !== 200 || n !== count) {
          errors++;
          log(`http produce: status ${answer.status}, ${n} offsets for ${count} records`);
        } else produced += n;
      } catch (error) {
        errors++;
        log(`http produce failed: ${String(error)}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: clients }, (_, i) => worker(i)));
  } finally {
    for (const client of pool) client.close();
  }
  return { ...throughput(produced, secondsSince(start)), requests, errors, timedOut };
}

/**
 * `clients` WebSocket connections, each keeping up to `inFlightPerClient` produce requests of
 * `plan.batchSize` records outstanding.
 */
export async function wsProduceBatch(
  port: number,
  plan: ProducePlan,
  clients: number,
  inFlightPerClient: number,
): Promise<ProduceRun> {
  const producers = await Promise.all(
    Array.from({ length: clients }, (_, i) =>
      WsProducer.connect(`ws://127.0.0.1:${port}/ws`, `c${i}`),
    ),
  );
  const fullRecords = recordsJson(plan.batchSize);
  let claimed = 0;
  let produced = 0;
  let requests = 0;
  let errors = 0;
  let timedOut = false;
  const start = process.hrtime.bigint();
  const lane = async (producer: WsProducer): Promise<void> => {
    while (claimed < plan.totalRecords && errors < MAX_ERRORS) {
      if (secondsSince(start) * 1000 >= plan.timeLimitMs) {
        timedOut = true;
        return;
      }
      const count = Math.min(plan.batchSize, plan.totalRecords - claimed);
      claimed += count;
      const records = count === plan.batchSize ? fullRecords : recordsJson(count);
      try {
        const n = await producer.produce(plan.topic, records);
        requests++;
        if (n !== count) {
          errors++;
          log(`ws produce: ${n} offsets for ${count} records`);
        } else produced += n;
      } catch (error) {
        errors++;
        log(`ws produce failed: ${String(error)}`);
      }
    }
  };
  try {
    const lanes: Array<Promise<void>> = [];
    for (const producer of producers) {
      for (let i = 0; i < inFlightPerClient; i++) lanes.push(lane(producer));
    }
    await Promise.all(lanes);
  } finally {
    await Promise.all(producers.map((p) => p.close()));
  }
  return { ...throughput(produced, secondsSince(start)), requests, errors, timedOut };
}
