import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWireRecord, servePage } from '../src/common/record-wire';
import type { AppendRecord } from '../src/persistence/port/log-storage';
import { SqliteStorage } from '../src/persistence/sqlite/sqlite-storage';

/**
 * The storage port against the raw better-sqlite3 ceiling, in one run: appends `TOTAL` 256-byte
 * records in batches of `BATCH` through `SqliteStorage` (engine thread) and through a plain
 * insert loop on this thread (`BATCH`-row transactions, one row per statement, the value as JSON
 * text), then reads them back in pages of `PAGE` both ways (raw: keyset pages of row arrays;
 * port: `readPage` answered across threads, then served as one JSON Buffer with `servePage`).
 * The port's appends include building each record's fragment (`encodeWireRecord`) unless the
 * scenario says the fragments were built before. Prints one JSON object per line. Run compiled, so that the adapter finds its
 * `engine-worker.js` beside itself as in production:
 *
 *   npx tsc bench/storage-port.ts src/persistence/sqlite/engine-worker.ts --outDir dist/bench-port \
 *     --rootDir . --module nodenext --target es2022 --esModuleInterop --skipLibCheck --types node --ignoreConfig
 *   node dist/bench-port/bench/storage-port.js
 */
const TOTAL = Number(process.env.BENCH_RECORDS ?? 200_000);
const BATCH = 1_000;
const PAGE = 500;
const VALUE = 'x'.repeat(254); // JSON text of 256 bytes

const seconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;
const report = (line: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};
const rate = (records: number, start: bigint): number => Math.round(records / seconds(start));

function rawCeiling(file: string): { append: number; read: number } {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE records (topic_id INTEGER NOT NULL, partition INTEGER NOT NULL,
    record_offset INTEGER NOT NULL, timestamp_ms INTEGER NOT NULL, key BLOB, value TEXT,
    size INTEGER NOT NULL, PRIMARY KEY (topic_id, partition, record_offset)) WITHOUT ROWID`);
  const insert = db.prepare('INSERT INTO records VALUES (1, 0, ?, ?, NULL, ?, ?)');
  const value = JSON.stringify(VALUE);
  const insertMany = db.transaction((from: number) => {
    const now = Date.now();
    for (let i = 0; i < BATCH; i++) insert.run(from + i, now, value, value.length);
  });
  let start = process.hrtime.bigint();
  for (let from = 0; from < TOTAL; from += BATCH) insertMany(from);
  const append = rate(TOTAL, start);
  const page = db.prepare(
    `SELECT record_offset, timestamp_ms, size, value FROM records
     WHERE topic_id = 1 AND partition = 0 AND record_offset >= ? ORDER BY record_offset LIMIT ?`,
  );
  start = process.hrtime.bigint();
  let read = 0;
  for (let from = 0; read < TOTAL;) {
    const rows = page.all(from, PAGE) as Array<{ record_offset: number }>;
    read += rows.length;
    from = rows[rows.length - 1]!.record_offset + 1;
  }
  const readRate = rate(read, start);
  db.close();
  return { append, read: readRate };
}

/** Through the port; `preEncoded` builds every record's fragment before the clock starts. */
async function throughPort(file: string, inFlight: number, preEncoded: boolean) {
  const storage = await SqliteStorage.open({ file, sync: 'normal' });
  try {
    const topic = await storage.catalogue.createTopic(
      't',
      1,
      { retentionMs: -1, retentionBytes: -1, maxMessageBytes: 1 << 20 },
      Date.now(),
    );
    const encode = () => {
      const now = Date.now();
      return Array.from({ length: BATCH }, () => encodeWireRecord({ value: VALUE }, now));
    };
    const ready: AppendRecord[][] = preEncoded ? Array.from({ length: TOTAL / BATCH }, encode) : [];
    let claimed = 0;
    let start = process.hrtime.bigint();
    const producer = async (): Promise<void> => {
      while (claimed < TOTAL) {
        const records = preEncoded ? ready[claimed / BATCH]! : encode();
        claimed += BATCH;
        await storage.log.append([{ topicId: topic.id, partition: 0, records }]);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, () => producer()));
    const append = rate(claimed, start);
    ready.length = 0; // so that the reads do not pay for marking 200k retained records
    start = process.hrtime.bigint();
    let read = 0;
    let servedBytes = 0;
    for (let from = 0; read < claimed;) {
      const page = await storage.log.readPage(topic.id, 0, from, PAGE, 1 << 30);
      servedBytes += servePage('t', 0, page).length;
      read += page.count;
      from = page.offsets[page.count - 1]! + 1;
    }
    return { append, read: rate(read, start), servedBytes };
  } finally {
    await storage.close();
  }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;

/** Three interleaved repetitions; each line is one run, the last lines the medians and ratios. */
async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'weir-storage-bench-'));
  const runs = new Map<string, Array<{ append: number; read: number }>>();
  const record = (name: string, run: { append: number; read: number }) => {
    runs.set(name, [...(runs.get(name) ?? []), run]);
    report({ scenario: name, appendPerSec: run.append, readPerSec: run.read });
  };
  try {
    for (let repetition = 0; repetition < 3; repetition++) {
      record(
        'raw better-sqlite3 on the main thread',
        rawCeiling(join(dir, `raw-${repetition}.db`)),
      );
      for (const [inFlight, preEncoded] of [
        [1, false],
        [4, false],
        [4, true],
      ] as const) {
        const name = `SqliteStorage, ${inFlight} in flight, ${preEncoded ? 'fragments built before' : 'fragments built in the loop'}`;
        record(
          name,
          await throughPort(
            join(dir, `port-${repetition}-${name.length}-${inFlight}.db`),
            inFlight,
            preEncoded,
          ),
        );
      }
    }
    const raw = runs.get('raw better-sqlite3 on the main thread')!;
    const rawAppend = median(raw.map((r) => r.append));
    const rawRead = median(raw.map((r) => r.read));
    for (const [name, list] of runs) {
      const append = median(list.map((r) => r.append));
      const read = median(list.map((r) => r.read));
      report({
        median: name,
        appendPerSec: append,
        readPerSec: read,
        appendRatio: Number((append / rawAppend).toFixed(2)),
        readRatio: Number((read / rawRead).toFixed(2)),
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
