import BetterSqlite3 from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS } from './migrations';

export type StorageSync = 'normal' | 'full';

/** Where and how to open the database. `file` may be ':memory:'. */
export interface DatabaseOptions {
  file: string;
  sync: StorageSync;
}

/**
 * The one SQLite connection of the broker: WAL journal, the chosen `synchronous` level,
 * foreign keys on, and the schema migrated to the latest `user_version`.
 */
export class Database {
  readonly connection: BetterSqlite3.Database;
  /** Per open transaction level (outermost first): what to undo in memory if it rolls back. */
  private readonly undoStack: Array<Array<() => void>> = [];

  constructor(readonly options: DatabaseOptions) {
    if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true });
    this.connection = new BetterSqlite3(options.file);
    this.connection.pragma('journal_mode = WAL');
    this.connection.pragma(`synchronous = ${options.sync === 'full' ? 'FULL' : 'NORMAL'}`);
    this.connection.pragma('foreign_keys = ON');
    this.connection.pragma('busy_timeout = 5000');
    this.migrate();
  }

  /**
   * Runs `work` in one transaction (a savepoint when already inside one). If it rolls back, the
   * undo actions registered inside it with `onRollback` run, latest first.
   */
  transaction<T>(work: () => T): T {
    const undo: Array<() => void> = [];
    this.undoStack.push(undo);
    let result: T;
    try {
      // IMMEDIATE: take the write lock up front, so that a read inside never meets a snapshot
      // another connection (the storage engine's thread) moved on meanwhile.
      result = this.connection.transaction(work).immediate();
    } catch (error) {
      this.undoStack.pop();
      for (const action of undo.reverse()) action();
      throw error;
    }
    this.undoStack.pop();
    // A savepoint that committed still rolls back with its enclosing transaction.
    this.undoStack.at(-1)?.push(...undo);
    return result;
  }

  /**
   * Registers `undo` to run if the current transaction (or savepoint) rolls back, so that memory
   * caches follow only committed writes. Outside a transaction the write is already durable.
   */
  onRollback(undo: () => void): void {
    this.undoStack.at(-1)?.push(undo);
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
