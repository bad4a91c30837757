import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { SCHEMA } from './produce-scenarios';
import { makeTempDir, RECORD_VALUE, removeDir, secondsSince, throughput, Throughput } from './util';

const PAGE = 500;
const CLAIM = 100;

const SHARE_SCHEMA = `CREATE TABLE share_records (group_id INTEGER NOT NULL, record_offset INTEGER NOT NULL,
  state INTEGER NOT NULL, delivery_count INTEGER NOT NULL, member_id TEXT, token TEXT,
  lock_expires_at_ms INTEGER, PRIMARY KEY (group_id, record_offset)) WITHOUT ROWID;`;

/** A file database with the broker's pragmas and `total` 256-byte records in one partition. */
function filledDatabase(total: number): { db: BetterSqlite3.Database; dir: string } {
  const dir = makeTempDir('read-ceiling');
  const db = new BetterSqlite3(join(dir, 'ceiling.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(SCHEMA);
  db.exec(SHARE_SCHEMA);
  const insert = db.prepare(
    `INSERT INTO records (topic_id, partition, record_offset, timestamp_ms, key_format, key,
     value_format, value, headers, size) VALUES (1, 0, ?, ?, 0, NULL, 1, ?, NULL, ?)`,
  );
  const value = JSON.stringify(RECORD_VALUE);
  const fill = db.transaction((from: number, count: number) => {
    for (let i = 0; i < count; i++) insert.run(from + i, Date.now(), value, value.length);
  });
  for (let at = 0; at < total; at += 1000) fill(at, Math.min(1000, total - at));
  return { db, dir };
}

/**
 * The read ceiling: better-sqlite3 alone reading the whole partition back in keyset pages of
 * 500 rows (row objects, the value as text), the way a consumer pages through a backlog.
 */
export function sqliteReadCeiling(total: number): Throughput {
  const { db, dir } = filledDatabase(total);
  try {
    const page = db
      .prepare(
        `SELECT record_offset, timestamp_ms, value, headers FROM records
         WHERE topic_id = 1 AND partition = 0 AND record_offset >= ? ORDER BY record_offset LIMIT ?`,
      )
      .raw();
    const start = process.hrtime.bigint();
    let read = 0;
    for (let from = 0; from < total;) {
      const rows = page.all(from, PAGE) as unknown[][];
      if (rows.length === 0) break;
      read += rows.length;
      from = (rows[rows.length - 1]![0] as number) + 1;
    }
    return throughput(read, secondsSince(start));
  } finally {
    db.close();
    removeDir(dir);
  }
}

/**
 * The work-queue ceiling: better-sqlite3 alone claiming 100 records (read them, write their
 * ACQUIRED states) in one transaction and acknowledging them in the next, until `total`.
 */
export function sqliteClaimAckCeiling(total: number): Throughput {
  const { db, dir } = filledDatabase(total);
  try {
    const read = db
      .prepare(
        `SELECT record_offset, value FROM records
         WHERE topic_id = 1 AND partition = 0 AND record_offset >= ? ORDER BY record_offset LIMIT ?`,
      )
      .raw();
    const acquire = db.prepare(
      `INSERT INTO share_records (group_id, record_offset, state, delivery_count, member_id, token,
       lock_expires_at_ms) VALUES (1, ?, 1, 1, 'm', ?, ?)`,
    );
    const accept = db.prepare(
      `UPDATE share_records SET state = 2, member_id = NULL, lock_expires_at_ms = NULL
       WHERE group_id = 1 AND record_offset = ?`,
    );
    const claim = db.transaction((from: number): number[] => {
      const rows = read.all(from, CLAIM) as Array<[number, string]>;
      const expires = Date.now() + 30_000;
      for (const [offset] of rows) acquire.run(offset, `t${offset}`, expires);
      return rows.map(([offset]) => offset);
    });
    const ack = db.transaction((offsets: number[]) => {
      for (const offset of offsets) accept.run(offset);
    });
    const start = process.hrtime.bigint();
    let done = 0;
    for (let from = 0; from < total;) {
      const offsets = claim(from);
      if (offsets.length === 0) break;
      ack(offsets);
      done += offsets.length;
      from = offsets[offsets.length - 1]! + 1;
    }
    return throughput(done, secondsSince(start));
  } finally {
    db.close();
    removeDir(dir);
  }
}
