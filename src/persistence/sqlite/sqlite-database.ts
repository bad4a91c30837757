import BetterSqlite3 from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS } from './migrations';

export type StorageSync = 'normal' | 'full';

/** Where and how to open the database. `file` may be ':memory:'. */
export interface DatabaseOptions {
  file: string;
  sync: StorageSync;
  /**
   * The writer's `wal_autocheckpoint` in pages (SQLite's default 1,000 when absent); a
   * checkpointer thread keeps the WAL below it in the usual case (see `wal-checkpoints.ts`).
   */
  walAutocheckpointPages?: number;
}

/**
 * The storage engine's SQLite connection (on the engine's thread): WAL journal, the chosen
 * `synchronous` level, foreign keys on, and the schema migrated to the latest `user_version`
 * when it opens the file.
 */
export class SqliteDatabase {
  readonly connection: BetterSqlite3.Database;

  constructor(readonly options: DatabaseOptions) {
    if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true });
    this.connection = new BetterSqlite3(options.file);
    this.connection.pragma('journal_mode = WAL');
    this.connection.pragma(`synchronous = ${options.sync === 'full' ? 'FULL' : 'NORMAL'}`);
    this.connection.pragma('foreign_keys = ON');
    this.connection.pragma('busy_timeout = 5000');
    if (options.walAutocheckpointPages !== undefined) {
      this.connection.pragma(`wal_autocheckpoint = ${Math.floor(options.walAutocheckpointPages)}`);
    }
    this.migrate();
  }

  /** Runs `work` in one transaction, or in a savepoint when already inside one. */
  transaction<T>(work: () => T): T {
    // IMMEDIATE: take the write lock up front, so that a read inside never meets a snapshot
    // another connection moved on meanwhile.
    return this.connection.transaction(work).immediate();
  }

  get isOpen(): boolean {
    return this.connection.open;
  }

  get inTransaction(): boolean {
    return this.connection.inTransaction;
  }

  /** Proves the file can be written: a write transaction that is rolled back. */
  checkWritable(): void {
    this.connection.exec('BEGIN IMMEDIATE');
    this.connection.exec('ROLLBACK');
  }

  close(): void {
    if (this.connection.open) this.connection.close();
  }

  schemaVersion(): number {
    return this.connection.pragma('user_version', { simple: true }) as number;
  }

  private migrate(): void {
    const current = this.schemaVersion();
    MIGRATIONS.forEach((sql, index) => {
      const version = index + 1;
      if (version <= current) return;
      this.transaction(() => {
        this.connection.exec(sql);
        this.connection.pragma(`user_version = ${version}`);
      });
    });
  }
}
